"""RunService: the one way the surfaces (HTTP API, MCP over stdio and HTTP, the LangChain
tool, the bots) run a request in the background and follow its progress.

Each run is a ``Job`` owned by a principal (a token's name, a workspace user, "local"). Jobs
wait in one queue per owner and start in turn across owners (round robin), with at most
``workers`` running in all and ``per_owner`` per owner, so a burst from one client neither runs
the machine out of memory nor starves the others. A job keeps its progress events and, when
done, its report. Runs execute ``agent.run.run`` (the CLI's entry point) in a worker thread of
their own, in an empty ``contextvars`` context: a run is its own graph, never part of its
caller's.

Following a job: ``Job.stream`` (async: SSE, MCP progress, the async LangChain tool) or
``Job.follow`` (sync: the LangChain tool) yield its events as they come, in order, ending with
``run_end``; ``Job.wait``/``Job.wait_async`` only wait; ``Job.result`` is then the report (or the
failure, raised). ``shared_service`` is the process's service for a given configuration.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import logging
import threading
import time
from collections import OrderedDict, deque
from typing import Any, AsyncIterator, Callable, Iterator, Literal

import agent.run
from agent.context import Settings
from agent.errors import InputError
from agent.request import RunRequest
from agent.surfaces.results import one_line, report_of_finished
from agent.surfaces.run_registry import RunRegistry
from tools.images import ImageInputError

log = logging.getLogger("limner.service")
Status = Literal["queued", "running", "done", "refused", "failed"]
EventHandler = Callable[[dict[str, Any]], None]
FINISHED: frozenset[str] = frozenset({"done", "refused", "failed"})
KEEP_FINISHED = 1000
"""Finished jobs kept in memory (oldest forgotten first); their files stay on disk."""
LIFECYCLE: frozenset[str] = frozenset({"queued", "run_start", "run_end"})
"""The events the service adds around a run's own events."""
STAMPS = ("run_id", "time")
"""The keys the service adds to every event it keeps."""


class Busy(Exception):
    """The owner already has ``max_queued`` runs waiting (HTTP 429), or the service is closed."""


class RunFailed(RuntimeError):
    """A run that ended without a report for a reason other than its request (a crash, a
    shutdown): ``Job.result`` raises it with the job's one-line message."""


def own_event(event: dict[str, Any]) -> dict[str, Any] | None:
    """The run's own progress event as ``agent.run.run`` sent it (the service's stamps taken
    off); None for the service's lifecycle events (queued, run_start, run_end)."""
    if event.get("event") in LIFECYCLE:
        return None
    return {key: value for key, value in event.items() if key not in STAMPS}


