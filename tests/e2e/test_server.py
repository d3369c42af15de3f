"""The HTTP API end to end: a real uvicorn server on loopback, the official openai client,
raw httpx for what the client would not send (bad JSON, wrong types, big uploads)."""

from __future__ import annotations

import base64
import io
import json
import re
import threading
from pathlib import Path
from typing import Any, Iterator

import httpx
import openai
import pytest
from PIL import Image
from starlette.testclient import TestClient

from agent.context import Settings
from agent.surfaces.http.app import create_app
from agent.surfaces.service import RunService
from tests.live_server import live_server

pytestmark = pytest.mark.usefixtures("one_torch_thread")
PROMPT = "A poster that says 'OPEN' with two red apples"
TOKENS = {"alice": "alice-token-0123456789", "bob": "bob-token-0123456789ab"}


@pytest.fixture()
def server_settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", out_dir=tmp_path / "out", clip=False, checkpoints=False)


@pytest.fixture()
def base(server_settings: Settings) -> Iterator[str]:
    with live_server(create_app(server_settings)) as url:
        yield url


@pytest.fixture()
def token_base(server_settings: Settings) -> Iterator[str]:
    settings = server_settings.model_copy(update={"server_tokens": TOKENS})
    with live_server(create_app(settings)) as url:
        yield url


def _png(size: tuple[int, int] = (256, 256), color: str = "skyblue") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def _decoded(item: Any) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(item.b64_json)))


# ---- the must-show: the official openai client, unchanged ---------------------------------------


def test_openai_client_gets_two_512_images_and_a_bad_request_for_an_empty_prompt(base: str) -> None:
    client = openai.OpenAI(base_url=f"{base}/v1", api_key="any-key-on-loopback", max_retries=0)
    result = client.images.generate(model="limner", prompt=PROMPT, n=2, size="512x512", response_format="b64_json")
    assert len(result.data) == 2
    images = [_decoded(item) for item in result.data]
    assert [image.size for image in images] == [(512, 512), (512, 512)]
    for image in images:
        image.load()  # decodes fully
    assert all("OPEN" in item.revised_prompt for item in result.data)
    assert result.model_extra["limner"]["made"] == 2  # the critique summary rides along
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="limner", prompt="", n=1)
    assert caught.value.status_code == 400
    assert "prompt is empty" in caught.value.message
    assert caught.value.body["param"] == "prompt"


def test_url_answers_are_signed_links_that_work_without_the_token_and_only_unaltered(token_base: str) -> None:
    client = openai.OpenAI(base_url=f"{token_base}/v1", api_key=TOKENS["alice"], max_retries=0)
    result = client.images.generate(model="sketch", prompt="a red apple", response_format="url")
    url = result.data[0].url
    fetched = httpx.get(url)  # no Authorization header: the signature stands for it
    assert fetched.status_code == 200 and fetched.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(fetched.content)).size == (512, 512)
    tampered = url.replace("01.png", "contact.png")
    assert httpx.get(tampered).status_code == 401  # signature does not match: token required
    assert httpx.get(url.split("?")[0]).status_code == 401


def test_edits_through_the_openai_client_keep_the_input_size_and_file(base: str, tmp_path: Path) -> None:
    source = tmp_path / "photo.png"
    source.write_bytes(_png((320, 256)))
    before = source.read_bytes()
    client = openai.OpenAI(base_url=f"{base}/v1", api_key="x", max_retries=0)
    with source.open("rb") as image:
        result = client.images.edit(model="limner", image=image, prompt="add a sign that says 'CLOSED' at the top",
                                    response_format="b64_json")
    edited = _decoded(result.data[0])
    assert edited.size == (320, 256)
    assert source.read_bytes() == before
    summary = result.model_extra["limner"]
    assert summary["mode"] == "edit" and summary["images"][0]["passed"] is True


def test_models_lists_the_profiles(base: str) -> None:
    client = openai.OpenAI(base_url=f"{base}/v1", api_key="x", max_retries=0)
    names = [model.id for model in client.models.list()]
    assert names[0] == "limner" and "sketch" in names


