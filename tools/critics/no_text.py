"""The ``no_text`` critic: a shot whose plan forbids text ("no text", "without any words")
must show none.

Only such shots are read at all: a shot with neither planned text nor a text negative needs
no OCR. The whole image is read once; what the engine reads with at least
:data:`MIN_CHARACTERS` letters or digits fails the check, with its box, and is repaired by
repainting that region from the shot's prompt. One exception: a storyboard marks a planned
object it has no drawing for with a shape labelled by the object's name; that label, inside
the object's planned box, is an annotation of the sketch, not text in the picture.
"""

from __future__ import annotations

import re
from typing import Sequence

from PIL import Image

from tools.critics.ocr_engines import OcrEngine, OcrError, Reading, get_engine
from tools.critics.ocr_lines import normalise, union_box
from tools.critics.ocr_regions import inside_share
from tools.scene import CheckResult, RepairAction, SceneObject

CHECK_NAME = "no_text"
TEXT_WORDS = frozenset({
    "text", "texts", "word", "words", "letter", "letters", "lettering", "writing", "caption", "captions",
    "typography", "watermark", "watermarks", "subtitle", "subtitles", "inscription", "inscriptions",
    "label", "labels",
})
"""Words of a negative that forbid text in the image ("no text", "without lettering")."""
MIN_CHARACTERS = 2
"""A reading needs this many letters or digits to count as text: one stray glyph is more
often texture (a fence, a branch) read as "I" or "l" than writing."""


def forbids_text(negatives: Sequence[str]) -> bool:
    """Whether the plan's negatives rule out text ("text", "any words", "watermark")."""
    return any(TEXT_WORDS & set(re.findall(r"[a-z]+", negative.lower())) for negative in negatives)


def _object_label(reading: Reading, objects: Sequence[SceneObject], size: tuple[int, int]) -> bool:
    """A reading that is a planned object's own name, inside that object's planned box."""
    text = normalise(reading.text)
    return any(
        obj.box is not None and normalise(obj.name) == text
        and inside_share(reading.box, obj.box.to_pixels(*size)) >= 0.5
        for obj in objects
    )


def _characters(text: str) -> int:
    return sum(ch.isalnum() for ch in normalise(text))


def check_no_text(
    image: Image.Image, objects: Sequence[SceneObject] = (), engine: str | OcrEngine = "rapidocr"
) -> list[CheckResult]:
    """One ``no_text`` check: pass when nothing legible is read, fail with what and where.

    ``objects`` are the shot's planned objects (their labelled placeholders are allowed).
    When the engine cannot load or fails, the check is skipped with the reason."""
    label = engine if isinstance(engine, str) else engine.name
    try:
        reader = get_engine(engine) if isinstance(engine, str) else engine
        readings = reader.read(image)
    except OcrError as exc:
        return [CheckResult(name=CHECK_NAME, status="skipped", expected="no text",
                            reason=f"ocr engine {label!r} could not run: {exc}")]
    stray = [r for r in readings
             if _characters(r.text) >= MIN_CHARACTERS and not _object_label(r, objects, image.size)]
    if not stray:
        return [CheckResult(name=CHECK_NAME, status="pass", score=1.0, expected="no text",
                            reason="no text read (the plan forbids text)")]
    stray.sort(key=lambda r: (r.box[1], r.box[0]))
    found = " ".join(r.text for r in stray)
    shown = found if len(found) <= 60 else found[:59] + "…"
    return [CheckResult(
        name=CHECK_NAME, status="fail", score=0.0, expected="no text", found=found,
        box=list(union_box(r.box for r in stray)), reason=f"read {shown!r} where the plan forbids text",
    )]


def suggest_repairs(checks: Sequence[CheckResult]) -> list[RepairAction]:
    """Text where none may be: the region is repainted from the shot's prompt (inpaint;
    regenerate where the backend cannot edit)."""
    return [RepairAction(kind="inpaint", check=CHECK_NAME, box=check.box)
            for check in checks if check.name == CHECK_NAME and check.status == "fail"]
