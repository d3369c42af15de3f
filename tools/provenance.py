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


def _png_info(metadata: dict[str, Any]) -> PngImagePlugin.PngInfo:
    """The text chunks for ``metadata``: ``limner:*`` keys (non-strings as JSON), plus the
    standard ``Software`` and ``Description``."""
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
    return info


def save_png(image: Image.Image, path: str | Path, metadata: dict[str, Any]) -> Path:
    """Write ``image`` as PNG with ``metadata`` embedded; non-string values are stored as JSON."""
    path = Path(path)
    image.save(path, format="PNG", pnginfo=_png_info(metadata))
    return path


_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def copy_png(source: str | Path, path: str | Path, metadata: dict[str, Any]) -> Path:
    """``source`` written to ``path`` as an RGB PNG with ``metadata`` embedded, as
    :func:`save_png` would write it. An 8-bit RGB PNG is not decoded and re-encoded: the
    text chunks go in before its image data, every other chunk is copied as it is. Any
    other file is decoded, converted to RGB and saved."""
    data = Path(source).read_bytes()
    path = Path(path)
    # IHDR comes first: bit depth at byte 24, colour type (2: RGB) at byte 25.
    if not (data.startswith(_SIGNATURE) and data[12:16] == b"IHDR" and data[24:26] == b"\x08\x02"):
        with Image.open(source) as image:
            return save_png(image.convert("RGB"), path, metadata)
    offset = len(_SIGNATURE)
    with open(path, "wb") as out:
        out.write(_SIGNATURE)
        written = False
        while offset < len(data):
            length = int.from_bytes(data[offset:offset + 4], "big")
            kind = data[offset + 4:offset + 8]
            end = offset + 12 + length
            if kind == b"IDAT" and not written:
                for cid, payload, *_ in _png_info(metadata).chunks:
                    PngImagePlugin.putchunk(out, cid, payload)
                written = True
            out.write(data[offset:end])
            offset = end
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
