"""Where a run's state is checkpointed: SQLite under the limner home, or memory when off."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Iterator

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver

from agent.context import Settings
from agent.state import CHECKPOINT_TYPES


def serializer() -> JsonPlusSerializer:
    """Checkpoint serializer that may rebuild limner's own state types, and only those."""
    return JsonPlusSerializer(allowed_msgpack_modules=CHECKPOINT_TYPES)


@contextmanager
def open_checkpointer(settings: Settings) -> Iterator[BaseCheckpointSaver]:
    """SQLite checkpoints under ``settings.home`` (or in memory when checkpoints are off)."""
    if not settings.checkpoints:
        yield InMemorySaver(serde=serializer())
        return
    settings.home.mkdir(parents=True, exist_ok=True)
    # Concurrent runs (a server) write the same file: wait for the lock rather than fail at once.
    conn = sqlite3.connect(settings.checkpoint_path, check_same_thread=False, timeout=30)
    try:
        yield SqliteSaver(conn, serde=serializer())
    finally:
        conn.close()
