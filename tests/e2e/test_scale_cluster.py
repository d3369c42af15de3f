"""Scale-out end to end: two ``limner serve`` front-end processes on one PostgreSQL (embedded)
and one Ray cluster (started here with ``ray.init`` on this machine's 2 cores), the way the
``deploy/`` compose file runs them, only smaller.

- a run submitted to one front-end is listed, streamed and downloaded from the other, and a
  follow-up on its thread works across them;
- 60 concurrent requests across both front-ends, several tokens: no errors, no cross-token
  reads, every image's embedded prompt its own request's;
- kill -9 of the process running a run mid-generation: the run completes, the shots finished
  before the kill are not drawn again, and the client's event stream ends with ``run_end``;
- kill -9 of a front-end while its runs are queued: none is lost.

One cluster for the module; at the end Ray is shut down and no process of it may be left.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from PIL import Image

from memory_services import database_url, postgres_url  # noqa: F401 - the fixture

from agent.surfaces.health import wait_until_healthy
from evals.scale import start_local_ray

ray = pytest.importorskip("ray", reason="the scale-out tests need Ray: pip install -e '.[ray]'")
serve = pytest.importorskip("ray.serve", reason="the scale-out tests need Ray Serve: pip install -e '.[ray]'")

pytestmark = pytest.mark.slow
TOKENS = {f"team{i}": f"scale-test-token-{i}-{'y' * 16}" for i in range(3)}
LINK_KEY = secrets.token_hex(24)
PROFILES = {  # the simulated GPU's batch limit is the operator's to set, as every backend's
    "gpu-batch-2": {"backend": "simulated-gpu", "options": {"seconds_per_call": 1.5, "max_batch": 2}},
    "gpu-batch-1": {"backend": "simulated-gpu", "options": {"seconds_per_call": 1.0, "max_batch": 1}},
}
FRONT_END = "import agent.surfaces.scale.simulated_gpu; from agent.surfaces.cli import main; main()"
"""``limner serve`` with the simulated GPU backend registered (it is registered by importing it)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _auth(team: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[team]}"}


