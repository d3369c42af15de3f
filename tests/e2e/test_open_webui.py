"""limner as Open WebUI's image engine, end to end: a real ``open-webui serve`` (pip
``open-webui``, in its own environment ``<venv>/open-webui``, tests/open_webui_env.py) and a real
``limner serve``, both on loopback, Open WebUI configured only through the environment
variables the README gives, its image model settings left at their defaults (it then sends
``model: dall-e-2`` for generations and an empty model for edits).

Through Open WebUI's own API: a generation and an edit come back as files that are limner's
PNGs byte for byte; a recolour whose prompt says no place fails — Open WebUI shows only
"Bad Request", so limner's server log must say why, naming the ``mask`` field and the token.

Offline: no Ollama or OpenAI chat connections, no local embedding model (RAG_EMBEDDING_ENGINE
is a remote engine that is never called), no version check, Hugging Face offline.
"""

from __future__ import annotations

import base64
import fcntl
import io
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator, NamedTuple

import httpx
import numpy as np
import pytest
from PIL import Image

import open_webui_env
from agent.surfaces.health import wait_until_healthy
from tools.provenance import read_png_metadata

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

TOKEN = "open-webui-token-0123456789"
"""The bearer token limner gives Open WebUI (LIMNER_SERVER_TOKENS names it ``openwebui``)."""
PROMPT = "A poster that says 'OPEN' with two red apples"


class Server(NamedTuple):
    url: str
    log: Path


