"""The MCP tools' small parts: progress messages, argument errors, whose memory a call uses."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

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
