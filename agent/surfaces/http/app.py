"""The HTTP API (``limner serve``): OpenAI Images–compatible endpoints and native runs.

- ``POST /v1/images/generations`` and ``POST /v1/images/edits``: what the ``openai`` client
  sends; ``model`` picks a backend profile (``limner`` = the server default); the full agent
  loop runs; errors are 4xx with OpenAI's ``{"error": {message, type, param, code}}``.
- ``POST /v1/runs`` (all options; waits for the report unless ``"wait": false``),
  ``GET /v1/runs/{id}``, ``GET /v1/runs/{id}/events`` (server-sent events: nodes, images,
  critiques, repairs) and ``GET /v1/files/{run}/{name}``.

Every run goes through ``RunService`` (per-token queues, bounded concurrency) into
``agent.run.run``, the same entry point as the CLI. Tokens: see ``agent.surfaces.auth``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.surfaces.auth import AuthError, memory_user, owned_thread, principal
from agent.context import Settings
from agent.errors import InputError
from agent.surfaces.http.bodies import (
    EditForm, GenerationBody, RunBody, parse_body, read_json, requested_size, save_upload,
)
from agent.surfaces.http.support import (
    ApiError, BodyLimit, BodyTooLarge, LinkSigner, error_body, error_response, validation_message,
)
from agent.surfaces.profiles import profile_names, resolve_profile
from agent.request import MAX_IMAGES, build_request, parse_size
from agent.surfaces.results import one_line, summarize
from agent.surfaces.service import Busy, Job, RunService
from tools.images import ImageInputError


def create_app(settings: Settings, *, service: RunService | None = None) -> FastAPI:
    """The API as an ASGI app (``serve`` runs it under uvicorn; tests call it directly)."""
    service = service or RunService(settings)
    signer = LinkSigner(link_secret(settings.home), settings.server_url_ttl_s)
    uploads = settings.home / "uploads"

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()

    app = FastAPI(title="limner", version=_version(), lifespan=lifespan, docs_url="/docs", redoc_url=None)
    app.state.service = service
    app.add_middleware(BodyLimit, max_bytes=int(settings.server_max_body_mb * 2**20))

    # ---- errors: always OpenAI's shape ----------------------------------------------------

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
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return error_response(ApiError(error.status_code, str(error.detail)))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:
        message = one_line(f"internal error: {error.__class__.__name__}: {error}")
        return JSONResponse(error_body(500, message), status_code=500)

    # ---- who is calling --------------------------------------------------------------------

    def caller(request: Request) -> str:
        return principal(settings, request.headers.get("authorization"), request.client.host if request.client else None)

    def owned_job(run_id: str, owner: str) -> Job:
        job = service.get(run_id, owner)
        if job is None:  # someone else's run looks exactly like no run
            raise ApiError(404, f"no run {run_id!r}", param="run_id", code="not_found")
        return job

    def base_url(request: Request) -> str:
        return (settings.server_public_url or str(request.base_url)).rstrip("/")

    # ---- OpenAI-compatible ------------------------------------------------------------------

    @app.get("/v1/models")
    def models(owner: str = Depends(caller)) -> dict[str, Any]:
        """The profiles ``model`` may name (OpenAI's models.list)."""
        return {"object": "list", "data": [{"id": name, "object": "model", "created": 0, "owned_by": "limner"}
                                           for name in profile_names(settings)]}

    @app.post("/v1/images/generations")
    async def generations(request: Request, owner: str = Depends(caller)) -> JSONResponse:
        body = parse_body(GenerationBody, await read_json(request))
        run_request = build_request(
            body.prompt, settings=settings, n=body.n, size=requested_size(body.size),
            user_id=memory_user(settings, owner, body.user), **resolve_profile(body.model, settings),
        )
        job = service.submit(run_request, owner)
        await job.wait_async()
        return _images_response(job, body.response_format or "b64_json", base_url(request))

    @app.post("/v1/images/edits")
    async def edits(request: Request, owner: str = Depends(caller)) -> JSONResponse:
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise ApiError(400, "images/edits takes multipart/form-data with 'image' file(s), 'prompt' and an optional 'mask'",
                           code="invalid_content_type")
        form = await request.form(max_files=MAX_IMAGES + 1, max_fields=32)
        fields = {key: value for key, value in form.multi_items() if isinstance(value, str)}
        body = parse_body(EditForm, fields)
        images = [value for key, value in form.multi_items() if key in ("image", "image[]") and not isinstance(value, str)]
        masks = [value for key, value in form.multi_items() if key == "mask" and not isinstance(value, str)]
        if not images:
            raise ApiError(400, "missing required parameter 'image' (an image file)", param="image")
        if len(images) > MAX_IMAGES:
            raise ApiError(400, f"at most {MAX_IMAGES} images, got {len(images)}", param="image")
        folder = uploads / secrets.token_hex(8)
        try:
            paths = [await save_upload(upload, folder / f"image{i}", "image") for i, upload in enumerate(images)]
            mask = await save_upload(masks[0], folder / "mask", "mask") if masks else None
            if requested_size(body.size):  # checked, though an edit keeps the input's size
                parse_size(body.size)
            run_request = build_request(
                body.prompt, settings=settings, n=body.n, mode="edit", inputs=paths, mask=mask,
                user_id=memory_user(settings, owner, body.user), **resolve_profile(body.model, settings),
            )
            job = service.submit(run_request, owner)
            await job.wait_async()
        finally:  # the run copied what it needs into its own folder
            shutil.rmtree(folder, ignore_errors=True)
        return _images_response(job, body.response_format or "b64_json", base_url(request))

    def _images_response(job: Job, response_format: str, base: str) -> JSONResponse:
        report = _finished_report(job)
        data = []
        for entry in report["images"]:
            if not entry["path"]:
                continue
            item: dict[str, Any] = {"revised_prompt": _shot_prompt(report, entry["shot"])}
            if response_format == "url":
                item["url"] = _file_url(base, job.id, Path(entry["path"]).name)
            else:
                item["b64_json"] = _b64(Path(entry["path"]))
            data.append(item)
        if not data:
            problems = "; ".join(f"image {e['shot'] + 1}: {e['error']}" for e in report["images"])
            raise ApiError(502, f"no image could be made: {problems}"[:1000], code="backend_error")
        body = {"created": int(job.created), "data": data, "limner": public_summary(report, base, job.id)}
        if report.get("usage"):
            body["usage"] = report["usage"]
        return JSONResponse(body)

    def _finished_report(job: Job) -> dict[str, Any]:
        if job.status == "failed":
            error = job.error or {"type": "server_error", "message": "the run failed"}
            status = 400 if error["type"] == "invalid_request_error" else 500
            raise ApiError(status, error["message"], code="invalid_value" if status == 400 else "run_failed")
        report = job.report or {}
        if report.get("refused"):
            refused = report["refused"]
            raise ApiError(400, f"refused ({refused['policy']} policy): {refused['reason']}", param="prompt",
                           code="content_policy_violation")
        return report

    # ---- native runs -------------------------------------------------------------------------

    @app.post("/v1/runs")
    async def create_run(request: Request, owner: str = Depends(caller)) -> JSONResponse:
        body = parse_body(RunBody, await read_json(request))
        profile = resolve_profile(body.profile, settings)
        run_request = build_request(
            body.prompt, settings=settings, n=body.n, size=requested_size(body.size), seed=body.seed,
            backend=body.backend or profile.get("backend"), model=body.model or profile.get("model"),
            steps=body.steps or profile.get("steps"),
            backend_options={**profile.get("backend_options", {}), **body.options},
            mode=body.mode, max_rounds=body.max_rounds, thread_id=owned_thread(settings, owner, body.thread),
            user_id=memory_user(settings, owner, body.user),
        )
        job = service.submit(run_request, owner)
        if not body.wait:
            return JSONResponse(run_resource(job, base_url(request)), status_code=202)
        await job.wait_async()
        return JSONResponse(run_resource(job, base_url(request)))

    @app.get("/v1/runs")
    def list_runs(request: Request, limit: int = 20, owner: str = Depends(caller)) -> dict[str, Any]:
        """The caller's most recent runs, newest first (status only; each run's URL has the rest)."""
        if not 1 <= limit <= 100:
            raise ApiError(400, f"limit must be from 1 to 100, got {limit}", param="limit", code="invalid_value")
        jobs = service.owned(owner)[-limit:][::-1]
        return {"object": "list", "data": [{**job.resource(), "url": f"{base_url(request)}/v1/runs/{job.id}"}
                                           for job in jobs]}

    @app.get("/v1/runs/{run_id}")
    def get_run(run_id: str, request: Request, owner: str = Depends(caller)) -> JSONResponse:
        return JSONResponse(run_resource(owned_job(run_id, owner), base_url(request)))

    @app.get("/v1/runs/{run_id}/events")
    async def run_events(run_id: str, request: Request, owner: str = Depends(caller)) -> StreamingResponse:
        """Server-sent events: every progress event of the run, in order, from the start (or
        after ``Last-Event-ID``), ending with ``run_end``."""
        job = owned_job(run_id, owner)
        last = request.headers.get("last-event-id", "")
        start = int(last) + 1 if last.isdigit() else 0

        async def stream() -> AsyncIterator[str]:
            yield "retry: 2000\n\n"
            async for item in job.stream(start):
                if item is None:
                    yield ": keep-alive\n\n"
                    continue
                index, event = item
                yield f"id: {index}\nevent: {event['event']}\ndata: {json.dumps(event, default=str)}\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.get("/v1/files/{run_id}/{name}")
    def get_file(run_id: str, name: str, request: Request, expires: str | None = None,
                 signature: str | None = None) -> FileResponse:
        """A run's image or contact sheet: with the owner's token, or a signed link."""
        if signer.valid(f"{run_id}/{name}", expires, signature):
            job = service.lookup(run_id)  # the signature stands for the owner
        else:
            job = owned_job(run_id, caller(request))
        if job is None or job.report is None:
            raise ApiError(404, f"no file {name!r} in run {run_id!r}", code="not_found")
        files = {Path(p).name: Path(p) for p in [*(e["path"] for e in job.report["images"] if e["path"]),
                                                 job.report.get("contact_sheet")] if p}
        if name not in files or not files[name].is_file():  # only the run's own outputs, by name
            raise ApiError(404, f"no file {name!r} in run {run_id!r}", code="not_found")
        return FileResponse(files[name], media_type="image/png")

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": _version()}

    # ---- helpers that need the app's state --------------------------------------------------

    def _file_url(base: str, run_id: str, name: str) -> str:
        return f"{base}/v1/files/{run_id}/{name}?{signer.query(f'{run_id}/{name}')}"

    def public_summary(report: dict[str, Any], base: str, run_id: str) -> dict[str, Any]:
        """The summary with links instead of the server's file paths."""
        summary = summarize(report)
        summary.pop("folder", None)
        for image in summary["images"]:
            path = image.pop("path")
            image["url"] = _file_url(base, run_id, Path(path).name) if path else None
        sheet = summary.pop("contact_sheet", None)
        summary["contact_sheet_url"] = _file_url(base, run_id, Path(sheet).name) if sheet else None
        return summary

    def run_resource(job: Job, base: str) -> dict[str, Any]:
        resource = {**job.resource(), "events_url": f"{base}/v1/runs/{job.id}/events"}
        if job.report is not None:
            resource["summary"] = public_summary(job.report, base, job.id)
            resource["report"] = job.report
        return resource

    return app


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


def _b64(path: Path) -> str:
    import base64

    return base64.b64encode(path.read_bytes()).decode("ascii")


def _shot_prompt(report: dict[str, Any], shot: int) -> str:
    shots = (report.get("plan") or {}).get("shots") or []
    return next((s["prompt"] for s in shots if s.get("index") == shot), report.get("prompt", ""))


def _version() -> str:
    from tools.version import __version__

    return __version__


def serve(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the API under uvicorn until interrupted (``limner serve``)."""
    import uvicorn

    from agent.surfaces.auth import check_bind

    check_bind(host, settings)
    app = create_app(settings)
    mode = "tokens required" if settings.server_tokens else "no tokens configured: loopback clients only"
    print(f"limner API on http://{host}:{port} ({mode}); Ctrl-C stops", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=30)
