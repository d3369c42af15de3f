"""The CLIP critics on Ray Serve: one deployment per CLIP model, batching embeddings across runs.

- ``CriticDeployment`` loads the embedder once per replica (the model stays loaded) and declares
  what a replica needs (``num_gpus``: ``LIMNER_RAY_CRITIC_GPUS``, by default 1 when
  ``clip_device`` is CUDA; ``num_cpus``: ``LIMNER_RAY_REPLICA_CPUS``; ``LIMNER_RAY_REPLICAS``
  replicas). Embed calls of concurrent runs are merged by ``@serve.batch``: one embedder call per
  kind (images, texts) for all of them, the rows split back to each caller in order
  (:func:`embed_merged`). ``LIMNER_RAY_BATCHING=false`` embeds one request per call.
- When the replica cannot load CLIP (no weights here, offline), it stays up and says why
  (``describe``): the checks are skipped with the reason the executor would have given, never
  scored.
- ``RemoteEmbedder`` is an ``Embedder`` (``tools.critics.clip``) whose embedding happens in the
  deployment: images travel as PNG (lossless), rows come back as float32 numpy, exactly the
  rows the replica's embedder made (unit length by the protocol; not normalised again).
  ``use_remote_critics`` makes an executor's ``configured_clip`` hand one out
  (``tools.critics.aggregate.use_clip_provider``) instead of loading CLIP in the executor.
- An embedder that is not open_clip's (the tests' fake) is registered under a CLIP model name
  (:func:`register_embedder`) when its module is imported; replicas import ``embedder_module``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import importlib
import io
import json
import threading
from dataclasses import dataclass
from typing import Any, Callable, Literal, Sequence

import numpy as np
from PIL import Image
from ray import serve
from ray.exceptions import RayError

from agent.context import Settings
from agent.surfaces.scale.postgres_state import RunStore
from agent.surfaces.scale.serve_generators import DEPLOY_TIMEOUT_S, NotRunning, deployed
from tools.critics.aggregate import ClipSettings, load_configured_clip, use_clip_provider
from tools.critics.clip_loading import ClipError, ClipUnavailable

"""Longest wait for a new deployment's replicas (loading CLIP, a GPU to free up)."""
EMBED_TIMEOUT_S = 600.0
MAX_ONGOING = 64
"""Requests a replica accepts at once: enough to fill batches from many concurrent runs."""
MAX_BATCH_REQUESTS = 16
"""Embed requests merged into one batch (the embedder chunks its own forward passes)."""

EmbedderFactory = Callable[[ClipSettings], Any]
_EMBEDDERS: dict[str, EmbedderFactory] = {}


def register_embedder(model: str, factory: EmbedderFactory) -> None:
    """Replicas of CLIP model ``model`` build their embedder with ``factory`` instead of loading
    open_clip (benchmarks, tests). Call it when the module is imported, and deploy with that
    module as ``embedder_module`` so each replica imports it too."""
    _EMBEDDERS[model] = factory


def build_embedder(clip: ClipSettings) -> tuple[Any, str | None]:
    """The embedder a replica serves, or None and why it cannot run there."""
    factory = _EMBEDDERS.get(clip.model)
    return (factory(clip), None) if factory is not None else load_configured_clip(clip)


def model_id(clip: ClipSettings) -> str:
    """``model/pretrained``, as ``ClipModel.id`` says it (embeddings compare only within one id)."""
    return f"{clip.model}/{clip.pretrained or 'random'}"


def app_name(clip: ClipSettings) -> str:
    """The Serve application of a CLIP model: ``limner-clip-<8 hex>`` of its settings."""
    canonical = json.dumps(dataclasses.asdict(clip), sort_keys=True)
    return f"limner-clip-{hashlib.sha256(canonical.encode()).hexdigest()[:8]}"


def critic_gpus(settings: Settings) -> float:
    if settings.ray_critic_gpus is not None:
        return settings.ray_critic_gpus
    return 1.0 if settings.clip_device.startswith("cuda") else 0.0


# ---- what travels ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmbedRequest:
    """One caller's embed call: PNG bytes of images, or texts."""

    kind: Literal["images", "texts"]
    items: tuple[Any, ...]


@dataclass(frozen=True)
class EmbedFailure:
    """Why one request was not embedded (the caller raises it as its own)."""

    type: str
    message: str


