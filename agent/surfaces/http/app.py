"""The HTTP API (``limner serve``): OpenAI Images–compatible endpoints and native runs.

- ``POST /v1/images/generations``, ``POST /v1/images/edits`` and ``GET /v1/models``: what the
  ``openai`` client sends (``agent.surfaces.http.openai_images``).
- ``POST /v1/runs``, ``GET /v1/runs``, ``GET /v1/runs/{id}`` and ``GET /v1/runs/{id}/events``
  (server-sent events): native runs with every option (``agent.surfaces.http.runs``).
- ``GET /v1/files/{run}/{name}``: a run's images, by token or signed link
  (``agent.surfaces.http.files``).
- ``/``: the studio, limner in the browser, when ``limner serve`` has gradio
  (``agent.surfaces.studio``).

This module wires them together: one ``ApiState`` (settings, run service, link signer) on
``app.state.api``, errors always in OpenAI's ``{"error": {message, type, param, code}}`` shape
(no server path and no exception text in them: a 500 names an incident id the log has), the
request body limit, and the OpenAPI document (``agent.surfaces.http.openapi``) on
``/openapi.json``. Every input is checked by the rules of ``agent.surfaces.fields`` before any
work starts. Every run goes through ``RunService`` (per-token queues, bounded
concurrency) into ``agent.run.run``, the same entry point as the CLI. Tokens: see
``agent.surfaces.auth``.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import secrets
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.context import Settings
from agent.errors import InputError
from agent.surfaces.auth import AuthError, check_bind
from agent.surfaces.fields import check_offer
from agent.surfaces.http import files, openai_images, openapi, runs
from agent.surfaces.http.state import ApiState
from agent.surfaces.http.support import (
    ApiError, BodyLimit, BodyTooLarge, ErrorLog, LinkSigner, error_body, error_response, validation_message,
)
from agent.surfaces.results import one_line
from agent.surfaces.service import Busy, RunService, make_service
from tools.images import ImageInputError
from tools.version import __version__

log = logging.getLogger("limner.http")


def create_app(settings: Settings, *, service: RunService | None = None, studio: bool = False) -> FastAPI:
    """The API as an ASGI app (``serve`` runs it under uvicorn; tests call it directly);
    ``studio``: with the studio's page at ``/`` (``agent.surfaces.studio``; needs gradio)."""
    signer = LinkSigner(link_key(settings), settings.server_url_ttl_s)  # a missing key fails before any connection
    api = ApiState(settings=settings, service=service or make_service(settings), signer=signer,
                   uploads=settings.home / "uploads")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        api.service.close()

    app = FastAPI(title="limner", version=__version__, lifespan=lifespan, docs_url="/docs", redoc_url=None)
    api.install(app)
    app.add_middleware(BodyLimit, max_bytes=int(settings.server_max_body_mb * 2**20))
    app.add_middleware(ErrorLog, settings=settings)  # outside BodyLimit: its 413s are logged too
    _install_error_handlers(app, settings)
    app.include_router(openai_images.router)
    app.include_router(runs.router)
    app.include_router(files.router)

    @app.get("/health", operation_id="health",
             responses={200: openapi.json_response(openapi.HEALTH, "The server is up.")})
    def health() -> dict[str, Any]:
        """Whether the server is up (no token needed)."""
        return {"status": "ok", "version": __version__}

    def schema() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi.document(app, settings)
        return app.openapi_schema

    app.openapi = schema  # type: ignore[method-assign]
    if studio:
        from agent.surfaces.studio.mount import mount_studio  # lazy: gradio loads only when a server shows the studio

        mount_studio(app, api)  # last: the page takes "/" and stands aside for the routes above
    return app


