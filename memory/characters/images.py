"""A character's reference images: decoding the ones offered, and swapping its image folder.

``_decode_images`` checks and decodes input images (count, size, format) before anything is
written; ``_ImageSwap`` stages a character's new image folder beside the live one and swaps
it in around the record write, putting the old one back if that write fails.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any, Iterable

from PIL import Image

from memory.characters.records import IMAGES_MAX, CharacterError
from tools.images import ImageInputError, load_image


def _decode_images(paths: Iterable[str | Path], already: int = 0) -> list[Image.Image]:
    paths = list(paths)
    if already + len(paths) > IMAGES_MAX:
        raise CharacterError(f"at most {IMAGES_MAX} reference images per character")
    images = []
    for path in paths:
        try:
            images.append(load_image(path))
        except ImageInputError as error:
            raise CharacterError(f"reference image refused: {error}") from None
    return images


class _ImageSwap:
    """Stage a character's image folder beside the live one and swap it in; the ``with``
    body writes the record. If the body fails, the old folder comes back."""

    def __init__(self, target: Path, keep: list[Path], new: list[Image.Image]) -> None:
        self.target, self.keep, self.new = target, keep, new
        self.staging = target.parent / f".staging-{target.name}-{uuid.uuid4().hex[:8]}"
        self.aside = target.parent / f".old-{target.name}-{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> list[Path]:
        names: list[str] = []
        if not self.keep and not self.new:
            self.staging = None  # type: ignore[assignment]
        else:
            self.staging.mkdir(parents=True)
            try:
                for number, source in enumerate(self.keep, start=1):
                    names.append(f"ref-{number:02d}{source.suffix or '.png'}")
                    shutil.copyfile(source, self.staging / names[-1])
                for number, image in enumerate(self.new, start=len(self.keep) + 1):
                    names.append(f"ref-{number:02d}.png")
                    image.save(self.staging / names[-1], format="PNG")
            except BaseException:
                shutil.rmtree(self.staging, ignore_errors=True)
                raise
        if self.target.exists():
            self.target.rename(self.aside)
        if self.staging is not None:
            self.staging.rename(self.target)
            return [self.target / name for name in names]
        return []

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            shutil.rmtree(self.target, ignore_errors=True)
            if self.aside.exists():
                self.aside.rename(self.target)
        else:
            shutil.rmtree(self.aside, ignore_errors=True)
