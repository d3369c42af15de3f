"""The CLIP critics on Ray Serve (``agent.surfaces.scale.serve_critics``).

Without Ray: the ``RemoteEmbedder`` contract against an in-process stand-in for the deployment's
handle (everything pickled both ways, as Ray would), the merging of concurrent callers' embed
calls, and the CLIP checks giving the same verdicts through it as with the embedder in process,
skips included. With a local Ray (slow): the real deployment of a fake CLIP model (registered
when this module is imported, as the simulated GPU backend is), scoring as the local embedder.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("ray.serve", reason="the CLIP deployment needs Ray Serve: pip install -e '.[ray]'")

from agent.context import Settings  # noqa: E402 - after the skip
from agent.surfaces.scale.serve_critics import (  # noqa: E402
    CriticReplica,
    EmbedRequest,
    RemoteEmbedder,
    app_name,
    critic_gpus,
    embed_merged,
    encode_image,
    register_embedder,
    remote_clip,
    stop_remote_critics,
    use_remote_critics,
)
from tools.critics.aggregate import ClipSettings, clip_checks, configured_clip, use_clip_provider  # noqa: E402
from tools.scene import Shot  # noqa: E402

FAKE_MODEL = "fake-clip-pixels"
DIM = 16


class PixelHashEmbedder:
    """A deterministic stand-in for CLIP: images by their quadrants' mean colours, texts by a
    hash of their words; unit rows, as the ``Embedder`` protocol asks. Counts its calls."""

    id = f"{FAKE_MODEL}/none"

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def embed_images(self, images: Sequence[Image.Image]) -> Any:
        import torch

        self.calls.append(("images", len(images)))
        rows = []
        for image in images:
            pixels = np.asarray(image.convert("RGB").resize((2, 2), Image.Resampling.BOX), dtype=np.float32) / 255.0
            rows.append(np.concatenate([pixels.reshape(-1), np.full(DIM - 12, 0.25, dtype=np.float32)]))
        return torch.nn.functional.normalize(torch.tensor(np.stack(rows)), dim=-1)

    def embed_texts(self, texts: Sequence[str]) -> Any:
        import torch

        self.calls.append(("texts", len(texts)))
        rows = []
        for text in texts:
            digest = hashlib.sha256(text.encode()).digest()
            rows.append(np.frombuffer(digest[:DIM], dtype=np.uint8).astype(np.float32) / 255.0)
        return torch.nn.functional.normalize(torch.tensor(np.stack(rows)), dim=-1)


register_embedder(FAKE_MODEL, lambda clip: PixelHashEmbedder())
FAKE = ClipSettings(model=FAKE_MODEL, pretrained=None)


class _Done:
    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self, timeout_s: float | None = None) -> Any:
        return pickle.loads(pickle.dumps(self.value))


class _Method:
    def __init__(self, call: Callable[..., Any]) -> None:
        self.call = call

    def remote(self, *args: Any) -> _Done:
        return _Done(self.call(*pickle.loads(pickle.dumps(args))))


class InProcessHandle:
    """The deployment's handle, minus Ray: one replica, each request embedded on its own."""

    def __init__(self, replica: CriticReplica) -> None:
        self.replica = replica
        self.describe = _Method(replica.describe)
        self.embed = _Method(lambda request: replica.embed_now([request])[0])


class GatheringHandle(InProcessHandle):
    """Holds embed calls until ``callers`` have arrived, then embeds them as one batch, as
    ``@serve.batch`` does with concurrent runs."""

    def __init__(self, replica: CriticReplica, callers: int) -> None:
        super().__init__(replica)
        self._waiting: list[tuple[EmbedRequest, list[Any], threading.Event]] = []
        self._lock = threading.Lock()
        self._callers = callers
        self.embed = _Method(self._gather)

    def _gather(self, request: EmbedRequest) -> Any:
        slot: list[Any] = []
        done = threading.Event()
        with self._lock:
            self._waiting.append((request, slot, done))
            if len(self._waiting) == self._callers:
                batch, self._waiting = self._waiting, []
                for (_, out, event), result in zip(batch, self._replica_embed([r for r, _, _ in batch])):
                    out.append(result)
                    event.set()
        assert done.wait(30), "the batch never filled"
        return slot[0]

    def _replica_embed(self, requests: list[EmbedRequest]) -> list[Any]:
        return self.replica.embed_now(requests)


