"""Planning an edit of the user's image: what must change (operation, region, text, colour)
and what must stay (everything outside the region).

The region comes from the user's mask (greyscale: white = edit; RGBA: transparent = edit, the
OpenAI convention; another size is resized, with a note), else from position words ("at the
top", "bottom left"), else the whole image. The inputs and the mask are copied into the run
folder; the user's files are only ever read.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Sequence

from PIL import Image

from agent.errors import InputError
from agent.planning.rules import extract_aspect, extract_texts
from agent.planning.vocab import COLOURS
from tools.edit_ops import edit_refusal, load_mask, mask_bbox
from tools.generators.base import can_edit
from tools.images import ImageInputError, load_image
from tools.scene import Box, EditOperation, EditSpec, SceneObject, ScenePlan, Shot

RECOLOUR_NEEDS_REGION = ("recolouring needs a region: pass --mask (white where the colour should change), "
                         "or say where ('the left half', 'the top right corner')")
"""Said as the CLI says it; other surfaces name their own mask field (``mask_named``)."""
MODEL_ONLY = "inpaint"
"""The operation that needs a model: anything beyond text, recolouring and canvas changes."""

_WORD_REGIONS: list[tuple[str, Box]] = [
    (r"\bleft half\b", Box(x0=0, y0=0, x1=0.5, y1=1)),
    (r"\bright half\b", Box(x0=0.5, y0=0, x1=1, y1=1)),
    (r"\b(?:top|upper) half\b", Box(x0=0, y0=0, x1=1, y1=0.5)),
    (r"\b(?:bottom|lower) half\b", Box(x0=0, y0=0.5, x1=1, y1=1)),
    (r"\btop[- ]left|upper[- ]left\b", Box(x0=0.04, y0=0.04, x1=0.5, y1=0.3)),
    (r"\btop[- ]right|upper[- ]right\b", Box(x0=0.5, y0=0.04, x1=0.96, y1=0.3)),
    (r"\bbottom[- ]left|lower[- ]left\b", Box(x0=0.04, y0=0.7, x1=0.5, y1=0.96)),
    (r"\bbottom[- ]right|lower[- ]right\b", Box(x0=0.5, y0=0.7, x1=0.96, y1=0.96)),
    (r"\b(?:at the |along the |across the )?(?:top|upper|above|header|headline|title)\b", Box(x0=0.08, y0=0.04, x1=0.92, y1=0.28)),
    (r"\b(?:at the |along the |across the )?(?:bottom|lower|below|footer|caption)\b", Box(x0=0.08, y0=0.72, x1=0.92, y1=0.96)),
    (r"\b(?:on the )?left\b", Box(x0=0.04, y0=0.3, x1=0.46, y1=0.7)),
    (r"\b(?:on the )?right\b", Box(x0=0.54, y0=0.3, x1=0.96, y1=0.7)),
    (r"\b(?:in the )?(?:middle|centre|center)\b", Box(x0=0.2, y0=0.35, x1=0.8, y1=0.65)),
]
_TEXT_VERBS = r"\b(add|put|write|place|print|letter|label|caption|title|sign|say|says|saying|reads?|replace|change|text)\b"
_RECOLOUR = rf"\b(make|turn|paint|recolou?r|colou?r|change)\b.*\b({'|'.join(COLOURS)})\b"


def mask_named(message: str, field: str) -> str:
    """``message`` with the CLI's ``--mask`` said as a surface's own name of the mask field
    (HTTP: the multipart ``mask`` file; MCP: ``mask_path``)."""
    return message.replace("--mask", field)


def edit_operation(instruction: str) -> tuple[EditOperation, str | None, str | None]:
    """(operation, quoted text, target colour) the instruction asks for."""
    lower = instruction.lower()
    texts, unquoted = extract_texts(instruction)
    if texts and re.search(_TEXT_VERBS, unquoted.lower()):
        return "add_text", texts[0].text, None
    if re.search(r"\bcrop\b", lower):
        return "crop", None, None
    if re.search(r"\b(extend|expand|outpaint|widen|make (?:it|the image) wider|add (?:more )?space)\b", lower):
        return "extend", None, None
    colour = re.search(_RECOLOUR, unquoted.lower())
    if colour and not texts:
        return "recolour", None, colour[2]
    return "inpaint", None, None


def words_region(instruction: str) -> Box | None:
    """The coarse region position words name ("at the top", "bottom left"), or None."""
    lower = instruction.lower()
    return next((box for pattern, box in _WORD_REGIONS if re.search(pattern, lower)), None)


def subject_phrase(instruction: str) -> str | None:
    """What the instruction is about, for text-to-mask: "make the car red" → "car"."""
    _, unquoted = extract_texts(instruction)
    match = re.search(r"\b(?:the|this|that|my|his|her|its|their)\s+((?:[a-z-]+\s){0,2}?[a-z-]+?)"
                      r"(?=\s+(?:a|an|the|to|into|in|of|on|at|for|with|red|blue|green|yellow|orange|purple|pink|brown|black|white|"
                      r"gray|grey)\b|[.,!?]|$)", unquoted.lower())
    return match[1] if match else None


def _text_region(first: Image.Image, instruction: str, segmenter: str) -> tuple[Image.Image | None, str]:
    """The segmenter's mask of the instruction's subject, or None with the reason."""
    from tools.segment import SegmenterUnavailable, text_mask  # lazy: text-to-mask loads transformers

    phrase = subject_phrase(instruction)
    if not phrase:
        return None, "text-to-mask skipped: no subject found in the instruction"
    try:
        mask = text_mask(first, phrase, segmenter)
    except SegmenterUnavailable as error:
        return None, f"text-to-mask skipped: {error}"
    if mask is None:
        return None, f"text-to-mask found no {phrase!r} in the image"
    return mask, f"region from text-to-mask of {phrase!r} ({segmenter})"


def plan_edit(instruction: str, inputs: Sequence[str], mask_file: str | None, out_dir: Path, count: int,
              segmenter: str | None = None) -> ScenePlan:
    """The edit plan for ``instruction`` on the user's ``inputs`` (and mask); copies them into
    ``out_dir/inputs``. ``segmenter`` (a CLIPSeg model) finds the region from the instruction
    when there is no mask."""
    if not inputs:
        raise InputError("edit needs at least one input image")
    try:
        first = load_image(inputs[0])
        for other in inputs[1:]:
            load_image(other)
    except ImageInputError as error:
        raise InputError(str(error)) from None
    size = first.size
    folder = out_dir / "inputs"
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for index, source in enumerate(inputs):
        copy = folder / f"{index:02d}-{Path(source).name}"
        shutil.copyfile(source, copy)  # the user's file is read, never written
        copies.append(str(copy))
    operation, text, colour = edit_operation(instruction)
    notes: list[str] = []
    region, source, mask_path = None, "whole", None
    mask = None
    if mask_file:
        mask, notes = _user_mask(mask_file, size)
    elif segmenter and operation in ("recolour", "inpaint") and words_region(instruction) is None:
        mask, note = _text_region(first, instruction, segmenter)
        notes.append(note)
    if mask is not None:
        mask_path = folder / "mask.png"
        mask.save(mask_path)
        x0, y0, x1, y1 = mask_bbox(mask)  # type: ignore[misc]
        region, source = Box(x0=x0 / size[0], y0=y0 / size[1], x1=x1 / size[0], y1=y1 / size[1]), "mask"
    elif (words := words_region(instruction)) is not None or operation == "add_text":
        region, source = words or Box(x0=0.08, y0=0.04, x1=0.92, y1=0.28), "words"
    if operation == "recolour" and region is None:
        raise InputError(RECOLOUR_NEEDS_REGION, param="mask")
    aspect = extract_aspect(instruction) or ("1:1" if operation == "crop" else None)
    if operation == "extend" and aspect is None:
        aspect = f"{round(size[0] * 1.5)}:{size[1]}"  # "extend" alone: half again as wide
    spec = EditSpec(operation=operation, instruction=instruction, inputs=copies, size=size, region=region,
                    region_source=source, mask=str(mask_path) if mask_path else None, text=text, color=colour,
                    aspect=aspect, notes=notes)
    # The quoted text with the role the extractor read from the words before it, in the region.
    texts = [extract_texts(instruction)[0][0].model_copy(update={"box": region})] if text else []
    objects = [SceneObject(name="edited region", color=colour, box=region)] if colour else []
    shots = [Shot(index=i, prompt=instruction, texts=texts, objects=objects) for i in range(count)]
    return ScenePlan(request=instruction, shots=shots, edit=spec, notes=notes)


def _user_mask(path: str | Path, size: tuple[int, int]) -> tuple[Image.Image, list[str]]:
    try:
        return load_mask(str(path), size)
    except ImageInputError as error:
        raise InputError(f"mask: {error}") from None


def check_edit_request(mode: str, instruction: str, inputs: Sequence[str | Path] | None, mask: str | Path | None,
                       *, backend: str, segmenter: str | None = None,
                       max_inputs: int = 8) -> tuple[list[str], str | None, tuple[int, int] | None]:
    """The one check of an edit request, before any work: the inputs are readable images, the
    mask selects something, the backend can do what is asked (known without building it), and a
    recolour has a region. Returns absolute input paths, the mask's path and the first input's
    size (the outputs'); InputError otherwise. Outside edit mode, inputs and masks are refused."""
    if mode != "edit":
        if inputs or mask:
            raise InputError("input images and masks are for edit mode (limner edit)", param="image")
        return [], None, None
    if not inputs:
        raise InputError("edit needs at least one input image", param="image")
    if len(inputs) > max_inputs:
        raise InputError(f"at most {max_inputs} input images, got {len(inputs)}", param="image")
    paths, size = [], None
    for item in inputs:
        path = Path(item).expanduser().resolve()
        try:
            size = size or load_image(path).size
        except ImageInputError as error:
            raise InputError(f"input: {error}", param="image") from None
        paths.append(str(path))
    mask_path = str(Path(mask).expanduser().resolve()) if mask else None
    if mask_path:
        _user_mask(mask_path, size)  # readable, and selects something
    operation, _, _ = edit_operation(instruction)
    reason = edit_refusal(backend, can_edit(backend), operation, instruction)
    if reason:
        raise InputError(reason, param="backend")
    if operation == "recolour" and not (mask_path or segmenter) and words_region(instruction) is None:
        raise InputError(RECOLOUR_NEEDS_REGION, param="mask")
    return paths, mask_path, size
