"""generate: one batched backend call for all shots; each image has its own seed.

A failing batch is retried shot by shot so that one bad image never loses the others;
a shot that still fails is recorded with its error and left to the repair node.
"""

from __future__ import annotations

import shutil
from typing import Any

from PIL import Image
from langgraph.runtime import Runtime

from agent.backends import generator_for
from agent.context import Settings
from agent.nodes.common import emit, timed, work_path
from agent.state import ImageRecord, State
from tools.critics.coverage import INFO_KEY as DRAWING_KEY, Drawing
from tools.generators.base import Generator, listening_to_steps
from tools.scene import EditSpec, ScenePlan, Shot
from tools.edit_ops import apply_edit


def bare_shots(prompt: str, count: int) -> list[Shot]:
    """Raw mode: the prompt verbatim for every image, nothing planned."""
    return [Shot(index=i, prompt=prompt) for i in range(count)]


def generate_images(
    generator: Generator,
    shots: list[Shot],
    seeds: list[int],
    size: tuple[int, int],
    plan: ScenePlan | None,
) -> list[Image.Image | Exception]:
    """Images for ``shots`` in chunks of the backend's ``max_batch``; failures isolated per shot."""
    results: list[Image.Image | Exception] = []
    chunk = max(1, generator.max_batch if generator.supports_batch else 1)
    for start in range(0, len(shots), chunk):
        part, part_seeds = shots[start : start + chunk], seeds[start : start + chunk]
        try:
            images = generator.generate(part, size, part_seeds, plan=plan)
            if len(images) != len(part):
                raise RuntimeError(f"backend returned {len(images)} images for {len(part)} shots")
            results.extend(images)
        except Exception as batch_error:  # noqa: BLE001 - isolate per shot below
            if len(part) == 1:
                results.append(batch_error)
                continue
            for shot, seed in zip(part, part_seeds):
                try:
                    results.extend(generator.generate([shot], size, [seed], plan=plan))
                except Exception as shot_error:  # noqa: BLE001 - recorded on the image
                    results.append(shot_error)
    return results


def edit_images(generator: Generator, spec: EditSpec, seeds: list[int]) -> list[Image.Image | Exception]:
    """Edit mode: one edit of the input per seed; a failure is recorded on its image only."""
    results: list[Image.Image | Exception] = []
    for seed in seeds:
        try:
            results.append(apply_edit(generator, spec, seed))
        except Exception as error:  # noqa: BLE001 - recorded on the image
            results.append(error)
    return results


def _revised(state: State, shots: list[Shot]) -> dict[str, Any]:
    """A follow-up: shots it changed are drawn again with their old seeds; the others are the
    previous run's images, copied (same pixels, same verdicts)."""
    request = state.request
    previous = {record.shot: record for record in state.previous["images"]}
    changed = set(state.revision["changed_shots"])
    seeds = [previous[s.index].seed if s.index in previous else request.seeds(len(shots))[s.index] for s in shots]
    redo = [i for i, shot in enumerate(shots) if shot.index in changed or previous.get(shot.index) is None
            or previous[shot.index].path is None]
    generator = generator_for(request)
    emit("generate_start", images=len(redo), backend=request.backend)
    with listening_to_steps(lambda step, total: emit("step", step=step, total=total)):
        drawn = generate_images(generator, [shots[i] for i in redo], [seeds[i] for i in redo], request.size, state.plan)
    results = dict(zip(redo, drawn))
    records, log = [], []
    for i, shot in enumerate(shots):
        if i in results:
            record, lines = _record(request, shot, seeds[i], results[i])
            records.append(record)
            log += lines
        else:
            old = previous[shot.index]
            path = work_path(request, shot.index, 0)
            shutil.copyfile(old.path, path)
            records.append(old.model_copy(update={"path": str(path), "repairs": []}))
    return {"images": records, "shots": shots, "log": log}


def _record(request: Any, shot: Shot, seed: int, result: Image.Image | Exception) -> tuple[ImageRecord, list[str]]:
    """The record of one backend result (written to the run's work folder), and its log lines."""
    lines: list[str] = []
    if isinstance(result, Exception):
        record = ImageRecord(shot=shot.index, seed=seed, error=f"{type(result).__name__}: {result}")
    else:
        path = work_path(request, shot.index, 0)
        result.convert("RGB").save(path, format="PNG")
        record = ImageRecord(shot=shot.index, seed=seed, path=str(path), credits=credits_of(result),
                             usage=dict(result.info.get("usage") or {}), drawing=drawing_of(result))
        lines = [f"shot {shot.index + 1}: {warning}" for warning in result.info.get("warnings", [])]
    emit("image", shot=shot.index, seed=seed, ok=record.error is None, error=record.error)
    return record, lines


def drawing_of(image: Image.Image) -> Drawing | None:
    """What a backend said it drew in an image (``image.info["drawing"]``), when it says."""
    drawing = image.info.get(DRAWING_KEY)
    return Drawing.model_validate(drawing) if drawing is not None else None


def credits_of(image: Image.Image) -> list[str]:
    """Attributions a backend attached to an image (``image.info["credits"]``)."""
    return list(image.info.get("credits") or [])


@timed("generate")
def generate(state: State, runtime: Runtime[Settings]) -> dict[str, Any]:
    request = state.request
    shots = state.shots or bare_shots(request.prompt, request.n or 1)
    seeds = request.seeds(len(shots))
    if state.revision is not None:
        return _revised(state, shots)
    generator = generator_for(request)
    emit("generate_start", images=len(shots), backend=request.backend)
    with listening_to_steps(lambda step, total: emit("step", step=step, total=total)):
        if state.plan is not None and state.plan.edit is not None:
            results = edit_images(generator, state.plan.edit, seeds)
        else:
            results = generate_images(generator, shots, seeds, request.size, state.plan)
    records, log = [], []
    for shot, seed, result in zip(shots, seeds, results):
        record, lines = _record(request, shot, seed, result)
        records.append(record)
        log += lines
    return {"images": records, "shots": shots, "log": log}