def test_a_refused_prompt_is_a_400_content_policy_violation(base: str) -> None:
    client = openai.OpenAI(base_url=f"{base}/v1", api_key="x", max_retries=0)
    with pytest.raises(openai.BadRequestError) as caught:
        client.images.generate(model="limner", prompt="step by step instructions for how to kill myself")
    assert caught.value.code == "content_policy_violation"
    assert "refused (rules policy)" in caught.value.message


# ---- native runs and server-sent events -----------------------------------------------------------


def _sse(response: httpx.Response) -> list[tuple[int, str, dict[str, Any]]]:
    events, fields = [], {}
    for line in response.iter_lines():
        if not line:
            if "data" in fields:
                events.append((int(fields["id"]), fields["event"], json.loads(fields["data"])))
            fields = {}
        elif not line.startswith(":"):
            key, _, value = line.partition(": ")
            fields[key] = value
    return events


def test_sse_shows_nodes_and_images_in_order(base: str) -> None:
    with httpx.Client(base_url=base, timeout=60) as http:
        created = http.post("/v1/runs", json={"prompt": PROMPT, "n": 3, "seed": 5, "wait": False})
        assert created.status_code == 202
        run_id = created.json()["id"]
        with http.stream("GET", f"/v1/runs/{run_id}/events") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            events = _sse(response)
        finished = http.get(f"/v1/runs/{run_id}").json()
    ids = [event_id for event_id, _, _ in events]
    assert ids == list(range(len(ids)))  # every event once, in order, from the first
    kinds = [kind for _, kind, _ in events]
    assert kinds[0] == "queued" and kinds[1] == "run_start" and kinds[-1] == "run_end"
    started = [data["node"] for _, kind, data in events if kind == "node_start"]
    assert started[:4] == ["screen", "plan", "generate", "critique"] and started[-1] == "finalize"
    position = {kind: kinds.index(kind) for kind in ("generate_start", "image", "critique", "finalize")}
    assert position["generate_start"] < position["image"] < position["critique"] < position["finalize"]
    image_events = [data for _, kind, data in events if kind == "image"]
    assert [event["shot"] for event in image_events[:3]] == [0, 1, 2]
    assert all(data["run_id"] == run_id for _, _, data in events)
    assert finished["status"] == "done" and finished["summary"]["made"] == 3
    assert events[-1][2]["status"] == "done"


def test_sse_resumes_after_last_event_id(base: str) -> None:
    with httpx.Client(base_url=base, timeout=60) as http:
        run = http.post("/v1/runs", json={"prompt": "a red apple", "n": 1, "mode": "raw"}).json()
        assert run["status"] == "done" and run["report"]["mode"] == "raw"
        with http.stream("GET", f"/v1/runs/{run['id']}/events", headers={"Last-Event-ID": "3"}) as response:
            events = _sse(response)
    assert events[0][0] == 4 and events[-1][1] == "run_end"


# ---- auth, ownership, limits --------------------------------------------------------------------