def _install_error_handlers(app: FastAPI, settings: Settings) -> None:
    """Every error a client sees is in OpenAI's shape, with the status its kind calls for."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, error: ApiError) -> JSONResponse:
        return error_response(error)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        message, param = validation_message(list(error.errors()))
        return error_response(ApiError(400, message, param=param, code="invalid_value"))

    @app.exception_handler(InputError)
    async def _input(_: Request, error: InputError) -> JSONResponse:
        return error_response(ApiError(400, str(error), param=error.param, code="invalid_value"))

    @app.exception_handler(ImageInputError)
    async def _image(_: Request, error: ImageInputError) -> JSONResponse:
        return error_response(ApiError(400, str(error), param="image", code="invalid_image"))

    @app.exception_handler(AuthError)
    async def _auth(_: Request, error: AuthError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return error_response(ApiError(error.status, error.message, code=error.code, headers=headers))

    @app.exception_handler(Busy)
    async def _busy(_: Request, error: Busy) -> JSONResponse:
        return error_response(ApiError(429, str(error), code="rate_limit_exceeded", headers={"Retry-After": "5"}))

    @app.exception_handler(BodyTooLarge)
    async def _too_large(_: Request, error: BodyTooLarge) -> JSONResponse:
        limit = settings.server_max_body_mb
        return error_response(ApiError(413, f"the request body is larger than {limit:g} MiB", code="request_too_large"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        headers = dict(error.headers or {})
        if error.status_code == 405:  # Starlette names the first matching route's methods only
            headers["Allow"] = ", ".join(allowed_methods(app, request))
        return error_response(ApiError(error.status_code, str(error.detail), headers=headers or None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        incident = secrets.token_hex(4)
        log.error("internal error %s on %s %s: %s: %s", incident, request.method, request.url.path,
                  error.__class__.__name__, one_line(error), exc_info=error)
        message = f"internal server error (incident {incident}); the server log has the details"
        return JSONResponse(error_body(500, message), status_code=500)


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route serves at the request's path (the ``Allow`` header of a 405)."""
    methods: set[str] = set()
    for route in _leaf_routes(app.router.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.url.path):
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def _leaf_routes(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI wraps an included router
        yield from _leaf_routes(inner.routes) if inner is not None else (route,)


def link_key(settings: Settings) -> bytes:
    """The key that signs image links: ``server_link_key`` when configured (every front-end behind
    one load balancer must sign with the same key, so it is required with ``ray_address``), else
    the one kept in ``<home>/server.key``."""
    if settings.server_link_key is not None:
        return settings.server_link_key.get_secret_value().encode()
    if settings.ray_address:
        raise InputError("LIMNER_SERVER_LINK_KEY must be set with LIMNER_RAY_ADDRESS: every front-end signs "
                         "image links with that one key (at least 32 random characters)")
    return link_secret(settings.home)


def link_secret(home: Path) -> bytes:
    """The key that signs image links, kept in ``<home>/server.key`` (owner-only) so links stay
    valid across restarts until they expire; delete the file to revoke every link."""
    path = home / "server.key"
    if not path.is_file():
        home.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another server process made it first
            return path.read_bytes()
        with os.fdopen(descriptor, "wb") as out:
            out.write(secrets.token_bytes(32))
    return path.read_bytes()


def serve(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000, studio: bool = True) -> None:
    """Run the API under uvicorn until interrupted (``limner serve``); with the studio at ``/``
    unless ``studio`` is off or gradio is not installed."""
    import uvicorn  # lazy: only the server process needs uvicorn; create_app (tests, MCP) does not

    check_bind(host, settings)
    check_offer(settings)
    installed = importlib.util.find_spec("gradio") is not None
    app = create_app(settings, studio=studio and installed)
    mode = "tokens required" if settings.server_tokens else "no tokens configured: loopback clients only"
    print(f"limner API on http://{host}:{port} ({mode}); Ctrl-C stops", file=sys.stderr)
    print(f"studio: http://{host}:{port}/" if studio and installed else
          "studio off" if not studio else "studio off: gradio is not installed (make install)", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=30)
