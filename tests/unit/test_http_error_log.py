"""Every 4xx/5xx answer of the HTTP API is one line in the server log: the route, who called
(token name, ``loopback`` or ``anonymous``), the status and the reason the client was sent —
never the token, and no more than 80 characters of the prompt."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from starlette.testclient import TestClient

from agent.context import Settings
from agent.surfaces.http.app import create_app
from agent.surfaces.http.support import PROMPT_SHOWN, reason_sent

TOKENS = {"alice": "alice-token-0123456789", "bob": "bob-token-0123456789ab"}
LONG_PROMPT = "a lighthouse on a cliff at dusk with " + "very " * 40 + "many gulls, SECRET-TAIL-WORDS"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (128, 96), "skyblue").save(buffer, format="PNG")
    return buffer.getvalue()


def _lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "limner.http" and " -> " in r.getMessage()]


@pytest.fixture()
def client(tmp_path: Path) -> TestClient:
    settings = Settings(home=tmp_path / "home", out_dir=tmp_path / "out", clip=False, checkpoints=False,
                        server_tokens=TOKENS, server_max_body_mb=0.5)
    return TestClient(create_app(settings), client=("127.0.0.1", 5000), raise_server_exceptions=False)


def _as(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name]}"}


def test_each_failure_is_one_line_with_route_caller_status_and_reason(client: TestClient,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="limner.http")
    assert client.post("/v1/images/generations", json={"prompt": "a cat"},
                       headers={"Authorization": "Bearer wrong-token-0123456789"}).status_code == 401
    assert client.post("/v1/images/generations", json={"prompt": LONG_PROMPT, "model": "dall-e-9"},
                       headers=_as("alice")).status_code == 400
    assert client.post("/v1/images/edits", data={"model": "", "prompt": "make the car red"},
                       files={"image": ("a.png", _png(), "image/png")}, headers=_as("bob")).status_code == 400
    assert client.get("/v1/runs/nope", headers=_as("alice")).status_code == 404
    assert client.post("/v1/images/generations", content=b"{" + b" " * 600_000 + b"}",
                       headers={**_as("alice"), "content-type": "application/json"}).status_code == 413
    assert client.post("/v1/images/generations", json={"prompt": "a cat"}, headers=_as("alice")).status_code == 200

    lines = [record.getMessage() for record in _lines(caplog)]
    assert len(lines) == 5, lines  # one per failure, none for the success
    assert lines[0] == "POST /v1/images/generations -> 401 (anonymous): invalid bearer token"
    assert lines[1].startswith("POST /v1/images/generations -> 400 (alice): unknown model 'dall-e-9'; choose one of:")
    assert f"[prompt {LONG_PROMPT[:PROMPT_SHOWN - 1] + '…'!r}]" in lines[1]
    assert lines[2].startswith("POST /v1/images/edits -> 400 (bob): recolouring needs a region: send a 'mask' file")
    assert "[prompt 'make the car red']" in lines[2]
    assert lines[3] == "GET /v1/runs/{run_id} -> 404 (alice): no run 'nope'"  # the route, not the path
    assert lines[4].startswith("POST /v1/images/generations -> 413 (alice): the request body is larger than 0.5 MiB")
    assert [record.levelno for record in _lines(caplog)] == [logging.WARNING] * 5
    logged = caplog.text
    assert "SECRET-TAIL-WORDS" not in logged
    for token in (*TOKENS.values(), "wrong-token-0123456789"):
        assert token not in logged


def test_a_500_is_logged_as_an_error_and_odd_paths_stay_on_one_line(client: TestClient,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    @client.app.get("/boom")  # type: ignore[attr-defined]
    def boom() -> None:
        raise KeyError("/srv/secret/path")

    caplog.set_level(logging.INFO, logger="limner.http")
    assert client.get("/boom", headers=_as("alice")).status_code == 500
    assert client.get("/v1/nothing%1B[31m%0D%0AFAKE%20-%3E%20200", headers=_as("bob")).status_code == 404
    first, second = _lines(caplog)
    assert first.levelno == logging.ERROR
    assert first.getMessage() == ("GET /boom -> 500 (alice): internal server error (KeyError; "
                                  "the incident line has the details)")
    assert second.getMessage() == "GET /v1/nothing\\x1b[31m FAKE -> 200 -> 404 (bob): Not Found"
    assert "\n" not in second.getMessage()


def test_without_tokens_the_caller_is_loopback_or_anonymous(tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(Settings(home=tmp_path / "home", out_dir=tmp_path / "out", clip=False, checkpoints=False))
    caplog.set_level(logging.INFO, logger="limner.http")
    assert TestClient(app, client=("127.0.0.1", 5000)).post("/v1/images/generations", json={"n": 1}).status_code == 400
    assert TestClient(app, client=("203.0.113.9", 5000)).get("/v1/models").status_code == 403
    first, second = (record.getMessage() for record in _lines(caplog))
    assert first == "POST /v1/images/generations -> 400 (loopback): missing required parameter 'prompt'"
    assert second.startswith("GET /v1/models -> 403 (anonymous): this server has no tokens configured")


def test_the_reason_is_the_message_of_whatever_error_body_was_sent() -> None:
    assert reason_sent(b'{"error": {"message": "bad\\nthing", "type": "x"}}') == "bad thing"
    assert reason_sent(b'{"detail": "Not Found"}') == "Not Found"
    assert reason_sent(b"plain text\r\nanswer") == "plain text answer"
    assert reason_sent(b"") == "(no body)"


def test_a_reason_that_quotes_the_prompt_shows_at_most_80_characters_of_it(tmp_path: Path,
                                                                           caplog: pytest.LogCaptureFixture) -> None:
    from agent.surfaces.service import RunService

    def refusing(request: Any, **_: Any) -> dict[str, Any]:  # a policy that quotes what it refused
        return {"run_id": request.run_id, "backend": "sketch", "images": [], "plan": {"shots": []},
                "refused": {"policy": "rules", "reason": f"'{request.prompt}' asks for it", "categories": []}}

    settings = Settings(home=tmp_path / "home", out_dir=tmp_path / "out", clip=False, checkpoints=False)
    client = TestClient(create_app(settings, service=RunService(settings, runner=refusing)), client=("127.0.0.1", 5000))
    caplog.set_level(logging.INFO, logger="limner.http")
    answer = client.post("/v1/images/generations", json={"prompt": LONG_PROMPT})
    assert answer.status_code == 400 and "SECRET-TAIL-WORDS" in answer.text  # the client is told all of it
    (line,) = (record.getMessage() for record in _lines(caplog))
    assert line.startswith(f"POST /v1/images/generations -> 400 (loopback): refused (rules policy): "
                           f"'{LONG_PROMPT[:PROMPT_SHOWN - 1]}…' asks for it [prompt ")
    assert "SECRET-TAIL-WORDS" not in caplog.text
