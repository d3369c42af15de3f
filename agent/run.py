"""The public entry point: every surface (CLI, HTTP, MCP, bots) calls these functions."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from agent.context import Settings
from agent.errors import InputError
from agent.graph import builder
from agent.request import RunRequest
from agent.state import CHECKPOINT_TYPES, InputState

EventHandler = Callable[[dict[str, Any]], None]


def serializer() -> JsonPlusSerializer:
    """Checkpoint serializer that may rebuild limner's own state types, and only those."""
    return JsonPlusSerializer(allowed_msgpack_modules=CHECKPOINT_TYPES)


@contextmanager
def open_checkpointer(settings: Settings) -> Iterator[BaseCheckpointSaver]:
    """SQLite checkpoints under ``settings.home`` (or in memory when checkpoints are off)."""
    if not settings.checkpoints:
        yield InMemorySaver(serde=serializer())
        return
    from langgraph.checkpoint.sqlite import SqliteSaver

    settings.home.mkdir(parents=True, exist_ok=True)
    # Concurrent runs (a server) write the same file: wait for the lock rather than fail at once.
    conn = sqlite3.connect(settings.checkpoint_path, check_same_thread=False, timeout=30)
    try:
        yield SqliteSaver(conn, serde=serializer())
    finally:
        conn.close()


def _drive(
    input_: InputState | None, thread_id: str, settings: Settings, on_event: EventHandler | None
) -> dict[str, Any]:
    with open_checkpointer(settings) as saver:
        app = builder.compile(checkpointer=saver)
        config = {"configurable": {"thread_id": thread_id}}
        if input_ is None and not app.get_state(config).values:
            raise InputError(f"no run {thread_id!r} to resume in {settings.checkpoint_path}")
        for mode, chunk in app.stream(input_, config, context=settings, stream_mode=["custom", "updates"]):
            if mode == "custom" and on_event is not None:
                on_event(chunk)
        values = app.get_state(config).values
    if not values.get("report"):
        raise RuntimeError(f"run {thread_id!r} stopped before finishing; `limner resume {thread_id}` continues it")
    return values["report"]


def run(request: RunRequest, *, settings: Settings | None = None, on_event: EventHandler | None = None) -> dict[str, Any]:
    """Run the whole loop for ``request``; returns the run report (the contents of run.json)."""
    settings = settings or Settings()
    if request.mode == "edit":
        from agent.editing import check_edit_request

        check_edit_request(request, settings.segmenter)
    return _drive(InputState(request=request), request.thread_id or request.run_id, settings, on_event)


def resume(run_id: str, *, settings: Settings | None = None, on_event: EventHandler | None = None) -> dict[str, Any]:
    """Continue a run that was interrupted, from its last completed node."""
    settings = settings or Settings()
    if not settings.checkpoints:
        raise InputError("checkpoints are off (LIMNER_CHECKPOINTS=false): nothing to resume")
    return _drive(None, run_id, settings, on_event)
