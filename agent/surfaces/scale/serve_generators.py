"""Generation on Ray Serve: one deployment per backend and model, batching across runs.

- ``GeneratorDeployment`` builds the backend once per replica (the model stays loaded) and
  declares what a replica needs (``num_gpus``, ``num_cpus``; ``LIMNER_RAY_REPLICA_*``).
  Requests from concurrent runs are merged by ``@serve.batch`` up to the backend's
  ``max_batch`` shots (``batch_size_fn`` counts shots, not requests); which of them share one
  backend call is ``agent.surfaces.scale.batching``'s rule, every shot with its own seed. One
  request's failure is its own. ``LIMNER_RAY_BATCHING=false`` draws one request per call.
- ``RemoteGenerator`` stands in for the backend inside an executor (``use_remote_backend``
  registers it under the backend's own name, through the registry every backend uses), so the
  graph's generate and repair nodes draw through the deployment without knowing it. Each
  finished shot is saved in PostgreSQL (``agent.surfaces.scale.shots``): a run retried after its
  executor died takes those back instead of drawing them again, and says so
  (``generate_restored``).
- A deployment that exists is used as it is (e.g. one an operator declared in KubeRay's
  ``serveConfigV2``, named ``app_name(...)``); limner deploys one only where none exists, and
  again when it is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib
import json
import threading
import time
from collections import deque
from typing import Any, Callable

from PIL import Image
from ray import serve

from agent.context import Settings
from agent.nodes.common import emit
from agent.surfaces.scale.batching import DrawFailure, DrawRequest, draw_group, merge_groups, shots_in
from agent.surfaces.scale.postgres_state import RunStore
from agent.surfaces.scale.shots import ACTIVE_RUN, decode_shot, encode_shot, shot_key
from tools.generators.base import BackendError, GeneratorOptions, can_edit, create, options_model, register
from tools.scene import ScenePlan, Shot

NAMESPACE = "limner"
DEPLOY_TIMEOUT_S = 600.0
"""Longest wait for a new deployment's replicas (a model download, a GPU to free up)."""
DRAW_TIMEOUT_S = 3600.0
GPU_BACKENDS = frozenset({"diffusers"})
"""Backends whose replicas reserve a GPU unless ``ray_replica_gpus`` says otherwise."""
MAX_ONGOING = 64
"""Requests a replica accepts at once: enough to fill batches from many concurrent runs."""


def backend_options(backend: str, *, model: str | None = None, steps: int | None = None,
                    options: dict[str, Any] | None = None) -> GeneratorOptions:
    """The backend's validated options, as ``create`` gets them (model and steps included)."""
    given = dict(options or {})
    if model is not None:
        given["model"] = model
    if steps is not None:
        given["steps"] = steps
    return options_model(backend)(**given)


def app_name(backend: str, options: GeneratorOptions) -> str:
    """The Serve application of a backend with these options: ``limner-<backend>-<8 hex>``, the
    hex from every option's value (defaults included), so equal configurations share one."""
    canonical = json.dumps({"backend": backend, **options.model_dump(mode="json")}, sort_keys=True)
    return f"limner-{backend}-{hashlib.sha256(canonical.encode()).hexdigest()[:8]}"


