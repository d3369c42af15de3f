"""A tiny, random-weight Stable Diffusion pipeline, for tests and evals only.

The real diffusers backend loads multi-gigabyte checkpoints from the Hugging Face hub; tests and
evals must run offline on a CPU in seconds. This module builds the same *kind* of pipeline
(``StableDiffusionPipeline``: UNet, VAE, CLIP text encoder, CLIP tokenizer, scheduler) from small
configs with random weights, the way diffusers' own test suite does, so that every code path
(loading from a folder, text-to-image, ``from_pipe`` to img2img and inpainting, seeds) can be
exercised with no network and no downloaded weights. Its images are noise: never use it to judge
image quality.

The one piece diffusers' tests download is the tokenizer (``hf-internal-testing/tiny-random-clip``).
Here a real CLIP BPE tokenizer is written from the vocabulary that ``open_clip`` ships inside its
wheel, so prompts tokenize exactly as they would for a real SD 1.x model.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # heavy imports stay out of module import time
    from diffusers import StableDiffusionPipeline
    from transformers import CLIPTokenizer

CLIP_VOCAB_SIZE = 49408
"""256 bytes + 256 end-of-word bytes + 48,894 merges + 2 special tokens."""
CLIP_MAX_LENGTH = 77
BOS_TOKEN, EOS_TOKEN = "<|startoftext|>", "<|endoftext|>"
BOS_ID, EOS_ID = CLIP_VOCAB_SIZE - 2, CLIP_VOCAB_SIZE - 1
_N_MERGES = CLIP_VOCAB_SIZE - 256 - 256 - 2  # 48,894


def open_clip_bpe_path() -> Path:
    """The BPE merges file inside the installed open_clip package (``default_bpe()``'s file).

    Found through the import system without running ``open_clip/__init__``: importing open_clip
    pulls in torchvision and its whole model zoo, about 3 s on a cold start, for one data file.
    """
    spec = importlib.util.find_spec("open_clip")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("open_clip (open_clip_torch) is not installed: no CLIP BPE file")
    path = Path(next(iter(spec.submodule_search_locations))) / "bpe_simple_vocab_16e6.txt.gz"
    if not path.is_file():
        raise FileNotFoundError(f"open_clip ships no BPE file at {path}")
    return path


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character table (as in open_clip and CLIP), copied rather than
    imported for the same reason as above."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("\N{INVERTED EXCLAMATION MARK}"), ord("\N{NOT SIGN}") + 1),
        *range(ord("\N{REGISTERED SIGN}"), ord("\N{LATIN SMALL LETTER Y WITH DIAERESIS}") + 1),
    ]
    chars = list(printable)
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, chars)))


def offline_clip_tokenizer(folder: Path) -> CLIPTokenizer:
    """Write ``vocab.json`` and ``merges.txt`` into ``folder`` from open_clip's bundled BPE file
    and return a ``CLIPTokenizer`` over them (49,408 tokens, 77 positions, pad = end of text).

    The vocabulary is built in the same order open_clip's ``SimpleTokenizer`` (and OpenAI's CLIP)
    builds it, so token ids are those of the real SD 1.x tokenizer; only the special tokens are
    spelled the Hugging Face way (``<|startoftext|>``/``<|endoftext|>``, ids 49406/49407).
    """
    from transformers import CLIPTokenizer

    lines = gzip.open(open_clip_bpe_path()).read().decode("utf-8").split("\n")
    merges = lines[1 : _N_MERGES + 1]  # line 0 is a header, the tail is merges CLIP never used
    byte_chars = list(_bytes_to_unicode().values())
    vocab = [
        *byte_chars,
        *(c + "</w>" for c in byte_chars),
        *("".join(pair.split()) for pair in merges),
        BOS_TOKEN,
        EOS_TOKEN,
    ]
    if len(vocab) != CLIP_VOCAB_SIZE:
        raise ValueError(f"open_clip's BPE file gave {len(vocab)} tokens, not {CLIP_VOCAB_SIZE}")

    folder.mkdir(parents=True, exist_ok=True)
    vocab_file, merges_file = folder / "vocab.json", folder / "merges.txt"
    ids = {token: i for i, token in enumerate(vocab)}
    vocab_file.write_text(json.dumps(ids, ensure_ascii=False), encoding="utf-8")
    # The header line matters: transformers 4.x's slow tokenizer skips the first line unread.
    merges_file.write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")

    # Positional on purpose: transformers 4.x names these ``vocab_file``/``merges_file``, 5.x
    # names them ``vocab``/``merges`` and silently ignores the 4.x keywords (a 2-token vocab).
    tokenizer = CLIPTokenizer(
        str(vocab_file), str(merges_file), model_max_length=CLIP_MAX_LENGTH, pad_token=EOS_TOKEN
    )
    if len(tokenizer) != CLIP_VOCAB_SIZE:
        raise ValueError(f"CLIPTokenizer read {len(tokenizer)} tokens, not {CLIP_VOCAB_SIZE}")
    return tokenizer


def build_tiny_sd_pipeline(seed: int = 0) -> StableDiffusionPipeline:
    """A ``StableDiffusionPipeline`` with tiny random-weight components (a few MB, CPU-fast).

    Sizes follow diffusers' ``get_dummy_components`` for SD: two UNet/VAE blocks of 32 and 64
    channels (so the VAE scales by 2, and a 64x64 image has 32x32 latents), a 5-layer CLIP text
    encoder of width 32. ``torch.manual_seed(seed)`` runs before each component, so a seed always
    gives the same weights whichever components were built before it.
    """
    import tempfile

    import torch
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=8,  # only the pipeline's default size (8 * 2 = 16 px); callers pass sizes
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,  # = the text encoder's hidden size
        attention_head_dim=(2, 4),  # (diffusers' legacy name) number of heads per block
        norm_num_groups=32,  # divides 32 and 64
    )
    torch.manual_seed(seed)
    vae = AutoencoderKL(
        block_out_channels=[32, 64],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"],
        latent_channels=4,
        norm_num_groups=32,
    )
    torch.manual_seed(seed)
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=5,
            vocab_size=CLIP_VOCAB_SIZE,  # must cover every id the real tokenizer can emit
            max_position_embeddings=CLIP_MAX_LENGTH,
            bos_token_id=BOS_ID,
            eos_token_id=EOS_ID,  # CLIP pools the hidden state at the first EOS
            pad_token_id=EOS_ID,
        )
    )
    text_encoder.eval()  # from_pretrained returns eval-mode models; match it
    # SD 1.x's own scheduler config, so timesteps and noise scales are the real ones.
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        num_train_timesteps=1000,
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    # The tokenizer's files are only needed while it is built: the pipeline saves its own copy.
    with tempfile.TemporaryDirectory(prefix="limner-clip-tokenizer-") as tmp:
        tokenizer = offline_clip_tokenizer(Path(tmp))
    return StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,  # no checker weights offline, and noise needs no checking
        feature_extractor=None,
        requires_safety_checker=False,  # silences the "you disabled the safety checker" warning
    )


def save_tiny_sd_pipeline(folder: Path, seed: int = 0) -> Path:
    """Build the tiny pipeline and ``save_pretrained`` it (safetensors) into ``folder``, a model
    folder that ``AutoPipelineForText2Image.from_pretrained(str(folder))`` loads offline."""
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # no "Writing model shards" bar per component
    try:
        build_tiny_sd_pipeline(seed).save_pretrained(folder, safe_serialization=True)
    finally:
        transformers_logging.enable_progress_bar()
    return folder
