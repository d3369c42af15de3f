"""HTTP plumbing of the API server: OpenAI-style error bodies, the request body limit, the
one-line log of every failed request and signed file links. Kept apart from the routes in
``agent.surfaces.http.app``."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from agent.context import Settings
from agent.errors import one_line
from agent.surfaces.auth import AuthError, is_loopback, principal

log = logging.getLogger("limner.http")

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


PROMPT_SHOWN = 80
"""The most of a prompt the server log shows."""
_REASON_MAX = 300
_BODY_KEPT = 64 * 1024
_PROMPT_KEY = "limner.prompt"


def note_prompt(request: Request, prompt: str) -> None:
    """Keep the request's prompt for the log line of its failure (``ErrorLog`` shows its start)."""
    request.scope[_PROMPT_KEY] = prompt


class ErrorLog:
    """ASGI middleware: every answer with a status of 400 or more is one line in the server log
    (``limner.http``: a warning for 4xx, an error for 5xx) with the route, who called (the
    token's name, ``loopback`` on a server without tokens, ``anonymous`` when no valid token
    came), the status and the reason the client was sent, so an operator sees why a client
    that hides the message (Open WebUI shows "Bad Request") failed. Never the token; of the
    prompt, at most its first ``PROMPT_SHOWN`` characters."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0
        body = bytearray()

        async def watching_send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status >= 400 and len(body) < _BODY_KEPT:
                body.extend(message.get("body", b"")[: _BODY_KEPT - len(body)])
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception as error:
            if not status:  # nothing sent yet: the outer handler answers 500 and logs the incident
                self.record(scope, 500, f"internal server error ({type(error).__name__}; "
                                        "the incident line has the details)")
            raise
        if status >= 400:
            self.record(scope, status, reason_sent(bytes(body)))

    def record(self, scope: dict[str, Any], status: int, reason: str) -> None:
        headers = dict(scope.get("headers") or [])
        token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")[2].strip()
        prompt = scope.get(_PROMPT_KEY)
        if token and len(token) >= 8:
            reason = reason.replace(token, "[token]")
        if prompt:
            reason = _echo_cut(reason, " ".join(prompt.split()))
        route = getattr(scope.get("route"), "path", None) or _cut(scope.get("path", ""), 120)
        shown = f" [prompt {_cut(prompt, PROMPT_SHOWN)!r}]" if prompt else ""
        log.log(logging.ERROR if status >= 500 else logging.WARNING, "%s %s -> %d (%s): %s%s",
                scope.get("method", "?"), _printable(route), status, self.caller(scope, headers),
                _printable(_cut(reason, _REASON_MAX)), _printable(shown))

    def caller(self, scope: dict[str, Any], headers: dict[bytes, bytes]) -> str:
        """The token's name; ``loopback`` on a server without tokens; else ``anonymous``."""
        host = (scope.get("client") or (None,))[0]
        if not self.settings.server_tokens:
            return "loopback" if is_loopback(host) else "anonymous"
        try:
            return principal(self.settings, headers.get(b"authorization", b"").decode("latin-1") or None, host)
        except AuthError:
            return "anonymous"


def reason_sent(body: bytes) -> str:
    """The message of an error body (OpenAI's ``error.message``, Starlette's ``detail``), else
    the body's text; whole, on one line (the log line cuts it after the prompt is cut)."""
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        return one_line(text, _BODY_KEPT) or "(no body)"
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return one_line(error["message"], _BODY_KEPT)
        if isinstance(data.get("detail"), str):
            return one_line(data["detail"], _BODY_KEPT)
    return one_line(text, _BODY_KEPT)


def _echo_cut(reason: str, prompt: str) -> str:
    """``reason`` with every echo of ``prompt`` (a policy quoting it, say) cut after
    ``PROMPT_SHOWN`` characters."""
    head = prompt[:PROMPT_SHOWN]
    start = reason.find(head) if len(prompt) > PROMPT_SHOWN else -1
    while start != -1:
        end = start + len(head)
        while end < len(reason) and end - start < len(prompt) and reason[end] == prompt[end - start]:
            end += 1
        reason = f"{reason[:start + PROMPT_SHOWN - 1]}…{reason[end:]}"
        start = reason.find(head, start + PROMPT_SHOWN)
    return reason


def _cut(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _printable(text: str) -> str:
    """One log line whatever a client sent: control characters as escapes."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


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