@serve.deployment(name="generator", max_ongoing_requests=MAX_ONGOING)
class GeneratorDeployment:
    """One backend, built once per replica; ``draw`` batches requests across runs."""

    def __init__(self, backend: str, options: dict[str, Any], backend_module: str | None, batching: bool,
                 batch_wait_s: float) -> None:
        if backend_module:
            importlib.import_module(backend_module)  # a backend registered at run time, e.g. by a plugin
        self.backend = backend
        self.generator = create(backend, **options)
        self.max_batch = max(1, self.generator.max_batch if self.generator.supports_batch else 1)
        self.batching = batching
        self._draw_batched.set_max_batch_size(self.max_batch)
        self._draw_batched.set_batch_wait_timeout_s(batch_wait_s)
        self._free: asyncio.Event | None = None
        """Set while no batch is being drawn (made on the replica's event loop, at first use)."""
        self._device = threading.Lock()
        """One backend call at a time per replica, as on one GPU."""
        self._log: deque[tuple[str | None, int, int, int]] = deque(maxlen=100_000)
        """``(run_id, shot index, seed, batch number)`` of every shot drawn: ``drawn()``."""
        self._batches = 0

    def capabilities(self) -> dict[str, Any]:
        return {"supports_edit": bool(getattr(self.generator, "supports_edit", False)),
                "supports_batch": bool(getattr(self.generator, "supports_batch", False)),
                "max_batch": self.max_batch, "model": getattr(self.generator, "model", None)}

    async def draw(self, request: DrawRequest) -> list[Image.Image] | DrawFailure:
        if not self.batching:
            return (await asyncio.to_thread(self._draw_now, [request]))[0]
        # Serve forms a batch as soon as its wait ends, even while the device is still busy with
        # the one before; waiting here until the device is free makes everything that arrived
        # during a call join the next batch together, so batches fill up under load.
        if self._free is None:
            self._free = asyncio.Event()
            self._free.set()
        await self._free.wait()
        return await self._draw_batched(request)

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.05, batch_size_fn=shots_in)
    async def _draw_batched(self, requests: list[DrawRequest]) -> list[list[Image.Image] | DrawFailure]:
        assert self._free is not None  # draw made it before the first batch
        self._free.clear()
        try:
            return await asyncio.to_thread(self._draw_now, requests)
        finally:
            self._free.set()

    def _draw_now(self, requests: list[DrawRequest]) -> list[list[Image.Image] | DrawFailure]:
        results: list[list[Image.Image] | DrawFailure] = [DrawFailure("RuntimeError", "not drawn")] * len(requests)
        with self._device:
            for group in merge_groups(requests, mixed=hasattr(self.generator, "generate_items")):
                self._batches += 1
                drawn = draw_group(self.generator, [requests[i] for i in group])
                for index, result in zip(group, drawn):
                    results[index] = result
                    if not isinstance(result, DrawFailure):
                        self._log += [(requests[index].run_id, shot.index, seed, self._batches)
                                      for shot, seed in zip(requests[index].shots, requests[index].seeds)]
        return results

    async def edit(self, image: Image.Image, mask: Image.Image, prompt: str, seed: int,
                   strength: float | None) -> Image.Image | DrawFailure:
        def run() -> Image.Image | DrawFailure:
            with self._device:
                try:
                    return self.generator.edit(image, mask, prompt, seed, strength)
                except Exception as error:  # noqa: BLE001 - the caller raises it as its own
                    return DrawFailure(type(error).__name__, str(error))

        return await asyncio.to_thread(run)

    def drawn(self) -> dict[str, Any]:
        """Every shot this replica drew, ``(run_id, shot, seed, batch number)``, and the replica's
        id (a handle reaches one replica per call): for operators and the tests."""
        return {"replica": serve.get_replica_context().replica_id.unique_id, "shots": list(self._log)}


def drawn_by_replicas(app: str, replicas: int, *, tries: int = 64) -> dict[str, list[tuple[str | None, int, int, int]]]:
    """Each replica's log of drawn shots (asks until every one of ``replicas`` has answered, or
    ``tries`` calls: the handle picks the replica)."""
    handle = serve.get_app_handle(app)
    found: dict[str, list[tuple[str | None, int, int, int]]] = {}
    for _ in range(tries):
        answer = handle.drawn.remote().result(timeout_s=60)
        found[answer["replica"]] = [tuple(entry) for entry in answer["shots"]]
        if len(found) >= replicas:
            break
    return found


def replica_gpus(settings: Settings, backend: str) -> float:
    if settings.ray_replica_gpus is not None:
        return settings.ray_replica_gpus
    return 1.0 if backend in GPU_BACKENDS else 0.0


def build_app(backend: str, options: GeneratorOptions, backend_module: str | None, settings: Settings) -> Any:
    """The Serve application of one backend, with the resources its replicas declare."""
    args = (backend, options.model_dump(mode="json", exclude_unset=True), backend_module, settings.ray_batching,
            settings.ray_batch_wait_s)
    return GeneratorDeployment.options(
        num_replicas=settings.ray_replicas,
        ray_actor_options={"num_cpus": settings.ray_replica_cpus, "num_gpus": replica_gpus(settings, backend)},
    ).bind(*args)


def app_builder(args: dict[str, Any]) -> Any:
    """For KubeRay's ``serveConfigV2`` (``import_path: agent.surfaces.scale.serve_generators:app_builder``):
    ``args`` are ``backend``, ``model``, ``steps``, ``options``, and the ``LIMNER_RAY_*`` values
    (``replicas``, ``replica_gpus``, ``replica_cpus``, ``batching``, ``batch_wait_s``). Name the
    application ``app_name(...)`` of the same backend and options, so runs find it."""
    backend = str(args["backend"])
    options = backend_options(backend, model=args.get("model"), steps=args.get("steps"), options=args.get("options"))
    settings = Settings(ray_replicas=int(args.get("replicas", 1)), ray_replica_gpus=args.get("replica_gpus"),
                        ray_replica_cpus=float(args.get("replica_cpus", 1.0)), ray_batching=bool(args.get("batching", True)),
                        ray_batch_wait_s=float(args.get("batch_wait_s", 0.05)))
    return build_app(backend, options, args.get("backend_module"), settings)


def ensure_app(backend: str, options: GeneratorOptions, backend_module: str | None, settings: Settings,
               store: RunStore) -> str:
    """The backend's application, deployed when it does not exist (one deployer at a time,
    under a PostgreSQL advisory lock), and running; its name."""
    name = app_name(backend, options)
    try:
        return deployed(name, lambda: build_app(backend, options, backend_module, settings), store)
    except NotRunning as stuck:
        gpus = replica_gpus(settings, backend)
        raise BackendError(f"the {backend} deployment {name} is not running ({stuck}): the cluster must "
                           f"have room for {settings.ray_replicas} replica(s) of {gpus:g} GPU and "
                           f"{settings.ray_replica_cpus:g} CPU (LIMNER_RAY_REPLICA_GPUS / _CPUS)") from None


