"""HTTP plumbing of the API server: OpenAI-style error bodies, the request body limit and
signed file links. Kept apart from the routes in ``agent.surfaces.http.app``."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from typing import Any

from fastapi.responses import JSONResponse

from agent.errors import one_line

# OpenAI's error types by status; clients (the openai SDK) pick their exception class by status.
_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 403: "invalid_request_error",
          404: "invalid_request_error", 405: "invalid_request_error", 413: "invalid_request_error",
          415: "invalid_request_error", 422: "invalid_request_error", 429: "rate_limit_exceeded"}


class ApiError(Exception):
    """An answer other than success, in the OpenAI error shape."""

    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code, self.headers = status, message, param, code, headers


def error_body(status: int, message: str, *, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": public_text(message), "type": _TYPES.get(status, "server_error"), "param": param,
                      "code": code}}


_PATH = re.compile(r"(?<![\w.:/~-])~?/(?:[\w.@+~-]+/)+([\w.@+~-]*)")


def public_text(text: str) -> str:
    """``text`` with no path of the server's disk in it (``/srv/limner/home/uploads/ab12/mask``
    → ``…/mask``): what a client sees never maps the server. The server log keeps the whole."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate echoed back cannot be sent
    return one_line(_PATH.sub(lambda match: f"…/{match[1]}" if match[1] else "…", text), 1000)


def public_data(value: Any) -> Any:
    """``public_text`` applied to every string in a JSON-like value (a run report)."""
    if isinstance(value, str):
        return _PATH.sub(lambda match: f"…/{match[1]}" if match[1] else "…", value)
    if isinstance(value, dict):
        return {key: public_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [public_data(item) for item in value]
    return value


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error_body(error.status, error.message, param=error.param, code=error.code),
                        status_code=error.status, headers=error.headers)


def validation_message(errors: list[dict[str, Any]]) -> tuple[str, str | None]:
    """FastAPI/pydantic validation errors → one clear sentence and the field at fault."""
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    if first.get("type") == "json_invalid":
        return f"the request body is not valid JSON ({first.get('ctx', {}).get('error', 'parse error')})", None
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "form", "header", "cookie")]
    param = ".".join(loc) or None
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    if first.get("type") == "value_error":  # the rules of agent.surfaces.fields: the message names the field
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        return f"{message}{more}", param
    if first.get("type") == "missing":
        return (f"missing required parameter '{param}'" if param else "the request body is missing"), param
    if first.get("type") == "model_attributes_type":  # a JSON array, string or number instead of an object
        return "the request body must be a JSON object", None
    if first.get("type") == "extra_forbidden":
        return f"unknown parameter '{param}'", param
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return (f"invalid value for '{param}': {message}{more}" if param else f"{message}{more}"), param


class BodyTooLarge(Exception):
    pass


DRAIN_MAX_BYTES = 64 * 2**20
"""A refused body up to this size is read (and dropped) before the 413 goes out: a client
still sending when the answer comes sees a reset connection, not the message. Beyond it the
connection is closed at once."""


async def _drain(receive: Any, received: int = 0) -> None:
    while received <= DRAIN_MAX_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            return
        received += len(message.get("body", b""))
        if not message.get("more_body"):
            return


class BodyLimit:
    """ASGI middleware: refuse bodies over ``max_bytes`` with 413, by Content-Length up front or
    while reading a chunked body, so an upload cannot fill memory or disk."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            if length.isdigit() and int(length) <= DRAIN_MAX_BYTES:
                await _drain(receive)
            await self._refuse(send)
            return
        received = 0
        started = False

        async def limited_receive() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    if message.get("more_body"):
                        await _drain(receive, received)
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Any) -> None:
        limit = self.max_bytes / 2**20
        body = json.dumps(error_body(413, f"the request body is larger than {limit:g} MiB (LIMNER_SERVER_MAX_BODY_MB)",
                                     code="request_too_large")).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class LinkSigner:
    """Signed, expiring links to a run's files, so ``response_format=url`` links work in an
    ``<img>`` tag without the bearer token — and only for that file, only until they expire."""

    def __init__(self, secret: bytes, ttl_s: int) -> None:
        self.secret, self.ttl_s = secret, ttl_s

    def _signature(self, path: str, expires: int) -> str:
        return hmac.new(self.secret, f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def query(self, path: str) -> str:
        expires = int(time.time()) + self.ttl_s
        return f"expires={expires}&signature={self._signature(path, expires)}"

    def valid(self, path: str, expires: int | None, signature: str | None) -> bool:
        """Whether ``signature`` signs ``path`` until ``expires`` (a time not yet past). ``expires``
        arrives parsed and bounded (the route's query rules); the signature is only compared."""
        if expires is None or not signature or expires < time.time():
            return False
        return hmac.compare_digest(self._signature(path, expires).encode(), signature.encode("utf-8", "replace"))
