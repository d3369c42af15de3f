"""Safe image loading: every image limner decodes from a user or the web goes through here."""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 40_000_000
"""Largest image decoded (e.g. 8000×5000); larger ones are refused before decoding."""
MAX_FILE_BYTES = 50 * 1024 * 1024


class ImageInputError(ValueError):
    """The file is missing, not an image, damaged, or too large."""


def load_image(path: str | Path, *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode ``path`` to RGB, EXIF orientation applied, refusing bombs and broken files."""
    path = Path(path)
    if not path.is_file():
        raise ImageInputError(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImageInputError(f"{path}: file is larger than {MAX_FILE_BYTES // 2**20} MiB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise ImageInputError(
                        f"{path}: {width}x{height} is more than {max_pixels:,} pixels; downscale it first"
                    )
                image.load()
                return ImageOps.exif_transpose(image).convert("RGB")
    except ImageInputError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageInputError(f"{path}: not a readable image ({error.__class__.__name__})") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageInputError(f"{path}: damaged or truncated image ({error})") from None
