"""Which finished run belongs to whom, on disk (``<home>/server_runs.sqlite``), so a restarted
server still answers ``GET /v1/runs/{id}`` and serves the run's files to its owner. The report
itself stays where the run wrote it (``run.json``); only the owner, status, times, the error and
the report's path are kept here."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

FILE = "server_runs.sqlite"


class RunRegistry:
    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(home / FILE, check_same_thread=False, timeout=30)
        with self._lock, self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, owner TEXT NOT NULL, status TEXT NOT NULL,"
                " created REAL, started REAL, finished REAL, report_path TEXT, error TEXT)"
            )

    def record(self, run_id: str, owner: str, status: str, times: tuple[float | None, float | None, float | None],
               report_path: str | None, error: dict[str, str] | None) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             (run_id, owner, status, *times, report_path, json.dumps(error) if error else None))

    def load(self, run_id: str) -> dict[str, Any] | None:
        """The run's record with its report read back from ``run.json`` (None when the run is
        unknown; ``report`` None when its folder is gone)."""
        with self._lock:
            row = self._db.execute("SELECT owner, status, created, started, finished, report_path, error"
                                   " FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        owner, status, created, started, finished, report_path, error = row
        report = None
        if report_path and Path(report_path).is_file():
            report = json.loads(Path(report_path).read_text())
        return {"id": run_id, "owner": owner, "status": status, "created": created, "started": started,
                "finished": finished, "report": report, "error": json.loads(error) if error else None}

    def close(self) -> None:
        with self._lock:
            self._db.close()