def _images() -> dict[int, Image.Image]:
    colours = [(200, 40, 40), (190, 50, 45), (30, 60, 210)]
    images = {}
    for index, colour in enumerate(colours):
        image = Image.new("RGB", (64, 48), colour)
        image.paste((250, 250, 250), (0, 0, 16 + 8 * index, 12))
        images[index] = image
    return images


SHOTS = {
    0: Shot(index=0, prompt="a red fox in the snow", negatives=["watermark", "blurry"]),
    1: Shot(index=1, prompt="the red fox jumps over a log"),
    2: Shot(index=2, prompt="a blue night sky over the forest", negatives=["text"]),
}


@pytest.fixture()
def no_provider() -> Iterator[None]:
    stop_remote_critics()
    yield
    stop_remote_critics()


def _replica() -> CriticReplica:
    return CriticReplica({"model": FAKE_MODEL, "pretrained": None, "enabled": True, "device": "cpu"}, None)


def test_remote_rows_are_the_embedders_own_unit_rows_in_the_callers_order() -> None:
    import torch

    replica = _replica()
    remote = RemoteEmbedder(lambda: InProcessHandle(replica))
    local = PixelHashEmbedder()
    images = list(_images().values())
    texts = ["a red fox", "a blue sky", "a red fox"]
    assert remote.id == local.id
    for got, want in [(remote.embed_images(images), local.embed_images(images)),
                      (remote.embed_texts(texts), local.embed_texts(texts)),
                      (remote.embed_images(images[::-1]), local.embed_images(images[::-1]))]:
        assert isinstance(got, torch.Tensor) and got.dtype == torch.float32
        assert torch.equal(got, want)  # bit for bit: PNG is lossless, float32 travels as it is
        assert torch.allclose(got.norm(dim=-1), torch.ones(len(got)), atol=1e-6)
    assert torch.equal(remote.embed_images(images[::-1]), remote.embed_images(images).flip(0))


def test_concurrent_callers_share_one_embedder_call_per_kind_and_each_gets_its_own_rows() -> None:
    import torch

    replica = _replica()
    handle = GatheringHandle(replica, callers=4)
    images = list(_images().values())
    jobs: list[tuple[str, Any]] = [("images", images[:2]), ("texts", ["fox", "sky", "log"]), ("images", images[2:]),
                                   ("texts", ["snow"])]
    results: dict[int, Any] = {}

    def call(index: int) -> None:
        remote = RemoteEmbedder(lambda: handle)
        kind, items = jobs[index]
        results[index] = remote.embed_images(items) if kind == "images" else remote.embed_texts(items)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert replica.calls == 1 and replica.requests == 4
    assert sorted(replica.embedder.calls) == [("images", 3), ("texts", 4)]
    for index, (kind, items) in enumerate(jobs):
        alone = PixelHashEmbedder()
        want = alone.embed_images(items) if kind == "images" else alone.embed_texts(items)
        assert torch.equal(results[index], want), f"caller {index} got another caller's rows"


def test_a_request_that_breaks_the_embedder_fails_alone() -> None:
    embedder = PixelHashEmbedder()
    good = EmbedRequest("images", (encode_image(_images()[0]),))
    bad = EmbedRequest("images", (b"not a png",))
    texts = EmbedRequest("texts", ("fox",))
    results = embed_merged(embedder, [good, bad, texts])
    assert isinstance(results[0], np.ndarray) and results[0].shape == (1, DIM)
    assert not isinstance(results[1], np.ndarray) and results[1].type == "UnidentifiedImageError"
    assert isinstance(results[2], np.ndarray) and results[2].shape == (1, DIM)
    with pytest.raises(Exception, match="could not embed images: UnidentifiedImageError"):
        RemoteEmbedder(lambda: InProcessHandle(_replica()))._embed(bad)


def test_clip_checks_give_the_same_verdicts_through_the_deployment_as_in_process(no_provider: None) -> None:
    replica = _replica()
    use_clip_provider(lambda clip: remote_clip(clip, lambda: InProcessHandle(replica)))
    remote = clip_checks(_images(), SHOTS, FAKE)
    use_clip_provider(lambda clip: (PixelHashEmbedder(), None))
    local = clip_checks(_images(), SHOTS, FAKE)
    assert remote == local
    assert {c.name for checks in remote.values() for c in checks} == {"clip", "clip_negative", "clip_identity"}
    assert all(c.status in ("pass", "fail") and c.score is not None for checks in remote.values() for c in checks)
    assert replica.requests > 0


