"""finalize: the run's deliverables — numbered PNGs with metadata, a contact sheet, run.json."""

from __future__ import annotations

import json
import time
from typing import Any

from PIL import Image
from langgraph.runtime import Runtime

from agent.context import Settings
from agent.nodes.common import emit, timed
from agent.state import ImageRecord, State
from agent.version import __version__
from tools.contact import contact_sheet
from tools.provenance import save_png


def _image_entry(record: ImageRecord, path: str | None) -> dict[str, Any]:
    checks = [c.model_dump() for c in record.critique.checks] if record.critique else []
    return {
        "path": path,
        "seed": record.seed,
        "shot": record.shot,
        "checks": checks,
        "repairs": [r.model_dump() for r in record.repairs],
        "passed": record.passed,
        "error": record.error if record.path is None else None,
        "credits": record.credits,
    }


@timed("finalize")
def finalize(state: State, runtime: Runtime[Settings]) -> dict[str, Any]:
    started = time.perf_counter()
    request = state.request
    request.out_dir.mkdir(parents=True, exist_ok=True)
    shots = {shot.index: shot for shot in state.shots}
    entries, thumbs, labels = [], [], []
    for record in state.images:
        path = None
        image = None
        if record.path is not None:
            image = Image.open(record.path).convert("RGB")
            target = request.out_dir / f"{record.shot + 1:02d}.png"
            save_png(image, target, {
                "prompt": request.prompt,
                "shot_prompt": shots[record.shot].prompt,
                "seed": record.seed,
                "backend": request.backend,
                "model": request.model,
                "limner_version": __version__,
                "run_id": request.run_id,
                "mode": request.mode,
                "credits": record.credits or None,
            })
            path = str(target)
        entries.append(_image_entry(record, path))
        thumbs.append(image)
        verdict = "ok" if record.passed else ("missing" if record.path is None else "failed checks")
        labels.append(f"{record.shot + 1:02d}  seed {record.seed}  {verdict}")
    contact_path = request.out_dir / "contact.png"
    contact_sheet(thumbs, labels).save(contact_path)
    report = {
        "run_id": request.run_id,
        "prompt": request.prompt,
        "mode": request.mode,
        "backend": request.backend,
        "model": request.model,
        "size": list(request.size),
        "plan": state.plan.model_dump() if state.plan is not None else None,
        "images": entries,
        "rounds": state.rounds,
        "passed": all(e["passed"] for e in entries),
        "contact_sheet": str(contact_path),
        "search": state.search.model_dump() if state.search else None,
        "log": state.log,
        "limner_version": __version__,
    }
    # finalize's own time, up to writing run.json, completes the per-node timings.
    report["timings"] = {**state.timings, "finalize": round(time.perf_counter() - started, 4)}
    (request.out_dir / "run.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    emit("finalize", path=str(request.out_dir))
    return {"report": report}
