"""The MCP tools' small parts: progress messages, argument errors, whose memory a call uses."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

import anyio
import pytest
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field, ValidationError

from agent.surfaces.mcp.server import invalid_arguments
from agent.surfaces.mcp.tools import PRINCIPAL, Progress, caller

EVENTS: list[tuple[dict[str, Any], str | None]] = [
    ({"event": "node_start", "node": "plan"}, "plan: started"),
    ({"event": "plan", "shots": 4, "planner": "rules"}, "plan: 4 shot(s) (rules)"),
    ({"event": "generate_start", "images": 4, "backend": "sketch"}, "generate: 4 image(s) with sketch"),
    ({"event": "step", "step": 3, "total": 20}, "generate: step 3/20"),
    ({"event": "image", "shot": 0, "ok": True}, "generate: image 1/4"),
    ({"event": "image", "shot": 1, "ok": False, "error": "out of\nmemory"}, "generate: image 2/4 failed: out of memory"),
    ({"event": "critique", "shot": 0, "passed": True, "checks": []}, "critique: shot 1 passed"),
    ({"event": "critique", "shot": 1, "passed": False,
      "checks": [{"name": "ocr", "status": "fail"}, {"name": "count", "status": "pass"}]}, "critique: shot 2 failed (ocr)"),
    ({"event": "repair", "shot": 1, "ok": True, "actions": ["retypeset"]}, "repair shot 2: retypeset"),
    ({"event": "repair", "shot": 2, "ok": False, "error": "no mask"}, "repair shot 3 failed: no mask"),
    ({"event": "finalize", "path": "/out/x"}, "finalize: files written"),
    ({"event": "node_end", "node": "plan", "seconds": 0.1}, None),
    ({"event": "screen", "allowed": True, "policy": "rules"}, None),
]


def test_progress_messages_and_a_counter_that_only_rises() -> None:
    progress = Progress()
    updates = [(progress(event), expected) for event, expected in EVENTS]
    assert [update[1] if update else None for update, _ in updates] == [expected for _, expected in updates]
    values = [update[0] for update, _ in updates if update]
    assert values == list(range(1, len(values) + 1))


def test_invalid_arguments_is_one_line_naming_each_field() -> None:
    class Arguments(BaseModel):
        prompt: str
        n: int = Field(1, ge=1, le=8)

    with pytest.raises(ValidationError) as caught:
        Arguments.model_validate({"n": "two"})
    message = invalid_arguments("generate_images", caught.value)
    assert "\n" not in message
    assert message.startswith("invalid arguments for generate_images: ")
    assert "prompt: Field required" in message and "n: Input should be a valid integer" in message
    assert "(got 'two')" in message


def context(request: Any) -> Any:
    return SimpleNamespace(request_context=SimpleNamespace(request=request))


def http_request(principal: str | None) -> Any:
    state = SimpleNamespace(**({PRINCIPAL: principal} if principal else {}))
    return SimpleNamespace(state=state)


def test_over_stdio_memory_belongs_to_the_named_or_local_user(settings) -> None:
    assert caller(context(None), settings, None) == "local"
    assert caller(context(None), settings, "alice") == "alice"
    with pytest.raises(ToolError, match="user id"):
        caller(context(None), settings, "../alice")


def test_over_http_a_token_owns_its_users(settings) -> None:
    tokens = settings.model_copy(update={"server_tokens": {"alice": "a" * 20, "bob": "b" * 20}})
    assert caller(context(http_request("alice")), tokens, None) == "alice"
    assert caller(context(http_request("alice")), tokens, "kid") == "alice:kid"
    assert caller(context(http_request("bob")), tokens, "kid") == "bob:kid"
    # Without tokens (loopback only) an HTTP caller is the local user, as on the CLI.
    assert caller(context(http_request("local")), settings, "kid") == "kid"
    with pytest.raises(ToolError, match="unauthenticated"):  # no bearer check ran: refuse, never guess
        caller(context(http_request(None)), tokens, "kid")


# ---- runs go through the RunService ---------------------------------------------------------


class GatedRunner:
    """Stands in for ``agent.run.run``: reports one event, then holds each run until the test
    releases its prompt; answers with an empty report (nothing drawn, nothing to fail)."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.gates: dict[str, threading.Event] = {}
        self.lock = threading.Lock()

    def gate(self, prompt: str) -> threading.Event:
        with self.lock:
            return self.gates.setdefault(prompt, threading.Event())

    def __call__(self, request: Any, *, settings: Any, on_event: Any) -> dict[str, Any]:
        with self.lock:
            self.started.append(request.prompt)
        on_event({"event": "node_start", "node": "plan"})
        assert self.gate(request.prompt).wait(20)
        return {"run_id": request.run_id, "images": []}


