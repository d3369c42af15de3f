"""Where a run's state is checkpointed: SQLite under the limner home, PostgreSQL when
``database_url`` is set (any machine resumes any run), or memory when off."""

from __future__ import annotations

import sqlite3
import threading
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
    """SQLite checkpoints under ``settings.home``, PostgreSQL ones in ``settings.database_url``,
    or in memory when checkpoints are off."""
    if not settings.checkpoints:
        yield InMemorySaver(serde=serializer())
        return
    if settings.database_url:
        with _postgres_checkpointer(settings.database_url) as saver:
            yield saver
        return
    settings.home.mkdir(parents=True, exist_ok=True)
    # Concurrent runs (a server) write the same file: wait for the lock rather than fail at once.
    conn = sqlite3.connect(settings.checkpoint_path, check_same_thread=False, timeout=30)
    try:
        yield SqliteSaver(conn, serde=serializer())
    finally:
        conn.close()


_READY: set[str] = set()
_READY_LOCK = threading.Lock()
SETUP_LOCK_ID = 0x6C696D6E  # "limn": one advisory lock id, so two processes never migrate at once


@contextmanager
def _postgres_checkpointer(url: str) -> Iterator[BaseCheckpointSaver]:
    """LangGraph's PostgresSaver on a connection of its own; its tables are made (migrated) once
    per process, under an advisory lock, since several machines may start at the same moment."""
    import psycopg  # lazy: only a configured database loads the driver
    from langgraph.checkpoint.postgres import PostgresSaver  # lazy: only a configured database loads it
    from psycopg.rows import dict_row  # lazy: only a configured database loads the driver

    with psycopg.Connection.connect(url, autocommit=True, prepare_threshold=0, row_factory=dict_row) as conn:
        saver = PostgresSaver(conn, serde=serializer())  # type: ignore[arg-type]
        with _READY_LOCK:
            if url not in _READY:
                conn.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK_ID,))
                try:
                    saver.setup()
                finally:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK_ID,))
                _READY.add(url)
        yield saver
