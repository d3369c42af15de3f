"""Batch coherence without training: shared self-attention across the images of one batch.

In every self-attention layer of the denoiser, each image attends to its own tokens *and* to
the tokens of the batch's reference image (its first image), as in consistent self-attention. Characters, palette and style of the reference leak into
every sibling, while each keeps its own prompt and seed.

Two properties make runs reproducible:
- a reference image attends to its own tokens twice, which leaves softmax attention exactly
  as it was: the reference is the image it would be alone;
- every other image depends only on itself and the reference, so the result does not depend
  on how the batch is split into chunks, as long as each chunk starts with the reference.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import torch


class SharedSelfAttention:
    """An attention processor: self-attention keys/values extended with the reference image's."""

    def __init__(self, base: Any, images: int) -> None:
        self.base = base
        """The processor that does the attention arithmetic (diffusers' AttnProcessor2_0)."""
        self.images = images
        """Images per classifier-free-guidance group: the batch is ``groups × images``; the
        first image of each group is the reference."""

    def __call__(self, attn: Any, hidden_states: torch.Tensor, encoder_hidden_states: torch.Tensor | None = None,
                 attention_mask: torch.Tensor | None = None, temb: torch.Tensor | None = None,
                 *args: Any, **kwargs: Any) -> torch.Tensor:
        if encoder_hidden_states is not None or hidden_states.ndim != 3:
            return self.base(attn, hidden_states, encoder_hidden_states, attention_mask, temb)
        batch, tokens, channels = hidden_states.shape
        if batch % self.images or self.images < 2:
            return self.base(attn, hidden_states, None, attention_mask, temb)
        groups = batch // self.images
        reference = hidden_states.view(groups, self.images, tokens, channels)[:, :1]
        shared = reference.expand(groups, self.images, tokens, channels).reshape(batch, tokens, channels)
        # The query side is untouched; only what each image may look at grows.
        return self.base(attn, hidden_states, torch.cat([hidden_states, shared], dim=1), attention_mask, temb)


def _denoiser(pipe: Any) -> Any:
    return getattr(pipe, "unet", None) or getattr(pipe, "transformer", None)


@contextmanager
def shared_attention(pipe: Any, images: int) -> Iterator[bool]:
    """Inside the block, the pipeline's self-attention layers share the batch's first image.

    Yields False (and changes nothing) for denoisers without per-layer processors; the
    original processors are put back afterwards, so img2img and inpainting pipelines made
    from the same components with ``from_pipe`` are not affected.
    """
    from diffusers.models.attention_processor import AttnProcessor2_0

    denoiser = _denoiser(pipe)
    if denoiser is None or not hasattr(denoiser, "attn_processors") or images < 2:
        yield False
        return
    original = dict(denoiser.attn_processors)
    base = AttnProcessor2_0()
    processors = {
        name: SharedSelfAttention(base, images) if name.endswith("attn1.processor") else processor
        for name, processor in original.items()
    }
    if not any(isinstance(p, SharedSelfAttention) for p in processors.values()):
        yield False
        return
    denoiser.set_attn_processor(processors)
    try:
        yield True
    finally:
        denoiser.set_attn_processor(original)
