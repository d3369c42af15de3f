"""``check``: run the critics on an image the user brings (CLI ``limner check``, other surfaces)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.images import load_image
from tools.critics.aggregate import ClipSettings, clip_checks, critique_image
from tools.scene import Shot, TextElement


def check_image(
    path: str | Path,
    *,
    texts: list[str],
    prompt: str | None = None,
    ocr_engine: str = "rapidocr",
    clip: ClipSettings | None = None,
) -> dict[str, Any]:
    """``{"passed": bool, "checks": [...]}`` for one image file; loads only what the checks
    need (CLIP, and with it torch, only when a prompt is given)."""
    image = load_image(path)
    shot = Shot(index=0, prompt=prompt or "(not given)", texts=[TextElement(text=t) for t in texts if t.strip()])
    extra = clip_checks({0: image}, {0: shot}, clip or ClipSettings())[0] if prompt else []
    verdict = critique_image(image, shot, ocr_engine=ocr_engine, extra_checks=extra)
    checks = [c for c in verdict.checks if not (c.name == "color" and c.status == "skipped")]
    return {"passed": all(c.status != "fail" for c in checks), "checks": [c.model_dump() for c in checks]}
