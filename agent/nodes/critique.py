"""critique: check every image that is new or changed since its last critique."""

from __future__ import annotations

from typing import Any

from PIL import Image
from langgraph.runtime import Runtime

from agent.context import Settings
from agent.nodes.common import emit, timed
from agent.state import State
from tools.critics.aggregate import clip_checks, critique_image, missing_image_critique


@timed("critique")
def critique(state: State, runtime: Runtime[Settings]) -> dict[str, Any]:
    settings = runtime.context or Settings()
    shots = {shot.index: shot for shot in state.shots}
    pending = [r for r in state.images if r.critique is None and r.path is not None]
    if not pending:
        batch_checks: dict[int, list] = {}
    else:
        # CLIP compares the whole current batch (siblings, identity), so every image is loaded.
        loaded = {r.shot: Image.open(r.path).convert("RGB") for r in state.images if r.path is not None}
        batch_checks = clip_checks(loaded, shots, settings.clip_settings())
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
        images.append(record.model_copy(update={"critique": verdict}))
        emit(
            "critique",
            shot=record.shot,
            passed=verdict.passed,
            checks=[{"name": c.name, "status": c.status, "reason": c.reason} for c in verdict.checks],
        )
    return {"images": images}
