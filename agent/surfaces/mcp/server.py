"""limner as an MCP server (official ``mcp`` SDK 2.x): the tools of ``agent.surfaces.mcp.tools`` over
stdio (the default) or streamable HTTP (``limner mcp --http``).

- **stdio**: stdout is the protocol and nothing else. The SDK points fd 1 at stderr while it
  serves (the protocol goes through a private duplicate), and for the server's lifetime
  Python's ``sys.stdout`` is stderr too, so a stray ``print`` in any library, a C extension
  writing to fd 1 or a child process can never corrupt the stream. Logs go to stderr.
  Memory belongs to the local user: the ``user`` argument, or "local"; runs queue as "local".
- **HTTP**: ``check_bind`` first (no tokens → loopback only), then every request passes a
  bearer check (``agent.surfaces.auth.principal``); the caller's name travels in the request state to
  the tools, whose memory namespace is ``memory_user(settings, principal, user)``.

Either way runs go through a ``RunService`` (``agent.surfaces.service``): the same per-owner
queues, limits (``server_workers``, ``server_per_token``, ``server_max_queued``) and round robin
as the HTTP API, with the token's name as the owner. ``serve`` uses the process's
``shared_service``; to put an MCP app and the HTTP API in one process behind one set of limits,
pass the API's service: ``http_app(settings, service=create_app(settings).state.service)``.
"""

from __future__ import annotations

import contextlib
import socket
import sys
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from agent.context import Settings
from agent.errors import invalid_arguments
from agent.surfaces.auth import AuthError, check_bind, principal
from agent.surfaces.mcp.tools import PRINCIPAL, register
from agent.surfaces.service import RunService, shared_service
from tools.version import __version__

INSTRUCTIONS = (
    "limner draws images with an agent loop (plan, generate, critique, repair) and checks "
    "them: exact text, counts, colours. generate_images and edit_image return file links and "
    "small previews, never full images; plan_images shows the plan without drawing; "
    "remember_character keeps a character's look for later requests."
)


class LimnerMCP(MCPServer):
    """MCPServer whose tool errors read as one plain line: the SDK prefixes every ToolError
    with "Error executing tool <name>:" and reports bad arguments as pydantic's multi-line
    dump; a model calling the tool needs the reason and the fix, once."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            raise  # a crash: the SDK logs it and answers with its generic line
        except ToolError as error:
            cause = error.__cause__
            if isinstance(cause, ValidationError):
                raise ToolError(invalid_arguments(name, cause)) from None
            if isinstance(cause, ToolError):
                raise ToolError(str(cause)) from None
            raise


@asynccontextmanager
async def _stdout_is_stderr(_server: MCPServer) -> AsyncIterator[dict[str, Any]]:
    # Entered inside the stdio transport, after the SDK has taken its private handle on the
    # real stdout: from here on Python's sys.stdout is stderr. (Swapping it any earlier would
    # hand the SDK stderr as the protocol stream.)
    with contextlib.redirect_stdout(sys.stderr):
        yield {}


def build_server(settings: Settings, *, stdio: bool = False, service: RunService | None = None) -> LimnerMCP:
    """The MCP server with limner's five tools (``stdio=True``: guard stdout while serving);
    runs go to ``service`` (default: ``shared_service(settings)``)."""
    server = LimnerMCP(
        "limner", title="limner", version=__version__, instructions=INSTRUCTIONS,
        lifespan=_stdout_is_stderr if stdio else None, log_level="WARNING",
    )
    register(server, settings, service)
    return server


class BearerAuth:
    """ASGI middleware in front of the SDK's streamable-HTTP app: every HTTP request names its
    caller through ``agent.surfaces.auth.principal`` (401/403 with a JSON error otherwise), and the
    name is left in the request state for the tools."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan: the session manager starts and stops with it
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        try:
            name = principal(self.settings, Headers(scope=scope).get("authorization"), client[0] if client else None)
        except AuthError as error:
            headers = {"WWW-Authenticate": 'Bearer realm="limner"'} if error.status == 401 else None
            body = {"error": {"message": error.message, "type": "authentication_error", "code": error.code}}
            await JSONResponse(body, status_code=error.status, headers=headers)(scope, receive, send)
            return
        scope.setdefault("state", {})[PRINCIPAL] = name
        await self.app(scope, receive, send)


def http_app(settings: Settings, *, host: str = "127.0.0.1", service: RunService | None = None) -> ASGIApp:
    """The streamable-HTTP ASGI app (endpoint ``/mcp``) behind the bearer check. The SDK adds
    DNS-rebinding protection (Host/Origin checks) when ``host`` is a loopback address. Runs go
    to ``service`` (default: ``shared_service(settings)``), owned by the caller's token name."""
    from agent.surfaces.http.support import BodyLimit  # lazy: loads fastapi, which stdio never needs

    app = BearerAuth(build_server(settings, service=service).streamable_http_app(host=host), settings)
    return BodyLimit(app, int(settings.server_max_body_mb * 2**20))


def serve(settings: Settings, *, http: bool = False, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve until interrupted: stdio by default, streamable HTTP with ``http=True``. On the
    way out, runs still going get up to 30 s to finish (queued ones are dropped)."""
    if not http:
        service = shared_service(settings)
        try:
            build_server(settings, stdio=True, service=service).run("stdio")
        finally:
            service.close()
        return
    import uvicorn

    check_bind(host, settings)  # before anything listens
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    bound = sock.getsockname()[1]  # the real port when 0 asked for any free one
    shown = f"[{host.strip('[]')}]" if family == socket.AF_INET6 else host
    print(f"limner MCP (streamable HTTP) on http://{shown}:{bound}/mcp", file=sys.stderr, flush=True)
    service = shared_service(settings)
    # log_config=None: uvicorn logs through the process's logging (stderr), not its own stdout handler.
    app = http_app(settings, host=host, service=service)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on"))
    try:
        server.run(sockets=[sock])
    finally:
        service.close()
