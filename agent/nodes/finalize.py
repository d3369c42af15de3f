"""finalize: the run's deliverables — numbered PNGs with metadata, a contact sheet, run.json."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from PIL import Image
from langgraph.runtime import Runtime

from agent.backends import generator_for
from agent.context import Settings
from agent.nodes.common import emit, settings_of, timed
from agent.planning.references import sources
from agent.state import ImageRecord, State
from tools.version import __version__
from tools.contact import contact_sheet
from tools.provenance import copy_png
from tools.safety import output_check
from agent.characters import record_appearances


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
        "placeholders": record.placeholders,
        "usage": record.usage or None,
    }


def total_usage(records: list[ImageRecord]) -> dict[str, Any] | None:
    """Numeric usage fields summed over the distinct requests behind the images (images of one
    request carry the same usage object, counted once)."""
    seen, total = set(), {}
    for record in records:
        key = json.dumps(record.usage, sort_keys=True)
        if not record.usage or key in seen:
            continue
        seen.add(key)
        for name, value in record.usage.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                total[name] = total.get(name, 0) + value
    return total or None


@timed("finalize")
def finalize(state: State, runtime: Runtime[Settings]) -> dict[str, Any]:
    started = time.perf_counter()
    request = state.request
    request.out_dir.mkdir(parents=True, exist_ok=True)
    shots = {shot.index: shot for shot in state.shots}
    model = request.model or getattr(generator_for(request), "model", None)  # the backend's default
    settings = settings_of(runtime)
    signer, log = _signer(settings)
    checker = output_check(settings.safety_output_check) if settings.safety_output_check else None
    entries, thumbs, labels = [], [], []
    for record in state.images:
        path = None
        image = None
        flagged = None
        if record.path is not None:
            image = Image.open(record.path).convert("RGB")
            if checker is not None:
                verdict = checker.check(image, shots[record.shot].prompt)
                if not verdict.allowed:  # marked, never blacked out: the user decides
                    flagged = {"reason": verdict.reason, "categories": verdict.categories, "policy": verdict.policy}
                    log.append(f"image {record.shot + 1} flagged by the {verdict.policy} check: {verdict.reason}")
            target = request.out_dir / f"{record.shot + 1:02d}.png"
            # The work file's pixels as they are, the metadata added: no second encoding.
            copy_png(record.path, target, {
                "prompt": request.prompt,
                "shot_prompt": shots[record.shot].prompt,
                "seed": record.seed,
                "backend": request.backend,
                "model": model,
                "limner_version": __version__,
                "run_id": request.run_id,
                "mode": request.mode,
                "credits": record.credits or None,
                "flagged": flagged["reason"] if flagged else None,
            })
            if signer is not None:
                log += _sign(signer, target, request, record)
            path = str(target)
        entries.append({**_image_entry(record, path), "flagged": flagged})
        thumbs.append(image)
        verdict = "ok" if record.passed else ("missing" if record.path is None else "failed checks")
        labels.append(f"{record.shot + 1:02d}  seed {record.seed}  {verdict}")
    contact_path = request.out_dir / "contact.png"
    contact_sheet(thumbs, labels).save(contact_path, compress_level=1)  # a preview: fast beats small
    report = {
        "run_id": request.run_id,
        "prompt": request.prompt,
        "mode": request.mode,
        "backend": request.backend,
        "model": model,
        "size": list(request.size),
        "plan": state.plan.model_dump() if state.plan is not None else None,
        "images": entries,
        "rounds": state.rounds,
        "passed": bool(entries) and all(e["passed"] for e in entries),
        "refused": state.refused,
        "thread": state.request.thread_id,
        "revision": state.revision,
        "contact_sheet": str(contact_path),
        "search": state.search.model_dump() if state.search else None,
        # Every page search found (url, title, query) and the shots that quote it.
        "sources": sources(state.plan, state.search.notes) if state.search else [],
        "log": [*state.log, *log],
        "usage": total_usage(state.images),
        "c2pa": signer is not None,
        "characters": _characters(state, settings, log),
        "limner_version": __version__,
    }
    # finalize's own time, up to writing run.json, completes the per-node timings.
    report["timings"] = {**state.timings, "finalize": round(time.perf_counter() - started, 4)}
    (request.out_dir / "run.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    emit("finalize", path=str(request.out_dir))
    return {"report": report, "log": log}


def _characters(state: State, settings: Settings, log: list[str]) -> dict[str, Any]:
    """Remembered characters get this run in their history; new named ones are offered for
    enrolment (the command to remember them), never enrolled without being asked."""
    characters = state.plan.characters if state.plan is not None else []
    remembered = [c.name for c in characters if c.remembered]
    if remembered and any(r.path for r in state.images):
        log += record_appearances(settings, state.request.user_id, remembered, state.request.run_id,
                                  state.request.prompt)
    offers = []
    for character in characters:
        if character.remembered:
            continue
        looks = ", ".join(f"{part} {colour}" for part, colour in character.colors.items())
        description = " ".join(filter(None, [f"a {character.species}" if character.species else "", looks]))
        offers.append({
            "name": character.name,
            "command": f"limner characters add {character.name} --description {json.dumps(description or character.name)}"
                       f" --user {state.request.user_id}",
        })
    return {"remembered": remembered, "offer_to_remember": offers}


def _signer(settings: Settings) -> tuple[Any, list[str]]:
    """The run's C2PA signer when a certificate and key are configured (and a log line when
    they are but cannot be used: the images are still written, unsigned)."""
    if not (settings.c2pa_cert and settings.c2pa_key):
        return None, []
    try:
        from tools.c2pa_signing import C2paSigner  # lazy: c2pa loads only when signing is configured

        return C2paSigner(settings.c2pa_cert.read_bytes(), settings.c2pa_key.read_bytes(),
                          tsa_url=settings.c2pa_tsa_url), []
    except Exception as error:  # noqa: BLE001 - provenance must never lose the images
        return None, [f"c2pa: not signing ({type(error).__name__}: {error})"]


def _sign(signer: Any, path: Path, request: Any, record: ImageRecord) -> list[str]:
    """Sign one written PNG: created by AI, then each repair as an edit."""
    from tools.c2pa_signing import COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA, Action  # lazy: c2pa loads only when signing is configured

    edits = [Action("c2pa.edited", f"limner repair round {r.round}: {r.kind} ({r.check})",
                    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA) for r in record.repairs]
    try:
        signer.sign(path, title=f"{request.prompt[:120]} ({path.name})", actions=edits)
    except Exception as error:  # noqa: BLE001 - the image stays, unsigned, and the log says so
        return [f"c2pa: {path.name} not signed ({error})"]
    return []
