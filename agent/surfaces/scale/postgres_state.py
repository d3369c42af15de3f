"""The scaled-out server's state in PostgreSQL: every run (its request, owner, status, report),
every run's event log, and the shots a run has finished drawing (its generation checkpoint).

Tables (made on first use, under an advisory lock so concurrent machines never race):

- ``limner_runs``: one row per run. ``runner`` is ``ray`` for runs the cluster executes (their
  ``request`` is kept until they finish) or ``local`` for runs an in-process server recorded
  when they finished (the run registry, ``PostgresRunRegistry``).
- ``limner_run_events``: ``(run_id, seq)`` → the event as JSON; ``seq`` is the SSE event id.
  Appending bumps the run's ``events`` counter under its row lock, so ids are dense and in
  order whoever appends, and sends ``NOTIFY limner_events, '<run id>'``.
- ``limner_shots``: images a run's generate step finished, keyed by what drew them (backend,
  shot, seed, size, plan): a retried run takes them from here instead of drawing them again.
  Removed when the run finishes.

Every row carries its ``owner`` (a token's name) and every read a client can cause filters on
it; ``lookup`` (a signed link stands for the owner) and the cluster's own bookkeeping are the
only reads by id alone. JSON is stored as text: a report may hold a NaN that ``jsonb`` refuses.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

RUNS_CHANNEL = "limner_runs"
"""NOTIFY channel: a run was queued (the dispatcher wakes up)."""
EVENTS_CHANNEL = "limner_events"
"""NOTIFY channel: an event was appended; the payload is the run id."""
FINISHED = ("done", "refused", "failed")
SCHEMA_LOCK_ID = 0x6C72756E  # "lrun"
CONNECT_TIMEOUT_S = 10

SCHEMA = """
CREATE TABLE IF NOT EXISTS limner_runs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    status TEXT NOT NULL,
    runner TEXT NOT NULL,
    thread_id TEXT,
    request TEXT,
    backend_module TEXT,
    created DOUBLE PRECISION NOT NULL,
    started DOUBLE PRECISION,
    finished DOUBLE PRECISION,
    report TEXT,
    report_path TEXT,
    error TEXT,
    events INTEGER NOT NULL DEFAULT 0,
    tries INTEGER NOT NULL DEFAULT 0,
    worker TEXT
);
CREATE INDEX IF NOT EXISTS limner_runs_by_owner ON limner_runs (owner, created);
CREATE INDEX IF NOT EXISTS limner_runs_unfinished ON limner_runs (created) WHERE status IN ('queued', 'running');
CREATE TABLE IF NOT EXISTS limner_run_events (
    run_id TEXT NOT NULL REFERENCES limner_runs (id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS limner_shots (
    run_id TEXT NOT NULL REFERENCES limner_runs (id) ON DELETE CASCADE,
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    png BYTEA NOT NULL,
    info TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (run_id, key)
);
"""
_COLUMNS = ("id, owner, status, runner, thread_id, request, backend_module, created, started, finished, report,"
            " report_path, error, events, tries, worker")


class QueueFull(Exception):
    """The owner already has ``max_queued`` runs waiting."""


class StateError(RuntimeError):
    """PostgreSQL cannot be reached or set up; the message says where and why."""


@dataclass(frozen=True)
class RunRecord:
    """One row of ``limner_runs``, decoded."""

    id: str
    owner: str
    status: str
    runner: str
    thread_id: str | None
    request: dict[str, Any] | None
    backend_module: str | None
    created: float
    started: float | None
    finished: float | None
    report: dict[str, Any] | None
    report_path: str | None
    error: dict[str, str] | None
    events: int
    tries: int
    worker: str | None

    @property
    def done(self) -> bool:
        return self.status in FINISHED


def _record(row: dict[str, Any]) -> RunRecord:
    loads = lambda text: json.loads(text) if text else None  # noqa: E731 - one decoder for three columns
    return RunRecord(**{**row, "request": loads(row["request"]), "report": loads(row["report"]),
                        "error": loads(row["error"])})


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str)


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def redacted(url: str) -> str:
    """``url`` without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


class RunStore:
    """The three tables, through a small connection pool (thread-safe)."""

    def __init__(self, url: str, *, max_connections: int = 8) -> None:
        self.url = url
        try:  # one plain connection first: a wrong URL or a server down says why, at once
            with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as conn:
                conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_ID,))
                try:
                    conn.execute(SCHEMA)
                finally:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_ID,))
        except psycopg.Error as error:
            raise StateError(f"cannot use the database at {redacted(url)}: {first_line(error)}") from None
        self._pool = ConnectionPool(url, min_size=1, max_size=max_connections, open=True,
                                    kwargs={"autocommit": True, "prepare_threshold": None, "row_factory": dict_row,
                                            "connect_timeout": CONNECT_TIMEOUT_S})

    def close(self) -> None:
        self._pool.close()

    # ---- front-ends: submit and read -------------------------------------------------------

    def submit(self, run_id: str, owner: str, request: dict[str, Any], *, thread_id: str | None,
               backend_module: str | None, max_queued: int) -> int:
        """Record a queued run with its ``queued`` event; returns how many runs wait ahead of it.
        QueueFull when ``owner`` has ``max_queued`` waiting (checked under a per-owner lock, so
        two front-ends cannot both take the last place)."""
        now = time.time()
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"limner-queue:{owner}",))
            waiting = conn.execute("SELECT count(*) AS n FROM limner_runs WHERE owner = %s AND status = 'queued'",
                                   (owner,)).fetchone()["n"]
            if waiting >= max_queued:
                raise QueueFull(f"{waiting} runs are already waiting for this client (limit {max_queued}); retry later")
            ahead = conn.execute("SELECT count(*) AS n FROM limner_runs WHERE status = 'queued'").fetchone()["n"]
            conn.execute("INSERT INTO limner_runs (id, owner, status, runner, thread_id, request, backend_module, created)"
                         " VALUES (%s, %s, 'queued', 'ray', %s, %s, %s, %s)",
                         (run_id, owner, thread_id, _dumps(request), backend_module, now))
            self._append(conn, run_id, {"event": "queued", "ahead": ahead})
            conn.execute(f"NOTIFY {RUNS_CHANNEL}")
        return ahead

    def get(self, run_id: str, owner: str) -> RunRecord | None:
        """``owner``'s run ``run_id`` (someone else's is simply not there)."""
        with self._pool.connection() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM limner_runs WHERE id = %s AND owner = %s",
                               (run_id, owner)).fetchone()
        return _record(row) if row else None

    def lookup(self, run_id: str) -> RunRecord | None:
        """The run whoever owns it: only for a caller holding a proof of ownership (a signed link)."""
        with self._pool.connection() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM limner_runs WHERE id = %s", (run_id,)).fetchone()
        return _record(row) if row else None

    def owned(self, owner: str, limit: int) -> list[RunRecord]:
        """``owner``'s ``limit`` most recent runs, oldest first."""
        with self._pool.connection() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM limner_runs WHERE owner = %s ORDER BY created DESC, id DESC"
                                " LIMIT %s", (owner, limit)).fetchall()
        return [_record(row) for row in reversed(rows)]

    def events(self, run_id: str, owner: str, start: int, limit: int = 500) -> list[dict[str, Any]]:
        """The run's events from index ``start`` on, in order (only ``owner``'s)."""
        with self._pool.connection() as conn:
            rows = conn.execute("SELECT body FROM limner_run_events WHERE run_id = %s AND owner = %s AND seq >= %s"
                                " ORDER BY seq LIMIT %s", (run_id, owner, start, limit)).fetchall()
        return [json.loads(row["body"]) for row in rows]

    def counts(self) -> dict[str, int]:
        with self._pool.connection() as conn:
            rows = conn.execute("SELECT status, count(*) AS n FROM limner_runs WHERE status IN ('queued', 'running')"
                                " GROUP BY status").fetchall()
        found = {row["status"]: row["n"] for row in rows}
        return {"running": found.get("running", 0), "queued": found.get("queued", 0)}

    # ---- the dispatcher ----------------------------------------------------------------------

    def unfinished(self, limit: int = 1000) -> list[RunRecord]:
        """Runs the cluster still owes (queued or running), oldest first."""
        with self._pool.connection() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM limner_runs WHERE runner = 'ray' AND status IN"
                                " ('queued', 'running') ORDER BY created, id LIMIT %s", (limit,)).fetchall()
        return [_record(row) for row in rows]

    def claim(self, run_id: str) -> bool:
        """Mark a queued run running; False when it is not queued any more."""
        with self._pool.connection() as conn:
            row = conn.execute("UPDATE limner_runs SET status = 'running', started = %s WHERE id = %s AND"
                               " status = 'queued' RETURNING id", (time.time(), run_id)).fetchone()
        return row is not None

    def fail_unfinished(self, run_id: str, message: str) -> bool:
        """End a run that could not finish (its executor died more often than retries allow)."""
        return self.finish(run_id, "failed", None, {"type": "server_error", "message": message})

    # ---- executors ---------------------------------------------------------------------------

    def begin(self, run_id: str, worker: str) -> RunRecord | None:
        """An executor starts (or, after its process died, restarts) the run: one more try.
        None when the run is unknown or already finished."""
        with self._pool.connection() as conn:
            row = conn.execute(f"UPDATE limner_runs SET tries = tries + 1, worker = %s, status = 'running',"
                               f" started = coalesce(started, %s) WHERE id = %s AND status NOT IN"
                               f" ('done', 'refused', 'failed') RETURNING {_COLUMNS}",
                               (worker, time.time(), run_id)).fetchone()
        return _record(row) if row else None

    def append_event(self, run_id: str, event: dict[str, Any]) -> int:
        with self._pool.connection() as conn, conn.transaction():
            return self._append(conn, run_id, event)

    def finish(self, run_id: str, status: str, report: dict[str, Any] | None, error: dict[str, str] | None,
               report_path: str | None = None) -> bool:
        """The run's outcome and its ``run_end`` event, at once; False when it had finished already
        (a late duplicate is ignored). Its saved shots go: the run is done with them."""
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute("UPDATE limner_runs SET status = %s, report = %s, error = %s, report_path = %s,"
                               " finished = %s, request = NULL WHERE id = %s AND status NOT IN ('done', 'refused', 'failed')"
                               " RETURNING id", (status, _dumps(report) if report is not None else None,
                                                 _dumps(error) if error else None, report_path, time.time(),
                                                 run_id)).fetchone()
            if row is None:
                return False
            end = {"event": "run_end", "status": status, **({"error": error["message"]} if error else {})}
            self._append(conn, run_id, end)
            conn.execute("DELETE FROM limner_shots WHERE run_id = %s", (run_id,))
        return True

    def save_shot(self, run_id: str, owner: str, key: str, png: bytes, info: dict[str, Any]) -> None:
        with self._pool.connection() as conn:
            conn.execute("INSERT INTO limner_shots (run_id, owner, key, png, info, created) VALUES (%s, %s, %s, %s, %s, %s)"
                         " ON CONFLICT (run_id, key) DO NOTHING", (run_id, owner, key, png, _dumps(info), time.time()))

    def saved_shots(self, run_id: str, owner: str, keys: Iterable[str]) -> dict[str, tuple[bytes, dict[str, Any]]]:
        with self._pool.connection() as conn:
            rows = conn.execute("SELECT key, png, info FROM limner_shots WHERE run_id = %s AND owner = %s AND"
                                " key = ANY(%s)", (run_id, owner, list(keys))).fetchall()
        return {row["key"]: (bytes(row["png"]), json.loads(row["info"])) for row in rows}

    @contextmanager
    def advisory_lock(self, name: str) -> Iterator[None]:
        """Hold PostgreSQL's session lock ``name`` (one holder in the whole cluster) for the block."""
        with self._pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (name,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))

    # ---- internals ---------------------------------------------------------------------------

    @staticmethod
    def _append(conn: psycopg.Connection, run_id: str, event: dict[str, Any]) -> int:
        """Append under the run row's lock (dense, ordered ids) and notify the listeners."""
        row = conn.execute("UPDATE limner_runs SET events = events + 1 WHERE id = %s RETURNING events - 1 AS seq, owner",
                           (run_id,)).fetchone()
        if row is None:
            raise KeyError(f"no run {run_id!r}")
        stamped = {**event, "run_id": run_id, "time": round(time.time(), 3)}
        conn.execute("INSERT INTO limner_run_events (run_id, owner, seq, body) VALUES (%s, %s, %s, %s)",
                     (run_id, row["owner"], row["seq"], _dumps(stamped)))
        conn.execute("SELECT pg_notify(%s, %s)", (EVENTS_CHANNEL, run_id))
        return row["seq"]


