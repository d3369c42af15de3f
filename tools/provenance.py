"""Provenance: what every image limner writes says about where it came from.

PNG text chunks (iTXt, UTF-8) under ``limner:*`` keys plus a standard ``Software`` and
``Description``. C2PA manifests arrive with the provenance issue.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image, PngImagePlugin

PREFIX = "limner:"


def save_png(image: Image.Image, path: str | Path, metadata: dict[str, Any]) -> Path:
    """Write ``image`` as PNG with ``metadata`` embedded; non-string values are stored as JSON."""
    info = PngImagePlugin.PngInfo()
    for key, value in metadata.items():
        if value is None:
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        info.add_itxt(PREFIX + key, text)
    if "limner_version" in metadata:
        info.add_itxt("Software", f"limner {metadata['limner_version']}")
    if "prompt" in metadata:
        info.add_itxt("Description", str(metadata["prompt"]))
    path = Path(path)
    image.save(path, format="PNG", pnginfo=info)
    return path


def read_png_metadata(path: str | Path) -> dict[str, Any]:
    """The ``limner:*`` metadata of a PNG, JSON values decoded back."""
    with Image.open(path) as image:
        image.load()
        text = dict(getattr(image, "text", {}) or {})
    out: dict[str, Any] = {}
    for key, value in text.items():
        if not key.startswith(PREFIX):
            continue
        try:
            out[key[len(PREFIX):]] = json.loads(value)
        except (json.JSONDecodeError, TypeError):
            out[key[len(PREFIX):]] = value
    return out
