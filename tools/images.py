"""Safe image loading: every image limner decodes from a user or the web goes through here."""

from __future__ import annotations

import io
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

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
    return _decode(path, str(path), max_pixels)


def decode_image(data: bytes, *, label: str = "image", max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode image bytes (from an API or a download) under the same limits as files."""
    if len(data) > MAX_FILE_BYTES:
        raise ImageInputError(f"{label}: more than {MAX_FILE_BYTES // 2**20} MiB")
    return _decode(io.BytesIO(data), label, max_pixels)


@contextmanager
def open_limited(path: str | Path, *, max_pixels: int = MAX_PIXELS) -> Iterator[Image.Image]:
    """The image at ``path`` decoded in its own mode (masks keep their alpha), EXIF orientation
    applied, under the same limits as :func:`load_image`."""
    path = Path(path)
    if not path.is_file():
        raise ImageInputError(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImageInputError(f"{path}: file is larger than {MAX_FILE_BYTES // 2**20} MiB")
    yield _decode(path, str(path), max_pixels, convert=False)


def _decode(source: Path | io.BytesIO, label: str, max_pixels: int, convert: bool = True) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise ImageInputError(
                        f"{label}: {width}x{height} is more than {max_pixels:,} pixels; downscale it first"
                    )
                image.load()
                upright = ImageOps.exif_transpose(image)
                return upright.convert("RGB") if convert else upright.copy()
    except ImageInputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageInputError(f"{label}: more than {max_pixels:,} pixels (or a decompression bomb); downscale it first") from None
    except UnidentifiedImageError as error:
        raise ImageInputError(f"{label}: not a readable image ({error.__class__.__name__})") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageInputError(f"{label}: damaged or truncated image ({error})") from None


def thumbnail_jpeg(path: str | Path, *, max_side: int = 160, quality: int = 80) -> bytes:
    """A small JPEG of the image at ``path`` (longest side ``max_side``): a preview for tool
    results and chat messages, a few KB where the PNG is hundreds."""
    image = load_image(path)
    image.thumbnail((max_side, max_side))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()
