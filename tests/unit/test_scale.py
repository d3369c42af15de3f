"""Scale-out pieces without a Ray cluster: the settings, the scheduling rule, cross-request
batching, the simulated GPU, and everything kept in PostgreSQL (embedded, as the memory tests
use it): owner scoping, event ids, the queue limit, the shot checkpoint, checkpoints and the run
registry of the in-process service, and a front-end serving runs and their events from the
database alone (a thread plays the executor, running the real graph)."""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from PIL import Image
from pydantic import ValidationError

from memory_services import database_url, postgres_url  # noqa: F401 - the fixture

from agent.context import Settings
from agent.errors import InputError
from agent.request import build_request
from agent.surfaces.scale.postgres_state import PostgresRunRegistry, QueueFull, RunRecord, RunStore
from agent.surfaces.service import Busy, RunFailed, RunService, make_service
from tests.live_server import live_server

TOKENS = {"alice": "alice-token-0123456789", "bob": "bob-token-0123456789ab"}
LINK_KEY = "k" * 40


@pytest.fixture()
def db(postgres_url: str) -> str:  # noqa: F811 - the fixture
    """A fresh database on the session's embedded PostgreSQL."""
    import psycopg

    name = f"s_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(postgres_url, name)


@pytest.fixture()
def store(db: str) -> Iterator[RunStore]:
    opened = RunStore(db)
    yield opened
    opened.close()


