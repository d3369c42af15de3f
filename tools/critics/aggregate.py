"""aggregate: run every check on one image and collect a ``Critique`` with repair suggestions."""

from __future__ import annotations

from PIL import Image

from tools.critics.ocr import check_texts, suggest_repairs
from tools.scene import CheckResult, Critique, RepairAction, Shot


def critique_image(image: Image.Image, shot: Shot, *, ocr_engine: str = "rapidocr") -> Critique:
    """All checks for ``image`` against what ``shot`` planned."""
    checks: list[CheckResult] = []
    repairs: list[RepairAction] = []
    text_checks = check_texts(image, shot.texts, engine=ocr_engine)
    checks += text_checks
    repairs += suggest_repairs(text_checks, shot.texts, image_size=image.size)
    return Critique(shot=shot.index, checks=checks, repairs=repairs)


def missing_image_critique(shot: int, error: str) -> Critique:
    """A shot whose generation failed: a failed ``generate`` check, repaired by regenerating."""
    check = CheckResult(name="generate", status="fail", reason=error)
    return Critique(shot=shot, checks=[check], repairs=[RepairAction(kind="regenerate", check="generate")])
