"""The openai backend against a third-party OpenAI-compatible server on loopback: aimock
(npm ``@copilotkit/aimock``, pinned in package.json, installed by ``make test``). Nobody here
wrote it; the test only writes its fixture file (which images to answer, which errors)."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from aimock_server import KEY, MISSING, WHY_MISSING, running_aimock
from tools.provenance import read_png_metadata

LIMNER = str(Path(sys.executable).with_name("limner"))

pytestmark = [pytest.mark.slow, pytest.mark.skipif(MISSING, reason=WHY_MISSING)]


def _png(size: tuple[int, int], colour: tuple[int, int, int]) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture(scope="module")
def aimock(tmp_path_factory):
    """aimock on a free loopback port; requires ``Authorization: Bearer KEY``."""
    folder = tmp_path_factory.mktemp("aimock")
    fixtures = {"fixtures": [
        # The first request for "paper crane" fails with a 500; the retry gets two images.
        {"match": {"endpoint": "image", "userMessage": "paper crane", "sequenceIndex": 0},
         "response": {"error": {"message": "upstream hiccup", "type": "server_error"}, "status": 500}},
        {"match": {"endpoint": "image", "userMessage": "paper crane"},
         "response": {"images": [{"b64Json": _png((1024, 1024), (200, 40, 40))},
                                 {"b64Json": _png((1024, 1024), (40, 40, 200))}]}},
        {"match": {"endpoint": "image", "userMessage": "forbidden"},
         "response": {"error": {"message": "Your request was rejected by the safety system.",
                                "type": "invalid_request_error", "code": "content_policy_violation"},
                      "status": 400}},
    ]}
    (folder / "images.json").write_text(json.dumps(fixtures))
    with running_aimock(folder / "images.json") as base:
        yield base


def _journal(base: str) -> list[dict]:
    request = urllib.request.Request(f"{base}/__aimock/journal", headers={"Authorization": f"Bearer {KEY}"})
    return json.loads(urllib.request.urlopen(request, timeout=5).read())


def _limner(base: str, tmp_path: Path, *args: str, key: str = KEY) -> subprocess.CompletedProcess:
    env = {**os.environ, "OPENAI_BASE_URL": f"{base}/v1", "OPENAI_API_KEY": key,
           "LIMNER_BACKEND_OPTIONS": json.dumps({"backoff_s": 0.2})}
    return subprocess.run([LIMNER, "generate", *args, "--out", str(tmp_path / "out")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, env=env)


def test_two_images_after_a_retried_500(aimock: str, tmp_path: Path) -> None:
    result = _limner(aimock, tmp_path, "a paper crane on a desk", "-n", "2", "--raw", "--backend", "openai",
                     "--model", "gpt-image-1", "--size", "1024x1024", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["images"]) == 2
    for image in report["images"]:
        with Image.open(image["path"]) as png:
            assert png.size == (1024, 1024)
        meta = read_png_metadata(Path(image["path"]))
        assert (meta["prompt"], meta["backend"], meta["model"]) == ("a paper crane on a desk", "openai", "gpt-image-1")
    calls = [entry for entry in _journal(aimock) if "paper crane" in json.dumps(entry)]
    assert [entry["response"]["status"] for entry in calls] == [500, 200]
    assert all(entry["body"]["model"] == "gpt-image-1" for entry in calls)
    # aimock checks the key (a wrong one is a 401), so these answers prove the Bearer header.
    assert "authorization" in {k.lower() for k in calls[-1]["headers"]}


def test_wrong_key_and_400_end_with_the_servers_message(aimock: str, tmp_path: Path) -> None:
    refused = _limner(aimock, tmp_path, "something forbidden", "--raw", "--backend", "openai")
    assert refused.returncode == 1
    lines = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert lines == ["error: image 1 was not made: BackendError: the images API refused the request (400): "
                     "Your request was rejected by the safety system."]
    wrong_key = _limner(aimock, tmp_path, "a paper crane", "--raw", "--backend", "openai", key="sk-wrong")
    assert wrong_key.returncode == 1 and "(401): Invalid API key" in wrong_key.stderr
