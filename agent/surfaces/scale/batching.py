"""Cross-request batching, the part that needs no Ray: what one request to a generator
deployment carries, and which requests of a batch share one backend call.

Shots share a call when they share a size and a plan (runs in raw mode have none), or always
when the backend draws each shot from its own plan (it has ``generate_items``, as the sketch
backend and the simulated GPU do). Every shot keeps its own seed, so it is the image it would be when drawn alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PIL import Image

from tools.generators.base import BackendError
from tools.scene import ScenePlan, Shot


@dataclass(frozen=True)
class DrawRequest:
    """One run's shots for one backend call (at most the backend's ``max_batch``)."""

    run_id: str | None
    shots: list[Shot]
    seeds: list[int]
    size: tuple[int, int]
    plan: ScenePlan | None


@dataclass(frozen=True)
class DrawFailure:
    """What a request gets back when its backend call raised (the others in its batch do not)."""

    kind: str
    message: str


def shots_in(requests: list[DrawRequest]) -> int:
    """``@serve.batch``'s size of a batch: its shots, not its requests."""
    return sum(len(request.shots) for request in requests)


def merge_groups(requests: list[DrawRequest], *, mixed: bool) -> list[list[int]]:
    """Which requests share one backend call: the same size and plan (JSON-equal), or only the
    same size when the backend draws every shot from its own plan (``mixed``). Request order is
    kept within each group."""
    groups: dict[Any, list[int]] = {}
    for index, request in enumerate(requests):
        plan = None if mixed or request.plan is None else request.plan.model_dump_json()
        groups.setdefault((tuple(request.size), plan), []).append(index)
    return list(groups.values())


def draw_group(generator: Any, requests: list[DrawRequest]) -> list[list[Image.Image] | DrawFailure]:
    """Draw merged requests in one backend call; split the images back per request."""
    shots = [shot for request in requests for shot in request.shots]
    seeds = [seed for request in requests for seed in request.seeds]
    size = tuple(requests[0].size)
    try:
        if hasattr(generator, "generate_items"):
            items = [(shot, seed, request.plan) for request in requests for shot, seed in zip(request.shots, request.seeds)]
            images = generator.generate_items(items, size)
        else:
            images = generator.generate(shots, size, seeds, plan=requests[0].plan)
        if len(images) != len(shots):
            raise BackendError(f"backend returned {len(images)} images for {len(shots)} shots")
    except Exception as error:  # noqa: BLE001 - the requests of this group fail, not the batch
        failure = DrawFailure(type(error).__name__, str(error))
        return [failure for _ in requests]
    results: list[list[Image.Image] | DrawFailure] = []
    start = 0
    for request in requests:
        results.append(list(images[start:start + len(request.shots)]))
        start += len(request.shots)
    return results
