"""The preservation check of edits: outside the edited region, the image must still be the
input (within a small tolerance for resampling and compression)."""

from __future__ import annotations

from PIL import Image

from tools.edit_ops import preservation
from tools.scene import CheckResult, RepairAction

CHECK_NAME = "preserve"
MAX_MEAN_DIFF = 1.0
"""Mean absolute difference (0–255) allowed over the pixels that must not change."""
MAX_CHANGED = 0.005
"""Fraction of those pixels allowed to differ by more than 8 levels."""


def check_preserved(reference: Image.Image, edited: Image.Image, keep: Image.Image) -> tuple[CheckResult, list[RepairAction]]:
    """Pass when ``edited`` matches ``reference`` where ``keep`` is white; a failure is repaired
    by compositing the reference back there."""
    if reference.size != edited.size:
        result = CheckResult(name=CHECK_NAME, status="fail", expected=f"{reference.size[0]}x{reference.size[1]}",
                             found=f"{edited.size[0]}x{edited.size[1]}", reason="the edit changed the image size")
        return result, [RepairAction(kind="restore", check=CHECK_NAME)]
    mean, changed = preservation(reference, edited, keep)
    ok = mean <= MAX_MEAN_DIFF and changed <= MAX_CHANGED
    result = CheckResult(
        name=CHECK_NAME, status="pass" if ok else "fail", score=round(1.0 - changed, 4),
        expected="unchanged outside the edited region",
        found=f"mean difference {mean:.2f}/255, {changed:.2%} of pixels changed",
        reason="" if ok else "pixels outside the edited region changed",
    )
    return result, ([] if ok else [RepairAction(kind="restore", check=CHECK_NAME)])
