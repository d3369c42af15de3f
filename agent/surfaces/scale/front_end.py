"""``ScaledRunService``: the run service of a stateless front-end (``limner serve`` with
``LIMNER_RAY_ADDRESS``), with the interface of the in-process ``RunService`` and ``Job``, so the
HTTP API, MCP, the bots and the LangChain tool use it unchanged.

A run is recorded in PostgreSQL before anything else (with its ``queued`` event), and the
cluster's dispatcher takes it from there (``agent.surfaces.scale.ray_runner``); nothing of it
lives in this process. Every read — a run, the caller's runs, a run's events for SSE — comes
from PostgreSQL, so any front-end answers for any run, and a front-end that dies loses nothing.
Event streams wake on ``NOTIFY limner_events`` (one LISTEN connection per front-end) and look
again at least every ``POLL_S`` seconds whatever happens to notifications.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from contextlib import contextmanager
from typing import Any, AsyncIterator, Callable, Iterator

import psycopg

from agent.context import Settings
from agent.errors import InputError
from agent.request import RunRequest
from agent.surfaces.results import report_of_finished
from agent.surfaces.scale.postgres_state import EVENTS_CHANNEL, FINISHED, QueueFull, RunRecord, RunStore, first_line
from tools.generators.base import options_model

log = logging.getLogger("limner.scale")
POLL_S = 1.0
KEEP_LISTED = 1000
"""The most runs ``owned`` returns (the most recent), as the in-process service keeps."""


class _Waiter:
    """Set when an event of its run arrives; wakes a thread, or a coroutine on ``loop``."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self.flag = threading.Event()
        self.loop = loop
        self.async_flag = asyncio.Event() if loop is not None else None

    def set(self) -> None:
        self.flag.set()
        if self.loop is not None and self.async_flag is not None:
            try:
                self.loop.call_soon_threadsafe(self.async_flag.set)
            except RuntimeError:  # that loop closed: its stream is gone
                pass

    def clear(self) -> None:
        self.flag.clear()
        if self.async_flag is not None:
            self.async_flag.clear()


class EventWatcher:
    """One ``LISTEN limner_events`` connection; wakes whoever waits on the run named."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._lock = threading.Lock()
        self._waiters: dict[str, set[_Waiter]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="limner-events", daemon=True)
        self._thread.start()

    @contextmanager
    def waiting(self, run_id: str, loop: asyncio.AbstractEventLoop | None = None) -> Iterator[_Waiter]:
        waiter = _Waiter(loop)
        with self._lock:
            self._waiters.setdefault(run_id, set()).add(waiter)
        try:
            yield waiter
        finally:
            with self._lock:
                group = self._waiters.get(run_id, set())
                group.discard(waiter)
                if not group:
                    self._waiters.pop(run_id, None)

    def close(self) -> None:
        self._stop.set()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.Connection.connect(self._url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {EVENTS_CHANNEL}")
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=POLL_S):
                            with self._lock:
                                waiters = list(self._waiters.get(note.payload, ()))
                            for waiter in waiters:
                                waiter.set()
            except Exception as error:  # noqa: BLE001 - streams poll meanwhile
                if not self._stop.is_set():
                    log.warning("event listener: %s; reconnecting", first_line(error))
                    time.sleep(POLL_S)


class RemoteJob:
    """A run as the surfaces see a ``Job``, read from PostgreSQL (a snapshot, refreshed when
    waited on or streamed to its end)."""

    def __init__(self, service: "ScaledRunService", record: RunRecord, request: RunRequest | None = None) -> None:
        self._service = service
        self._record = record
        self.request = request or (RunRequest.model_validate(record.request) if record.request else None)
        """None once the run has finished (the row keeps its report, not its request)."""

    # ---- the snapshot ------------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self._record.id

    @property
    def owner(self) -> str:
        return self._record.owner

    @property
    def status(self) -> str:
        return self._record.status

    @property
    def created(self) -> float:
        return self._record.created

    @property
    def started(self) -> float | None:
        return self._record.started

    @property
    def finished(self) -> float | None:
        return self._record.finished

    @property
    def report(self) -> dict[str, Any] | None:
        return self._record.report

    @property
    def error(self) -> dict[str, str] | None:
        return self._record.error

    @property
    def done(self) -> bool:
        return self._record.status in FINISHED

    def refresh(self) -> "RemoteJob":
        record = self._service.store.get(self.id, self.owner)
        if record is not None:
            self._record = record
        return self

    def resource(self) -> dict[str, Any]:
        """The run as the HTTP API shows it (without the report), as ``Job.resource``."""
        r = self._record
        return {"id": r.id, "object": "run", "status": r.status, "owner": r.owner, "created": round(r.created, 3),
                "started": r.started and round(r.started, 3), "finished": r.finished and round(r.finished, 3),
                "events": max(r.events, 1 if self.done else 0), "error": r.error}

    # ---- following -----------------------------------------------------------------------------

    def _fresh(self, index: int) -> tuple[list[dict[str, Any]], bool]:
        """Events from ``index`` on, and whether the stream is over after them."""
        events = self._service.store.events(self.id, self.owner, index)
        if any(event.get("event") == "run_end" for event in events):
            return events, True
        if events:
            return events, False
        record = self._service.store.get(self.id, self.owner)
        if record is None:
            return [], True
        self._record = record
        if record.done and index >= record.events:
            if record.events == 0 and index == 0:  # recorded by an in-process server: no log kept
                return [{"event": "run_end", "status": record.status, "run_id": record.id,
                         "time": record.finished}], True
            return [], True
        return [], False

    def follow(self, start: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
        """Events from index ``start`` on, as they come, until the run has finished (blocking)."""
        index = max(0, start)
        with self._service.watcher.waiting(self.id) as waiter:
            while True:
                waiter.clear()
                events, over = self._fresh(index)
                for event in events:
                    yield index, event
                    index += 1
                if over:
                    self.refresh()
                    return
                if not events:
                    waiter.flag.wait(POLL_S)

    async def stream(self, start: int = 0, *, heartbeat: float | None = 15.0) -> AsyncIterator[tuple[int, dict[str, Any]] | None]:
        """Events from index ``start`` on, as they come; ``None`` every ``heartbeat`` seconds
        without news (a keep-alive for proxies)."""
        index = max(0, start)
        quiet_since = time.monotonic()
        with self._service.watcher.waiting(self.id, asyncio.get_running_loop()) as waiter:
            while True:
                waiter.clear()
                events, over = await asyncio.to_thread(self._fresh, index)
                for event in events:
                    yield index, event
                    index += 1
                if over:
                    await asyncio.to_thread(self.refresh)
                    return
                if events:
                    quiet_since = time.monotonic()
                    continue
                wait = POLL_S if heartbeat is None else max(0.0, min(POLL_S, quiet_since + heartbeat - time.monotonic()))
                try:
                    await asyncio.wait_for(waiter.async_flag.wait(), wait)  # type: ignore[union-attr]
                except asyncio.TimeoutError:
                    if heartbeat is not None and time.monotonic() - quiet_since >= heartbeat:
                        quiet_since = time.monotonic()
                        yield None

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._service.watcher.waiting(self.id) as waiter:
            while not self.refresh().done:
                left = POLL_S if deadline is None else min(POLL_S, deadline - time.monotonic())
                if left <= 0:
                    return False
                waiter.flag.wait(left)
                waiter.clear()
        return True

    async def wait_async(self) -> None:
        async for _ in self.stream(0, heartbeat=None):
            pass

    def result(self) -> dict[str, Any]:
        """The report of the finished run; InputError when the request was at fault, the
        service's ``RunFailed`` for anything else (as ``Job.result``)."""
        return report_of_finished(self.id, self.done, self.status, self.report, self.error, self._service.failed)


