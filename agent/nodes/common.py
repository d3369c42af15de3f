"""Small helpers every node uses: timing, progress events, the run's working folder."""

from __future__ import annotations

import functools
import time
from pathlib import Path
from functools import lru_cache
from typing import Any, Callable

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.context import Settings
from agent.request import RunRequest


@lru_cache(maxsize=1)
def _configured() -> Settings:
    return Settings()


def settings_of(runtime: Runtime[Settings]) -> Settings:
    """The run's settings: the context every entry point passes (``agent.run`` passes its
    caller's). A caller that passes none — a LangGraph server started from langgraph.json —
    gets the configured ones, read once per process here, never per node. A parent graph with
    no context schema hands its context down as a dict: limner's keys are read from it (the
    others ignored); a parent's own context type is not limner's, so the configured ones apply."""
    context = runtime.context
    if isinstance(context, Settings):
        return context
    return Settings(**context) if isinstance(context, dict) else _configured()


def emit(event: str, **data: Any) -> None:
    """Send a progress event to whoever streams the graph (CLI bar, SSE, MCP progress).

    Outside a streaming run there is no writer, and progress simply goes nowhere.
    """
    try:
        writer = get_stream_writer()
    except Exception:  # not inside a runnable context
        return
    writer({"event": event, **data})


def timed(node: str) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
    """Add the node's wall time to the state's ``timings`` and announce start/end."""

    def wrap(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> dict[str, Any]:
            emit("node_start", node=node)
            start = time.perf_counter()
            update = fn(*args, **kwargs)
            seconds = time.perf_counter() - start
            update["timings"] = {node: seconds}
            emit("node_end", node=node, seconds=round(seconds, 4))
            return update

        return run

    return wrap


def work_dir(request: RunRequest) -> Path:
    """Intermediate images (every version, for the audit trail) live in ``<run>/work``."""
    path = request.out_dir / "work"
    path.mkdir(parents=True, exist_ok=True)
    return path


def work_path(request: RunRequest, shot: int, round_: int) -> Path:
    return work_dir(request) / f"shot-{shot + 1:02d}-r{round_}.png"
