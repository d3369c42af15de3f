"""accept: the graph's entry — what the caller sent becomes the run's one ``RunRequest``.

Run id, seed and run folder are decided here, once per run, and stored in the state; no later
step recomputes them. The node is synchronous, so a LangGraph server runs it on a worker
thread: the checks that touch the file system (the run folder's path, edit inputs) never block
the server's event loop.

Bad input is not an exception here: ``accept`` clears the input from the state and records the
problem, and ``reject`` fails the run with one ``InputError`` naming every field at fault. So
the bad input never stays in the thread's state (a later run that sends no request hears
"missing", not an old error), and the next valid run on the thread — a follow-up included —
goes on from the last good run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langgraph.config import get_config
from langgraph.runtime import Runtime

from agent.context import Settings
from agent.errors import InputError
from agent.intake import request_from_input
from agent.nodes.common import settings_of
from agent.request import RunRequest
from agent.state import State


@dataclass(kw_only=True)
class Submitted:
    """What ``accept`` reads: the ``request`` channel as the caller wrote it (not yet a model)."""

    request: Any = None
    accepted: str | None = None


def _is_previous(request: Any, accepted: str | None) -> bool:
    """The channel still holds the request of an earlier run: this run sent none."""
    run_id = request.get("run_id") if isinstance(request, dict) else getattr(request, "run_id", None)
    return accepted is not None and run_id == accepted


def accept(state: Submitted, runtime: Runtime[Settings]) -> dict[str, Any]:
    raw = None if _is_previous(state.request, state.accepted) else state.request
    if isinstance(raw, RunRequest):
        request = raw  # built and checked by a Python caller (agent.run)
    else:
        thread = (get_config().get("configurable") or {}).get("thread_id")
        try:
            request = request_from_input(raw, settings_of(runtime), thread_id=str(thread) if thread else None)
        except InputError as error:
            return {"request": None, "accepted": None, "rejected": {"message": str(error), "param": error.param}}
    # Stored as JSON data like the rest of the state (State rebuilds the model for each step).
    return {"request": request.model_dump(mode="json"), "accepted": request.run_id, "rejected": None}


def reject(state: State) -> dict[str, Any]:
    """Fail the run with the problem ``accept`` found (the state already holds no bad input)."""
    rejected = state.rejected or {}
    raise InputError(rejected.get("message", "bad request"), param=rejected.get("param"))