@dataclass
class Cluster:
    """PostgreSQL, Ray and two front-ends (``a`` and ``b``)."""

    url: str
    ray_address: str
    root: Path
    env: dict[str, str]
    bases: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start_front_end(self, name: str) -> None:
        port = _free_port()
        log = open(self.root / f"front-end-{name}.log", "ab")
        process = subprocess.Popen([sys.executable, "-c", FRONT_END, "serve", "--port", str(port)], env=self.env,
                                   cwd=self.root, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        if not wait_until_healthy(base, timeout_s=180, alive=lambda: process.poll() is None, poll_s=0.3):
            process.kill()
            raise RuntimeError(f"front-end {name} did not start: {(self.root / f'front-end-{name}.log').read_text()[-2000:]}")
        self.bases[name], self.processes[name] = base, process

    def stop_front_ends(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def cluster(postgres_url: str) -> Iterator[Cluster]:  # noqa: F811 - the fixture
    import psycopg

    name = f"scale_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = database_url(postgres_url, name)
    root = Path(tempfile.mkdtemp(prefix="limner-scale-"))  # short: Ray's socket paths live under it
    address = start_local_ray(root / "ray", num_cpus=2)
    env = {key: value for key, value in os.environ.items() if not key.startswith("LIMNER_")}  # Ray's token included
    env.update({
        "LIMNER_HOME": str(root / "home"), "LIMNER_OUT_DIR": str(root / "out"), "LIMNER_DATABASE_URL": url,
        "LIMNER_RAY_ADDRESS": address, "LIMNER_SERVER_TOKENS": json.dumps(TOKENS),
        "LIMNER_SERVER_LINK_KEY": LINK_KEY, "LIMNER_CLIP": "false", "LIMNER_SEARCH": "false",
        "LIMNER_SERVER_WORKERS": "4", "LIMNER_SERVER_PER_TOKEN": "4", "LIMNER_SERVER_MAX_QUEUED": "64",
        "LIMNER_RAY_RUNS_PER_EXECUTOR": "4", "LIMNER_RAY_EXECUTOR_CPUS": "0.5", "LIMNER_RAY_REPLICA_CPUS": "0.25",
        "LIMNER_RAY_BATCH_WAIT_S": "0.02", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
        "OMP_NUM_THREADS": "1", "LIMNER_PROFILES": json.dumps(PROFILES),
    })
    cluster = Cluster(url=url, ray_address=address, root=root, env=env)
    try:
        cluster.start_front_end("a")
        cluster.start_front_end("b")
        yield cluster
    finally:
        cluster.stop_front_ends()
        try:  # Serve caches its client per process: a later Ray in this process must not find a dead one
            from ray import serve

            serve.shutdown()
        except Exception:  # noqa: BLE001 - teardown goes on; the process check below still runs
            pass
        ray.shutdown()
        _no_process_left(root)
        shutil.rmtree(root, ignore_errors=True)


def _no_process_left(root: Path) -> None:
    """Ray's processes (raylet, GCS, workers, actors) all name the session folder under ``root``."""
    deadline = time.monotonic() + 30
    while True:
        left = [line for line in subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout.splitlines()
                if str(root) in line and "ps -eo" not in line]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert left == [], f"processes left behind: {left[:5]}"


def _events(base: str, run_id: str, team: str, last_event_id: int | None = None, timeout: float = 180) -> list[dict[str, Any]]:
    """The run's SSE stream, read to its end (``run_end``)."""
    headers = {**_auth(team), **({"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {})}
    events, current = [], {}
    with httpx.stream("GET", f"{base}/v1/runs/{run_id}/events", headers=headers, timeout=timeout) as answer:
        assert answer.status_code == 200, answer.read()
        for line in answer.iter_lines():
            if line.startswith("id: "):
                current["id"] = int(line[4:])
            elif line.startswith("data: "):
                current["data"] = json.loads(line[6:])
            elif not line and "data" in current:
                events.append({"id": current["id"], **current["data"]})
                current = {}
                if events[-1]["event"] == "run_end":
                    break
    return events


def _wait_done(base: str, run_id: str, team: str, timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run = httpx.get(f"{base}/v1/runs/{run_id}", headers=_auth(team), timeout=30).json()
        if run["status"] in ("done", "refused", "failed") or time.monotonic() > deadline:
            return run
        time.sleep(0.5)


# ---- two front-ends, one state ---------------------------------------------------------------


def test_a_run_from_one_front_end_is_listed_streamed_and_downloaded_from_the_other(cluster: Cluster) -> None:
    a, b = cluster.bases["a"], cluster.bases["b"]
    body = {"prompt": "two images of a fox named Mira with two red balloons", "n": 2, "size": "256x256",
            "seed": 11, "thread": "walk", "wait": False}
    created = httpx.post(f"{a}/v1/runs", json=body, headers=_auth("team0"), timeout=60)
    assert created.status_code == 202, created.text
    run_id = created.json()["id"]
    # Listed by the other front-end at once: the run is in PostgreSQL before anything else.
    listed = httpx.get(f"{b}/v1/runs", headers=_auth("team0"), timeout=30).json()["data"]
    assert run_id in [run["id"] for run in listed]
    events = _events(b, run_id, "team0")
    names = [event["event"] for event in events]
    assert names[0] == "queued" and names[-1] == "run_end" and "run_start" in names
    assert [event["id"] for event in events] == list(range(len(events)))
    assert names.count("image") == 2 and events[-1]["status"] == "done"
    # Last-Event-ID on a third front-end request: only what came after.
    tail = _events(a, run_id, "team0", last_event_id=len(events) - 3)
    assert [event["id"] for event in tail] == [len(events) - 2, len(events) - 1]
    run = httpx.get(f"{b}/v1/runs/{run_id}", headers=_auth("team0"), timeout=30).json()
    assert run["status"] == "done"
    links = [image["url"] for image in run["summary"]["images"]]
    signed = httpx.get(links[0], timeout=30)  # a link B signed, fetched without the token
    assert signed.status_code == 200 and signed.headers["content-type"] == "image/png"
    with_token = httpx.get(f"{a}/v1/files/{run_id}/02.png", headers=_auth("team0"), timeout=30)
    assert with_token.status_code == 200
    assert Image.open(io.BytesIO(with_token.content)).size == (256, 256)
    # Someone else's run is no run, on either front-end.
    for base in (a, b):
        assert httpx.get(f"{base}/v1/runs/{run_id}", headers=_auth("team1"), timeout=30).status_code == 404
        assert httpx.get(f"{base}/v1/runs/{run_id}/events", headers=_auth("team1"), timeout=30).status_code == 404
        assert httpx.get(f"{base}/v1/files/{run_id}/01.png", headers=_auth("team1"), timeout=30).status_code == 404
    # A follow-up on the thread, through the other front-end: only the second image is redrawn.
    follow = httpx.post(f"{b}/v1/runs", json={"prompt": "in the second image make the balloons blue", "thread": "walk",
                                              "size": "256x256"}, headers=_auth("team0"), timeout=240)
    assert follow.status_code == 200, follow.text
    report = follow.json()["report"]
    assert report["revision"]["changed_shots"] == [1]
    assert report["revision"]["previous_run"] == run_id
    first_before = httpx.get(f"{a}/v1/files/{run_id}/01.png", headers=_auth("team0"), timeout=30).content
    first_after = httpx.get(f"{a}/v1/files/{report['run_id']}/01.png", headers=_auth("team0"), timeout=30).content
    assert Image.open(io.BytesIO(first_before)).tobytes() == Image.open(io.BytesIO(first_after)).tobytes()


def test_sixty_concurrent_requests_across_front_ends_keep_every_image_its_own(cluster: Cluster) -> None:
    bases = [cluster.bases["a"], cluster.bases["b"]]
    teams = list(TOKENS)

    def prompt(index: int) -> str:
        return f"A poster that says 'ORDER {index:03d}'"

    async def one(client: httpx.AsyncClient, index: int) -> dict[str, Any]:
        team = teams[index % len(teams)]
        answer = await client.post(f"{bases[index % 2]}/v1/images/generations", headers=_auth(team), json={
            "prompt": prompt(index), "n": 1, "size": "256x256", "user": f"user{index}", "model": "sketch"})
        result: dict[str, Any] = {"index": index, "team": team, "status": answer.status_code}
        if answer.status_code != 200:
            result["error"] = answer.text[:300]
            return result
        body = answer.json()
        image = Image.open(io.BytesIO(base64.b64decode(body["data"][0]["b64_json"])))
        image.load()
        result["own"] = image.text.get("Description") == prompt(index)
        result["run_id"] = body["limner"]["run_id"]
        return result

    async def burst() -> tuple[list[dict[str, Any]], int, int]:
        limits = httpx.Limits(max_connections=80, max_keepalive_connections=80)
        async with httpx.AsyncClient(timeout=600, limits=limits) as client:
            results = await asyncio.gather(*(one(client, i) for i in range(60)))
            leaks = tried = 0
            for result in results:
                for team in teams:
                    if team == result["team"] or "run_id" not in result:
                        continue
                    for base in bases:
                        peek = await client.get(f"{base}/v1/runs/{result['run_id']}", headers=_auth(team))
                        tried += 1
                        leaks += peek.status_code != 404
        return list(results), leaks, tried

    results, leaks, tried = asyncio.run(burst())
    errors = [r for r in results if r["status"] != 200 or not r.get("own")]
    assert errors == []
    assert leaks == 0 and tried == 60 * 2 * 2


def test_a_run_survives_kill_9_of_its_process_mid_generation(cluster: Cluster) -> None:
    import agent.surfaces.scale.simulated_gpu  # noqa: F401 - registers the backend here too
    from agent.surfaces.scale.serve_generators import app_name, backend_options

    a, b = cluster.bases["a"], cluster.bases["b"]
    options = PROFILES["gpu-batch-2"]["options"]
    body = {"prompt": "six quiet views of a harbour at dusk", "n": 6, "size": "128x128", "seed": 5,
            "profile": "gpu-batch-2", "wait": False}
    created = httpx.post(f"{a}/v1/runs", json=body, headers=_auth("team1"), timeout=60)
    assert created.status_code == 202, created.text
    run_id = created.json()["id"]
    streamed: list[dict[str, Any]] = []
    reader = threading.Thread(target=lambda: streamed.extend(_events(b, run_id, "team1", timeout=300)))
    reader.start()
    # Wait until the first batch (two shots) is saved, then kill the process running the run.
    deadline = time.monotonic() + 180
    while not cluster.query("SELECT 1 FROM limner_shots WHERE run_id = %s", run_id):
        assert time.monotonic() < deadline, "no shot was finished in time"
        time.sleep(0.1)
    saved = {row[0] for row in cluster.query("SELECT key FROM limner_shots WHERE run_id = %s", run_id)}
    worker = cluster.query("SELECT worker FROM limner_runs WHERE id = %s", run_id)[0][0]
    os.kill(int(worker.rsplit(":", 1)[1]), signal.SIGKILL)
    reader.join(300)
    assert not reader.is_alive()
    names = [event["event"] for event in streamed]
    assert names[-1] == "run_end" and streamed[-1]["status"] == "done", names
    resumed = [event for event in streamed if event["event"] == "run_resume"]
    assert resumed and resumed[0]["attempt"] == 2
    restored = [shot for event in streamed if event["event"] == "generate_restored" for shot in event["shots"]]
    assert len(restored) == len(saved) >= 2
    run = httpx.get(f"{b}/v1/runs/{run_id}", headers=_auth("team1"), timeout=30).json()
    assert run["status"] == "done" and [bool(image["url"]) for image in run["summary"]["images"]] == [True] * 6
    # The replica's own log: every shot finished before the kill was drawn exactly once.
    app = app_name("simulated-gpu", backend_options("simulated-gpu", options=options))
    drawn = serve.get_app_handle(app).drawn.remote().result(timeout_s=60)["shots"]  # one replica
    counts: dict[int, int] = {}
    for drawn_run, shot, _, _ in drawn:
        if drawn_run == run_id:
            counts[shot] = counts.get(shot, 0) + 1
    assert {shot: counts.get(shot) for shot in restored} == {shot: 1 for shot in restored}
    assert set(counts) == set(range(6))


def test_kill_9_of_a_front_end_with_queued_runs_loses_none(cluster: Cluster) -> None:
    a, b = cluster.bases["a"], cluster.bases["b"]
    body = {"prompt": "a lighthouse on a cliff", "n": 1, "size": "128x128", "profile": "gpu-batch-1", "wait": False}
    ids = []
    for _ in range(10):  # four run at a time (per token): the rest wait in the queue
        created = httpx.post(f"{a}/v1/runs", json=body, headers=_auth("team2"), timeout=60)
        assert created.status_code == 202, created.text
        ids.append(created.json()["id"])
    queued = cluster.query("SELECT count(*) FROM limner_runs WHERE id = ANY(%s) AND status = 'queued'", ids)[0][0]
    cluster.processes["a"].send_signal(signal.SIGKILL)
    cluster.processes["a"].wait(30)
    assert queued >= 4, "the runs should still have been waiting when their front-end died"
    runs = [_wait_done(b, run_id, "team2") for run_id in ids]
    assert [run["status"] for run in runs] == ["done"] * 10
    assert all(run["summary"]["images"][0]["url"] for run in runs)
