"""RunService: limits, fairness across owners, one run per conversation thread at a time,
events in order, failures as results. A gated runner stands in for agent.run.run."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from agent.context import Settings
from agent.errors import InputError
from agent.request import build_request
from agent.surfaces.service import Busy, RunService


class GatedRunner:
    """Each run reports an event, then waits until the test releases it by prompt."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.gates: dict[str, threading.Event] = {}
        self.lock = threading.Lock()

    def __call__(self, request: Any, *, settings: Settings, on_event: Any) -> dict[str, Any]:
        with self.lock:
            self.started.append(request.prompt)
            gate = self.gates.setdefault(request.prompt, threading.Event())
        on_event({"event": "node_start", "node": "plan"})
        gate.wait(10)
        if request.prompt.startswith("bad"):
            raise InputError("bad request, said the runner")
        if request.prompt.startswith("crash"):
            raise RuntimeError("boom\nwith a second line")
        return {"run_id": request.run_id, "images": [], "refused": {"policy": "rules", "reason": "no"}
                if request.prompt.startswith("refuse") else None}

    def release(self, prompt: str) -> None:
        with self.lock:
            self.gates.setdefault(prompt, threading.Event()).set()

    def wait_started(self, count: int) -> list[str]:
        deadline = time.monotonic() + 10
        while len(self.started) < count:
            assert time.monotonic() < deadline, f"only {self.started} started"
            time.sleep(0.01)
        time.sleep(0.05)  # nothing else should start now
        return list(self.started)


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", out_dir=tmp_path / "out")


def _request(settings: Settings, prompt: str, thread: str | None = None) -> Any:
    return build_request(prompt, settings=settings, seed=0, thread_id=thread)


def test_limits_and_round_robin_across_owners(settings: Settings) -> None:
    runner = GatedRunner()
    service = RunService(settings, workers=2, per_owner=1, max_queued=5, runner=runner)
    jobs = [service.submit(_request(settings, f"a{i}"), "alice") for i in range(3)]
    jobs += [service.submit(_request(settings, f"b{i}"), "bob") for i in range(2)]
    assert runner.wait_started(2) == ["a0", "b0"]  # one each: per_owner=1, workers=2
    assert service.stats() == {"running": 2, "queued": 3, "kept": 5}
    runner.release("a0")
    assert runner.wait_started(3) == ["a0", "b0", "a1"]
    runner.release("b0")
    assert runner.wait_started(4)[-1] == "b1"
    for prompt in ("a1", "b1", "a2"):
        runner.release(prompt)
    assert all(job.wait(10) for job in jobs)
    assert [job.status for job in jobs] == ["done"] * 5


def test_a_full_queue_is_busy_and_the_others_are_not_affected(settings: Settings) -> None:
    runner = GatedRunner()
    service = RunService(settings, workers=1, per_owner=1, max_queued=1, runner=runner)
    service.submit(_request(settings, "x0"), "alice")
    runner.wait_started(1)
    service.submit(_request(settings, "x1"), "alice")
    with pytest.raises(Busy, match="limit 1"):
        service.submit(_request(settings, "x2"), "alice")
    service.submit(_request(settings, "y0"), "bob")  # bob has his own queue
    for prompt in ("x0", "x1", "y0"):
        runner.release(prompt)
    service.close()


def test_runs_on_one_thread_never_overlap(settings: Settings) -> None:
    runner = GatedRunner()
    service = RunService(settings, workers=4, per_owner=4, runner=runner)
    first = service.submit(_request(settings, "t1", thread="chat"), "alice")
    second = service.submit(_request(settings, "t2", thread="chat"), "bob")
    other = service.submit(_request(settings, "u1", thread="elsewhere"), "bob")
    assert runner.wait_started(2) == ["t1", "u1"]  # t2 waits for t1, u1 does not
    runner.release("t1")
    assert first.wait(10) and runner.wait_started(3)[-1] == "t2"
    runner.release("t2")
    runner.release("u1")
    assert second.wait(10) and other.wait(10)


def test_failures_and_refusals_are_results_with_one_line(settings: Settings) -> None:
    runner = GatedRunner()
    service = RunService(settings, runner=runner)
    for prompt in ("bad", "crash", "refuse"):
        runner.release(prompt)
    bad, crash, refuse = (service.submit(_request(settings, p), "alice") for p in ("bad", "crash", "refuse"))
    assert bad.wait(10) and crash.wait(10) and refuse.wait(10)
    assert bad.status == "failed" and bad.error == {"type": "invalid_request_error", "message": "bad request, said the runner"}
    assert crash.status == "failed" and crash.error["type"] == "server_error"
    assert crash.error["message"] == "RuntimeError: boom with a second line"
    assert refuse.status == "refused" and refuse.report is not None


