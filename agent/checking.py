"""``check``: run the critics on an image the user brings (CLI ``limner check``, other surfaces)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.images import load_image
from tools.scene import CheckResult, Shot, TextElement


def check_image(
    path: str | Path, *, texts: list[str], prompt: str | None = None, ocr_engine: str = "rapidocr"
) -> dict[str, Any]:
    """``{"passed": bool, "checks": [...]}`` for one image file; loads only what the checks need."""
    image = load_image(path)
    from tools.critics.aggregate import critique_image

    shot = Shot(index=0, prompt=prompt or "(not given)", texts=[TextElement(text=t) for t in texts if t.strip()])
    verdict = critique_image(image, shot, ocr_engine=ocr_engine)
    checks = list(verdict.checks)
    if prompt:
        # Said, not silently ignored: prompt alignment needs the CLIP critic.
        checks.append(CheckResult(name="clip", status="skipped", reason="the CLIP critic is not part of this version yet"))
    return {"passed": all(c.status != "fail" for c in checks), "checks": [c.model_dump() for c in checks]}
