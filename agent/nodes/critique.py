"""critique: check every image that is new or changed since its last critique."""

from __future__ import annotations

from typing import Any

from PIL import Image
from langgraph.runtime import Runtime

from agent.context import Settings
from agent.nodes.common import emit, settings_of, timed
from agent.state import State
from tools.critics.aggregate import clip_checks, critique_images, missing_image_critique, preload
from tools.critics.no_text import forbids_text
from tools.critics.other_shots import texts_of_other_shots
from tools.critics.workers import map_ordered
from tools.scene import Critique, EditSpec, ScenePlan
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


def preload_critics(plan: ScenePlan | None, settings: Settings) -> None:
    """Start loading, in the background, what the critique of ``plan`` will need: the OCR
    engine when a shot plans text or forbids it, CLIP when configured (not for edits, which
    are judged against their input). Called as soon as the plan exists, so that loading
    overlaps generation; engines stay loaded for the life of the process."""
    if plan is None:
        return
    needs_ocr = any(shot.texts or forbids_text(shot.negatives) for shot in plan.shots)
    clip = settings.clip_settings() if plan.edit is None and plan.shots else None
    preload(settings.ocr_engine if needs_ocr else None, clip)


def _load(paths: dict[int, str]) -> dict[int, Image.Image]:
    """The images, decoded on the critique's worker threads."""
    def load(item: tuple[int, str]) -> tuple[int, Image.Image]:
        with Image.open(item[1]) as image:
            return item[0], image.convert("RGB")

    return dict(map_ordered(load, paths.items()))


@timed("critique")
def critique(state: State, runtime: Runtime[Settings]) -> dict[str, Any]:
    settings = settings_of(runtime)
    shots = {shot.index: shot for shot in state.shots}
    pending = [r for r in state.images if r.critique is None and r.path is not None]
    spec = state.plan.edit if state.plan is not None else None
    loaded: dict[int, Image.Image] = {}
    batch_checks: dict[int, list] = {}
    if spec is not None:  # an edit is judged against its input, not a prompt: no CLIP batch checks
        loaded = _load({r.shot: r.path for r in pending})
    elif pending:
        # CLIP compares the whole current batch (siblings, identity), so every image is loaded.
        loaded = _load({r.shot: r.path for r in state.images if r.path is not None})
        batch_checks = clip_checks(loaded, shots, settings.clip_settings())
        for index, checks in _reference_checks(state, settings, loaded, shots).items():
            batch_checks[index] = [*batch_checks.get(index, []), *checks]
    # Every pending image at once (on the critique's worker threads), each judged alone;
    # the verdicts come in the order of ``pending``, which is the order of the loop below.
    # A story's quoted lines belong to their own shots: another shot's text here is a defect.
    foreign = texts_of_other_shots(shots) if spec is None else {}
    # What the backend says it drew (sketch: art or placeholder) is judged for a planned picture.
    drawings = {r.shot: r.drawing for r in pending} if spec is None else None
    verdicts = critique_images(
        {r.shot: loaded[r.shot] for r in pending}, shots, ocr_engine=settings.ocr_engine, extra_checks=batch_checks,
        foreign_texts=foreign, drawings=drawings,
    )
    images = []
    for record in state.images:
        if record.critique is not None:  # unchanged since it was checked: never re-judged
            images.append(record)
            continue
        if record.path is None:
            verdict = missing_image_critique(record.shot, record.error or "no image")
        else:
            _, verdict = next(verdicts)
            if spec is not None:
                verdict = with_preservation(verdict, spec, loaded[record.shot])
        images.append(record.model_copy(update={"critique": verdict}))
        emit(
            "critique",
            shot=record.shot,
            passed=verdict.passed,
            checks=[{"name": c.name, "status": c.status, "reason": c.reason} for c in verdict.checks],
        )
    verdicts.close()
    return {"images": images}
