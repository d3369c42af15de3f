"""The studio on the API's server: the page at ``/`` with the API's rules for who may call, the API's
own paths untouched by it (404 and 405 in OpenAI's shape, the same OpenAPI document), and Gradio
loaded by nothing but a server that shows the studio."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from agent.context import Settings
from agent.surfaces.http.app import create_app
from agent.surfaces.studio.launch import free_port, wait_and_open
from tests.live_server import live_server

ROOT = Path(__file__).resolve().parents[2]
TOKENS = {"alice": "alice-token-0123456789"}


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", out_dir=tmp_path / "out", clip=False, search=False)


def _elem_ids(config: dict) -> set[str]:
    return {c.get("props", {}).get("elem_id") for c in config["components"]} - {None}


def test_the_page_is_at_the_root_and_the_api_keeps_its_own_paths(settings: Settings) -> None:
    pytest.importorskip("gradio", reason="the studio needs gradio: make install")
    plain = create_app(settings)
    with TestClient(create_app(settings, studio=True)) as client, TestClient(plain) as api_only:
        page = client.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert {"studio-prompt", "studio-send", "studio-plan-json", "studio-editor", "studio-characters",
                "studio-n", "studio-seed", "studio-backend", "studio-user"} <= _elem_ids(client.get("/config").json())
        # (the test client is no loopback caller: a run's route refuses it, with or without the studio)
        for method, path, status in (("GET", "/v1/nope", 404), ("GET", "/v1/runs/none", 403),
                                     ("POST", "/health", 405), ("DELETE", "/v1/runs", 405)):
            mine, theirs = client.request(method, path), api_only.request(method, path)
            assert (mine.status_code, mine.json(), mine.headers.get("allow")) == \
                (theirs.status_code, theirs.json(), theirs.headers.get("allow")) and mine.status_code == status
        assert client.get("/openapi.json").json() == api_only.get("/openapi.json").json()
        assert client.get("/health").json()["status"] == "ok"
        assert client.get("/studio/files/run/01.png?expires=99999999999&signature=00").status_code == 404


def test_with_tokens_the_page_asks_for_a_token_login(settings: Settings) -> None:
    pytest.importorskip("gradio", reason="the studio needs gradio: make install")
    guarded = settings.model_copy(update={"server_tokens": TOKENS})
    with TestClient(create_app(guarded, studio=True)) as client:
        assert client.get("/config").status_code == 401
        refused = client.post("/login", data={"username": "alice", "password": "wrong"})
        assert refused.status_code == 400 and "studio-prompt" not in client.get("/config").text
        assert client.post("/login", data={"username": "alice", "password": TOKENS["alice"]}).status_code == 200
        assert "studio-prompt" in client.get("/config").text
        assert client.get("/v1/runs").status_code == 401  # the API still wants its bearer token


@pytest.mark.parametrize("argv", [["plan", "a red cow", "--json"], ["--help"], ["studio", "--help"],
                                  ["serve", "--help"]])
def test_plain_commands_never_load_gradio(argv: list[str], tmp_path: Path) -> None:
    script = ("import sys\nfrom agent.surfaces.cli import main\n"
              f"sys.argv = ['limner', *{argv!r}]\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\n"
              "print('GRADIO', 'gradio' in sys.modules, file=sys.stderr)\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LIMNER_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert "GRADIO False" in done.stderr, done.stderr[-500:]


def test_limner_studio_opens_the_page_once_the_server_answers(settings: Settings) -> None:
    opened: list[str] = []
    with live_server(create_app(settings)) as base:
        assert wait_and_open(base + "/", opened.append, timeout_s=10)
    assert opened == [base + "/"]
    port = free_port()
    assert not wait_and_open(f"http://127.0.0.1:{port}/", opened.append, timeout_s=0.5, poll_s=0.1)
    assert opened == [base + "/"]


def test_limner_studio_without_gradio_says_how_to_get_it(tmp_path: Path) -> None:
    script = ("import sys, importlib.util\nreal = importlib.util.find_spec\n"
              "importlib.util.find_spec = lambda name, *a: None if name == 'gradio' else real(name, *a)\n"
              "from agent.surfaces.cli import main\nsys.argv = ['limner', 'studio', '--no-browser']\nmain()\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LIMNER_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert done.returncode == 2 and done.stderr.strip() == (
        "error: the studio needs gradio: `make install` installs it (or pip install gradio)")


def test_serve_without_the_studio_serves_the_api_alone(tmp_path: Path) -> None:
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LIMNER_HOME": str(tmp_path / "home")}
    server = subprocess.Popen([str(Path(sys.executable).parent / "limner"), "serve", "--no-studio", "--port", str(port)],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_and_open(f"http://127.0.0.1:{port}/", lambda url: None, timeout_s=60)
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 404
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=60)
    assert "studio off" in stderr and "studio: http" not in stderr