class ScaledRunService:
    """The front-end's run service when runs execute on Ray (see the module docstring).

    ``busy`` and ``failed`` are the exception types the surfaces catch (``Busy``: the owner's
    queue is full, HTTP 429; ``RunFailed``: a run ended without a report for a server reason);
    ``agent.surfaces.service.make_service`` hands them over."""

    def __init__(self, settings: Settings, *, busy: type[Exception], failed: type[Exception],
                 connect: Callable[[Settings], Any] | None = None) -> None:
        if not settings.database_url:
            raise InputError("LIMNER_RAY_ADDRESS needs LIMNER_DATABASE_URL (PostgreSQL)")
        if not settings.out_dir.is_absolute():
            raise InputError(f"LIMNER_OUT_DIR is {str(settings.out_dir)!r}: with LIMNER_RAY_ADDRESS it must be an "
                             "absolute path on storage every machine of the cluster shares")
        self.settings = settings
        self.busy, self.failed = busy, failed
        self.workers, self.per_owner, self.max_queued = (settings.server_workers, settings.server_per_token,
                                                         settings.server_max_queued)
        self.store = RunStore(settings.database_url)
        self.watcher = EventWatcher(settings.database_url)
        if connect is None:
            from agent.surfaces.scale.ray_runner import connect  # lazy: ray loads only on a scaled-out server
        self.dispatcher = connect(settings)
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, request: RunRequest, owner: str, *, listener: Callable[[dict[str, Any]], None] | None = None) -> RemoteJob:
        """Record ``request`` as ``owner``'s queued run; ``busy`` when that owner's queue is full."""
        if self._closed:
            raise self.busy("the server is shutting down")
        module = options_model(request.backend).__module__  # executors and replicas import it too
        try:
            self.store.submit(request.run_id, owner, request.model_dump(mode="json"), thread_id=request.thread_id,
                              backend_module=module, max_queued=self.max_queued)
        except QueueFull as full:
            raise self.busy(str(full)) from None
        record = self.store.get(request.run_id, owner)
        assert record is not None  # just written, by us
        job = RemoteJob(self, record, request)
        if listener is not None:
            threading.Thread(target=_relay, args=(job, listener), name=f"events-{job.id}", daemon=True).start()
        return job

    def get(self, run_id: str, owner: str) -> RemoteJob | None:
        record = self.store.get(run_id, owner)
        return RemoteJob(self, record) if record is not None else None

    def owned(self, owner: str) -> list[RemoteJob]:
        """``owner``'s most recent runs, oldest first."""
        return [RemoteJob(self, record) for record in self.store.owned(owner, KEEP_LISTED)]

    def lookup(self, run_id: str) -> RemoteJob | None:
        """The run whoever owns it: only for callers holding a proof of ownership (a signed link)."""
        record = self.store.lookup(run_id)
        return RemoteJob(self, record) if record is not None else None

    def stats(self) -> dict[str, int]:
        return {**self.store.counts(), "kept": 0}

    def close(self, timeout: float = 30.0) -> None:
        """Stop taking runs. Nothing is cancelled: the cluster owns the runs, not this process."""
        self._closed = True
        self.watcher.close()
        self.store.close()


def _relay(job: RemoteJob, listener: Callable[[dict[str, Any]], None]) -> None:
    try:
        for _, event in job.follow():
            listener(event)
    except Exception:  # noqa: BLE001 - a broken listener (a gone client) must not matter
        log.debug("listener of run %s stopped", job.id, exc_info=True)
