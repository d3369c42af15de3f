"""The API keeps the contract its own OpenAPI document states, checked by Schemathesis.

A real ``limner serve`` (a subprocess, on loopback, with tokens, the sketch backend only) is
tested from its ``/openapi.json`` with every Schemathesis check and all four phases (examples,
coverage, fuzzing, stateful), once with a token and once without; both runs are bounded in
time. Then: no failure of any check (no 5xx, no response off its schema, no invalid request
accepted, no valid one rejected), every protected route answered 401 without the token, and a
normal generation still works on the same server. Nothing leaves loopback: the server has no
web search, no CLIP download and no other backend; Schemathesis only talks to the server.
"""

from __future__ import annotations

import base64
import collections
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from PIL import Image

pytestmark = pytest.mark.slow
pytest.importorskip("schemathesis", reason="Schemathesis is not installed (the README's `make test` installs it)")

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TOKEN = "alice-token-0123456789"
WITH_TOKEN_S, WITHOUT_TOKEN_S = 100, 40
"""Time budgets of the two runs (fuzzing and stateful testing repeat until theirs is spent)."""
CONFIG = """\
# 422 is how the API answers a well-formed edit its backend cannot carry out (the sketch backend
# edits text, masked colours, crops and extensions): valid by any schema, refused on meaning, and
# documented on that route. Every 400 to a schema-valid request still fails the check.
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``limner serve --port 0`` with one token; yields its URL and log file; always stopped."""
    folder = tmp_path_factory.mktemp("schemathesis-server")
    log = folder / "server.log"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder), "LIMNER_HOME": str(folder / "home"),
           "LIMNER_OUT_DIR": str(folder / "out"), "LIMNER_SERVER_TOKENS": json.dumps({"alice": TOKEN}),
           "LIMNER_SERVER_BACKENDS": '["sketch"]', "LIMNER_BACKEND": "sketch", "LIMNER_CLIP": "false",
           "LIMNER_SEARCH": "false", "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "NO_PROXY": "*"}
    with log.open("w") as out:
        process = subprocess.Popen([str(BIN / "limner"), "serve", "--host", "127.0.0.1", "--port", "0"],
                                   cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = _wait_for_url(process, log)
        yield url, log
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for_url(process: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        found = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", log.read_text())
        if found:
            return found[1]
        if process.poll() is not None:
            raise RuntimeError(f"limner serve exited: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    raise RuntimeError("limner serve did not start in 90 s")


def schemathesis(url: str, report: Path, *, token: str | None, seconds: int) -> dict[str, Any]:
    """One bounded ``st run`` of every check and phase; its figures from the NDJSON event log."""
    config = report / "schemathesis.toml"
    report.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG)
    command = [str(BIN / "st"), "--config-file", str(config), "run", f"{url}/openapi.json", "--checks", "all",
               "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", "8", "--max-time", str(seconds),
               "--workers", "1", "--seed", "20260", "--request-timeout", "60", "--report", "json,ndjson",
               "--report-dir", str(report), "--no-color"]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    # Run from the report folder (Schemathesis keeps a crash cache in its working directory), with
    # the repository on the path for the hooks module.
    env = {**{k: v for k, v in os.environ.items() if "proxy" not in k.lower()},
           "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks", "PYTHONPATH": str(ROOT), "NO_PROXY": "*"}
    done = subprocess.run(command, cwd=report, env=env, capture_output=True, text=True, timeout=seconds + 240)
    (report / "output.txt").write_text(done.stdout + done.stderr)
    return figures(report, done)


def figures(report: Path, done: subprocess.CompletedProcess) -> dict[str, Any]:
    """Requests sent, each check's passes and failures, the statuses per operation, the phases."""
    summary = json.loads(next(report.glob("json-*.json")).read_text())
    requests, checks = 0, collections.Counter()
    statuses: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for line in next(report.glob("ndjson-*.ndjson")).open():
        event = json.loads(line)
        if "ScenarioFinished" not in event:
            continue
        recorder = event["ScenarioFinished"]["recorder"]
        for case_id, interaction in recorder.get("interactions", {}).items():
            requests += 1
            case = recorder["cases"].get(case_id, {}).get("value", {})
            response = interaction.get("response") or {}
            statuses[f"{case.get('method', '?')} {case.get('path', '?')}"][response.get("status_code")] += 1
        for results in recorder.get("checks", {}).values():
            for result in results:
                checks[(result["name"], result["status"])] += 1
    return {"requests": requests, "checks": checks, "statuses": statuses, "summary": summary,
            "output": done.stdout[-6000:], "exit": done.returncode}


def _failures(found: dict[str, Any]) -> dict[str, int]:
    return {name: count for (name, status), count in found["checks"].items() if status == "failure"}


def _report(label: str, found: dict[str, Any]) -> str:
    passed = sorted((name, count) for (name, status), count in found["checks"].items() if status == "success")
    failed = _failures(found)
    return (f"{label}: {found['requests']} requests, {sum(found['checks'].values())} check results; "
            "failures per check: " + ", ".join(f"{name} {failed.get(name, 0)} of {count + failed.get(name, 0)}"
                                               for name, count in passed))


def test_the_api_keeps_its_openapi_contract_with_and_without_a_token(server: tuple[str, Path],
                                                                     tmp_path: Path) -> None:
    url, log = server
    with_token = schemathesis(url, tmp_path / "with-token", token=TOKEN, seconds=WITH_TOKEN_S)
    without_token = schemathesis(url, tmp_path / "without-token", token=None, seconds=WITHOUT_TOKEN_S)
    print("\n" + _report("with the token", with_token) + "\n" + _report("without a token", without_token))

    for label, found in (("with the token", with_token), ("without a token", without_token)):
        summary = found["summary"]
        assert summary["errors"] == [] and summary["operations"]["errored"] == 0, (label, found["output"])
        assert {name: phase["status"] for name, phase in summary["phases"].items()} == {
            "examples": "success", "coverage": "success", "fuzzing": "success", "stateful": "success"}, (label, found["output"])
        assert summary["failures"] == [] and _failures(found) == {}, (label, found["output"])
        assert found["exit"] == 0, (label, found["output"])
        assert found["requests"] >= 500, (label, found["requests"])
        for check in ("not_a_server_error", "response_schema_conformance", "negative_data_rejection",
                      "positive_data_acceptance", "status_code_conformance", "ignored_auth"):
            assert found["checks"][(check, "success")] > 0, (label, check)
        every_status = collections.Counter()
        for counts in found["statuses"].values():
            every_status.update(counts)
        assert not [status for status in every_status if status is None or status >= 500], (label, every_status)

    # With the token the routes did their work: images made, runs listed, files served.
    made = with_token["statuses"]
    assert made["POST /v1/images/generations"][200] > 0 and made["POST /v1/runs"][200] > 0
    assert made["POST /v1/images/edits"][200] + made["POST /v1/images/edits"][422] > 0
    # Without it, every protected operation of the document said 401 to every request, and
    # nothing else; an undeclared method on its path may be a 405 (routing comes first). The
    # files route also takes a signed link: a malformed 'expires' there is a 400.
    document = httpx.get(f"{url}/openapi.json").json()
    protected = {f"{method.upper()} {path}" for path, item in document["paths"].items()
                 for method, operation in item.items() if operation.get("security") == [{"bearer": []}]}
    assert len(protected) == 7
    for operation in protected:
        assert set(without_token["statuses"][operation]) == {401}, (operation, without_token["statuses"][operation])
    paths = {operation.split(" ", 1)[1] for operation in protected}
    for operation, counts in without_token["statuses"].items():
        if operation.split(" ", 1)[1] in paths and operation not in protected:
            assert set(counts) <= {401, 405}, (operation, counts)
    assert set(without_token["statuses"]["GET /v1/files/{run_id}/{name}"]) <= {400, 401}

    # The same server still does its job.
    answer = httpx.post(f"{url}/v1/images/generations", json={"prompt": "a red apple", "size": "256x256"},
                        headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120)
    assert answer.status_code == 200, answer.text
    image = Image.open(io.BytesIO(base64.b64decode(answer.json()["data"][0]["b64_json"])))
    assert image.size == (256, 256)
    assert httpx.get(f"{url}/health").json()["status"] == "ok"
    text = log.read_text()
    assert "Traceback" not in text and "internal error" not in text, text[-3000:]
