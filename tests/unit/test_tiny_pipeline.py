"""The tiny random-weight SD pipeline: offline CLIP tokenizer, generation, save/load, from_pipe."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from tools.testing.tiny_pipeline import (
    CLIP_MAX_LENGTH,
    CLIP_VOCAB_SIZE,
    _bytes_to_unicode,
    build_tiny_sd_pipeline,
    offline_clip_tokenizer,
    open_clip_bpe_path,
    save_tiny_sd_pipeline,
)

SENTENCES = [
    "A red fox jumping over a lazy dog, watercolour, soft light!",
    "Two cats' café on the Rue de Rivoli at 7:30 pm -- naïve style, 1920s",
]
SIZE = 64
STEPS = 2


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory):
    return offline_clip_tokenizer(tmp_path_factory.mktemp("clip-tokenizer"))


@pytest.fixture(scope="module")
def pipe():
    pipe = build_tiny_sd_pipeline(seed=0)
    pipe.set_progress_bar_config(disable=True)
    return pipe


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_sd_pipeline(tmp_path_factory.mktemp("tiny-sd"), seed=0)


@pytest.fixture(scope="module")
def loaded(saved: Path):
    from diffusers import AutoPipelineForText2Image

    pipe = AutoPipelineForText2Image.from_pretrained(str(saved))
    pipe.set_progress_bar_config(disable=True)
    return pipe


def generate(pipe, seeds: list[int], prompt: str = "a red cube on a table") -> list[Image.Image]:
    """One image per seed, each from its own generator (so an image depends on its seed only)."""
    return pipe(
        prompt=[prompt] * len(seeds),
        height=SIZE,
        width=SIZE,
        num_inference_steps=STEPS,
        output_type="pil",
        generator=[torch.Generator("cpu").manual_seed(s) for s in seeds],
    ).images


def max_diff(a: Image.Image, b: Image.Image) -> int:
    return int(np.abs(np.asarray(a, dtype=np.int16) - np.asarray(b, dtype=np.int16)).max())


@pytest.mark.slow  # importing open_clip (for the reference tokenizer) takes ~3 s cold
def test_tokenizer_matches_open_clip(tokenizer, tmp_path: Path) -> None:
    from open_clip.tokenizer import SimpleTokenizer, bytes_to_unicode, default_bpe

    # The module finds open_clip's file and byte table without importing open_clip: same ones.
    assert open_clip_bpe_path().samefile(default_bpe())
    assert list(_bytes_to_unicode().items()) == list(bytes_to_unicode().items())
    assert len(tokenizer) == CLIP_VOCAB_SIZE
    assert tokenizer.pad_token == "<|endoftext|>"
    assert tokenizer.model_max_length == CLIP_MAX_LENGTH
    reference = SimpleTokenizer()
    for sentence in SENTENCES:
        expected = reference.encode(sentence)
        assert tokenizer(sentence, add_special_tokens=False).input_ids == expected
        # Special tokens: same ids as open_clip's <start_of_text>/<end_of_text>.
        assert tokenizer(sentence).input_ids == [
            reference.sot_token_id,
            *expected,
            reference.eot_token_id,
        ]
    # The files it wrote are a tokenizer folder in their own right.
    from transformers import CLIPTokenizer

    again = offline_clip_tokenizer(tmp_path / "tok")
    assert sorted(p.name for p in (tmp_path / "tok").iterdir()) == ["merges.txt", "vocab.json"]
    reread = CLIPTokenizer.from_pretrained(str(tmp_path / "tok"))
    assert reread(SENTENCES[0]).input_ids == again(SENTENCES[0]).input_ids


def test_long_prompt_truncates_to_77(tokenizer) -> None:
    long_prompt = " ".join(["a very detailed castle on a hill"] * 30)
    ids = tokenizer(
        long_prompt, padding="max_length", truncation=True, max_length=tokenizer.model_max_length
    ).input_ids
    assert len(ids) == CLIP_MAX_LENGTH
    assert ids[0] == CLIP_VOCAB_SIZE - 2 and ids[-1] == CLIP_VOCAB_SIZE - 1
    # A short prompt pads with end-of-text up to 77, the way the SD pipeline calls it.
    short = tokenizer("a cat", padding="max_length", max_length=CLIP_MAX_LENGTH).input_ids
    assert len(short) == CLIP_MAX_LENGTH and short[-1] == CLIP_VOCAB_SIZE - 1


@pytest.mark.slow
def test_generates_one_image_per_seed_reproducibly(pipe) -> None:
    first = generate(pipe, [1, 2])
    assert [im.size for im in first] == [(SIZE, SIZE)] * 2
    assert all(im.mode == "RGB" for im in first)
    assert max_diff(first[0], first[1]) > 10, "different seeds should give different images"
    again = generate(pipe, [1, 2])
    assert [max_diff(a, b) for a, b in zip(first, again)] == [0, 0]
    # Per-image generators: seed 2 alone gives the image it gave second in the batch.
    assert max_diff(generate(pipe, [2])[0], first[1]) <= 2


@pytest.mark.slow
def test_save_and_load_round_trip(pipe, saved: Path, loaded) -> None:
    from diffusers import StableDiffusionPipeline

    assert (saved / "model_index.json").is_file()
    assert list((saved / "unet").glob("*.safetensors")), "weights should be safetensors"
    assert isinstance(loaded, StableDiffusionPipeline)
    assert loaded.safety_checker is None
    # save_tiny_sd_pipeline built its own seed-0 pipeline: same weights, so the same images.
    expected, got = generate(pipe, [3, 4]), generate(loaded, [3, 4])
    assert all(max_diff(a, b) <= 2 for a, b in zip(expected, got))


@pytest.mark.slow
def test_from_pipe_img2img_and_inpaint_share_components(loaded) -> None:
    from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting

    img2img = AutoPipelineForImage2Image.from_pipe(loaded)
    inpaint = AutoPipelineForInpainting.from_pipe(loaded)
    for derived in (img2img, inpaint):
        # from_pipe reuses the loaded modules: no second copy of the weights.
        assert derived.unet is loaded.unet
        assert derived.vae is loaded.vae
        assert derived.text_encoder is loaded.text_encoder
        derived.set_progress_bar_config(disable=True)
    assert type(img2img).__name__ == "StableDiffusionImg2ImgPipeline"
    assert type(inpaint).__name__ == "StableDiffusionInpaintPipeline"

    source = Image.new("RGB", (SIZE, SIZE), (200, 40, 40))
    mask = Image.new("L", (SIZE, SIZE), 0)
    mask.paste(255, (16, 16, 48, 48))
    edited = img2img(
        prompt="a blue cube",
        image=source,
        strength=0.75,
        num_inference_steps=STEPS,
        generator=torch.Generator("cpu").manual_seed(0),
    ).images[0]
    filled = inpaint(
        prompt="a blue cube",
        image=source,
        mask_image=mask,
        height=SIZE,
        width=SIZE,
        num_inference_steps=STEPS,
        generator=torch.Generator("cpu").manual_seed(0),
    ).images[0]
    assert edited.size == filled.size == (SIZE, SIZE)