def test_tokens_missing_invalid_and_ownership(token_base: str) -> None:
    no_token = httpx.post(f"{token_base}/v1/images/generations", json={"prompt": "a red apple"})
    assert no_token.status_code == 401 and no_token.headers["www-authenticate"] == "Bearer"
    assert "missing bearer token" in no_token.json()["error"]["message"]
    wrong = httpx.post(f"{token_base}/v1/images/generations", json={"prompt": "a red apple"},
                       headers={"Authorization": "Bearer not-a-token"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
    alice = {"Authorization": f"Bearer {TOKENS['alice']}"}
    bob = {"Authorization": f"Bearer {TOKENS['bob']}"}
    run = httpx.post(f"{token_base}/v1/runs", json={"prompt": "a red apple", "user": "u1"}, headers=alice, timeout=60).json()
    assert run["owner"] == "alice" and run["status"] == "done"
    assert httpx.get(f"{token_base}/v1/runs/{run['id']}", headers=bob).status_code == 404
    assert httpx.get(f"{token_base}/v1/runs/{run['id']}/events", headers=bob).status_code == 404
    assert httpx.get(f"{token_base}/v1/files/{run['id']}/01.png", headers=bob).status_code == 404
    assert httpx.get(f"{token_base}/v1/files/{run['id']}/01.png", headers=alice).status_code == 200
    assert httpx.get(f"{token_base}/v1/files/{run['id']}/run.json", headers=alice).status_code == 404
    assert [r["id"] for r in httpx.get(f"{token_base}/v1/runs", headers=alice).json()["data"]] == [run["id"]]
    assert httpx.get(f"{token_base}/v1/runs", headers=bob).json()["data"] == []
    assert httpx.get(f"{token_base}/v1/runs?limit=0", headers=bob).status_code == 400


def test_without_tokens_only_loopback_clients_are_served(server_settings: Settings) -> None:
    app = create_app(server_settings)
    remote = TestClient(app, client=("10.1.2.3", 5000))
    answer = remote.post("/v1/images/generations", json={"prompt": "a red apple"})
    assert answer.status_code == 403 and "loopback clients only" in answer.json()["error"]["message"]


def test_memory_namespaces_and_threads_are_per_token(server_settings: Settings) -> None:
    settings = server_settings.model_copy(update={"server_tokens": TOKENS})
    seen: list[Any] = []

    def recording_runner(request: Any, **_: Any) -> dict[str, Any]:
        seen.append(request)
        raise RuntimeError("not drawing in this test")

    app = create_app(settings, service=RunService(settings, runner=recording_runner))
    client = TestClient(app, client=("127.0.0.1", 5000))
    for name in ("alice", "bob"):
        answer = client.post("/v1/runs", json={"prompt": "Mira the fox", "user": "u1", "thread": "t1"},
                             headers={"Authorization": f"Bearer {TOKENS[name]}"})
        error = answer.json()["error"]  # the server's fault: a pointer to its log, not the exception
        assert answer.json()["status"] == "failed" and error["type"] == "server_error"
        assert "failed on the server" in error["message"] and "not drawing" not in error["message"]
    assert [(r.user_id, r.thread_id) for r in seen] == [("alice:u1", "alice:t1"), ("bob:u1", "bob:t1")]


def test_a_full_queue_answers_429_and_the_others_still_run(server_settings: Settings) -> None:
    release = threading.Event()

    def slow_runner(request: Any, **_: Any) -> dict[str, Any]:
        release.wait(20)
        raise RuntimeError("done waiting")

    service = RunService(server_settings, workers=1, per_owner=1, max_queued=1, runner=slow_runner)
    app = create_app(server_settings, service=service)
    client = TestClient(app, client=("127.0.0.1", 5000))
    try:
        first = client.post("/v1/runs", json={"prompt": "a", "wait": False})
        second = client.post("/v1/runs", json={"prompt": "b", "wait": False})
        assert first.status_code == 202 and second.status_code == 202
        third = client.post("/v1/runs", json={"prompt": "c", "wait": False})
        assert third.status_code == 429 and third.headers["retry-after"] == "5"
        assert third.json()["error"]["type"] == "rate_limit_exceeded"
        assert service.stats() == {"running": 1, "queued": 1, "kept": 2}
    finally:
        release.set()
        service.close()


# ---- the bad-input matrix -----------------------------------------------------------------------


BAD_JSON_REQUESTS = [
    # (what, path, kwargs, status, words in the message, param)
    ("bad JSON", "/v1/images/generations", {"content": b'{"prompt": "a cat",', "headers": {"content-type": "application/json"}},
     400, "not valid JSON", None),
    ("empty body", "/v1/images/generations", {"content": b"", "headers": {"content-type": "application/json"}},
     400, "body is empty", None),
    ("JSON array", "/v1/images/generations", {"json": ["a cat"]}, 400, "JSON object", None),
    ("missing prompt", "/v1/images/generations", {"json": {"n": 1}}, 400, "missing required parameter 'prompt'", "prompt"),
    ("prompt not a string", "/v1/images/generations", {"json": {"prompt": 42}}, 400, "valid string", "prompt"),
    ("n a string", "/v1/images/generations", {"json": {"prompt": "a cat", "n": "two"}}, 400, "whole number", "n"),
    ("n a float", "/v1/images/generations", {"json": {"prompt": "a cat", "n": 1.5}}, 400, "whole number", "n"),
    ("n = 0", "/v1/images/generations", {"json": {"prompt": "a cat", "n": 0}}, 400, "n must be from 1 to 8", "n"),
    ("n = 9", "/v1/images/generations", {"json": {"prompt": "a cat", "n": 9}}, 400, "n must be from 1 to 8", "n"),
    ("bad size", "/v1/images/generations", {"json": {"prompt": "a cat", "size": "12x12"}}, 400, "multiple of 8", "size"),
    ("size not WxH", "/v1/images/generations", {"json": {"prompt": "a cat", "size": "big"}}, 400, "WIDTHxHEIGHT", "size"),
    ("huge prompt", "/v1/images/generations", {"json": {"prompt": "a cat " * 2000}}, 400, "limit is 4000", "prompt"),
    ("unknown model", "/v1/images/generations", {"json": {"prompt": "a cat", "model": "dall-e-9"}}, 400, "unknown model", "model"),
    ("bad response_format", "/v1/images/generations", {"json": {"prompt": "a cat", "response_format": "gif"}},
     400, "'b64_json' or 'url'", "response_format"),
    ("bad user id", "/v1/images/generations", {"json": {"prompt": "a cat", "user": "a b/c"}}, 400, "user id 'a b/c' must be", "user"),
    ("unknown run field", "/v1/runs", {"json": {"prompt": "a cat", "nn": 2}}, 400, "unknown parameter 'nn'", "nn"),
    ("bad run mode", "/v1/runs", {"json": {"prompt": "a cat", "mode": "fast"}}, 400, "'agent' or 'raw'", "mode"),
    ("wait not a bool", "/v1/runs", {"json": {"prompt": "a cat", "wait": "yes"}}, 400, "valid boolean", "wait"),
    ("options without backend", "/v1/runs", {"json": {"prompt": "a cat", "options": {"nope": 1}}}, 400,
     "options need 'backend'", "options"),
    ("unknown backend option", "/v1/runs", {"json": {"prompt": "a cat", "backend": "sketch", "options": {"nope": 1}}},
     400, "unknown option(s) for backend 'sketch'", "options"),
    ("operator's backend option", "/v1/runs",
     {"json": {"prompt": "a cat", "backend": "openai", "options": {"base_url": "http://127.0.0.1:9/v1"}}},
     400, "set by the server's operator", "options"),
    ("edit without multipart", "/v1/images/edits", {"json": {"prompt": "a cat"}}, 415, "multipart/form-data", None),
    ("edit non-image upload", "/v1/images/edits",
     {"files": {"image": ("notes.png", b"this is not an image", "image/png")}, "data": {"prompt": "add a sign that says 'X'"}},
     400, "not a readable image", "image"),
    ("edit empty upload", "/v1/images/edits", {"files": {"image": ("a.png", b"", "image/png")}, "data": {"prompt": "x"}},
     400, "is empty", "image"),
    ("edit without image", "/v1/images/edits", {"files": {"mask": ("m.png", _png(), "image/png")}, "data": {"prompt": "x"}},
     400, "missing required parameter 'image'", "image"),
    ("edit n a word", "/v1/images/edits", {"files": {"image": ("a.png", _png(), "image/png")}, "data": {"prompt": "x", "n": "two"}},
     400, "whole number", "n"),
    ("edit without prompt", "/v1/images/edits", {"files": {"image": ("a.png", _png(), "image/png")}}, 400,
     "missing required parameter 'prompt'", "prompt"),
]


def test_bad_input_matrix_gets_clear_4xx_and_the_server_stays_up(server_settings: Settings) -> None:
    settings = server_settings.model_copy(update={"server_max_body_mb": 1.0})
    with live_server(create_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as http:
        for what, path, kwargs, status, words, param in BAD_JSON_REQUESTS:
            answer = http.post(path, **kwargs)
            assert answer.status_code == status, (what, answer.text)
            error = answer.json()["error"]
            assert set(error) == {"message", "type", "param", "code"}, what
            assert words in error["message"], (what, error["message"])
            assert error["param"] == param, (what, error)
            assert "Traceback" not in answer.text
        # An oversized upload: refused by its Content-Length before it is read...
        big = http.post("/v1/images/edits", files={"image": ("big.png", b"\0" * (2 * 2**20), "image/png")},
                        data={"prompt": "x"})
        assert big.status_code == 413 and "larger than 1 MiB" in big.json()["error"]["message"]
        # ...and while it streams in, when no length is announced.
        chunks = (b"\0" * 65536 for _ in range(40))
        streamed = http.post("/v1/images/generations", content=chunks, headers={"content-type": "application/json"})
        assert streamed.status_code == 413
        # An image with more pixels than the decoder accepts (a tiny file claiming 20000x20000).
        bomb = http.post("/v1/images/edits", files={"image": ("bomb.png", _png_header(20000, 20000), "image/png")},
                         data={"prompt": "x"})
        assert bomb.status_code == 400 and "pixels" in bomb.json()["error"]["message"]
        assert http.get("/v1/runs/nope").status_code == 404
        assert http.get("/v1/nothing-here").json()["error"]["message"] == "Not Found"
        # Still up: a normal request works after all of that.
        ok = http.post("/v1/images/generations", json={"prompt": "a red apple"})
        assert ok.status_code == 200 and len(ok.json()["data"]) == 1


def _png_header(width: int, height: int) -> bytes:
    """A small PNG that claims ``width``×``height`` (its pixel data is a stub)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_serve_refuses_to_listen_publicly_without_tokens(tmp_path: Path) -> None:
    import subprocess
    import sys

    limner = Path(sys.executable).parent / "limner"
    done = subprocess.run([str(limner), "serve", "--host", "0.0.0.0"], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "LIMNER_HOME": str(tmp_path / "home")})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "without tokens" in done.stderr


def test_a_restarted_server_still_knows_its_finished_runs_and_links(server_settings: Settings) -> None:
    settings = server_settings.model_copy(update={"server_tokens": TOKENS})
    alice = {"Authorization": f"Bearer {TOKENS['alice']}"}
    with live_server(create_app(settings)) as url:
        made = httpx.post(f"{url}/v1/images/generations", json={"prompt": "a red apple", "response_format": "url"},
                          headers=alice, timeout=60).json()
    run_id, link = made["limner"]["run_id"], made["data"][0]["url"]
    key = (settings.home / "server.key")
    assert key.stat().st_mode & 0o777 == 0o600
    with live_server(create_app(settings)) as url:  # a new process would see the same home
        again = httpx.get(f"{url}/v1/runs/{run_id}", headers=alice).json()
        assert again["status"] == "done" and again["summary"]["made"] == 1
        assert httpx.get(f"{url}/v1/runs/{run_id}", headers={"Authorization": f"Bearer {TOKENS['bob']}"}).status_code == 404
        assert httpx.get(link.replace(link.split("/v1/")[0], url)).status_code == 200  # signed before the restart
        with httpx.stream("GET", f"{url}/v1/runs/{run_id}/events", headers=alice) as response:
            assert [kind for _, kind, _ in _sse(response)] == ["run_end"]


# ---- the contract: the cases the API once got wrong, by name -------------------------------------


def _json_bytes(text: str) -> dict[str, Any]:
    """A raw JSON body (a lone surrogate cannot be encoded by httpx's ``json=``)."""
    return {"content": text.encode("ascii"), "headers": {"content-type": "application/json"}}


def test_a_lone_surrogate_in_a_prompt_is_a_400_on_every_route(base: str) -> None:
    with httpx.Client(base_url=base, timeout=60) as http:
        for path in ("/v1/images/generations", "/v1/runs"):
            answer = http.post(path, **_json_bytes('{"prompt": "a fox \\ud800"}'))
            assert answer.status_code == 400, (path, answer.text)
            assert answer.json()["error"]["param"] == "prompt" and "lone surrogate" in answer.json()["error"]["message"]
        edit = http.post("/v1/images/edits", files={"image": ("a.png", _png(), "image/png")},
                         data={"prompt": "add a sign that says 'X'", "user": "kid"},
                         headers={"x-probe": "1"})
        assert edit.status_code == 200, edit.text  # the same route still works
        assert http.get("/v1/runs").json()["data"][0]["status"] == "done"  # no run was made of the surrogates


@pytest.mark.parametrize("expires", ["%C2%B2", "1" * 5000, "-5", "1e9"])
def test_a_malformed_expires_is_a_400_naming_it_even_without_a_token(token_base: str, expires: str) -> None:
    answer = httpx.get(f"{token_base}/v1/files/x/y.png?expires={expires}&signature=x")
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["param"] == "expires" and "whole number" in answer.json()["error"]["message"]


def test_a_malformed_last_event_id_or_limit_is_a_400(base: str) -> None:
    with httpx.Client(base_url=base, timeout=60) as http:
        run = http.post("/v1/runs", json={"prompt": "a red apple", "mode": "raw"}).json()
        for value in ("1" * 5000, "²".encode(), "-1", "abc"):  # '²' as its UTF-8 bytes: headers are bytes
            answer = http.get(f"/v1/runs/{run['id']}/events", headers={"Last-Event-ID": value})
            assert answer.status_code == 400 and answer.json()["error"]["param"] == "Last-Event-ID", answer.text
        for value in ("1" * 5000, "²", "0", "101"):
            answer = http.get(f"/v1/runs?limit={value}")
            assert answer.status_code == 400 and answer.json()["error"]["param"] == "limit", answer.text


@pytest.mark.parametrize("size", [(1, 1), (8, 8), (200, 16), (31, 64)])
def test_an_image_smaller_than_32_pixels_a_side_is_a_400_before_any_run(base: str, size: tuple[int, int]) -> None:
    answer = httpx.post(f"{base}/v1/images/edits", files={"image": ("tiny.png", _png(size), "image/png")},
                        data={"prompt": "add a sign that says 'OPEN'"}, timeout=60)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["param"] == "image" and "at least 32x32" in answer.json()["error"]["message"]
    assert httpx.get(f"{base}/v1/runs").json()["data"] == []  # refused before any work


def test_empty_size_thread_and_user_are_refused(token_base: str) -> None:
    alice = {"Authorization": f"Bearer {TOKENS['alice']}"}
    cases = [("/v1/images/generations", {"prompt": "a red apple", "size": ""}, "size"),
             ("/v1/runs", {"prompt": "a red apple", "size": ""}, "size"),
             ("/v1/runs", {"prompt": "a red apple", "thread": ""}, "thread"),
             ("/v1/runs", {"prompt": "a red apple", "user": ""}, "user"),
             ("/v1/images/generations", {"prompt": "a red apple", "user": ""}, "user")]
    with httpx.Client(base_url=token_base, timeout=60, headers=alice) as http:
        for path, body, param in cases:
            answer = http.post(path, json=body)
            assert answer.status_code == 400 and answer.json()["error"]["param"] == param, (body, answer.text)
        assert http.get("/v1/runs").json()["data"] == []
        edit = http.post("/v1/images/edits", files={"image": ("a.png", _png(), "image/png")},
                         data={"prompt": "add a sign that says 'X'", "size": ""})
        assert edit.status_code == 400 and edit.json()["error"]["param"] == "size", edit.text


def test_405_names_every_allowed_method_and_401_and_429_carry_their_headers(token_base: str,
                                                                             server_settings: Settings) -> None:
    wrong = httpx.delete(f"{token_base}/v1/runs")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET, POST"
    assert httpx.put(f"{token_base}/v1/images/generations").headers["allow"] == "POST"
    unauthorised = httpx.get(f"{token_base}/v1/models")
    assert unauthorised.status_code == 401 and unauthorised.headers["www-authenticate"] == "Bearer"
    release = threading.Event()

    def slow_runner(request: Any, **_: Any) -> dict[str, Any]:
        release.wait(20)
        raise RuntimeError("done waiting")

    service = RunService(server_settings, workers=1, per_owner=1, max_queued=1, runner=slow_runner)
    client = TestClient(create_app(server_settings, service=service), client=("127.0.0.1", 5000))
    try:
        answers = [client.post("/v1/runs", json={"prompt": p, "wait": False}) for p in ("a", "b", "c")]
        assert [a.status_code for a in answers] == [202, 202, 429]
        assert int(answers[2].headers["retry-after"]) > 0
    finally:
        release.set()
        service.close()


def test_no_message_shows_a_server_path_or_an_exception(server_settings: Settings, tmp_path: Path) -> None:
    black = io.BytesIO()
    Image.new("L", (256, 256), 0).save(black, format="PNG")
    with live_server(create_app(server_settings)) as url, httpx.Client(base_url=url, timeout=60) as http:
        # A mask that selects nothing: 422, and the message names the field, not the upload folder.
        answer = http.post("/v1/images/edits", data={"prompt": "add a sign that says 'CLOSED'"},
                           files={"image": ("a.png", _png(), "image/png"), "mask": ("m.png", black.getvalue(), "image/png")})
        assert answer.status_code == 422, answer.text
        message = answer.json()["error"]["message"]
        assert "the 'mask' file selects nothing" in message and "/" not in message.replace("w/", "")
        assert str(server_settings.home) not in answer.text
        # A finished run's report and summary link to files instead of naming them on disk.
        run = http.post("/v1/runs", json={"prompt": "a red apple"}).json()
        assert str(server_settings.out_dir) not in json.dumps(run) and str(tmp_path) not in json.dumps(run)
        assert run["report"]["images"][0]["url"].startswith(f"{url}/v1/files/")

    def crashing(request: Any, **_: Any) -> dict[str, Any]:
        raise OSError(f"{tmp_path}/.cache/huggingface/hub: no snapshot")

    def failing(request: Any, **_: Any) -> dict[str, Any]:
        return {"run_id": request.run_id, "backend": "diffusers", "refused": None, "plan": {"shots": []},
                "images": [{"shot": 0, "path": None, "seed": 1, "passed": False, "checks": [], "repairs": [],
                            "error": f"ValueError: cannot convert float NaN to integer in {tmp_path}/x.py"}]}

    for runner, status in ((crashing, 500), (failing, 502)):
        client = TestClient(create_app(server_settings, service=RunService(server_settings, runner=runner)),
                            client=("127.0.0.1", 5000))
        answer = client.post("/v1/images/generations", json={"prompt": "a red apple"})
        assert answer.status_code == status, answer.text
        message = answer.json()["error"]["message"]
        assert "the server log has the details" in message
        for leak in (str(tmp_path), "huggingface", "OSError", "ValueError", "NaN"):
            assert leak not in answer.text, (leak, answer.text)
        listed = client.get("/v1/runs").json()["data"]
        assert all(str(tmp_path) not in json.dumps(item) for item in listed)


def test_an_unexpected_error_is_a_500_with_an_incident_id_and_no_detail(server_settings: Settings) -> None:
    app = create_app(server_settings)

    @app.get("/boom")
    def boom() -> None:
        raise KeyError("/srv/secret/path")

    answer = TestClient(app, client=("127.0.0.1", 5000), raise_server_exceptions=False).get("/boom")
    assert answer.status_code == 500
    assert re.fullmatch(r"internal server error \(incident [0-9a-f]{8}\); the server log has the details",
                        answer.json()["error"]["message"])
    assert "secret" not in answer.text and "KeyError" not in answer.text


def test_the_served_document_is_docs_openapi_json(tmp_path: Path) -> None:
    """A real ``limner serve`` with the default settings (its own process: backends registered
    by other tests in this one would show in the document) serves exactly the committed file."""
    import os
    import subprocess
    import sys
    import time

    committed = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())
    log = tmp_path / "serve.log"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LIMNER_HOME": str(tmp_path / "home")}
    with log.open("w") as out:
        server = subprocess.Popen([str(Path(sys.executable).parent / "limner"), "serve", "--port", "0"], cwd=tmp_path,
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not (found := re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", log.read_text())):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        served = httpx.get(f"{found[1]}/openapi.json").json()
    finally:
        server.terminate()
        server.wait(30)
    assert served == committed, "regenerate: python -m agent.surfaces.http.document > docs/openapi.json"