class Job:
    """One run: its request, owner, status, events so far and (when finished) its report."""

    def __init__(self, request: RunRequest | None, owner: str, listener: EventHandler | None = None, *,
                 run_id: str | None = None) -> None:
        self.id = run_id or request.run_id
        self.request = request
        """None for a run restored from the registry after a restart (it is finished)."""
        self.owner = owner
        self.status: Status = "queued"
        self.created = time.time()
        self.started: float | None = None
        self.finished: float | None = None
        self.report: dict[str, Any] | None = None
        self.error: dict[str, str] | None = None
        """``{"type": "invalid_request_error" | "server_error", "message": ...}`` when failed."""
        self.events: list[dict[str, Any]] = []
        self._listener = listener
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        """Notified on every new event and when the run finishes (``follow`` waits on it)."""
        self._done = threading.Event()
        self._wakers: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    # ---- written by the worker thread ------------------------------------------------------

    def add_event(self, event: dict[str, Any]) -> None:
        with self._lock:
            self.events.append({**event, "run_id": self.id, "time": round(time.time(), 3)})
            stored = self.events[-1]
            self._changed.notify_all()
        if self._listener is not None:
            try:
                self._listener(stored)
            except Exception:  # a broken listener (a gone client) must not break the run
                self._listener = None
        self._wake()

    def _finish(self, status: Status, report: dict[str, Any] | None, error: dict[str, str] | None) -> None:
        with self._lock:
            self.report, self.error, self.finished = report, error, time.time()
            self.status = status
        self.add_event({"event": "run_end", "status": status, **({"error": error["message"]} if error else {})})
        with self._lock:
            self._done.set()
            self._changed.notify_all()
        self._wake()

    def _wake(self) -> None:
        for loop, flag in list(self._wakers):
            try:
                loop.call_soon_threadsafe(flag.set)
            except RuntimeError:  # that loop is closed: its waiter is gone
                self._wakers.discard((loop, flag))

    # ---- read by the surfaces --------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    async def wait_async(self) -> None:
        async for _ in self.stream(0, heartbeat=None):
            pass

    def result(self) -> dict[str, Any]:
        """The report of the finished run (``done`` or ``refused``: a refusal is a report too).
        InputError when the request was at fault, RunFailed for anything else."""
        return report_of_finished(self.id, self.done, self.status, self.report, self.error, RunFailed)

    def follow(self, start: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
        """Events from index ``start`` on, as they come, until the run has finished: the
        blocking twin of ``stream``, for sync callers (the calling thread waits between events)."""
        index = max(0, start)
        while True:
            with self._changed:
                self._changed.wait_for(lambda: len(self.events) > index or self._done.is_set())
                fresh = self.events[index:]
                finished = self._done.is_set()
            for event in fresh:
                yield index, event
                index += 1
            if finished:  # every event is in before the run counts as finished
                return

    async def stream(self, start: int = 0, *, heartbeat: float | None = 15.0) -> AsyncIterator[tuple[int, dict[str, Any]] | None]:
        """Events from index ``start`` on, as they come, until the run has finished; ``None`` every
        ``heartbeat`` seconds without news (so a proxy keeps an idle stream open)."""
        loop = asyncio.get_running_loop()
        flag = asyncio.Event()
        waker = (loop, flag)
        self._wakers.add(waker)
        try:
            index = max(0, start)
            while True:
                flag.clear()
                with self._lock:
                    fresh = self.events[index:]
                    finished = self.done
                for event in fresh:
                    yield index, event
                    index += 1
                if finished and index >= len(self.events):
                    return
                try:
                    await asyncio.wait_for(flag.wait(), heartbeat)
                except asyncio.TimeoutError:
                    yield None
        finally:
            self._wakers.discard(waker)

    @classmethod
    def restored(cls, record: dict[str, Any]) -> "Job":
        """A finished run of an earlier server process, from its registry record."""
        job = cls(None, record["owner"], run_id=record["id"])
        job.status, job.report, job.error = record["status"], record["report"], record["error"]
        job.created, job.started, job.finished = record["created"], record["started"], record["finished"]
        job.events = [{"event": "run_end", "status": job.status, "run_id": job.id, "time": job.finished}]
        job._done.set()
        return job

    def resource(self) -> dict[str, Any]:
        """The job as the HTTP API shows it (without the report)."""
        return {
            "id": self.id,
            "object": "run",
            "status": self.status,
            "owner": self.owner,
            "created": round(self.created, 3),
            "started": self.started and round(self.started, 3),
            "finished": self.finished and round(self.finished, 3),
            "events": len(self.events),
            "error": self.error,
        }


class RunService:
    """Queues, fairness and limits around ``agent.run.run`` for many concurrent clients."""

    def __init__(self, settings: Settings, *, workers: int | None = None, per_owner: int | None = None,
                 max_queued: int | None = None, runner: Callable[..., dict[str, Any]] | None = None) -> None:
        self.settings = settings
        self.workers = workers or settings.server_workers
        self.per_owner = per_owner or settings.server_per_token
        self.max_queued = max_queued or settings.server_max_queued
        self._runner = runner
        """None: ``agent.run.run``, looked up per run (so the entry point can be wrapped)."""
        self._lock = threading.Lock()
        self._queues: OrderedDict[str, deque[Job]] = OrderedDict()
        self._running: dict[str, int] = {}
        self._busy_threads: set[str] = set()
        """Conversation threads with a run executing: the next run on one waits for it (a
        follow-up revises the run before it, so two at once would race on its checkpoint)."""
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._threads: set[threading.Thread] = set()
        self._closed = False
        self._registry_lock = threading.Lock()
        self._registry_db: RunRegistry | None = None

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def _registry(self) -> RunRegistry:
        # Opened on first use: a service made for a tool (MCP over stdio, LangChain) writes
        # nothing to disk until it runs something.
        with self._registry_lock:
            if self._registry_db is None:
                self._registry_db = open_registry(self.settings)
            return self._registry_db

    def submit(self, request: RunRequest, owner: str, *, listener: EventHandler | None = None) -> Job:
        """Queue ``request`` for ``owner``; Busy when that owner's queue is full."""
        job = Job(request, owner, listener)
        with self._lock:
            if self._closed:
                raise Busy("the server is shutting down")
            queue = self._queues.setdefault(owner, deque())
            if len(queue) >= self.max_queued:
                raise Busy(f"{len(queue)} runs are already waiting for this client (limit {self.max_queued}); retry later")
            queue.append(job)
            self._jobs[job.id] = job
            ahead = sum(len(q) for q in self._queues.values()) - 1
            self._forget_old()
        job.add_event({"event": "queued", "ahead": ahead})
        with self._lock:
            self._dispatch()
        return job

    def get(self, run_id: str, owner: str) -> Job | None:
        """The job ``run_id`` if ``owner`` owns it (someone else's run is simply not there)."""
        job = self.lookup(run_id)
        return job if job is not None and job.owner == owner else None

    def owned(self, owner: str) -> list[Job]:
        """``owner``'s jobs still kept, oldest first."""
        with self._lock:
            return [job for job in self._jobs.values() if job.owner == owner]

    def lookup(self, run_id: str) -> Job | None:
        """The job ``run_id`` whoever owns it: only for callers holding a proof of ownership
        (a signed link). Finished runs of earlier server processes come from the registry."""
        job = self._jobs.get(run_id)
        if job is None:
            record = self._registry.load(run_id)
            if record is not None and (record["report"] is not None or record["error"]):
                job = Job.restored(record)
                with self._lock:
                    self._jobs.setdefault(run_id, job)
                    self._forget_old()
        return job

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "running": sum(self._running.values()),
                "queued": sum(len(q) for q in self._queues.values()),
                "kept": len(self._jobs),
            }

    def close(self, timeout: float = 30.0) -> None:
        """Stop taking runs; wait up to ``timeout`` seconds for those running. Queued ones end
        as failed, saying the server shut down (nothing of them had started)."""
        with self._lock:
            self._closed = True
            dropped = [job for queue in self._queues.values() for job in queue]
            self._queues.clear()
            threads = list(self._threads)
        for job in dropped:
            job._finish("failed", None, {"type": "server_error", "message": "the server shut down before this run started"})
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    # ---- scheduling (called with self._lock held) ------------------------------------------

    def _dispatch(self) -> None:
        while sum(self._running.values()) < self.workers:
            # The first owner (in turn) under its limit with a job that may start: its oldest
            # job whose conversation thread is not running already (runs on one thread keep
            # their order; other work of that owner does not wait behind them).
            found = next(((o, i) for o, q in self._queues.items() if self._running.get(o, 0) < self.per_owner
                          for i, job in enumerate(q) if job.request.thread_id not in self._busy_threads), None)
            if found is None:
                return
            owner, index = found
            job = self._queues[owner][index]
            del self._queues[owner][index]
            self._queues.move_to_end(owner)  # round robin: this owner goes behind the others
            if not self._queues[owner]:
                del self._queues[owner]
            self._running[owner] = self._running.get(owner, 0) + 1
            job.started, job.status = time.time(), "running"
            if job.request.thread_id is not None:
                self._busy_threads.add(job.request.thread_id)
            thread = threading.Thread(target=self._execute, args=(job,), name=f"run-{job.id}", daemon=True)
            self._threads.add(thread)
            thread.start()

    def _forget_old(self) -> None:
        finished = [job_id for job_id, job in self._jobs.items() if job.done]
        for job_id in itertools.islice(finished, max(0, len(finished) - KEEP_FINISHED)):
            del self._jobs[job_id]

    def _execute(self, job: Job) -> None:
        job.add_event({"event": "run_start"})
        status: Status = "failed"
        report, error = None, None
        runner = self._runner or agent.run.run
        try:
            # An empty context: the run is a graph of its own, whoever submitted it (no
            # inherited LangGraph config, callbacks or checkpointer of a calling agent).
            report = contextvars.Context().run(runner, job.request, settings=self.settings, on_event=job.add_event)
            status = "refused" if report.get("refused") else "done"
        except (InputError, ImageInputError) as problem:
            error = {"type": "invalid_request_error", "message": str(problem)}
        except Exception as problem:  # reported to the client as a server error, never a traceback
            error = {"type": "server_error", "message": one_line(f"{problem.__class__.__name__}: {problem}", 500)}
            log.debug("run %s failed", job.id, exc_info=True)
            log.error("run %s failed: %s", job.id, error["message"])
        finally:
            with self._lock:
                self._running[job.owner] -= 1
                self._busy_threads.discard(job.request.thread_id)
                if not self._running[job.owner]:
                    del self._running[job.owner]
                self._threads.discard(threading.current_thread())
                if not self._closed:
                    self._dispatch()
            job._finish(status, report, error)
            report_path = str(job.request.out_dir / "run.json") if report is not None else None
            try:
                self._registry.record(job.id, job.owner, status, (job.created, job.started, job.finished),
                                      report_path, error)
            except Exception:  # noqa: BLE001 - the registry is a convenience; the run is done
                log.warning("could not record run %s in the registry", job.id, exc_info=True)


