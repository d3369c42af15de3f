"""Carrying out a planned edit with a backend, and what the critique compares it against.

The offline default (sketch) does the exact operations only: text into a region, recolouring
a masked region, cropping, extending the canvas. Anything else ("give the cat a hat") needs a
backend that can edit (diffusers inpainting, the OpenAI edits endpoint); the sketch backend
refuses it before any work starts, saying which backend to use.
"""

from __future__ import annotations

from PIL import Image, ImageFilter

from agent.errors import InputError
from agent.request import RunRequest
from tools import edit_ops
from tools.generators.base import BackendError, Generator
from tools.images import load_image
from tools.scene import EditSpec

EXACT = {"add_text", "recolour", "crop", "extend"}
RECOLOUR_NEEDS_REGION = "recolouring needs a region: pass --mask (white where the colour should change)"


def cannot_edit(generator: Generator, spec: EditSpec) -> str | None:
    """Why ``generator`` cannot carry out ``spec``, or None when it can."""
    return _refusal(generator, spec.operation, spec.instruction)


def _refusal(generator: Generator, operation: str, instruction: str) -> str | None:
    if operation in EXACT or generator.supports_edit:
        return None
    return (f"the {generator.name} backend cannot do {instruction!r} offline: it can add or replace "
            "quoted text in a region, recolour a masked region, crop or extend the canvas. For other "
            "edits use --backend diffusers (local inpainting) or --backend openai")


def check_edit_request(request: RunRequest, segmenter: str | None = None) -> None:
    """Refuse, before any work, an edit the chosen backend cannot do (InputError, exit 2)."""
    from agent.backends import generator_for
    from agent.planning.edit import edit_operation, words_region

    operation, _, _ = edit_operation(request.prompt)
    reason = _refusal(generator_for(request), operation, request.prompt)
    if reason:
        raise InputError(reason)
    if operation == "recolour" and not (request.mask or segmenter) and words_region(request.prompt) is None:
        raise InputError(RECOLOUR_NEEDS_REGION)


def source(spec: EditSpec) -> Image.Image:
    """The image being edited (the run folder's copy of the first input)."""
    return load_image(spec.inputs[0])


def region_mask(spec: EditSpec) -> Image.Image:
    """What may change, at the input's size: the user's mask, else the planned box, else all."""
    if spec.mask:
        return Image.open(spec.mask).convert("L")
    mask = Image.new("L", spec.size, 0 if spec.region else 255)
    if spec.region is not None:
        mask.paste(255, spec.region.to_pixels(*spec.size))
    return mask


def _multiple_of_8(canvas: Image.Image, placed: edit_ops.PixelBox,
                   mask: Image.Image) -> tuple[Image.Image, edit_ops.PixelBox, Image.Image]:
    """Diffusion models want sides in multiples of 8: trim the canvas (never the original)."""
    width, height = canvas.size
    w8, h8 = width - width % 8, height - height % 8
    if (w8, h8) == (width, height) or w8 < placed[2] or h8 < placed[3]:
        return canvas, placed, mask
    return canvas.crop((0, 0, w8, h8)), placed, mask.crop((0, 0, w8, h8))


def apply_edit(generator: Generator, spec: EditSpec, seed: int) -> Image.Image:
    """One edited image for ``spec`` (``seed`` matters for model edits only)."""
    reason = cannot_edit(generator, spec)
    if reason:
        raise BackendError(reason)
    image = source(spec)
    mask = region_mask(spec)
    if spec.operation == "add_text":
        box = spec.region.to_pixels(*spec.size) if spec.region else (0, 0, *spec.size)
        return edit_ops.add_text(image, spec.text or "", box, "sign", mask=mask if spec.mask else None)
    if spec.operation == "recolour":
        return edit_ops.recolour(image, mask, spec.color or "")
    if spec.operation == "crop":
        return _cropped(spec, image)
    if spec.operation == "extend":
        canvas, placed, new_area = edit_ops.extend_canvas(image, spec.aspect or "3:2")
        if not generator.supports_edit:
            return canvas
        canvas, placed, new_area = _multiple_of_8(canvas, placed, new_area)
        return generator.edit(canvas, new_area, f"{spec.instruction}; continue the scene seamlessly", seed)
    return generator.edit(image, edit_ops.feathered(mask), spec.instruction, seed)


def _cropped(spec: EditSpec, image: Image.Image) -> Image.Image:
    """The crop the plan asks for, centred on its region when it has one."""
    around = spec.region.to_pixels(*spec.size) if spec.region else None
    return edit_ops.crop_to_aspect(image, spec.aspect or "1:1", around)[0]


def reference(spec: EditSpec, edited: Image.Image) -> tuple[Image.Image, Image.Image]:
    """(what ``edited`` should equal where it must not change, and that "must not change" mask),
    both at ``edited``'s size."""
    image = source(spec)
    if spec.operation == "crop":
        cropped = _cropped(spec, image)
        return cropped, Image.new("L", cropped.size, 255)
    if spec.operation == "extend":
        canvas, _, new_area = edit_ops.extend_canvas(image, spec.aspect or "3:2")
        keep = new_area.point(lambda v: 255 - v).crop((0, 0, *edited.size))
        # A model's repaint of the new area is pasted through a feathered mask: the original's
        # outermost pixels may blend by design, so they are not held to "unchanged".
        keep = keep.filter(ImageFilter.MinFilter(2 * (edit_ops.FEATHER_PX // 2) + 1))
        return canvas.crop((0, 0, *edited.size)), keep
    keep = edit_ops.feathered(region_mask(spec)).point(lambda v: 255 if v == 0 else 0)
    return image, keep

