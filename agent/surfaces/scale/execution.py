"""One run inside an executor: start it, or — when Ray retried it because the process running
it died — resume it from its checkpoint; its events go to PostgreSQL as they happen.

The first try runs the request (``agent.run.run``, the CLI's entry point). A later try looks at
the thread's checkpoint: still this run, unfinished → ``agent.run.resume`` (the graph goes on
from its last completed node; the generate node takes the shots it had finished back from
``limner_shots``); this run, finished (the process died before recording it) → its report;
otherwise (it died before the first checkpoint) → run it from the start.
"""

from __future__ import annotations

import contextvars
import logging
import os
import socket
from typing import Any, Literal

import agent.run
from agent.checkpoints import open_checkpointer
from agent.context import Settings
from agent.errors import InputError
from agent.graph import builder
from agent.request import RunRequest
from agent.surfaces.results import one_line
from agent.surfaces.scale.postgres_state import RunStore
from agent.surfaces.scale.serve_critics import use_remote_critics
from agent.surfaces.scale.serve_generators import use_remote_backend
from agent.surfaces.scale.shots import ACTIVE_RUN, ActiveRun
from tools.images import ImageInputError

log = logging.getLogger("limner.scale")
Where = Literal["fresh", "resume", "finished"]


def worker_name() -> str:
    """This process, as operators (and the kill tests) find it: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def checkpoint_position(request: RunRequest, settings: Settings) -> tuple[Where, dict[str, Any] | None]:
    """Where the run's thread stands: this run unfinished, this run finished (with its report),
    or not this run at all."""
    if not settings.checkpoints:
        return "fresh", None
    with open_checkpointer(settings) as saver:
        snapshot = builder.compile(checkpointer=saver).get_state({"configurable": {"thread_id": _thread(request)}})
    values = snapshot.values or {}
    current = values.get("request")
    run_id = current.get("run_id") if isinstance(current, dict) else getattr(current, "run_id", None)
    if run_id != request.run_id:
        return "fresh", None
    report = values.get("report")
    if not snapshot.next and isinstance(report, dict) and report.get("run_id") == request.run_id:
        return "finished", report
    return "resume", None


def _thread(request: RunRequest) -> str:
    return request.thread_id or request.run_id


def execute_run(store: RunStore, run_id: str, settings: Settings) -> str:
    """Run (or resume) ``run_id`` and record its outcome; returns its final status. Errors of
    the run are its outcome, never raised: Ray retries only when this process dies."""
    record = store.begin(run_id, worker_name())
    if record is None or record.request is None:
        return "gone"
    request = RunRequest.model_validate(record.request)
    if record.tries > 1:
        store.append_event(run_id, {"event": "run_resume", "attempt": record.tries})
    else:
        store.append_event(run_id, {"event": "run_start"})
    status, report, error = "failed", None, None
    try:
        use_remote_backend(request.backend, record.backend_module, store)
        use_remote_critics(store, settings)
        report = contextvars.copy_context().run(_run, store, record.owner, request, settings, record.tries)
        status = "refused" if report.get("refused") else "done"
    except (InputError, ImageInputError) as problem:
        error = {"type": "invalid_request_error", "message": str(problem)}
    except Exception as problem:  # reported as a server error, never a traceback
        error = {"type": "server_error", "message": one_line(f"{problem.__class__.__name__}: {problem}", 500)}
        log.error("run %s failed: %s", run_id, error["message"], exc_info=True)
    report_path = str(request.out_dir / "run.json") if report is not None else None
    store.finish(run_id, status, report, error, report_path)
    return status


def _run(store: RunStore, owner: str, request: RunRequest, settings: Settings, tries: int) -> dict[str, Any]:
    ACTIVE_RUN.set(ActiveRun(store, request.run_id, owner, settings))
    events = lambda event: store.append_event(request.run_id, event)  # noqa: E731 - the run's event sink
    if tries > 1:
        where, report = checkpoint_position(request, settings)
        if where == "finished" and report is not None:
            return report
        if where == "resume":
            return agent.run.resume(_thread(request), settings=settings, on_event=events)
    return agent.run.run(request, settings=settings, on_event=events)
