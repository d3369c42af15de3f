"""limner hosted by LangGraph's own server, as a LangGraph user runs it: `langgraph dev` from
langgraph.json — without ``--allow-blocking`` — called with the official SDK.

The server (``langgraph-cli[inmem]``, the ``langgraph-server`` extra) cannot share an environment
with the dev tools (langgraph-api pins jsonschema-rs below what schemathesis needs), so unless it
is importable here it runs from ``<venv>/langgraph-server``, an environment layered on this one
(its own packages first, then this venv's, limner included) that ``make test`` builds
(tests/langgraph_env.py; built here too when the test runs on its own).
Everything runs on loopback, with LangGraph's analytics, version check and tracing off.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator, NamedTuple

import httpx
import pytest

import langgraph_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
BALLOONS = "two images of a fox named Mira with two red balloons"
OFFLINE = {
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",  # the CLI's usage analytics
    "LANGGRAPH_NO_VERSION_CHECK": "true",  # the server's "newer version" lookup
    "LANGSMITH_TRACING": "false",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}


@pytest.fixture(scope="module")
def langgraph_cli() -> Path:
    here = Path(sys.executable).with_name("langgraph")
    if importlib.util.find_spec("langgraph_api") is not None and here.is_file():
        return here
    with open(Path(sys.prefix) / "langgraph-server.lock", "w") as lock:  # one builder at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return langgraph_env.ensure()
        except RuntimeError as error:
            pytest.skip(str(error))


class Server(NamedTuple):
    url: str
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(cli: Path, where: Path, extra_env: dict[str, str]) -> Iterator[Server]:
    """`langgraph dev` on loopback in a folder laid out like the repository (its langgraph.json,
    ``agent/``), so the server's ``.langgraph_api/`` lands there, not in the checkout."""
    host = where / "host"
    host.mkdir()
    shutil.copy(ROOT / "langgraph.json", host / "langgraph.json")
    (host / "agent").symlink_to(ROOT / "agent", target_is_directory=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(where), "LIMNER_HOME": str(where / "home"),
           "LIMNER_OUT_DIR": str(where / "default-out"), **OFFLINE, **extra_env}
    port = _free_port()
    log = where / "server.log"
    with open(log, "wb") as sink:
        server = subprocess.Popen([str(cli), "dev", "--host", "127.0.0.1", "--port", str(port), "--no-browser",
                                   "--no-reload"], cwd=host, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, f"langgraph dev exited: {log.read_text()[-3000:]}"
            try:
                if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"langgraph dev not up in 180 s: {log.read_text()[-3000:]}"
            time.sleep(0.5)
        yield Server(url, log)
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and the worker it started, nothing else
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


@pytest.fixture(scope="module")
def default_server(langgraph_cli: Path, tmp_path_factory) -> Iterator[Server]:
    yield from _serve(langgraph_cli, tmp_path_factory.mktemp("langgraph-default"), {})


@pytest.fixture(scope="module")
def strict_server(langgraph_cli: Path, tmp_path_factory) -> Iterator[Server]:
    yield from _serve(langgraph_cli, tmp_path_factory.mktemp("langgraph-strict"), {"LANGGRAPH_STRICT_MSGPACK": "true"})


def _run(client: Any, thread: str, request: Any, context: dict[str, Any]) -> tuple[list[str], list[dict]]:
    """Stream one run: the nodes that reported, and the error events."""
    nodes, errors = [], []
    for part in client.runs.stream(thread, "limner", input={"request": request}, context=context,
                                   stream_mode=["updates", "custom"]):
        if part.event == "error":
            errors.append(part.data)
        elif part.event == "updates":
            nodes += list(part.data)
    return nodes, errors


def _report(client: Any, thread: str) -> dict[str, Any]:
    return client.threads.get_state(thread)["values"]["report"]


def _first_run_and_follow_up(client: Any, thread: str, out: Path) -> tuple[dict, dict]:
    context = {"out_dir": str(out), "clip": False, "size": "256x256"}
    nodes, errors = _run(client, thread, {"prompt": BALLOONS, "seed": 5}, context)
    assert errors == [] and nodes[:3] == ["accept", "screen", "plan"] and nodes[-1] == "finalize"
    first = _report(client, thread)
    run_dir = out / first["run_id"]
    assert len(first["images"]) == 2 and first["size"] == [256, 256]  # the context's size
    assert all(Path(i["path"]).parent == run_dir and Path(i["path"]).is_file() for i in first["images"])
    assert (run_dir / "run.json").is_file() and {p.parent.parent for p in run_dir.glob("work/*.png")} == {run_dir}
    assert [p.name for p in out.iterdir()] == [first["run_id"]]  # one run, one folder
    nodes, errors = _run(client, thread, {"prompt": "make the balloons blue"}, context)
    assert errors == [], errors
    follow_up = _report(client, thread)
    assert follow_up["revision"]["previous_run"] == first["run_id"]
    assert follow_up["revision"]["changed_shots"] == [0, 1] and follow_up["thread"] == thread
    assert all(Path(i["path"]).parent == out / follow_up["run_id"] for i in follow_up["images"])
    return first, follow_up


def test_langgraph_dev_runs_streams_follows_up_and_survives_bad_input(default_server: Server, tmp_path: Path) -> None:
    from langgraph_sdk import get_sync_client

    client = get_sync_client(url=default_server.url)
    (assistant,) = client.assistants.search(graph_id="limner")
    schema = client.assistants.get_schemas(assistant["assistant_id"])["input_schema"]
    assert schema["required"] == ["request"] and schema["$defs"]["RequestInput"]["required"] == ["prompt"]
    thread = client.threads.create()["thread_id"]
    out = tmp_path / "runs"
    _first_run_and_follow_up(client, thread, out)
    nodes, errors = _run(client, thread, {"prompt": "", "n": 9}, {"out_dir": str(out), "clip": False})
    assert nodes == ["accept"] and len(errors) == 1 and errors[0]["error"] == "InputError"
    assert "request.prompt: the prompt is empty" in errors[0]["message"] and "request.n:" in errors[0]["message"]
    nodes, errors = _run(client, thread, {"prompt": "a red apple"}, {"out_dir": str(out), "clip": False})
    assert errors == [] and nodes[-1] == "finalize"
    assert _report(client, thread)["prompt"] == "a red apple" and len(list(out.iterdir())) == 3
    log = default_server.log.read_text()
    assert "BlockingError" not in log and "unregistered type" not in log


def test_langgraph_dev_follow_up_with_strict_msgpack(strict_server: Server, tmp_path: Path) -> None:
    from langgraph_sdk import get_sync_client

    client = get_sync_client(url=strict_server.url)
    thread = client.threads.create()["thread_id"]
    _first_run_and_follow_up(client, thread, tmp_path / "runs")
    log = strict_server.log.read_text()
    assert "Blocked deserialization" not in log and "BlockingError" not in log
