"""Text-to-mask for edits: "make the car red" without a mask finds "the car" with CLIPSeg
(transformers), when a segmentation model is configured (``LIMNER_SEGMENTER``, a hub id such as
``CIDAS/clipseg-rd64-refined`` or a local folder). Without its weights the step is skipped with
the reason, never guessed; the hub is asked only when the model is not cached, and briefly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image

from tools.hub import cached_file, hub_cache_dir, hub_problem
from tools.memo import LoadOnce

DEFAULT_SEGMENTER = "CIDAS/clipseg-rd64-refined"
THRESHOLD = 0.5
"""Probability above which a pixel belongs to the phrase."""


class SegmenterUnavailable(RuntimeError):
    """The segmentation model cannot be loaded here; the message says why."""


def _load(model_id: str) -> tuple[Any, Any]:
    from transformers import CLIPSegForImageSegmentation, CLIPSegProcessor

    flags: dict[str, Any] = {}
    if not Path(model_id).expanduser().is_dir():
        if cached_file(model_id, ["config.json"], hub_cache_dir()):
            flags["local_files_only"] = True
        elif (problem := hub_problem()) is not None:
            raise SegmenterUnavailable(f"{model_id} is not in the local cache and the hub cannot be reached ({problem})")
    try:
        processor = CLIPSegProcessor.from_pretrained(model_id, **flags)
        model = CLIPSegForImageSegmentation.from_pretrained(model_id, **flags).eval()
    except (OSError, ValueError) as error:
        raise SegmenterUnavailable(f"cannot load {model_id}: {str(error).splitlines()[0][:160]}") from None
    return processor, model


_MODELS: LoadOnce[tuple[Any, Any]] = LoadOnce(SegmenterUnavailable)


def text_mask(image: Image.Image, phrase: str, model_id: str = DEFAULT_SEGMENTER,
              threshold: float | None = None) -> Image.Image | None:
    """A mask ("L", white = the phrase) at ``image``'s size, or None when nothing matched.
    Raises :class:`SegmenterUnavailable` when the model cannot be had."""
    import torch

    processor, model = _MODELS.get(model_id, lambda: _load(model_id))
    inputs = processor(text=[phrase], images=[image.convert("RGB")], padding="max_length", return_tensors="pt")
    with torch.no_grad():
        logits = model(**inputs).logits
    probability = torch.sigmoid(logits.reshape(logits.shape[-2:])).numpy()
    cut = THRESHOLD if threshold is None else threshold
    mask = Image.fromarray(((probability > cut) * 255).astype("uint8"), "L").resize(image.size, Image.BILINEAR)
    return mask if mask.getbbox() else None
