"""The MCP server through the official MCP client: the real `limner mcp` process over stdio,
the same server in memory, and streamable HTTP behind the bearer check."""

from __future__ import annotations

import hashlib
import io
import json
import os
import queue
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from base64 import b64decode
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import anyio
import httpx
import pytest
from mcp import Client, StdioServerParameters
from PIL import Image, ImageChops

from agent.context import Settings
from agent.errors import InputError
from agent.surfaces.mcp.server import build_server, http_app, serve

LIMNER = str(Path(sys.executable).parent / "limner")
APPLES = "A poster that says 'OPEN' with two red apples"
TOOLS = {"generate_images", "edit_image", "plan_images", "list_characters", "remember_character"}
TOKENS = {"alice": "alice-token-0123456789abcdef", "bob": "bob-token-0123456789abcdef"}


@pytest.fixture
def mcp_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("LIMNER_CLIP", "false")  # no CLIP weights to look for: fast and offline
    return Settings(home=tmp_path / "limner-home", out_dir=tmp_path / "out")


def call(settings: Settings, *steps: tuple[str, dict[str, Any]], progress: list | None = None) -> list[Any]:
    """Run tool calls in order against a fresh in-memory server; their results."""

    async def record(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    async def main() -> list[Any]:
        async with Client(build_server(settings)) as client:
            return [await client.call_tool(name, args, progress_callback=record if progress is not None else None)
                    for name, args in steps]

    return anyio.run(main)


def text(result: Any) -> str:
    return result.content[0].text


def assert_images(result: Any, count: int) -> list[Path]:
    """``count`` PNG files behind file:// links, each with a small JPEG preview."""
    assert not result.is_error, text(result)
    links = [block for block in result.content if block.type == "resource_link"]
    previews = [block for block in result.content if block.type == "image"]
    assert len(links) == count and len(previews) == count
    paths = []
    for link, preview in zip(links, previews):
        assert link.uri.startswith("file:///") and link.mime_type == "image/png"
        path = Path(link.uri.removeprefix("file://"))
        assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert preview.mime_type == "image/jpeg"
        with Image.open(io.BytesIO(b64decode(preview.data))) as thumbnail:
            assert thumbnail.format == "JPEG" and max(thumbnail.size) <= 160
        assert len(preview.data) < 30_000
        paths.append(path)
    summary = result.structured_content
    assert summary["made"] == count and [image["path"] for image in summary["images"]] == [str(p) for p in paths]
    return paths


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width``×``height`` pixels and holds none: cheap, and refused on its size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IEND", b"")


def stdio_env(tmp_path: Path) -> dict[str, str]:
    return {"LIMNER_HOME": str(tmp_path / "limner-home"), "LIMNER_CLIP": "false", "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(Path(__file__).parents[2])}


# ---- 1. the real `limner mcp` over stdio ----------------------------------------------------


def test_stdio_tools_schemas_bad_input_then_images_with_progress(tmp_path: Path) -> None:
    progress: list[tuple[float, float | None, str | None]] = []

    async def record(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    async def main() -> tuple[Any, Any, Any]:
        params = StdioServerParameters(command=LIMNER, args=["mcp"], env=stdio_env(tmp_path), cwd=tmp_path)
        async with Client(params) as client:
            tools = await client.list_tools()
            bad = await client.call_tool("generate_images", {"prompt": APPLES, "n": 9})
            made = await client.call_tool("generate_images", {"prompt": APPLES, "n": 2, "seed": 3},
                                          progress_callback=record)
            return tools, bad, made

    tools, bad, made = anyio.run(main)
    schemas = {tool.name: tool.input_schema for tool in tools.tools}
    assert set(schemas) == TOOLS
    generate = schemas["generate_images"]
    assert generate["required"] == ["prompt"]
    assert set(generate["properties"]) == {"prompt", "n", "size", "backend", "user", "seed", "thread"}
    assert (generate["properties"]["n"]["minimum"], generate["properties"]["n"]["maximum"]) == (1, 8)
    assert all(prop.get("description") for prop in generate["properties"].values())
    assert sorted(schemas["edit_image"]["required"]) == ["image_path", "instruction"]
    assert "mask_path" in schemas["edit_image"]["properties"]
    assert schemas["remember_character"]["properties"]["image_paths"]["type"] == "array"
    assert set(schemas["list_characters"]["properties"]) == {"user"}
    assert set(schemas["plan_images"]["properties"]) == {"prompt", "n", "user"}
    # A bad call is an error result, and the same process answers the next call.
    assert bad.is_error and "n:" in text(bad) and "less than or equal to 8" in text(bad)
    paths = assert_images(made, 2)
    assert all(path.is_relative_to(tmp_path / "out") for path in paths)  # LIMNER_OUT_DIR default: ./out
    values = [value for value, _, _ in progress]
    assert values and values == sorted(set(values))  # strictly increasing
    messages = [message for _, _, message in progress]
    assert "generate: image 2/2" in messages and any(m.startswith("critique: shot 1") for m in messages)


# ---- 2. stdout is the protocol only ---------------------------------------------------------

NOISY_SERVER = """
import os, sys
import agent.run

real = agent.run.run

def noisy(*args, **kwargs):
    print("STRAY-PRINT from a library")          # Python-level stdout
    os.write(1, b"STRAY-FD-WRITE from C code\\n")  # straight to file descriptor 1
    return real(*args, **kwargs)

agent.run.run = noisy
sys.argv = ["limner", "mcp"]
from agent.surfaces.cli import main
main()
"""


class RawStdio:
    """A server process spoken to in raw JSON-RPC lines, every stdout line kept."""

    def __init__(self, command: list[str], tmp_path: Path) -> None:
        env = {**os.environ, **stdio_env(tmp_path), "LIMNER_LOG_LEVEL": "INFO"}
        self.process = subprocess.Popen(command, cwd=tmp_path, env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: queue.Queue[bytes] = queue.Queue()
        self.stdout: list[bytes] = []
        self.stderr: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self.stderr.extend(self.process.stderr), daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def send(self, message: dict[str, Any]) -> None:
        self.process.stdin.write((json.dumps({"jsonrpc": "2.0", **message}) + "\n").encode())
        self.process.stdin.flush()

    def answer(self, request_id: int, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            self.stdout.append(line)
            message = json.loads(line)  # every stdout line must be JSON...
            assert message.get("jsonrpc") == "2.0", line  # ...and JSON-RPC
            if message.get("id") == request_id:
                return message

    def close(self) -> str:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        finally:
            self.process.kill()
        time.sleep(0.2)  # let the reader threads drain the closed pipes
        while not self.lines.empty():
            self.stdout.append(self.lines.get())
        return b"".join(self.stderr).decode()


def test_stdout_carries_only_json_rpc_even_when_code_prints(tmp_path: Path) -> None:
    script = tmp_path / "noisy_server.py"
    script.write_text(NOISY_SERVER)
    server = RawStdio([sys.executable, str(script)], tmp_path)
    try:
        server.send({"id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}})
        assert server.answer(1)["result"]["serverInfo"]["name"] == "limner"
        server.send({"method": "notifications/initialized"})
        server.send({"id": 2, "method": "tools/list"})
        assert {tool["name"] for tool in server.answer(2)["result"]["tools"]} == TOOLS
        server.send({"id": 3, "method": "tools/call", "params": {
            "name": "generate_images", "arguments": {"prompt": APPLES, "n": 1, "seed": 3}, "_meta": {"progressToken": "p"}}})
        result = server.answer(3)["result"]
        assert not result["isError"] and result["structuredContent"]["made"] == 1
        server.send({"id": 4, "method": "tools/call", "params": {"name": "generate_images", "arguments": {"prompt": ""}}})
        assert server.answer(4)["result"]["isError"]
        # Bad JSON and a malformed request on the wire: the SDK drops them (no answer), and the
        # server goes on answering.
        server.process.stdin.write(b'{"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {\n')
        server.send({"id": 6, "method": "tools/call", "params": "not an object"})
        server.send({"id": 7, "method": "tools/list"})
        assert {tool["name"] for tool in server.answer(7)["result"]["tools"]} == TOOLS
    finally:
        stderr = server.close()
    stdout = b"".join(server.stdout).decode()
    assert "STRAY" not in stdout
    assert "STRAY-PRINT from a library" in stderr and "STRAY-FD-WRITE from C code" in stderr
    assert "generate_images" in stderr  # the SDK's log line for the failed call: on stderr
    progress = [json.loads(line) for line in server.stdout if b"notifications/progress" in line]
    assert progress and all(p["params"]["progressToken"] == "p" for p in progress)


# ---- 3. bad input, in memory ------------------------------------------------------------------

def bad_inputs(tmp_path: Path) -> list[tuple[str, dict[str, Any], str]]:
    picture = tmp_path / "ok.png"
    Image.new("RGB", (256, 256), "white").save(picture)
    (tmp_path / "notes.png").write_text("not an image")
    (tmp_path / "bomb.png").write_bytes(png_header(7000, 7000))
    return [
        ("generate_images", {"prompt": APPLES, "n": "two"}, "n: Input should be a valid integer"),
        ("generate_images", {"prompt": APPLES, "n": 0}, "n: Input should be greater than or equal to 1"),
        ("generate_images", {"prompt": APPLES, "n": 9}, "n: Input should be less than or equal to 8"),
        ("generate_images", {"prompt": ""}, "the prompt is empty"),
        ("generate_images", {"prompt": "   "}, "the prompt is empty"),
        ("generate_images", {"prompt": "x" * 4001}, "the limit is 4000"),
        ("generate_images", {"n": 1}, "prompt: Field required"),
        ("generate_images", {"prompt": APPLES, "backend": "nope"}, "unknown backend 'nope'; choose one of: limner"),
        ("generate_images", {"prompt": APPLES, "size": "12x12"}, "size '12x12': each side must be a multiple of 8"),
        ("generate_images", {"prompt": APPLES, "size": "huge"}, "is not WIDTHxHEIGHT"),
        ("generate_images", {"prompt": APPLES, "seed": -1}, "seed: Input should be greater than or equal to 0"),
        ("generate_images", {"prompt": APPLES, "user": "../../etc"}, "user id '../../etc' must be"),
        ("edit_image", {"image_path": str(tmp_path / "notes.png"), "instruction": "add a sign"}, "not a readable image"),
        ("edit_image", {"image_path": str(tmp_path / "missing.png"), "instruction": "add a sign"}, "no such file"),
        ("edit_image", {"image_path": str(tmp_path / "bomb.png"), "instruction": "add a sign"},
         "7000x7000 is more than 40,000,000 pixels"),
        ("edit_image", {"image_path": str(picture), "instruction": "add a sign", "mask_path": str(tmp_path / "nomask.png")},
         "mask:"),
        ("edit_image", {"image_path": str(picture), "instruction": ""}, "the prompt is empty"),
        ("plan_images", {"prompt": APPLES, "n": 12}, "n: Input should be less than or equal to 8"),
        ("remember_character", {"name": 5, "description": "a fox"}, "name: Input should be a valid string"),
        ("no_such_tool", {}, "Unknown tool: no_such_tool"),
    ]


def test_bad_input_is_a_one_line_tool_error_and_the_server_stays_up(mcp_settings: Settings, tmp_path: Path) -> None:
    cases = bad_inputs(tmp_path)
    results = call(mcp_settings, *[(name, args) for name, args, _ in cases], ("generate_images", {"prompt": APPLES, "seed": 1}))
    for (name, args, expected), result in zip(cases, results):
        message = text(result)
        assert result.is_error, (name, args)
        assert expected in message, (name, message)
        assert "\n" not in message and "Traceback" not in message and "Error executing tool" not in message
    assert_images(results[-1], 1)  # still answering, and right
    assert len(list((tmp_path / "out").glob("*/run.json"))) == 1  # only that last call ran


def test_an_unexpected_failure_is_one_line_never_a_traceback(mcp_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import agent.run

    real = agent.run.run
    calls = {"n": 0}

    def broken_once(*args: Any, **kwargs: Any) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("disk on fire\n  at line 3")
        return real(*args, **kwargs)

    monkeypatch.setattr(agent.run, "run", broken_once)
    broken, fine = call(mcp_settings, ("generate_images", {"prompt": APPLES}), ("generate_images", {"prompt": APPLES}))
    assert broken.is_error and text(broken) == "internal error: RuntimeError: disk on fire at line 3"
    assert_images(fine, 1)


def test_a_result_for_eight_images_stays_small(mcp_settings: Settings) -> None:
    (result,) = call(mcp_settings, ("generate_images", {"prompt": APPLES, "n": 8, "seed": 5}))
    paths = assert_images(result, 8)
    size = len(result.model_dump_json(by_alias=True, exclude_none=True))
    assert size < 200_000, size
    assert sum(path.stat().st_size for path in paths) > size  # the PNGs themselves are not in it


# ---- 4. edit end to end ---------------------------------------------------------------------


def test_edit_image_writes_a_new_file_and_never_touches_the_input(mcp_settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "shop.png"
    Image.new("RGB", (256, 256), (120, 180, 220)).save(source)
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    (result,) = call(mcp_settings, ("edit_image", {"image_path": str(source),
                                                   "instruction": "add a sign that says 'CLOSED' at the top"}))
    (edited,) = assert_images(result, 1)
    assert edited != source and hashlib.sha256(source.read_bytes()).hexdigest() == before
    with Image.open(edited) as image, Image.open(source) as original:
        assert image.size == (256, 256)
        changed = ImageChops.difference(image.convert("RGB"), original.convert("RGB")).getbbox()
    assert changed is not None and changed[3] <= 128  # the sign went in, at the top, and only there
    assert result.structured_content["mode"] == "edit"


# ---- 5. remembered characters are per user ---------------------------------------------------


@pytest.mark.slow
def test_characters_are_remembered_per_user(mcp_settings: Settings) -> None:
    remembered, alice, bob = call(
        mcp_settings,
        ("remember_character", {"name": "Pip", "description": "a small orange fox with a teal scarf", "user": "alice"}),
        ("list_characters", {"user": "alice"}),
        ("list_characters", {"user": "bob"}),
    )
    assert not remembered.is_error, text(remembered)
    assert [c["name"] for c in alice.structured_content["characters"]] == ["Pip"]
    assert "Pip" in text(alice) and "image_embeddings" not in alice.structured_content["characters"][0]
    assert not bob.is_error and bob.structured_content["characters"] == []


# ---- 6. refusals -------------------------------------------------------------------------------


def test_a_refused_prompt_is_a_tool_error_naming_the_policy(mcp_settings: Settings, tmp_path: Path) -> None:
    generated, planned = call(mcp_settings, ("generate_images", {"prompt": "an ISIS recruitment poster", "n": 2}),
                              ("plan_images", {"prompt": "an ISIS recruitment poster"}))
    for result in (generated, planned):
        assert result.is_error
        assert text(result).startswith("refused (rules policy): ") and "extremist" in text(result)
    assert not list(tmp_path.glob("out/*/0*.png"))  # no image drawn (01.png, 02.png…)


def test_plan_images_returns_the_plan_without_drawing(mcp_settings: Settings, tmp_path: Path) -> None:
    (result,) = call(mcp_settings, ("plan_images", {"prompt": APPLES, "n": 2}))
    assert not result.is_error
    plan = result.structured_content
    assert json.loads(text(result)) == plan and len(plan["shots"]) == 2
    assert any(t["text"] == "OPEN" for t in plan["shots"][0]["texts"])
    assert not (tmp_path / "out").exists()


# ---- 7. streamable HTTP ------------------------------------------------------------------------


def test_http_refuses_a_public_address_without_tokens(mcp_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    def listened(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("serve() started listening")

    monkeypatch.setattr(uvicorn.Server, "run", listened)
    with pytest.raises(InputError, match="refusing to listen on 0.0.0.0 without tokens"):
        serve(mcp_settings, http=True, host="0.0.0.0", port=0)


def test_http_without_tokens_serves_loopback_clients_only(mcp_settings: Settings) -> None:
    async def main() -> httpx.Response:
        transport = httpx.ASGITransport(app=http_app(mcp_settings), client=("203.0.113.7", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post("/mcp", json={})

    response = anyio.run(main)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


@contextmanager
def running(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port in a thread; its /mcp URL."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


class FakeBook:
    """Stands in for the character book (no embedding model): records which namespace each
    call opened, so the test sees whose memory a token reaches."""

    shelves: dict[str, list[Any]] = {}

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id

    def add(self, name: str, description: str, images: list[str]) -> Any:
        from memory.characters import Character

        character = Character(name=name, description=description, created="2026-01-01T00:00:00+00:00",
                              updated="2026-01-01T00:00:00+00:00")
        self.shelves.setdefault(self.user_id, []).append(character)
        return character

    def list(self) -> list[Any]:
        return self.shelves.get(self.user_id, [])


def test_http_bearer_tokens_gate_the_endpoint_and_separate_memory(
    mcp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    import agent.characters

    @contextmanager
    def fake_open_book(settings: Settings, user_id: str) -> Iterator[FakeBook]:
        yield FakeBook(user_id)

    FakeBook.shelves = {}
    monkeypatch.setattr(agent.characters, "open_book", fake_open_book)
    settings = mcp_settings.model_copy(update={"server_tokens": TOKENS})

    async def as_token(url: str, token: str, *steps: tuple[str, dict[str, Any]]) -> tuple[Any, list[Any]]:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http:
            async with Client(streamable_http_client(url, http_client=http)) as client:
                tools = await client.list_tools()
                return tools, [await client.call_tool(name, args) for name, args in steps]

    async def main(url: str) -> tuple[Any, ...]:
        async with httpx.AsyncClient() as http:
            listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
            missing = await http.post(url, json=listing)
            wrong = await http.post(url, json=listing, headers={"Authorization": "Bearer not-a-token-of-ours"})
        tools, (remembered, alices) = await as_token(
            url, TOKENS["alice"], ("remember_character", {"name": "Pip", "description": "a fox", "user": "kid"}),
            ("list_characters", {"user": "kid"}))
        _, (bobs,) = await as_token(url, TOKENS["bob"], ("list_characters", {"user": "kid"}))
        return missing, wrong, tools, remembered, alices, bobs

    with running(http_app(settings)) as url:
        missing, wrong, tools, remembered, alices, bobs = anyio.run(main, url)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "missing_api_key"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
    assert {tool.name for tool in tools.tools} == TOOLS
    assert not remembered.is_error, text(remembered)
    assert [c["name"] for c in alices.structured_content["characters"]] == ["Pip"]
    assert bobs.structured_content["characters"] == []  # the same user name under another token
    assert set(FakeBook.shelves) == {"alice:kid"}


def test_http_file_arguments_stay_inside_the_callers_own_outputs(mcp_settings: Settings, tmp_path: Path) -> None:
    """A token's runs go to <out_dir>/<name>; edit_image over HTTP reads only from there."""
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    settings = mcp_settings.model_copy(update={"server_tokens": TOKENS})
    outside = tmp_path / "server-secret.png"
    Image.new("RGB", (128, 128), "white").save(outside)

    async def main(url: str) -> tuple[Any, ...]:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKENS['alice']}"}) as http:
            async with Client(streamable_http_client(url, http_client=http)) as alice:
                made = await alice.call_tool("generate_images", {"prompt": "a red apple", "seed": 1})
                own = made.structured_content["images"][0]["path"]
                edit_own = await alice.call_tool("edit_image", {"image_path": own, "instruction": "add a sign that says 'A' at the top"})
                edit_outside = await alice.call_tool("edit_image", {"image_path": str(outside), "instruction": "add a sign that says 'A' at the top"})
                climb = await alice.call_tool("edit_image", {"image_path": "../bob/x.png", "instruction": "add a sign that says 'A' at the top"})
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKENS['bob']}"}) as http:
            async with Client(streamable_http_client(url, http_client=http)) as bob:
                steal = await bob.call_tool("edit_image", {"image_path": own, "instruction": "add a sign that says 'B' at the top"})
        return own, edit_own, edit_outside, climb, steal

    with running(http_app(settings)) as url:
        own, edit_own, edit_outside, climb, steal = anyio.run(main, url)
    assert Path(own).is_relative_to((settings.out_dir / "alice").resolve())
    assert not edit_own.is_error, text(edit_own)
    for refused in (edit_outside, climb, steal):
        assert refused.is_error and "your own outputs" in text(refused)


def test_http_bad_json_and_oversized_bodies_are_4xx_and_the_server_stays_up(mcp_settings: Settings) -> None:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    settings = mcp_settings.model_copy(update={"server_max_body_mb": 0.5})
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}

    async def main(url: str) -> tuple[Any, ...]:
        async with httpx.AsyncClient(timeout=30) as http:
            broken = await http.post(url, content=b'{"jsonrpc": "2.0", "id": 1, "method":', headers=headers)
            huge = await http.post(url, content=b"[" + b"0," * 400_000 + b"0]", headers=headers)
        async with httpx2.AsyncClient() as http:
            async with Client(streamable_http_client(url, http_client=http)) as client:
                tools = await client.list_tools()
        return broken, huge, tools

    with running(http_app(settings)) as url:
        broken, huge, tools = anyio.run(main, url)
    assert 400 <= broken.status_code < 500, broken.text
    assert huge.status_code == 413 and "larger than 0.5 MiB" in huge.json()["error"]["message"]
    assert {tool.name for tool in tools.tools} == TOOLS


def test_a_thread_carries_a_conversation_across_calls(mcp_settings: Settings) -> None:
    first, follow_up, fresh = call(
        mcp_settings,
        ("generate_images", {"prompt": "a poster that says 'SALE' with three red balloons", "n": 2, "seed": 4,
                             "thread": "shop"}),
        ("generate_images", {"prompt": "make the balloons blue", "thread": "shop"}),
        ("generate_images", {"prompt": "make the balloons blue", "thread": "other"}),
    )
    assert_images(first, 2)
    assert not follow_up.is_error and "Revised:" in text(follow_up)
    assert follow_up.structured_content["thread"] == "shop"
    assert "Revised:" not in text(fresh)  # another thread: planned anew
