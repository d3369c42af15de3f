"""Runs on Ray, owned by something that outlives any front-end.

Ray's ownership model: a task or actor shares fate with the process that submitted it, so a
run submitted by a front-end would die with that front-end. Here a front-end only records the
run in PostgreSQL (``limner_runs``, status ``queued``) and NOTIFYs; the **dispatcher**, a
detached named actor (``limner-dispatcher`` in namespace ``limner``, restarted by Ray whenever
its process dies), owns every run:

- it reads the queue from PostgreSQL and starts runs in turn across owners, at most
  ``server_workers`` at once and ``server_per_token`` per owner, runs of one conversation thread
  one after the other (the same rules as the in-process ``RunService``);
- each run is an actor task on an **executor** (``RunExecutor``: a Ray actor holding the graph,
  the OCR critic and the database pool warm (CLIP runs in its own Serve deployment: ``serve_critics``), ``ray_runs_per_executor`` runs at once). Executors are
  restartable (``max_restarts=-1``) and their run calls retried (``max_task_retries =
  ray_run_retries``): when the process running a run dies (kill -9, OOM, a lost node), Ray
  starts the executor again and retries the call, which resumes the run from its checkpoint
  (``agent.surfaces.scale.execution``). After the last retry the run fails, saying why;
- when the dispatcher itself restarts, the runs still marked running in PostgreSQL are its
  first work: their executors died with the old dispatcher (they were its actors), and each
  resumes from its checkpoint.

Plain tasks were the first idea, but in Ray 2.60 a detached actor whose creating driver has
exited gets a fresh worker process for every task (measured), which would load the graph and
the OCR critic again for each run; executor actors keep them loaded.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import psycopg
import ray

from agent.context import Settings
from agent.surfaces.scale.postgres_state import RUNS_CHANNEL, RunRecord, RunStore, first_line
from agent.surfaces.scale.scheduling import next_runs

log = logging.getLogger("limner.scale")
NAMESPACE = "limner"
DISPATCHER = "limner-dispatcher"
POLL_S = 1.0
"""The dispatcher looks at the queue at least this often (NOTIFY wakes it sooner)."""
WORKER_SECRETS = ("server_tokens", "server_link_key")
"""Settings the cluster never needs (and so is never sent): the front-ends' secrets."""


def settings_data(settings: Settings) -> dict[str, Any]:
    """The settings the dispatcher and the executors run with: the front-end's, less its secrets."""
    return settings.model_dump(mode="json", exclude=set(WORKER_SECRETS))


def connect(settings: Settings) -> Any:
    """Join the configured Ray cluster (or start one, for ``local``) and make sure the dispatcher
    runs, with these settings for the runs it starts from now on. Returns its handle."""
    if not ray.is_initialized():
        common = {"namespace": NAMESPACE, "log_to_driver": False, "logging_level": logging.WARNING}
        if settings.ray_address == "local":
            ray.init(include_dashboard=False, **common)
        else:
            ray.init(address=settings.ray_address, **common)
    dispatcher = RunDispatcher.options(  # type: ignore[attr-defined]
        name=DISPATCHER, namespace=NAMESPACE, lifetime="detached", get_if_exists=True, max_restarts=-1,
        max_concurrency=8, num_cpus=0,
    ).remote(settings_data(settings))
    ray.get(dispatcher.configure.remote(settings_data(settings)), timeout=120)
    return dispatcher


@ray.remote
class RunExecutor:
    """Runs runs (see the module docstring); one per ``ray_runs_per_executor`` of ``server_workers``."""

    def __init__(self, database_url: str, runs: int) -> None:
        self._store = RunStore(database_url, max_connections=2 + 2 * runs)

    def execute(self, run_id: str, data: dict[str, Any]) -> str:
        from agent.surfaces.scale.execution import execute_run  # lazy: only executors load the graph

        return execute_run(self._store, run_id, Settings(**data))


@dataclass
class _InFlight:
    run_id: str
    owner: str
    thread_id: str | None
    executor: int