class NotRunning(RuntimeError):
    """A Serve application did not reach RUNNING in time (its last status is the message)."""


def deployed(name: str, build: Callable[[], Any], store: RunStore | None) -> str:
    """Serve application ``name`` running: deployed from ``build()`` when missing or broken, by
    one deployer at a time (a PostgreSQL advisory lock when there is a store), then waited for.
    Raises ``NotRunning`` when it fails to deploy or is not up within ``DEPLOY_TIMEOUT_S``."""
    if _status(name) == "RUNNING":
        return name
    lock = store.advisory_lock(f"limner-serve:{name}") if store is not None else contextlib.nullcontext()
    with lock:
        if _status(name) in (None, "DELETING", "DEPLOY_FAILED", "UNHEALTHY"):
            serve.start(proxy_location="Disabled")  # handles only: no HTTP proxy on any node
            serve._run(build(), name=name, route_prefix=None, _blocking=False)
    deadline = time.monotonic() + DEPLOY_TIMEOUT_S
    while (status := _status(name)) != "RUNNING":
        if status == "DEPLOY_FAILED" or time.monotonic() > deadline:
            raise NotRunning(str(status))
        time.sleep(0.25)
    return name


def _status(name: str) -> str | None:
    app = serve.status().applications.get(name)
    return None if app is None else str(getattr(app.status, "value", app.status))


# ---- inside an executor --------------------------------------------------------------------


class RemoteGenerator:
    """A backend whose drawing happens in its Serve deployment (see the module docstring)."""

    def __init__(self, backend: str, options: GeneratorOptions, backend_module: str | None, store: RunStore) -> None:
        self.name = backend
        self._deployment = (backend, options, backend_module)
        self._store = store
        self.app = app_name(backend, options)
        caps = self._handle().capabilities.remote().result(timeout_s=DEPLOY_TIMEOUT_S)
        self.supports_edit: bool = caps["supports_edit"]
        self.supports_batch: bool = caps["supports_batch"]
        self.max_batch: int = caps["max_batch"]
        self.model: str | None = caps["model"]

    def _handle(self) -> Any:
        """The deployment's handle, the deployment (re)made first when it is not there (an
        operator may have deleted it, or changed its settings by deleting it)."""
        active = ACTIVE_RUN.get()
        settings = active.settings if active is not None else Settings()
        return serve.get_app_handle(ensure_app(*self._deployment, settings, self._store))

    def generate(self, shots: list[Shot], size: tuple[int, int], seeds: list[int],
                 plan: ScenePlan | None = None) -> list[Image.Image]:
        checkpoint = ACTIVE_RUN.get()
        keys = [shot_key(self.app, shot, seed, size, plan) for shot, seed in zip(shots, seeds)]
        saved = checkpoint.store.saved_shots(checkpoint.run_id, checkpoint.owner, keys) if checkpoint else {}
        missing = [i for i, key in enumerate(keys) if key not in saved]
        if len(missing) < len(shots):
            emit("generate_restored", shots=[shots[i].index for i in range(len(shots)) if i not in missing])
        drawn: dict[int, Image.Image] = {}
        if missing:
            request = DrawRequest(checkpoint.run_id if checkpoint else None, [shots[i] for i in missing],
                                  [seeds[i] for i in missing], tuple(size), plan)
            result = self._handle().draw.remote(request).result(timeout_s=DRAW_TIMEOUT_S)
            if isinstance(result, DrawFailure):
                raise BackendError(result.message)
            for i, image in zip(missing, result):
                drawn[i] = image
                if checkpoint is not None:
                    checkpoint.store.save_shot(checkpoint.run_id, checkpoint.owner, keys[i], *encode_shot(image))
        return [drawn[i] if i in drawn else decode_shot(*saved[keys[i]]) for i in range(len(shots))]

    def edit(self, image: Image.Image, mask: Image.Image, prompt: str, seed: int,
             strength: float | None = None) -> Image.Image:
        result = self._handle().edit.remote(image, mask, prompt, seed, strength).result(timeout_s=DRAW_TIMEOUT_S)
        if isinstance(result, DrawFailure):
            raise BackendError(result.message)
        return result


_INSTALLED: set[str] = set()
_INSTALL_LOCK = threading.Lock()


def use_remote_backend(backend: str, backend_module: str | None, store: RunStore) -> None:
    """From now on, in this process, backend ``backend`` draws through its Serve deployment: its
    registry entry (the one ``agent.backends.generator_for`` builds from) makes a
    ``RemoteGenerator``. The backend's own module is imported first, so it cannot register
    itself over this later."""
    with _INSTALL_LOCK:
        if backend in _INSTALLED:
            return
        if backend_module:
            importlib.import_module(backend_module)
        options_cls = options_model(backend)
        editable = can_edit(backend)

        def remote(options: GeneratorOptions) -> RemoteGenerator:
            return RemoteGenerator(backend, options, backend_module, store)

        register(backend, options_cls, remote, supports_edit=editable)  # type: ignore[arg-type]
        _INSTALLED.add(backend)