class PostgresRunRegistry:
    """The in-process ``RunService``'s registry of finished runs (``RunRegistry``'s interface),
    in ``limner_runs`` when ``database_url`` is set: any server on the database answers for a
    finished run. The report is stored with the record, so reading it back needs no file."""

    def __init__(self, url: str) -> None:
        self._store = RunStore(url, max_connections=2)

    def record(self, run_id: str, owner: str, status: str, times: tuple[float | None, float | None, float | None],
               report_path: str | None, error: dict[str, str] | None) -> None:
        report = None
        if report_path and Path(report_path).is_file():
            report = Path(report_path).read_text()
        created, started, finished = times
        with self._store._pool.connection() as conn:
            conn.execute("INSERT INTO limner_runs (id, owner, status, runner, created, started, finished, report, report_path,"
                         " error) VALUES (%s, %s, %s, 'local', %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET"
                         " status = excluded.status, started = excluded.started, finished = excluded.finished,"
                         " report = excluded.report, report_path = excluded.report_path, error = excluded.error"
                         " WHERE limner_runs.owner = excluded.owner",
                         (run_id, owner, status, created or time.time(), started, finished, report, report_path,
                          _dumps(error) if error else None))

    def load(self, run_id: str) -> dict[str, Any] | None:
        """The record as ``RunRegistry.load`` gives it (None when unknown)."""
        record = self._store.lookup(run_id)
        if record is None:
            return None
        return {"id": record.id, "owner": record.owner, "status": record.status, "created": record.created,
                "started": record.started, "finished": record.finished, "report": record.report, "error": record.error}

    def close(self) -> None:
        self._store.close()
