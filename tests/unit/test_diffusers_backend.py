"""The diffusers backend on a tiny random-weight pipeline saved to a folder and loaded through the
real ``from_pretrained`` path: seeds, coherence, chunking, edits, step adaptation, long prompts,
progress, loading errors. No network, no GPU."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tools.typeset import box_mask
from tools.generators.base import BackendError, create, listening_to_steps
from tools.generators.diffusers import DiffusersGenerator, DiffusersOptions, steps_for
from tools.generators.diffusers_loading import load_pipeline
from tools.scene import ScenePlan, Shot

SIZE = (64, 64)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    from tools.testing.tiny_pipeline import save_tiny_sd_pipeline

    return save_tiny_sd_pipeline(tmp_path_factory.mktemp("tiny-sd") / "pipe")


def _generator(model: Path, **options) -> DiffusersGenerator:
    return create("diffusers", model=str(model), steps=2, **options)  # type: ignore[return-value]


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def _diff(a: Image.Image, b: Image.Image) -> int:
    return int(np.abs(_pixels(a) - _pixels(b)).max())


def _plan(count: int) -> ScenePlan:
    shots = [Shot(index=i, prompt=f"a red fox in a forest, shot {i}") for i in range(count)]
    return ScenePlan(request="a red fox in a forest", shots=shots, style="watercolor")


def test_seed_is_invariant_to_batch_size_and_position(tiny_model: Path) -> None:
    generator = _generator(tiny_model)
    shots = [Shot(index=i, prompt="a lighthouse") for i in range(3)]
    batch = generator.generate(shots, SIZE, [100, 101, 102])
    alone = generator.generate([shots[0]], SIZE, [102])[0]
    assert len(batch) == 3 and all(image.size == SIZE for image in batch)
    assert _diff(batch[2], alone) <= 2
    assert _diff(batch[0], batch[1]) > 10  # different seeds, different images


def test_shared_attention_lets_siblings_see_the_reference_and_leaves_it_alone() -> None:
    import torch
    from diffusers.models.attention_processor import Attention, AttnProcessor2_0

    from tools.generators.coherence import SharedSelfAttention

    torch.manual_seed(0)
    attn = Attention(query_dim=16, heads=2, dim_head=8)
    tokens = torch.randn(2, 3, 10, 16)  # 2 guidance groups x 3 images x 10 tokens
    changed = tokens.clone()
    changed[:, 0] += 1.0  # only the reference image differs
    plain, shared = AttnProcessor2_0(), SharedSelfAttention(AttnProcessor2_0(), images=3)
    with torch.no_grad():
        run = lambda processor, x: processor(attn, x.reshape(6, 10, 16)).reshape(2, 3, 10, 16)  # noqa: E731
        before, after = run(shared, tokens), run(shared, changed)
        alone = run(plain, tokens)
    assert torch.allclose(before[:, 0], alone[:, 0], atol=1e-5)  # the reference is as it would be alone
    assert (after[:, 1:] - before[:, 1:]).abs().max() > 1e-3  # siblings follow the reference
    assert torch.allclose(run(plain, changed)[:, 1:], alone[:, 1:])  # without sharing they do not


def test_coherence_changes_images_is_deterministic_and_chunk_invariant(tiny_model: Path) -> None:
    plan = _plan(4)
    seeds = [7, 8, 9, 10]
    shared = _generator(tiny_model).generate(plan.shots, SIZE, seeds, plan=plan)
    again = _generator(tiny_model).generate(plan.shots, SIZE, seeds, plan=plan)
    independent = _generator(tiny_model, coherence="independent").generate(plan.shots, SIZE, seeds, plan=plan)
    chunked = _generator(tiny_model, max_batch=2).generate(plan.shots, SIZE, seeds, plan=plan)
    assert all(_diff(a, b) == 0 for a, b in zip(shared, again))
    # The reference is the image it would be alone; its siblings attend to it and change (by
    # little with random tiny weights: the mean over pixels is what shows it).
    mean = lambda a, b: float(np.abs(_pixels(a) - _pixels(b)).mean())  # noqa: E731
    assert _diff(shared[0], independent[0]) <= 2
    assert all(mean(a, b) > 3 * mean(shared[0], independent[0]) + 0.01 for a, b in zip(shared[1:], independent[1:]))
    assert all(_diff(a, b) <= 2 for a, b in zip(shared, chunked))
    # A later single-shot call (a repair) is drawn against the same reference.
    generator = _generator(tiny_model)
    generator.generate(plan.shots, SIZE, seeds, plan=plan)
    assert _diff(generator.generate([plan.shots[2]], SIZE, [9], plan=plan)[0], shared[2]) <= 2


def test_raw_mode_never_shares_attention(tiny_model: Path) -> None:
    shots = [Shot(index=i, prompt="a lighthouse") for i in range(2)]
    generator = _generator(tiny_model)
    raw = generator.generate(shots, SIZE, [1, 2], plan=None)
    independent = _generator(tiny_model, coherence="independent").generate(shots, SIZE, [1, 2])
    assert all(_diff(a, b) <= 2 for a, b in zip(raw, independent))


def test_inpaint_changes_only_the_masked_region(tiny_model: Path) -> None:
    generator = _generator(tiny_model)
    image = generator.generate([Shot(index=0, prompt="a meadow")], SIZE, [3])[0]
    mask = box_mask(SIZE, (16, 16, 40, 40), feather_px=4)
    edited = generator.edit(image, mask, "a red ball", seed=11)
    outside = np.asarray(mask) == 0
    before, after = _pixels(image), _pixels(edited)
    assert np.abs(before - after)[outside].max() == 0
    assert np.abs(before - after)[np.asarray(mask) == 255].max() > 0
    assert _diff(edited, generator.edit(image, mask, "a red ball", seed=11)) == 0  # repeatable


def test_low_strength_edit_still_runs_a_step(tiny_model: Path) -> None:
    assert steps_for(2, 0.25) == 4 and steps_for(1, 0.3) == 4 and steps_for(30, 0.5) == 30
    generator = create("diffusers", model=str(tiny_model), steps=1)
    image = Image.new("RGB", SIZE, (120, 160, 200))
    edited = generator.edit(image, box_mask(SIZE, (8, 8, 56, 56)), "text", seed=1, strength=0.2)
    assert edited.size == SIZE


def test_long_prompt_is_truncated_and_reported(tiny_model: Path) -> None:
    generator = _generator(tiny_model)
    long_prompt = "a lighthouse on a cliff " + " ".join(f"detail{i}" for i in range(120))
    image = generator.generate([Shot(index=0, prompt=long_prompt)], SIZE, [5])[0]
    (warning,) = image.info["warnings"]
    assert "the text encoder reads 77" in warning and "detail" in warning
    assert "warnings" not in generator.generate([Shot(index=0, prompt="short")], SIZE, [5])[0].info


def test_steps_are_reported(tiny_model: Path) -> None:
    seen: list[tuple[int, int]] = []
    with listening_to_steps(lambda step, total: seen.append((step, total))):
        _generator(tiny_model).generate([Shot(index=0, prompt="a cat")], SIZE, [1])
    assert seen == [(1, 2), (2, 2)]


def test_layout_conditioning_starts_from_the_storyboard(tiny_model: Path) -> None:
    plan = _plan(2)
    plain = _generator(tiny_model).generate(plan.shots, SIZE, [1, 2], plan=plan)
    laid_out = _generator(tiny_model, layout_strength=0.6).generate(plan.shots, SIZE, [1, 2], plan=plan)
    assert all(_diff(a, b) > 2 for a, b in zip(plain, laid_out))


def test_bad_models_fail_fast_and_clearly(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "cache"))
    started = time.monotonic()
    with pytest.raises(BackendError, match=r"not in the local cache.*hf download someone/not-downloaded"):
        load_pipeline("someone/not-downloaded")
    assert time.monotonic() - started < 2
    with pytest.raises(BackendError, match="neither an existing folder nor a hub id"):
        load_pipeline(str(tmp_path / "nowhere" / "x" / "y"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(BackendError, match="no model_index.json"):
        load_pipeline(str(empty))
    single = tmp_path / "model.safetensors"
    single.write_bytes(b"0")
    with pytest.raises(BackendError, match="single file"):
        load_pipeline(str(single))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model_index.json").write_text('{"_class_name": "StableDiffusionPipeline", "unet": ["diffusers", "UNet2DConditionModel"]}')
    with pytest.raises(BackendError, match="cannot load"):
        load_pipeline(str(broken))


def test_options_are_validated() -> None:
    with pytest.raises(ValueError):
        DiffusersOptions(coherence="sometimes")
    with pytest.raises(ValueError):
        DiffusersOptions(max_batch=0)
    with pytest.raises(BackendError, match="multiples of 8"):
        DiffusersGenerator(DiffusersOptions(model="x")).generate([Shot(index=0, prompt="a")], (60, 64), [1])


def test_ip_adapter_needs_reference_images_and_fails_fast_offline(tiny_model: Path, tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(BackendError, match="go together"):
        _generator(tiny_model, ip_adapter="h94/IP-Adapter/models/ip-adapter_sd15.bin")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "cache"))
    reference = tmp_path / "mira.png"
    Image.new("RGB", (64, 64), (200, 90, 40)).save(reference)
    generator = _generator(tiny_model, ip_adapter="h94/IP-Adapter/models/ip-adapter_sd15.bin",
                           reference_images=[str(reference)])
    started = time.monotonic()
    with pytest.raises(BackendError, match="IP-Adapter .* not in the local cache"):
        generator.generate([Shot(index=0, prompt="a fox")], SIZE, [1])
    assert time.monotonic() - started < 2
    with pytest.raises(BackendError, match="neither a file nor"):
        _generator(tiny_model, ip_adapter="nonsense", reference_images=[str(reference)]).pipeline()