def test_without_weights_the_checks_are_skipped_with_the_same_reason_as_in_process(no_provider: None) -> None:
    offline = ClipSettings(pretrained=str(Path(tempfile.gettempdir()) / "no-such-clip-checkpoint.pt"))
    local = clip_checks(_images(), SHOTS, offline)  # no provider: loaded (or not) in this process
    replica = CriticReplica({"model": offline.model, "pretrained": offline.pretrained, "enabled": True,
                             "device": "cpu"}, None)
    use_clip_provider(lambda clip: remote_clip(clip, lambda: InProcessHandle(replica)))
    remote = clip_checks(_images(), SHOTS, offline)
    assert remote == local
    assert all(c.status == "skipped" and "does not exist" in (c.reason or "") for checks in remote.values() for c in checks)
    assert replica.requests == 0  # nothing was scored
    off = clip_checks(_images(), SHOTS, ClipSettings(enabled=False))
    assert all(c.reason == "CLIP checks are off (LIMNER_CLIP=false)" for checks in off.values() for c in checks)


def test_the_deployment_is_named_by_its_model_and_reserves_a_gpu_only_for_cuda() -> None:
    assert app_name(FAKE) == app_name(ClipSettings(model=FAKE_MODEL, pretrained=None))
    assert app_name(FAKE) != app_name(ClipSettings(model=FAKE_MODEL, pretrained="other"))
    assert app_name(FAKE).startswith("limner-clip-")
    assert critic_gpus(Settings()) == 0.0
    assert critic_gpus(Settings(clip_device="cuda")) == 1.0
    assert critic_gpus(Settings(clip_device="cuda", ray_critic_gpus=0.25)) == 0.25


def test_without_scale_out_clip_is_loaded_in_process(no_provider: None) -> None:
    from tools.critics import aggregate

    assert aggregate._provider is None
    missing = ClipSettings(pretrained="/no/such/clip.pt")
    assert configured_clip(missing) == aggregate.load_configured_clip(missing)


# ---- a real local Ray ----------------------------------------------------------------------------


@pytest.mark.slow
def test_the_critic_deployment_on_ray_scores_as_the_local_embedder(no_provider: None,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import ray
    from ray import serve

    from evals.scale import start_local_ray

    if ray.is_initialized():
        pytest.skip("Ray is already running in this process")
    # Replicas import this module (it registers the fake model): put its folder on their path.
    here = Path(__file__).resolve().parent
    paths = [str(here), str(here.parent), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    root = Path(tempfile.mkdtemp(prefix="rc-", dir="/tmp"))  # short: Ray's sockets live there
    start_local_ray(root, num_cpus=2)
    serve.shutdown()  # forget a Serve client an earlier Ray session of this process left cached
    try:
        settings = Settings(ray_replicas=1, ray_replica_cpus=0.5, ray_batch_wait_s=0.2)
        use_remote_critics(None, settings, embedder_module=__name__)
        remote = clip_checks(_images(), SHOTS, FAKE)
        # Four runs at once: same verdicts, and their embed calls merged into fewer batches.
        answers: list[Any] = []
        threads = [threading.Thread(target=lambda: answers.append(clip_checks(_images(), SHOTS, FAKE)))
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        stats = serve.get_app_handle(app_name(FAKE)).describe.remote().result(timeout_s=60)
        offline = ClipSettings(pretrained="/no/such/clip.pt")
        remote_offline = clip_checks(_images(), SHOTS, offline)
        stop_remote_critics()
        local_offline = clip_checks(_images(), SHOTS, offline)
        use_clip_provider(lambda clip: (PixelHashEmbedder(), None))
        local = clip_checks(_images(), SHOTS, FAKE)
    finally:
        stop_remote_critics()
        serve.shutdown()
        ray.shutdown()
        shutil.rmtree(root, ignore_errors=True)
    assert remote == local
    assert len(answers) == 4 and all(answer == local for answer in answers)
    assert stats["requests"] > stats["calls"], stats  # concurrent runs shared embedder calls
    assert remote_offline == local_offline
    assert all(c.status == "skipped" for checks in remote_offline.values() for c in checks)
