"""critique: check every image that is new or changed since its last critique."""

from __future__ import annotations

from typing import Any

from PIL import Image
from langgraph.runtime import Runtime

from agent.context import Settings
from agent.nodes.common import emit, settings_of, timed
from agent.state import State
from tools.critics.aggregate import clip_checks, critique_image, missing_image_critique
from tools.scene import Critique, EditSpec
from agent.characters import reference_checks
from tools.critics.preserve import check_preserved
from tools.edit_ops import reference


def with_preservation(verdict: Critique, spec: EditSpec, image: Image.Image) -> Critique:
    """The critique of an edit plus its preservation check (and the restore repair on failure)."""
    expected, keep = reference(spec, image)
    result, repairs = check_preserved(expected, image, keep)
    return verdict.model_copy(update={"checks": [*verdict.checks, result], "repairs": [*verdict.repairs, *repairs]})


def _reference_checks(state: State, settings: Settings, loaded: dict, shots: dict) -> dict[int, list]:
    """Identity against remembered characters' reference images (a memory that cannot be
    opened costs the check, never the run)."""
    characters = state.plan.characters if state.plan is not None else []
    if not any(c.remembered for c in characters):
        return {}

    try:
        return reference_checks(settings, state.request.user_id, loaded, shots, characters)
    except Exception:  # noqa: BLE001 - the other checks still judge the image
        return {}


@timed("critique")
def critique(state: State, runtime: Runtime[Settings]) -> dict[str, Any]:
    settings = settings_of(runtime)
    shots = {shot.index: shot for shot in state.shots}
    pending = [r for r in state.images if r.critique is None and r.path is not None]
    spec = state.plan.edit if state.plan is not None else None
    loaded: dict[int, Image.Image] = {}
    if spec is not None:  # an edit is judged against its input, not a prompt: no CLIP batch checks
        loaded = {r.shot: Image.open(r.path).convert("RGB") for r in pending}
        batch_checks: dict[int, list] = {}
    elif not pending:
        batch_checks: dict[int, list] = {}
    else:
        # CLIP compares the whole current batch (siblings, identity), so every image is loaded.
        loaded = {r.shot: Image.open(r.path).convert("RGB") for r in state.images if r.path is not None}
        batch_checks = clip_checks(loaded, shots, settings.clip_settings())
        for index, checks in _reference_checks(state, settings, loaded, shots).items():
            batch_checks[index] = [*batch_checks.get(index, []), *checks]
    images = []
    for record in state.images:
        if record.critique is not None:  # unchanged since it was checked: never re-judged
            images.append(record)
            continue
        if record.path is None:
            verdict = missing_image_critique(record.shot, record.error or "no image")
        else:
            verdict = critique_image(
                loaded[record.shot], shots[record.shot], ocr_engine=settings.ocr_engine,
                extra_checks=batch_checks.get(record.shot),
            )
            if spec is not None:
                verdict = with_preservation(verdict, spec, loaded[record.shot])
        images.append(record.model_copy(update={"critique": verdict}))
        emit(
            "critique",
            shot=record.shot,
            passed=verdict.passed,
            checks=[{"name": c.name, "status": c.status, "reason": c.reason} for c in verdict.checks],
        )
    return {"images": images}
