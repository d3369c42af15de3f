"""CLIP critics: loading (tiny random open_clip model, missing weights), embeddings, decisions.

The decision logic is tested with a scripted embedder whose cosines are set exactly; the
real-model tests use a tiny open_clip config registered in-process, never hub weights.
"""

from __future__ import annotations

import dataclasses
import json
import math
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
open_clip = pytest.importorskip("open_clip")

from PIL import Image  # noqa: E402

from tools.critics import clip as critic  # noqa: E402
from tools.critics.clip import (  # noqa: E402
    CHECK_ALIGNMENT,
    CHECK_IDENTITY,
    CHECK_NEGATIVE,
    ClipConfigError,
    ClipModel,
    ClipUnavailable,
    check_alignment,
    check_consistency,
    check_negatives,
    check_reference,
    clear_clip_cache,
    load_clip,
    skipped,
)

TINY = "limner-test-tiny"
TINY_OTHER = "limner-test-tiny-16"
DIM = 32


def _config(embed_dim: int) -> dict:
    return {
        "embed_dim": embed_dim,
        "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "head_width": 16, "patch_size": 16},
        "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
    }


@pytest.fixture(scope="module", autouse=True)
def tiny_configs(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("clip-configs")
    (folder / f"{TINY}.json").write_text(json.dumps(_config(DIM)))
    (folder / f"{TINY_OTHER}.json").write_text(json.dumps(_config(16)))
    open_clip.add_model_config(folder)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_clip_cache()
    yield
    clear_clip_cache()


@pytest.fixture
def tiny() -> ClipModel:
    torch.manual_seed(0)
    return load_clip(TINY, None)


def _images(count: int) -> list[Image.Image]:
    import numpy as np

    return [
        Image.fromarray(np.random.RandomState(i).randint(0, 255, (40 + i, 48, 3), dtype=np.uint8))
        for i in range(count)
    ]


# ------------------------------------------------------------------------ loading


def test_importing_the_critic_stays_light() -> None:
    code = "import sys, tools.critics.clip; print('torch' in sys.modules, 'open_clip' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.split() == ["False", "False"]


def test_tiny_model_embeddings_are_unit_rows(tiny: ClipModel) -> None:
    images = tiny.embed_images(_images(3))
    texts = tiny.embed_texts(["a fox", "a red balloon"])
    assert images.shape == (3, DIM) and texts.shape == (2, DIM)
    assert images.dtype == torch.float32 and images.device.type == "cpu"
    assert torch.allclose(images.norm(dim=-1), torch.ones(3), atol=1e-5)
    assert torch.allclose(texts.norm(dim=-1), torch.ones(2), atol=1e-5)
    assert tiny.id == f"{TINY}/random" and tiny.random_weights


def test_batching_does_not_change_embeddings(tiny: ClipModel) -> None:
    images = _images(8)
    together = tiny.embed_images(images)
    alone = torch.cat([tiny.embed_images([image]) for image in images])
    chunked = dataclasses.replace(tiny, batch_size=3).embed_images(images)
    assert torch.allclose(together, alone, atol=1e-5)
    assert torch.allclose(together, chunked, atol=1e-5)
    assert not torch.allclose(together[0], together[1], atol=1e-3)  # distinct images, distinct rows


def test_transparency_is_flattened_onto_white(tiny: ClipModel) -> None:
    clear = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    white = Image.new("RGB", (32, 32), "white")
    assert torch.allclose(tiny.embed_images([clear]), tiny.embed_images([white]), atol=1e-5)


def test_models_are_cached_per_key(tiny: ClipModel) -> None:
    assert load_clip(TINY, None) is tiny
    assert load_clip(TINY, None, "cpu") is tiny


def test_unknown_model_name_says_where_names_come_from() -> None:
    with pytest.raises(ClipConfigError, match=r"list_models\(\)") as info:
        load_clip("ViT-Q-99", None)
    assert isinstance(info.value, ValueError)


def test_unknown_tag_lists_the_model_tags() -> None:
    with pytest.raises(ClipConfigError, match="laion2b_s34b_b79k"):
        load_clip("ViT-B-32", "no-such-tag")


@pytest.fixture
def empty_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_ENDPOINT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path / "hf-home" / "hub"


def test_missing_weights_fail_fast_and_say_why(empty_hub: Path) -> None:
    start = time.perf_counter()
    with pytest.raises(ClipUnavailable) as info:
        load_clip("ViT-B-32", "laion2b_s34b_b79k")
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0, f"took {elapsed:.1f} s: something retried the hub"
    message = str(info.value)
    assert "ViT-B-32/laion2b_s34b_b79k" in message and "LIMNER_CLIP_PRETRAINED" in message
    assert "HF_HUB_OFFLINE" in message


def test_unreachable_hub_is_detected_without_the_offline_flag(empty_hub: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a port nothing listens on: connection refused, no network
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(key, raising=False)
    start = time.perf_counter()
    with pytest.raises(ClipUnavailable, match="127.0.0.1"):
        load_clip("ViT-B-32", "laion2b_s34b_b79k")
    assert time.perf_counter() - start < 5.0


def test_a_failure_is_remembered_until_the_cache_is_cleared(empty_hub: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ClipUnavailable, match="HF_HUB_OFFLINE"):
        load_clip("ViT-B-32", "laion2b_s34b_b79k")
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    with pytest.raises(ClipUnavailable, match="HF_HUB_OFFLINE"):  # not probed again
        load_clip("ViT-B-32", "laion2b_s34b_b79k")
    clear_clip_cache()
    with pytest.raises(ClipUnavailable, match="127.0.0.1"):
        load_clip("ViT-B-32", "laion2b_s34b_b79k")


def test_missing_checkpoint_path_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "clip.pt"
    with pytest.raises(ClipUnavailable, match=str(path).replace(".", r"\.")):
        load_clip(TINY, str(path))


def test_checkpoint_file_round_trips(tiny: ClipModel, tmp_path: Path) -> None:
    path = tmp_path / "tiny.pt"
    torch.save(tiny.model.state_dict(), path)
    loaded = load_clip(TINY, str(path))
    assert loaded is not tiny and loaded.pretrained == str(path) and not loaded.random_weights
    images = _images(2)
    assert torch.allclose(loaded.embed_images(images), tiny.embed_images(images), atol=1e-6)
    assert torch.allclose(loaded.embed_texts(["a fox"]), tiny.embed_texts(["a fox"]), atol=1e-6)


def test_checkpoint_of_another_architecture_is_a_config_error(tiny: ClipModel, tmp_path: Path) -> None:
    path = tmp_path / "tiny.pt"
    torch.save(tiny.model.state_dict(), path)
    with pytest.raises(ClipConfigError, match="does not fit"):
        load_clip(TINY_OTHER, str(path))


def test_unreadable_checkpoint_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "broken.pt"
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(ClipUnavailable, match="broken.pt"):
        load_clip(TINY, str(path))


def test_a_cached_tag_loads_from_the_hub_cache_offline(
    tiny: ClipModel, empty_hub: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A tag registered as data, its file laid out as huggingface_hub caches it.
    snapshot = empty_hub / "models--limner--tiny-clip" / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    torch.save(tiny.model.state_dict(), snapshot / "open_clip_pytorch_model.bin")
    (empty_hub / "models--limner--tiny-clip" / "refs").mkdir()
    (empty_hub / "models--limner--tiny-clip" / "refs" / "main").write_text("0" * 40)
    mean = (0.5, 0.5, 0.5)
    tags = {"cached": {"hf_hub": "limner/tiny-clip/", "mean": mean}}
    monkeypatch.setitem(open_clip.pretrained._PRETRAINED, TINY, tags)
    loaded = load_clip(TINY, "cached")
    assert loaded.pretrained == "cached"
    normalize = [t for t in loaded.preprocess.transforms if type(t).__name__ == "Normalize"][0]
    assert tuple(normalize.mean) == mean  # the tag's preprocessing, not the default
    assert torch.allclose(loaded.embed_texts(["a fox"]), tiny.embed_texts(["a fox"]), atol=1e-6)


# ----------------------------------------------------------------- decisions (fake)


class ScriptedClip:
    """Embeds named images and captions as scripted vectors; unknown captions get zeros."""

    def __init__(self, images: dict[str, list[float]], texts: dict[str, list[float]]) -> None:
        self.images, self.texts = images, texts
        self.calls: list[tuple[str, int]] = []

    def embed_images(self, images):
        self.calls.append(("images", len(images)))
        return torch.tensor([self.images[i.info["name"]] for i in images])

    def embed_texts(self, texts):
        self.calls.append(("texts", len(texts)))
        width = len(next(iter(self.images.values())))
        return torch.tensor([self.texts.get(t, [0.0] * width) for t in texts])


WIDTH = 16


def _vec(cos: float, axis: int) -> list[float]:
    """A unit vector at cosine ``cos`` from axis 0, leaning towards its own ``axis``."""
    row = [0.0] * WIDTH
    row[axis] = math.sqrt(max(0.0, 1.0 - cos * cos))
    row[0] += cos
    return row


def _image(name: str) -> Image.Image:
    image = Image.new("RGB", (8, 8))
    image.info["name"] = name
    return image


def test_alignment_passes_when_the_prompt_leads() -> None:
    fake = ScriptedClip({"a": _vec(1.0, 0)}, {"a fox": _vec(0.3, 1), "a blank image": _vec(0.1, 2)})
    [result] = check_alignment(fake, [_image("a")], ["a fox"])
    assert (result.name, result.status, result.expected, result.found) == (CHECK_ALIGNMENT, "pass", "a fox", "a fox")
    assert result.score == pytest.approx(0.3, abs=1e-5) and result.reason
    assert fake.calls == [("images", 1), ("texts", 1 + len(critic.GENERIC_DISTRACTORS))]


def test_alignment_fails_when_a_distractor_matches_better() -> None:
    fake = ScriptedClip({"a": _vec(1.0, 0)}, {"a fox": _vec(0.25, 1), "a blank image": _vec(0.3, 2)})
    [result] = check_alignment(fake, [_image("a")], ["a fox"])
    assert result.status == "fail" and result.found == "a blank image" and "a blank image" in result.reason


def test_alignment_margin_is_a_required_lead() -> None:
    texts = {"a fox": _vec(0.305, 1), "random noise": _vec(0.3, 2)}
    fake = ScriptedClip({"a": _vec(1.0, 0)}, texts)
    assert check_alignment(fake, [_image("a")], ["a fox"])[0].status == "fail"  # lead 0.005 < 0.01
    texts["a fox"] = _vec(0.32, 1)
    assert check_alignment(fake, [_image("a")], ["a fox"])[0].status == "pass"


def test_alignment_below_the_floor_fails_even_when_ranked_first() -> None:
    fake = ScriptedClip({"a": _vec(1.0, 0)}, {"a fox": _vec(0.1, 1)})
    [result] = check_alignment(fake, [_image("a")], ["a fox"])
    assert result.status == "fail" and "weakly" in result.reason
    assert check_alignment(fake, [_image("a")], ["a fox"], min_score=0.05)[0].status == "pass"


def test_alignment_ranks_against_the_sibling_prompts() -> None:
    texts = {"a fox at dawn": _vec(0.30, 1), "a fox at dusk": _vec(0.32, 2)}
    fake = ScriptedClip({"a": _vec(1.0, 0), "b": _vec(1.0, 0)}, texts)
    first, second = check_alignment(fake, [_image("a"), _image("b")], ["a fox at dawn", "a fox at dusk"])
    assert first.status == "fail" and "shot 1" in first.reason and first.found == "a fox at dusk"
    assert second.status == "pass"
    same = check_alignment(fake, [_image("a"), _image("b")], ["a fox at dawn", "a fox at dawn"])
    assert [r.status for r in same] == ["pass", "pass"]  # an identical prompt is no rival


def test_alignment_custom_distractors_replace_the_generic_ones() -> None:
    fake = ScriptedClip({"a": _vec(1.0, 0)}, {"a sign": _vec(0.3, 1), "a photo of text": _vec(0.4, 2)})
    assert check_alignment(fake, [_image("a")], ["a sign"])[0].status == "fail"
    assert check_alignment(fake, [_image("a")], ["a sign"], distractors=["a blank image"])[0].status == "pass"


def test_alignment_needs_one_prompt_per_image() -> None:
    fake = ScriptedClip({"a": _vec(1.0, 0)}, {})
    with pytest.raises(ValueError):
        check_alignment(fake, [_image("a")], ["x", "y"])
    assert check_alignment(fake, [], []) == []


def test_negatives_fail_when_the_concept_outscores_the_prompt() -> None:
    texts = {"a cat": _vec(0.3, 1), "a photo of dog": _vec(0.35, 2), "hat": _vec(0.1, 3)}
    fake = ScriptedClip({"a": _vec(1.0, 0)}, texts)
    dog, hat = check_negatives(fake, _image("a"), "a cat", ["dog", "hat", "dog", " "])
    assert (dog.name, dog.status, dog.expected, dog.found) == (CHECK_NEGATIVE, "fail", "no dog", "a photo of dog")
    assert dog.score < 0.5 < hat.score <= 1.0
    assert hat.status == "pass" and hat.found == "hat"


def test_negatives_without_concepts_are_skipped() -> None:
    fake = ScriptedClip({"a": _vec(1.0, 0)}, {})
    [result] = check_negatives(fake, _image("a"), "a cat", [])
    assert result.status == "skipped" and result.name == CHECK_NEGATIVE


def test_identical_shots_are_consistent() -> None:
    fake = ScriptedClip({k: _vec(1.0, 0) for k in "abc"}, {})
    results = check_consistency(fake, [_image(k) for k in "abc"])
    assert [(r.name, r.status) for r in results] == [(CHECK_IDENTITY, "pass")] * 3
    assert all(r.score == pytest.approx(1.0, abs=1e-5) for r in results)


def test_an_orthogonal_shot_fails_and_does_not_drag_the_others() -> None:
    fake = ScriptedClip({"a": _vec(1.0, 0), "b": _vec(1.0, 0), "c": _vec(1.0, 0), "x": _vec(0.0, 5)}, {})
    results = check_consistency(fake, [_image(k) for k in "abxc"])
    assert [r.status for r in results] == ["pass", "pass", "fail", "pass"]
    assert "outlier" in results[2].reason and results[0].found.startswith("least like shot 2")
    # With two good shots the stray one is half of each one's company: still only it fails.
    assert [r.status for r in check_consistency(fake, [_image(k) for k in "abx"])] == ["pass", "pass", "fail"]


def _cone(cos: float, axis: int) -> list[float]:
    """Unit vectors from this helper share cosine ``cos`` pairwise (distinct axes)."""
    row = [0.0] * WIDTH
    row[0], row[axis] = math.sqrt(cos), math.sqrt(1.0 - cos)
    return row


def test_the_outlier_test_is_relative_to_the_batch() -> None:
    tight = {k: _cone(0.95, i + 1) for i, k in enumerate("abcd")}
    stray = [0.0] * WIDTH
    stray[0], stray[9] = 0.8 / math.sqrt(0.95), math.sqrt(1.0 - 0.8**2 / 0.95)  # cos 0.8 with each
    fake = ScriptedClip({**tight, "x": stray}, {})
    statuses = [r.status for r in check_consistency(fake, [_image(k) for k in "abxcd"])]
    assert statuses == ["pass", "pass", "fail", "pass", "pass"]  # above the floor, yet an outlier here
    loose = ScriptedClip({k: _cone(0.8, i + 1) for i, k in enumerate("abcde")}, {})
    assert {r.status for r in check_consistency(loose, [_image(k) for k in "abcde"])} == {"pass"}


def test_two_unrelated_shots_fail_the_floor_and_one_shot_is_skipped() -> None:
    fake = ScriptedClip({"a": _vec(1.0, 0), "b": _vec(0.2, 1)}, {})
    assert [r.status for r in check_consistency(fake, [_image("a"), _image("b")])] == ["fail", "fail"]
    [single] = check_consistency(fake, [_image("a")])
    assert single.status == "skipped"


def test_reference_similarity() -> None:
    fake = ScriptedClip({"a": _vec(1.0, 0)}, {})
    [same] = check_reference(fake, _image("a"), [_vec(1.0, 0), _vec(0.9, 3)], label="Pip")
    assert same.status == "pass" and same.name == CHECK_IDENTITY and same.expected == "looks like Pip"
    assert same.score == pytest.approx(0.95, abs=1e-5) and "reference 0" in same.found
    [other] = check_reference(fake, _image("a"), torch.tensor([_vec(0.0, 4)]))
    assert other.status == "fail"
    [wrong_width] = check_reference(fake, _image("a"), [[1.0, 0.0]])
    assert wrong_width.status == "skipped" and "width" in wrong_width.reason
    [none] = check_reference(fake, _image("a"), [])
    assert none.status == "skipped"


def test_skipped_results_name_every_check() -> None:
    results = skipped([CHECK_ALIGNMENT, CHECK_NEGATIVE], "no CLIP weights")
    assert [(r.name, r.status, r.reason, r.score) for r in results] == [
        (CHECK_ALIGNMENT, "skipped", "no CLIP weights", None),
        (CHECK_NEGATIVE, "skipped", "no CLIP weights", None),
    ]
    assert skipped(CHECK_IDENTITY, "x")[0].name == CHECK_IDENTITY


def test_checks_run_on_a_real_tiny_model(tiny: ClipModel) -> None:
    images, prompts = _images(3), ["a fox", "a red balloon", "a fox"]
    results = [
        *check_alignment(tiny, images, prompts),
        *check_negatives(tiny, images[0], "a fox", ["dog"]),
        *check_consistency(tiny, images),
        *check_reference(tiny, images[0], tiny.embed_images(images[1:])),
    ]
    assert [r.name for r in results] == [CHECK_ALIGNMENT] * 3 + [CHECK_NEGATIVE] + [CHECK_IDENTITY] * 4
    for result in results:
        assert result.status in ("pass", "fail") and result.reason
        assert result.score is not None and 0.0 <= result.score <= 1.0


# --- in the loop ------------------------------------------------------------------------

def test_agent_run_uses_a_local_clip_checkpoint(tiny: ClipModel, tmp_path: Path, settings) -> None:
    """Settings → critique node → CLIP checks on every image, computed (random weights: the
    verdicts mean nothing, the code path is what is tested)."""
    import torch

    from agent.request import build_request
    from agent.run import run

    path = tmp_path / "tiny.pt"
    torch.save(tiny.model.state_dict(), path)
    configured = settings.model_copy(update={"clip_model": TINY, "clip_pretrained": str(path), "max_rounds": 0})
    report = run(build_request("two images of a blue cow, no people", settings=configured, seed=1), settings=configured)
    for image in report["images"]:
        names = {c["name"]: c for c in image["checks"]}
        assert names["clip"]["status"] in ("pass", "fail") and names["clip"]["score"] is not None
        assert names["clip_negative"]["expected"] and names["clip_identity"]["status"] in ("pass", "fail")


def test_agent_run_without_weights_reports_clip_skipped(empty_hub: Path, settings) -> None:
    from agent.request import build_request
    from agent.run import run

    report = run(build_request("a blue cow", settings=settings, seed=1), settings=settings)
    (clip_check,) = [c for c in report["images"][0]["checks"] if c["name"] == "clip"]
    assert clip_check["status"] == "skipped" and "LIMNER_CLIP_PRETRAINED" in clip_check["reason"]
    assert clip_check["score"] is None