def test_events_stream_in_order_to_late_and_early_listeners(settings: Settings) -> None:
    runner = GatedRunner()
    service = RunService(settings, runner=runner)
    heard: list[str] = []
    job = service.submit(_request(settings, "s"), "alice", listener=lambda e: heard.append(e["event"]))

    async def collect(start: int) -> list[tuple[int, str]]:
        return [(i, e["event"]) async for item in job.stream(start) if item is not None for i, e in [item]]

    async def main() -> tuple[list, list]:
        early = asyncio.create_task(collect(0))
        await asyncio.sleep(0.1)
        runner.release("s")
        return await early, await collect(2)

    early, late = asyncio.run(main())
    assert [kind for _, kind in early] == ["queued", "run_start", "node_start", "run_end"]
    assert [index for index, _ in early] == [0, 1, 2, 3]
    assert late == [(2, "node_start"), (3, "run_end")]
    assert heard == ["queued", "run_start", "node_start", "run_end"]


def test_close_drops_queued_runs_with_a_message(settings: Settings) -> None:
    runner = GatedRunner()
    service = RunService(settings, workers=1, per_owner=1, runner=runner)
    running = service.submit(_request(settings, "r"), "alice")
    queued = service.submit(_request(settings, "q"), "alice")
    runner.wait_started(1)
    runner.release("r")
    service.close(timeout=10)
    assert running.status == "done"
    assert queued.status == "failed" and "shut down" in queued.error["message"]
    with pytest.raises(Busy, match="shutting down"):
        service.submit(_request(settings, "late"), "alice")


def test_sync_callers_follow_events_and_get_the_report_or_the_failure(settings: Settings) -> None:
    """``follow`` (the blocking twin of ``stream``) and ``result``: what the sync LangChain tool
    uses; a bad request comes back as InputError, a crash as RunFailed, a refusal as a report."""
    from agent.surfaces.service import RunFailed, own_event

    runner = GatedRunner()
    service = RunService(settings, runner=runner)
    job = service.submit(_request(settings, "s"), "alice")
    followed: list[tuple[int, str]] = []

    def release_when_started() -> None:
        runner.wait_started(1)
        runner.release("s")

    threading.Thread(target=release_when_started).start()
    for index, event in job.follow():
        followed.append((index, event["event"]))
    assert followed == [(0, "queued"), (1, "run_start"), (2, "node_start"), (3, "run_end")]
    assert [i for i, _ in job.follow(2)] == [2, 3]  # a finished job replays from any index
    assert job.result()["run_id"] == job.id
    assert [own_event(e) for e in job.events] == [None, None, {"event": "node_start", "node": "plan"}, None]
    for prompt in ("bad", "crash", "refuse"):
        runner.release(prompt)
    bad, crash, refuse = (service.submit(_request(settings, p), "alice") for p in ("bad", "crash", "refuse"))
    assert bad.wait(10) and crash.wait(10) and refuse.wait(10)
    with pytest.raises(InputError, match="bad request, said the runner"):
        bad.result()
    with pytest.raises(RunFailed, match="^RuntimeError: boom with a second line$"):
        crash.result()
    assert refuse.result()["refused"]["policy"] == "rules"


def test_a_run_starts_in_an_empty_context(settings: Settings) -> None:
    """Whoever submits (a LangGraph node, a request handler), the run sees none of its context."""
    import contextvars

    caller: contextvars.ContextVar[str] = contextvars.ContextVar("caller", default="none")
    seen: list[str] = []

    def runner(request: Any, *, settings: Settings, on_event: Any) -> dict[str, Any]:
        seen.append(caller.get())
        return {"run_id": request.run_id, "images": []}

    caller.set("the calling graph")
    service = RunService(settings, runner=runner)
    assert service.submit(_request(settings, "c"), "alice").wait(10)
    assert seen == ["none"]


def test_one_shared_service_per_configuration_made_anew_once_closed(settings: Settings, tmp_path: Path) -> None:
    from agent.surfaces.service import shared_service

    first = shared_service(settings)
    assert shared_service(settings.model_copy()) is first  # the same configuration, another object
    assert shared_service(Settings(home=tmp_path / "other", out_dir=tmp_path / "out")) is not first
    assert not (settings.home / "server_runs.sqlite").exists()  # nothing on disk before a run
    first.close()
    assert shared_service(settings) is not first and not shared_service(settings).closed
