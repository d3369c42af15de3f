"""aggregate: run every check on one image and collect a ``Critique`` with repair suggestions."""

from __future__ import annotations

from PIL import Image

from tools.critics import color, ocr
from tools.scene import CheckResult, Critique, RepairAction, Shot


def critique_image(
    image: Image.Image,
    shot: Shot,
    *,
    ocr_engine: str = "rapidocr",
    extra_checks: list[CheckResult] | None = None,
) -> Critique:
    """All per-image checks for ``image`` against what ``shot`` planned.

    ``extra_checks`` are verdicts computed over the whole batch (CLIP alignment and
    identity need every image at once); they join the critique as they are.
    """
    text_checks = ocr.check_texts(image, shot.texts, engine=ocr_engine)
    color_checks = color.check_colors(image, shot.objects)
    repairs: list[RepairAction] = ocr.suggest_repairs(text_checks, shot.texts, image_size=image.size)
    repairs += color.suggest_repairs(color_checks)
    checks = text_checks + color_checks + list(extra_checks or [])
    return Critique(shot=shot.index, checks=checks, repairs=repairs)


def missing_image_critique(shot: int, error: str) -> Critique:
    """A shot whose generation failed: a failed ``generate`` check, repaired by regenerating."""
    check = CheckResult(name="generate", status="fail", reason=error)
    return Critique(shot=shot, checks=[check], repairs=[RepairAction(kind="regenerate", check="generate")])