def encode_image(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def decode_image(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.copy()


def _rows(embedded: Any) -> np.ndarray:
    """Float32 rows from a tensor (any device) or an array."""
    if hasattr(embedded, "detach"):
        embedded = embedded.detach().cpu().float().numpy()
    rows = np.asarray(embedded, dtype=np.float32)
    return rows.reshape(1, -1) if rows.ndim == 1 else rows


def embed_merged(embedder: Any, requests: Sequence[EmbedRequest]) -> list[np.ndarray | EmbedFailure]:
    """One embedder call per kind for all ``requests``; each gets its own rows back, in order.
    When a merged call fails, each request is tried alone, so one bad input fails only its caller."""
    results: list[np.ndarray | EmbedFailure] = [EmbedFailure("RuntimeError", "not embedded")] * len(requests)
    for kind in ("images", "texts"):
        members = [i for i, request in enumerate(requests) if request.kind == kind]
        if not members:
            continue
        items = [item for i in members for item in requests[i].items]
        try:
            if not items:
                rows = np.zeros((0, 0), dtype=np.float32)
            elif kind == "images":
                rows = _rows(embedder.embed_images([decode_image(item) for item in items]))
            else:
                rows = _rows(embedder.embed_texts([str(item) for item in items]))
            if rows.shape[0] != len(items):
                raise RuntimeError(f"the embedder gave {rows.shape[0]} rows for {len(items)} {kind}")
        except Exception as error:  # noqa: BLE001 - reported to its caller, never kills the replica
            if len(members) > 1:
                for i in members:
                    results[i] = embed_merged(embedder, [requests[i]])[0]
            else:
                results[members[0]] = EmbedFailure(type(error).__name__, str(error))
            continue
        start = 0
        for i in members:
            count = len(requests[i].items)
            results[i] = rows[start:start + count]
            start += count
    return results


# ---- a replica ---------------------------------------------------------------------------------


class CriticReplica:
    """What one replica holds: the embedder (or why there is none) and its call counts."""

    def __init__(self, clip: dict[str, Any], embedder_module: str | None) -> None:
        if embedder_module:
            importlib.import_module(embedder_module)  # an embedder registered at import, e.g. a test's
        self.clip = ClipSettings(**clip)
        self.embedder, self.unavailable = build_embedder(self.clip)
        self._device = threading.Lock()
        """One embedder call at a time per replica, as on one GPU."""
        self.calls = 0
        self.requests = 0

    def describe(self) -> dict[str, Any]:
        return {"id": str(getattr(self.embedder, "id", model_id(self.clip))), "unavailable": self.unavailable,
                "calls": self.calls, "requests": self.requests}

    def embed_now(self, requests: Sequence[EmbedRequest]) -> list[np.ndarray | EmbedFailure]:
        if self.embedder is None:
            return [EmbedFailure("ClipUnavailable", self.unavailable or "CLIP unavailable")] * len(requests)
        with self._device:
            self.calls += 1
            self.requests += len(requests)
            return embed_merged(self.embedder, requests)


@serve.deployment(name="clip", max_ongoing_requests=MAX_ONGOING)
class CriticDeployment:
    """One CLIP model, loaded once per replica; ``embed`` batches requests across runs."""

    def __init__(self, clip: dict[str, Any], embedder_module: str | None, batching: bool, batch_wait_s: float) -> None:
        self.replica = CriticReplica(clip, embedder_module)
        self.batching = batching
        self._embed_batched.set_batch_wait_timeout_s(batch_wait_s)

    def describe(self) -> dict[str, Any]:
        return {**self.replica.describe(), "replica": serve.get_replica_context().replica_id.unique_id}

    async def embed(self, request: EmbedRequest) -> np.ndarray | EmbedFailure:
        if not self.batching:
            return (await asyncio.to_thread(self.replica.embed_now, [request]))[0]
        return await self._embed_batched(request)

    @serve.batch(max_batch_size=MAX_BATCH_REQUESTS, batch_wait_timeout_s=0.05)
    async def _embed_batched(self, requests: list[EmbedRequest]) -> list[np.ndarray | EmbedFailure]:
        return await asyncio.to_thread(self.replica.embed_now, requests)


def build_app(clip: ClipSettings, embedder_module: str | None, settings: Settings) -> Any:
    """The Serve application of one CLIP model, with the resources its replicas declare."""
    return CriticDeployment.options(
        num_replicas=settings.ray_replicas,
        ray_actor_options={"num_cpus": settings.ray_replica_cpus, "num_gpus": critic_gpus(settings)},
    ).bind(dataclasses.asdict(clip), embedder_module, settings.ray_batching, settings.ray_batch_wait_s)


def ensure_app(clip: ClipSettings, embedder_module: str | None, settings: Settings, store: RunStore | None) -> str:
    """The CLIP model's application, deployed when it does not exist (one deployer at a time,
    under a PostgreSQL advisory lock when there is a store), and running; its name."""
    name = app_name(clip)
    try:
        return deployed(name, lambda: build_app(clip, embedder_module, settings), store)
    except NotRunning as stuck:
        raise ClipUnavailable(
            f"the CLIP deployment {name} ({model_id(clip)}) is not running ({stuck}): the cluster must have "
            f"room for {settings.ray_replicas} replica(s) of {critic_gpus(settings):g} GPU and "
            f"{settings.ray_replica_cpus:g} CPU (LIMNER_RAY_CRITIC_GPUS / LIMNER_RAY_REPLICA_CPUS)") from None


# ---- inside an executor ------------------------------------------------------------------------


class RemoteEmbedder:
    """An ``Embedder`` whose embedding happens in the CLIP deployment (see the module docstring).
    ``handle()`` gives the deployment's handle (or anything with its ``describe`` and ``embed``)."""

    def __init__(self, handle: Callable[[], Any]) -> None:
        self._handle = handle
        info = handle().describe.remote().result(timeout_s=DEPLOY_TIMEOUT_S)
        self.id: str = info["id"]
        self.unavailable: str | None = info["unavailable"]

    def embed_images(self, images: Sequence[Image.Image]) -> Any:
        return self._embed(EmbedRequest("images", tuple(encode_image(image) for image in images)))

    def embed_texts(self, texts: Sequence[str]) -> Any:
        return self._embed(EmbedRequest("texts", tuple(str(text) for text in texts)))

    def _embed(self, request: EmbedRequest) -> Any:
        import torch  # lazy: torch loads only where CLIP is used

        result = self._handle().embed.remote(request).result(timeout_s=EMBED_TIMEOUT_S)
        if isinstance(result, EmbedFailure):
            raise ClipError(f"the CLIP deployment could not embed {request.kind}: {result.type}: {result.message}")
        return torch.from_numpy(np.array(result, dtype=np.float32))  # a copy: Ray hands back read-only arrays


def remote_clip(clip: ClipSettings, handle: Callable[[], Any]) -> tuple[RemoteEmbedder | None, str | None]:
    """The deployment's embedder, or None and why CLIP cannot run there (its replica's own
    reason, e.g. no weights; or that the deployment is not running)."""
    try:
        embedder = RemoteEmbedder(handle)
    except (ClipError, RayError) as error:
        return None, str(error).splitlines()[0] if str(error) else type(error).__name__
    return (None, embedder.unavailable) if embedder.unavailable else (embedder, None)


_INSTALLED: dict[str, Any] = {}
_INSTALL_LOCK = threading.Lock()


def use_remote_critics(store: RunStore | None, settings: Settings, embedder_module: str | None = None) -> None:
    """From now on, in this process, the CLIP critics embed through their Serve deployment
    (``configured_clip`` hands out a ``RemoteEmbedder``), deployed with these settings when it
    does not exist yet (the latest call's settings count)."""
    with _INSTALL_LOCK:
        _INSTALLED["settings"] = settings
        if "provider" in _INSTALLED:
            return

        def provide(clip: ClipSettings) -> tuple[RemoteEmbedder | None, str | None]:
            found: list[Any] = []

            def handle() -> Any:
                # Looked up (and deployed if gone) once per critique: a status call per embed
                # would cost a controller round trip each.
                if not found:
                    found.append(serve.get_app_handle(ensure_app(clip, embedder_module, _INSTALLED["settings"], store)))
                return found[0]

            return remote_clip(clip, handle)

        _INSTALLED["provider"] = provide
        use_clip_provider(provide)


def stop_remote_critics() -> None:
    """CLIP is loaded in this process again (tests)."""
    with _INSTALL_LOCK:
        _INSTALLED.clear()
        use_clip_provider(None)