@ray.remote
class RunDispatcher:
    """Owns every run of the cluster (see the module docstring)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self._settings = Settings(**data)
        self._store = RunStore(self._settings.database_url or "", max_connections=3)
        self._lock = threading.Lock()
        self._executors: list[Any] = []
        self._load: list[int] = []
        self._inflight: dict[Any, _InFlight] = {}
        self._turn: OrderedDict[str, None] = OrderedDict()
        self._wake = threading.Event()
        self._started = time.time()
        threading.Thread(target=self._listen, name="limner-dispatcher-listen", daemon=True).start()
        threading.Thread(target=self._loop, name="limner-dispatcher", daemon=True).start()

    # ---- called by front-ends ----------------------------------------------------------------

    def configure(self, data: dict[str, Any]) -> None:
        """Settings for the runs started from now on (the latest front-end's)."""
        with self._lock:
            if data != self._data:
                self._data, self._settings = data, Settings(**data)
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"running": len(self._inflight), "executors": len(self._executors), "since": self._started,
                    "load": list(self._load)}

    # ---- the loop ------------------------------------------------------------------------------

    def _listen(self) -> None:
        """NOTIFY on ``limner_runs`` wakes the loop at once (polling every POLL_S covers gaps)."""
        while True:
            try:
                with psycopg.Connection.connect(self._store.url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {RUNS_CHANNEL}")
                    for _ in conn.notifies():
                        self._wake.set()
            except Exception as error:  # noqa: BLE001 - the database went away: retry, poll meanwhile
                log.warning("dispatcher: LISTEN failed (%s); retrying", first_line(error))
                time.sleep(POLL_S)

    def _loop(self) -> None:
        while True:
            try:
                refs = list(self._inflight)
                if refs:
                    ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0.2 if not self._wake.is_set() else 0)
                    for ref in ready:
                        self._finished(ref)
                else:
                    self._wake.wait(POLL_S)
                self._wake.clear()
                self._schedule()
            except Exception as error:  # noqa: BLE001 - keep dispatching whatever one pass hit
                log.error("dispatcher: %s", first_line(error), exc_info=True)
                time.sleep(POLL_S)

    def _finished(self, ref: Any) -> None:
        with self._lock:
            flight = self._inflight.pop(ref)
            self._load[flight.executor] -= 1
        try:
            ray.get(ref)
        except Exception as error:  # noqa: BLE001 - the executor died more often than retries allow
            retries = self._settings.ray_run_retries
            message = (f"the process running this run died and {retries} retr{'y' if retries == 1 else 'ies'} did not"
                       f" finish it ({type(error).__name__})")
            if self._store.fail_unfinished(flight.run_id, message):
                log.error("run %s failed: %s: %s", flight.run_id, message, first_line(error))

    def _schedule(self) -> None:
        with self._lock:
            settings, data = self._settings, self._data
            ours = {flight.run_id for flight in self._inflight.values()}
            running = [(flight.owner, flight.thread_id) for flight in self._inflight.values()]
        if len(running) >= settings.server_workers:
            return
        unfinished = self._store.unfinished()
        # Marked running but not ours: their executor belonged to an earlier dispatcher (this one
        # restarted, or the whole cluster did). They go first, and resume from their checkpoints.
        orphans = [r for r in unfinished if r.status == "running" and r.id not in ours]
        room = settings.server_workers - len(running)
        starts = orphans[:max(0, room)]
        running += [(r.owner, r.thread_id) for r in starts]
        queued = [r for r in unfinished if r.status == "queued"]
        claimed = [r for r in next_runs(queued, running, self._turn, settings.server_workers, settings.server_per_token)
                   if self._store.claim(r.id)]
        for record in [*starts, *claimed]:
            self._start(record, settings, data)

    def _start(self, record: RunRecord, settings: Settings, data: dict[str, Any]) -> None:
        with self._lock:
            self._ensure_executors(settings)
            index = min(range(len(self._executors)), key=lambda i: self._load[i])
            ref = self._executors[index].execute.remote(record.id, data)
            self._inflight[ref] = _InFlight(record.id, record.owner, record.thread_id, index)
            self._load[index] += 1

    def _ensure_executors(self, settings: Settings) -> None:
        wanted = math.ceil(settings.server_workers / settings.ray_runs_per_executor)
        while len(self._executors) < wanted:
            executor = RunExecutor.options(  # type: ignore[attr-defined]
                max_restarts=-1, max_task_retries=settings.ray_run_retries,
                max_concurrency=settings.ray_runs_per_executor, num_cpus=settings.ray_executor_cpus,
            ).remote(settings.database_url, settings.ray_runs_per_executor)
            self._executors.append(executor)
            self._load.append(0)