# ---- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "field"), [
    ({"database_url": "mysql://db/limner"}, "database_url"),
    ({"ray_address": "auto"}, "ray_address needs database_url"),
    ({"ray_address": "not an address", "database_url": "postgresql://db/l"}, "ray_address"),
    ({"server_link_key": "short"}, "server_link_key"),
    ({"ray_replicas": 0}, "ray_replicas"),
])
def test_bad_scale_out_settings_are_one_clear_error_naming_the_field(values: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings(**values)


def test_the_database_url_holds_memory_too_unless_a_store_url_says_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIMNER_DATABASE_URL", "postgresql://db/limner")
    assert Settings().store_url == "postgresql://db/limner"
    monkeypatch.setenv("LIMNER_STORE_URL", "postgresql://other/memory")
    assert Settings().store_url == "postgresql://other/memory"
    monkeypatch.setenv("LIMNER_RAY_ADDRESS", "ray://head:10001")
    assert Settings().ray_address == "ray://head:10001"


def test_without_ray_the_in_process_service_is_the_default(settings: Settings) -> None:
    assert type(make_service(settings)) is RunService


# ---- the dispatcher's rule ---------------------------------------------------------------------


def _queued(run_id: str, owner: str, thread: str | None = None) -> RunRecord:
    return RunRecord(id=run_id, owner=owner, status="queued", runner="ray", thread_id=thread, request={},
                     backend_module=None, created=0.0, started=None, finished=None, report=None, report_path=None,
                     error=None, events=1, tries=0, worker=None)


def test_next_runs_takes_owners_in_turn_within_both_limits_and_one_run_per_thread() -> None:
    from agent.surfaces.scale.scheduling import next_runs

    queued = [_queued("a1", "ann"), _queued("a2", "ann"), _queued("a3", "ann"), _queued("b1", "bob"),
              _queued("t1", "cat", "cat:walk"), _queued("t2", "cat", "cat:walk"), _queued("c3", "cat")]
    turn: OrderedDict[str, None] = OrderedDict()
    picked = next_runs(queued, [], turn, workers=5, per_owner=2)
    assert [r.id for r in picked] == ["a1", "b1", "t1", "a2", "c3"]  # round robin; t2 waits for t1
    assert list(turn) == ["bob", "ann", "cat"]  # whoever got a run last is at the back
    # With ann at her limit and t1 running, only bob could start something; he has nothing left.
    rest = [r for r in queued if r.id not in {"a1", "b1", "t1", "a2", "c3"}]
    assert next_runs(rest, [("ann", None), ("ann", None), ("cat", "cat:walk")], turn, workers=9, per_owner=2) == []
    assert [r.id for r in next_runs(rest, [("ann", None)], turn, workers=9, per_owner=2)] == ["a3", "t2"]


# ---- batching ----------------------------------------------------------------------------------


def test_merged_requests_keep_each_images_seed_and_a_failing_group_fails_alone() -> None:
    import agent.surfaces.scale.simulated_gpu as simulated
    from agent.surfaces.scale.batching import DrawFailure, DrawRequest, draw_group, merge_groups
    from tools.generators.base import create
    from tools.scene import ScenePlan, Shot

    plan_a = ScenePlan(request="a", shots=[Shot(index=0, prompt="a red kite")])
    plan_b = ScenePlan(request="b", shots=[Shot(index=0, prompt="a blue boat")])
    requests = [DrawRequest("r1", [Shot(index=0, prompt="a red kite")], [7], (64, 64), plan_a),
                DrawRequest("r2", [Shot(index=0, prompt="a blue boat"), Shot(index=1, prompt="a blue boat")], [3, 4],
                            (64, 64), plan_b),
                DrawRequest("r3", [Shot(index=0, prompt="raw")], [9], (128, 128), None),
                DrawRequest("r4", [Shot(index=0, prompt="raw")], [10], (128, 128), None)]
    # A backend that draws each shot from its own plan merges across plans; others by equal plans.
    assert merge_groups(requests, mixed=True) == [[0, 1], [2, 3]]
    assert merge_groups(requests, mixed=False) == [[0], [1], [2, 3]]
    gpu = create("simulated-gpu", seconds_per_call=0)
    results = draw_group(gpu, requests[:2])
    assert gpu.calls == 1 and [len(r) for r in results] == [1, 2]
    for request, images in zip(requests[:2], results):  # same image as drawn alone: own prompt, own seed
        for shot, seed, image in zip(request.shots, request.seeds, images):
            assert image.tobytes() == simulated.frame(shot.prompt, seed, (64, 64)).tobytes()
    small = create("simulated-gpu", seconds_per_call=0, max_batch=2)
    failed = draw_group(small, requests[:2])  # three shots in a batch of two: this group fails...
    assert all(isinstance(r, DrawFailure) and "max_batch 2" in r.message for r in failed)
    assert not isinstance(draw_group(small, requests[2:])[0], DrawFailure)  # ...the next one does not


def test_the_simulated_gpu_takes_one_fixed_wall_time_per_call_whatever_the_batch() -> None:
    import agent.surfaces.scale.simulated_gpu  # noqa: F401 - registers it
    from tools.generators.base import create
    from tools.scene import Shot

    gpu = create("simulated-gpu", seconds_per_call=0.2)
    times = []
    for count in (1, 8):
        started = time.perf_counter()
        images = gpu.generate([Shot(index=i, prompt="x") for i in range(count)], (64, 64), list(range(count)))
        times.append(time.perf_counter() - started)
        assert len(images) == count
    assert 0.2 <= times[0] < 0.35 and 0.2 <= times[1] < 0.35
    assert images[0].tobytes() != images[1].tobytes()  # seeds differ, so do the images


# ---- PostgreSQL --------------------------------------------------------------------------------


def test_every_read_is_scoped_to_its_owner(store: RunStore) -> None:
    store.submit("run-a", "alice", {"prompt": "x"}, thread_id=None, backend_module=None, max_queued=5)
    store.append_event("run-a", {"event": "node_start", "node": "plan"})
    store.save_shot("run-a", "alice", "k1", b"png", {})
    assert store.get("run-a", "alice").status == "queued"
    assert store.get("run-a", "bob") is None
    assert [e["event"] for e in store.events("run-a", "alice", 0)] == ["queued", "node_start"]
    assert store.events("run-a", "bob", 0) == []
    assert [r.id for r in store.owned("alice", 10)] == ["run-a"] and store.owned("bob", 10) == []
    assert store.saved_shots("run-a", "bob", ["k1"]) == {} and "k1" in store.saved_shots("run-a", "alice", ["k1"])
    assert store.lookup("run-a").owner == "alice"  # by id alone: only behind a signed link


def test_event_ids_stay_dense_and_ordered_when_appended_from_many_threads(store: RunStore) -> None:
    store.submit("run-e", "alice", {}, thread_id=None, backend_module=None, max_queued=5)

    def append(worker: int) -> None:
        for i in range(20):
            store.append_event("run-e", {"event": "step", "worker": worker, "i": i})

    threads = [threading.Thread(target=append, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = store.events("run-e", "alice", 0, limit=1000)
    assert len(events) == 81 and store.get("run-e", "alice").events == 81
    for worker in range(4):  # each writer's events in its own order
        assert [e["i"] for e in events if e.get("worker") == worker] == list(range(20))


def test_the_queue_limit_holds_and_a_run_finishes_once(store: RunStore) -> None:
    for i in range(2):
        store.submit(f"q{i}", "alice", {}, thread_id=None, backend_module=None, max_queued=2)
    with pytest.raises(QueueFull, match="limit 2"):
        store.submit("q2", "alice", {}, thread_id=None, backend_module=None, max_queued=2)
    store.submit("q3", "bob", {}, thread_id=None, backend_module=None, max_queued=2)  # bob's own queue
    assert store.claim("q0") and not store.claim("q0")
    store.save_shot("q0", "alice", "k", b"x", {})
    assert store.finish("q0", "done", {"run_id": "q0", "score": float("nan")}, None)
    assert not store.finish("q0", "failed", None, {"type": "server_error", "message": "late"})
    record = store.get("q0", "alice")
    assert record.status == "done" and record.request is None and record.report["run_id"] == "q0"
    assert store.events("q0", "alice", 0)[-1]["event"] == "run_end"
    assert store.saved_shots("q0", "alice", ["k"]) == {}  # the checkpoint goes with the run
    store.submit("q4", "alice", {}, thread_id=None, backend_module=None, max_queued=2)  # a place is free again


def test_a_saved_shot_comes_back_with_its_pixels_and_the_backends_notes(store: RunStore) -> None:
    from agent.nodes.generate import drawing_of
    from agent.surfaces.scale.shots import decode_shot, encode_shot
    from tools.generators.base import create
    from tools.scene import ScenePlan, Shot

    shot = Shot(index=0, prompt="a red apple on a table", objects=[])
    plan = ScenePlan(request="a red apple on a table", shots=[shot])
    drawn = create("sketch").generate([shot], (128, 128), [3], plan=plan)[0]
    store.submit("run-s", "alice", {}, thread_id=None, backend_module=None, max_queued=5)
    store.save_shot("run-s", "alice", "key", *encode_shot(drawn))
    back = decode_shot(*store.saved_shots("run-s", "alice", ["key"])["key"])
    assert back.tobytes() == drawn.convert(back.mode).tobytes()
    assert drawing_of(back) == drawing_of(drawn)
    assert back.info.get("credits") == drawn.info.get("credits")


def test_checkpoints_and_the_run_registry_live_in_postgres_for_any_server(db: str, tmp_path: Path) -> None:
    pytest.importorskip("ray.serve", reason="the executor's side needs Ray Serve: pip install -e '.[ray]'")
    from agent.surfaces.scale.execution import checkpoint_position

    settings = Settings(home=tmp_path / "home-1", out_dir=tmp_path / "out", clip=False, database_url=db)
    first = RunService(settings)
    request = build_request("a red kite over a beach", settings=settings, n=1, size="128x128", seed=2)
    job = first.submit(request, "alice")
    assert job.wait(120) and job.status == "done", job.error
    first.close()
    assert not (settings.home / "checkpoints.sqlite").exists() and not (settings.home / "server_runs.sqlite").exists()
    # Another server (its own home) on the same database: the finished run, and its checkpoint.
    other = Settings(home=tmp_path / "home-2", out_dir=tmp_path / "out", clip=False, database_url=db)
    second = RunService(other)
    deadline = time.monotonic() + 30  # the first records the run just after its job says it is done
    while (found := second.get(request.run_id, "alice")) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert found is not None and found.status == "done" and found.report["run_id"] == request.run_id
    assert second.get(request.run_id, "bob") is None
    where, report = checkpoint_position(request, other)
    assert where == "finished" and report["run_id"] == request.run_id
    unrelated = build_request("another request", settings=other, n=1)
    assert checkpoint_position(unrelated, other) == ("fresh", None)
    assert PostgresRunRegistry(db).load(request.run_id)["owner"] == "alice"


# ---- a front-end reading only PostgreSQL ---------------------------------------------------------


def _executor(store: RunStore, settings: Settings, run_id: str) -> None:
    """What an executor does with a run, minus Ray: the real graph, events into PostgreSQL."""
    import agent.run
    from agent.request import RunRequest

    record = store.begin(run_id, "test:0")
    request = RunRequest.model_validate(record.request)
    store.append_event(run_id, {"event": "run_start"})
    report = agent.run.run(request, settings=settings, on_event=lambda event: store.append_event(run_id, event))
    store.finish(run_id, "done", report, None, str(request.out_dir / "run.json"))


def test_a_front_end_serves_runs_events_and_files_from_postgres_alone(db: str, tmp_path: Path) -> None:
    from agent.surfaces.http.app import create_app
    from agent.surfaces.scale.front_end import ScaledRunService

    settings = Settings(home=tmp_path / "home", out_dir=tmp_path / "out", clip=False, database_url=db,
                        server_tokens=TOKENS, server_link_key=LINK_KEY, server_max_queued=2)
    service = ScaledRunService(settings, busy=Busy, failed=RunFailed, connect=lambda _: None)
    auth = {"Authorization": f"Bearer {TOKENS['alice']}"}
    with live_server(create_app(settings, service=service)) as base:
        created = httpx.post(f"{base}/v1/runs", json={"prompt": "A sign that says 'OPEN'", "n": 1, "size": "256x256",
                                                      "wait": False}, headers=auth, timeout=30)
        assert created.status_code == 202, created.text
        run_id = created.json()["id"]
        # Nothing runs it yet: a second request queues, a third is over alice's limit of two.
        httpx.post(f"{base}/v1/runs", json={"prompt": "x", "wait": False}, headers=auth, timeout=30)
        full = httpx.post(f"{base}/v1/runs", json={"prompt": "y", "wait": False}, headers=auth, timeout=30)
        assert full.status_code == 429 and "limit 2" in full.json()["error"]["message"]
        worker = threading.Thread(target=_executor, args=(service.store, settings, run_id))
        worker.start()
        events = []
        with httpx.stream("GET", f"{base}/v1/runs/{run_id}/events", headers=auth, timeout=120) as answer:
            for line in answer.iter_lines():
                if line.startswith("id: "):
                    events.append(int(line[4:]))
                elif line.startswith("event: run_end"):
                    break
        worker.join(60)
        assert events == list(range(len(events))) and len(events) > 10
        resumed = httpx.get(f"{base}/v1/runs/{run_id}/events", headers={**auth, "Last-Event-ID": str(events[-2])},
                            timeout=30).text
        assert f"id: {events[-1]}\nevent: run_end" in resumed and f"id: {events[-2]}\n" not in resumed
        run = httpx.get(f"{base}/v1/runs/{run_id}", headers=auth, timeout=30).json()
        assert run["status"] == "done" and run["events"] == len(events)
        image = httpx.get(run["summary"]["images"][0]["url"], timeout=30)  # a signed link, no token
        assert image.status_code == 200 and Image.open(io.BytesIO(image.content)).size == (256, 256)
        assert [r["id"] for r in httpx.get(f"{base}/v1/runs", headers=auth, timeout=30).json()["data"]][-1] == run_id
        bob = {"Authorization": f"Bearer {TOKENS['bob']}"}
        assert httpx.get(f"{base}/v1/runs/{run_id}", headers=bob, timeout=30).status_code == 404
        assert httpx.get(f"{base}/v1/runs/{run_id}/events", headers=bob, timeout=30).status_code == 404
        assert httpx.get(f"{base}/v1/runs", headers=bob, timeout=30).json()["data"] == []
        job = service.get(run_id, "alice")
        assert job.result()["run_id"] == run_id and [e["event"] for _, e in job.follow()][-1] == "run_end"


def test_front_ends_sign_links_with_the_configured_key(tmp_path: Path) -> None:
    from agent.surfaces.http.app import link_key

    one = Settings(home=tmp_path / "a", server_link_key=LINK_KEY)
    two = Settings(home=tmp_path / "b", server_link_key=LINK_KEY)
    assert link_key(one) == link_key(two) == LINK_KEY.encode()
    assert not (tmp_path / "a" / "server.key").exists()
    scaled = Settings(home=tmp_path / "c", database_url="postgresql://db/l", ray_address="auto")
    with pytest.raises(InputError, match="LIMNER_SERVER_LINK_KEY"):
        link_key(scaled)


def test_a_scaled_front_end_refuses_a_relative_output_folder(db: str) -> None:
    from agent.surfaces.scale.front_end import ScaledRunService

    settings = Settings(out_dir=Path("out"), database_url=db)
    with pytest.raises(InputError, match="LIMNER_OUT_DIR"):
        ScaledRunService(settings, busy=Busy, failed=RunFailed, connect=lambda _: None)
