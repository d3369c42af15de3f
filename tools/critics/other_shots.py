"""The ``other_shot_text`` critic: a quoted text the plan gives to one shot must not turn up in
another ("in the last panel she says 'THANK YOU!'" — not in panels 1 to 3).

A text-to-image model that saw the whole request, or a prompt that leaked, paints the line in
every panel; the shot's own text checks cannot see that. Only shots of a batch whose other
shots carry texts of their own are read for it, once, over the whole image; a reading that
holds another shot's text fails, with its box, and is repaired by repainting that region.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from PIL import Image

from tools.critics.ocr_engines import OcrEngine, OcrError, get_engine
from tools.critics.ocr_lines import normalise, union_box
from tools.scene import CheckResult, RepairAction, Shot

CHECK_NAME = "other_shot_text"
MIN_CHARACTERS = 3
"""Texts shorter than this (after normalising) are not looked for: "A" or "OK" turn up by
chance in texture and in the shot's own words."""


def texts_of_other_shots(shots: Mapping[int, Shot]) -> dict[int, list[str]]:
    """Shot index → the texts other shots of the batch carry and this one does not."""
    own = {index: {normalise(t.text) for t in shot.texts} for index, shot in shots.items()}
    out: dict[int, list[str]] = {}
    for index in shots:
        foreign = {t.text for other, shot in shots.items() if other != index for t in shot.texts
                   if normalise(t.text) not in own[index] and len(normalise(t.text)) >= MIN_CHARACTERS}
        if foreign:
            out[index] = sorted(foreign)
    return out


def check_other_shots_text(image: Image.Image, foreign: Sequence[str],
                           engine: str | OcrEngine = "rapidocr") -> list[CheckResult]:
    """One check: pass when none of ``foreign`` is read in ``image``, fail with the first one
    found and where. Skipped with the reason when the engine cannot run."""
    if not foreign:
        return []
    expected = "not here: " + ", ".join(repr(t) for t in foreign)
    label = engine if isinstance(engine, str) else engine.name
    try:
        reader = get_engine(engine) if isinstance(engine, str) else engine
        readings = reader.read(image)
    except OcrError as exc:
        return [CheckResult(name=CHECK_NAME, status="skipped", expected=expected,
                            reason=f"ocr engine {label!r} could not run: {exc}")]
    lines = [(normalise(r.text), r) for r in readings]
    whole = "".join(text for text, _ in lines)
    for text in foreign:
        wanted = normalise(text)
        hits = [r for line, r in lines if wanted in line or (len(line) >= MIN_CHARACTERS and line in wanted)]
        if wanted in whole and hits:
            return [CheckResult(
                name=CHECK_NAME, status="fail", score=0.0, expected=expected, found=text,
                box=list(union_box(r.box for r in hits)),
                reason=f"{text!r} belongs to another shot but is in this one",
            )]
    return [CheckResult(name=CHECK_NAME, status="pass", score=1.0, expected=expected,
                        reason="no text of another shot read here")]


def suggest_repairs(checks: Sequence[CheckResult]) -> list[RepairAction]:
    """Another shot's text: its region is repainted from this shot's prompt."""
    return [RepairAction(kind="inpaint", check=CHECK_NAME, box=check.box)
            for check in checks if check.name == CHECK_NAME and check.status == "fail"]
