"""Fonts for typesetting, located without network access or system font paths.

DejaVu Sans ships inside matplotlib (a project dependency), so we find its files through
the import system instead of trusting ``/usr/share/fonts``, which differs per machine.
matplotlib itself is never imported: that would cost ~0.5 s for a file path.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

_FILES = {True: "DejaVuSans-Bold.ttf", False: "DejaVuSans.ttf"}


@lru_cache(maxsize=2)
def font_path(bold: bool = True) -> Path | None:
    """Path of DejaVu Sans (Bold) inside the installed matplotlib, or None if absent."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        path = Path(root) / "mpl-data" / "fonts" / "ttf" / _FILES[bold]
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=256)
def font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``size`` px; Pillow's bundled font when matplotlib is not installed.

    Cached because layout code asks for the same sizes many times while fitting text.
    """
    size = max(1, int(size))
    path = font_path(bold)
    if path is not None:
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)  # type: ignore[return-value]