async def until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await anyio.sleep(0.02)


def test_mcp_over_http_runs_queue_per_token_in_the_run_service(settings) -> None:
    """Over HTTP a tool call's run is a RunService job owned by the token's name: with one
    worker and one waiting run per owner, alice's third call is a one-line "busy" tool error
    while bob's call still queues; the queued call hears that it waits, then its progress."""
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    from agent.surfaces.mcp.server import http_app
    from agent.surfaces.service import RunService
    from tests.live_server import live_server

    tokens = {"alice": "alice-token-0123456789abcdef", "bob": "bob-token-0123456789abcdef"}
    http_settings = settings.model_copy(update={"server_tokens": tokens})
    runner = GatedRunner()
    service = RunService(http_settings, workers=1, per_owner=1, max_queued=1, runner=runner)
    heard: list[str | None] = []

    async def record(value: float, total: float | None, message: str | None) -> None:
        heard.append(message)

    async def main(url: str) -> dict[str, Any]:
        results: dict[str, Any] = {}
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {tokens['alice']}"}) as alice_http, \
                httpx2.AsyncClient(headers={"Authorization": f"Bearer {tokens['bob']}"}) as bob_http:
            async with Client(streamable_http_client(url, http_client=alice_http)) as alice, \
                    Client(streamable_http_client(url, http_client=bob_http)) as bob:

                async def generate(client: Any, prompt: str, progress: Any = None) -> None:
                    results[prompt] = await client.call_tool("generate_images", {"prompt": prompt, "seed": 1},
                                                             progress_callback=progress)

                async with anyio.create_task_group() as group:
                    group.start_soon(generate, alice, "a red apple")
                    await until(lambda: runner.started == ["a red apple"], "alice's first run to start")
                    group.start_soon(generate, alice, "a green pear", record)
                    await until(lambda: service.stats()["queued"] == 1, "alice's second run to queue")
                    results["refused"] = await alice.call_tool("generate_images", {"prompt": "a blue plum"})
                    group.start_soon(generate, bob, "a yellow lemon")
                    await until(lambda: service.stats()["queued"] == 2, "bob's run to queue")
                    for prompt in ("a red apple", "a green pear", "a yellow lemon"):
                        runner.gate(prompt).set()
        return results

    with live_server(http_app(http_settings, service=service)) as base:
        results = anyio.run(main, f"{base}/mcp")
    service.close()

    busy = results["refused"]
    assert busy.is_error
    assert text_of(busy) == "busy: 1 runs are already waiting for this client (limit 1); retry later"
    for prompt in ("a red apple", "a green pear", "a yellow lemon"):
        assert not results[prompt].is_error, text_of(results[prompt])
        assert results[prompt].structured_content["requested"] == 0
    assert [job.request.prompt for job in service.owned("alice")] == ["a red apple", "a green pear"]
    assert [job.request.prompt for job in service.owned("bob")] == ["a yellow lemon"]
    assert all(job.status == "done" for job in service.owned("alice") + service.owned("bob"))
    assert "a blue plum" not in runner.started  # the refused call never reached the runner
    assert heard[0] == "queued: waiting for earlier runs to finish" and "plan: started" in heard


def test_mcp_over_stdio_runs_queue_as_the_local_owner(settings) -> None:
    """Without an HTTP request (stdio, here in memory) every run is the local user's job."""
    from mcp import Client

    from agent.surfaces.mcp.server import build_server
    from agent.surfaces.service import RunService

    runner = GatedRunner()
    runner.gate("a red apple").set()
    service = RunService(settings, runner=runner)

    async def main() -> Any:
        async with Client(build_server(settings, service=service)) as client:
            return await client.call_tool("generate_images", {"prompt": "a red apple", "seed": 1})

    result = anyio.run(main)
    assert not result.is_error, text_of(result)
    assert [(job.owner, job.status) for job in service.owned("local")] == [("local", "done")]
    service.close()


def text_of(result: Any) -> str:
    return result.content[0].text