def open_registry(settings: Settings) -> RunRegistry:
    """Where finished runs are recorded: ``<home>/server_runs.sqlite``, or PostgreSQL when
    ``database_url`` is set (then any server on that database answers for them)."""
    if settings.database_url:
        from agent.surfaces.scale.postgres_state import PostgresRunRegistry  # lazy: psycopg loads only with a database

        return PostgresRunRegistry(settings.database_url)  # type: ignore[return-value]
    return RunRegistry(settings.home)


def make_service(settings: Settings) -> RunService:
    """The run service this configuration asks for: runs in this process (the default), or, with
    ``ray_address``, runs on a Ray cluster with their state in PostgreSQL, behind the same
    interface (``agent.surfaces.scale.front_end.ScaledRunService``)."""
    if settings.ray_address:
        from agent.surfaces.scale.front_end import ScaledRunService  # lazy: ray and psycopg load only when scaling out

        return ScaledRunService(settings, busy=Busy, failed=RunFailed)  # type: ignore[return-value]
    return RunService(settings)


_shared: dict[str, RunService] = {}
_shared_lock = threading.Lock()


def shared_service(settings: Settings) -> RunService:
    """The process's ``RunService`` for this configuration (made on first use; made anew once
    closed): every surface in the process that runs with the same settings (bots, MCP, the
    LangChain tools) queues in it, so the machine runs at most ``server_workers`` runs whatever
    the traffic, and each owner's queue limit holds across them."""
    key = settings.model_dump_json()
    with _shared_lock:
        service = _shared.get(key)
        if service is None or service.closed:
            service = _shared[key] = make_service(settings)
        return service