@pytest.fixture(scope="module")
def open_webui_cli() -> Path:
    with open(Path(sys.prefix) / "open-webui.lock", "w") as lock:  # one builder at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return open_webui_env.ensure()
        except RuntimeError as error:
            pytest.skip(str(error))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(command: list[str], env: dict[str, str], log: Path, ready: str, timeout_s: float) -> subprocess.Popen:
    """``command`` in its own process group, its output in ``log``, waited for until ``ready``'s
    ``/health`` answers 200 (killed and failed with the log's tail otherwise)."""
    with open(log, "wb") as sink:
        process = subprocess.Popen(command, cwd=log.parent, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    if wait_until_healthy(ready, timeout_s=timeout_s, alive=lambda: process.poll() is None, poll_s=0.3):
        return process
    if process.poll() is not None:
        pytest.fail(f"{command[0]} exited: {log.read_text(errors='replace')[-3000:]}")
    _stop(process)
    pytest.fail(f"{command[0]} not up in {timeout_s:.0f} s: {log.read_text(errors='replace')[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)  # the server and anything it started, nothing else
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _base_env(where: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(where), "LANG": "C.UTF-8",
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


@pytest.fixture(scope="module")
def limner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    where = tmp_path_factory.mktemp("limner")
    port = _free_port()
    env = {**_base_env(where), "LIMNER_HOME": str(where / "home"), "LIMNER_OUT_DIR": str(where / "out"),
           "LIMNER_CLIP": "false", "LIMNER_SERVER_TOKENS": json.dumps({"openwebui": TOKEN})}
    process = _start([str(Path(sys.executable).with_name("limner")), "serve", "--port", str(port)], env,
                     where / "serve.log", f"http://127.0.0.1:{port}", 60)
    try:
        yield Server(f"http://127.0.0.1:{port}", where / "serve.log")
    finally:
        _stop(process)


def open_webui_env_vars(limner_url: str, token: str) -> dict[str, str]:
    """What the README's "Use with Open WebUI" tells an operator to set: image generation and
    editing on, engine ``openai``, limner's ``/v1`` and token for both. No model: Open WebUI's
    defaults work."""
    return {
        "ENABLE_IMAGE_GENERATION": "true",
        "IMAGE_GENERATION_ENGINE": "openai",
        "IMAGES_OPENAI_API_BASE_URL": f"{limner_url}/v1",
        "IMAGES_OPENAI_API_KEY": token,
        "ENABLE_IMAGE_EDIT": "true",
        "IMAGE_EDIT_ENGINE": "openai",
        "IMAGES_EDIT_OPENAI_API_BASE_URL": f"{limner_url}/v1",
        "IMAGES_EDIT_OPENAI_API_KEY": token,
    }


OFFLINE = {
    "OFFLINE_MODE": "true",  # no model downloads, no version check
    "ENABLE_OLLAMA_API": "false",  # no chat backends to reach
    "ENABLE_OPENAI_API": "false",
    "RAG_EMBEDDING_ENGINE": "openai",  # no local sentence-transformers model at start (never called here)
    "ANONYMIZED_TELEMETRY": "false",  # chromadb
    "DO_NOT_TRACK": "true",
    "SCARF_NO_ANALYTICS": "true",
    "ENABLE_VERSION_UPDATE_CHECK": "false",
    "WEBUI_SECRET_KEY": "test-secret-key-0123456789abcdef",
}


@pytest.fixture(scope="module")
def open_webui(open_webui_cli: Path, limner: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    where = tmp_path_factory.mktemp("open-webui")
    port = _free_port()
    env = {**_base_env(where), "DATA_DIR": str(where / "data"), **OFFLINE, **open_webui_env_vars(limner.url, TOKEN)}
    process = _start([str(open_webui_cli), "serve", "--host", "127.0.0.1", "--port", str(port)], env,
                     where / "open-webui.log", f"http://127.0.0.1:{port}", 180)
    try:
        yield Server(f"http://127.0.0.1:{port}", where / "open-webui.log")
    finally:
        _stop(process)


def _limner_png(limner: Server, run_id: str) -> bytes:
    """The image limner wrote for run ``run_id`` (its files, under LIMNER_OUT_DIR)."""
    return (limner.log.parent / "out" / run_id / "01.png").read_bytes()


def _stored(http: httpx.Client, answer: httpx.Response) -> tuple[bytes, dict[str, Any]]:
    """The file Open WebUI stored for a one-image answer, and what it recorded it sent."""
    assert answer.status_code == 200, answer.text
    (item,) = answer.json()
    content = http.get(f"/api/v1/files/{item['id']}/content")
    assert content.status_code == 200 and content.headers["content-type"] == "image/png"
    return content.content, http.get(f"/api/v1/files/{item['id']}").json()["meta"]["data"]


def test_open_webui_with_its_default_image_settings_shows_limners_images(open_webui: Server, limner: Server) -> None:
    with httpx.Client(base_url=open_webui.url, timeout=120) as http:
        # 1. The first account is the admin; its token calls Open WebUI's API.
        signup = http.post("/api/v1/auths/signup",
                           json={"name": "Admin", "email": "admin@example.com", "password": "admin-password-123"})
        assert signup.status_code == 200, signup.text
        http.headers["Authorization"] = f"Bearer {signup.json()['token']}"
        config = http.get("/api/v1/images/config").json()
        assert config["IMAGE_GENERATION_ENGINE"] == config["IMAGE_EDIT_ENGINE"] == "openai"
        assert config["IMAGE_GENERATION_MODEL"] == config["IMAGE_EDIT_MODEL"] == ""  # Open WebUI's defaults

        # 2. A generation: Open WebUI sent its default model, and stored limner's PNG unchanged.
        generated, sent = _stored(http, http.post("/api/v1/images/generations", json={"prompt": PROMPT}))
        assert sent["model"] == "dall-e-2" and sent["response_format"] == "b64_json"
        image = Image.open(io.BytesIO(generated))
        assert image.size == (512, 512)  # Open WebUI's default IMAGE_SIZE
        metadata = read_png_metadata(io.BytesIO(generated))
        assert metadata["prompt"] == PROMPT and metadata["backend"] == "sketch"
        assert generated == _limner_png(limner, metadata["run_id"])

        # 3. An edit of that image (Open WebUI sends it back as multipart 'image', model ''):
        #    no mask, the region from the words.
        data_url = "data:image/png;base64," + base64.b64encode(generated).decode()
        edited, sent = _stored(http, http.post("/api/v1/images/edit",
                                               json={"image": data_url, "prompt": "make the left half blue"}))
        assert sent["model"] == ""
        edit_metadata = read_png_metadata(io.BytesIO(edited))
        assert edit_metadata["mode"] == "edit" and edit_metadata["run_id"] != metadata["run_id"]
        assert edited == _limner_png(limner, edit_metadata["run_id"])
        before = np.asarray(image.convert("RGB"), dtype=np.int16)
        after = np.asarray(Image.open(io.BytesIO(edited)).convert("RGB"), dtype=np.int16)
        assert after.shape == before.shape
        assert (np.abs(after[:, 300:] - before[:, 300:]) <= 1).all()  # the right side untouched
        left = after[:, :200]
        assert (np.abs(left - before[:, :200]).max(axis=2) > 10).mean() > 0.5  # the left side changed...
        assert (left[..., 2] > left[..., 0] + 20).mean() > 0.5  # ...to blue (measured: 96% changed, 81% blue)

        # 4. A recolour that says no place: Open WebUI hides limner's message ("Bad Request")...
        refused = http.post("/api/v1/images/edit", json={"image": data_url, "prompt": "make the apples purple"})
        assert refused.status_code == 400 and "Bad Request" in refused.text

    # ...so limner's log has it on one line: route, token name, reason naming the HTTP field.
    lines = [line for line in limner.log.read_text().splitlines() if "limner.http" in line and " -> 400 " in line]
    assert len(lines) == 1, limner.log.read_text()[-3000:]
    assert "POST /v1/images/edits -> 400 (openwebui): recolouring needs a region: send a 'mask' file" in lines[0]
    assert "[prompt 'make the apples purple']" in lines[0]
    assert TOKEN not in limner.log.read_text()
