"""Edit mode: the image painted on in the browser (the editor's background, the strokes over it
as the mask: painted = edit), any further images, and the instruction. The files are written to
an upload folder of their own, the edit runs (the run copies them into its folder), and the
folder is removed when the run ends."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import Any, Iterator

from PIL import Image

from agent.errors import InputError
from agent.surfaces.studio.chat import Frame, follow
from agent.surfaces.studio.core import Studio
from agent.surfaces.studio.options import Options
from agent.surfaces.studio.thread import Conversation
from tools.images import load_image


def painted_mask(layers: list[Any], size: tuple[int, int]) -> Image.Image | None:
    """White where any layer has paint (alpha > 0), black elsewhere, at the image's size; None
    when nothing was painted (the instruction's words, or the whole image, set the region)."""
    mask = Image.new("L", size, 0)
    for layer in layers or []:
        if layer is None:
            continue
        alpha = _image(layer).convert("RGBA").getchannel("A")
        if alpha.size != size:
            alpha = alpha.resize(size, Image.Resampling.NEAREST)
        mask.paste(255, mask=alpha.point(lambda value: 255 if value > 0 else 0))
    return mask if mask.getbbox() else None


def _image(value: Any) -> Image.Image:
    return value if isinstance(value, Image.Image) else load_image(Path(value))


def edit(studio: Studio, owner: str, conversation: Conversation | None, editor: dict[str, Any] | None,
         more: list[Any] | None, instruction: str | None, options: Options) -> Iterator[Frame]:
    """Edit the editor's image (and ``more`` images after it) as ``instruction`` says."""
    conversation = conversation or Conversation()
    background = (editor or {}).get("background")
    if background is None:
        raise InputError("no image to edit: upload one to the editor (wait until it shows), then paint where to "
                         "change it", param="image")
    folder = studio.uploads / "studio" / secrets.token_hex(8)
    folder.mkdir(parents=True)
    try:
        image = _image(background)
        first = folder / "input-1.png"
        image.save(first, format="PNG")
        inputs = [str(first)]
        for index, item in enumerate(more or [], start=2):
            path = folder / f"input-{index}.png"
            _image(getattr(item, "name", item)).save(path, format="PNG")
            inputs.append(str(path))
        mask = painted_mask((editor or {}).get("layers") or [], image.size)
        mask_path = None
        if mask is not None:
            mask_path = folder / "mask.png"
            mask.save(mask_path, format="PNG")
        request = options.request(studio, owner, instruction or "", mode="edit", inputs=inputs,
                                  mask=str(mask_path) if mask_path else None)
        yield from follow(studio, owner, conversation, request, kind="edit", prompt=request.prompt, keep=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
