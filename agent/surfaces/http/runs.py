"""The native run routes: every option the CLI has, and a run's progress as it happens.

- ``POST /v1/runs``: starts a run; waits for the report unless ``"wait": false`` (then 202).
- ``GET /v1/runs``: the caller's most recent runs, newest first.
- ``GET /v1/runs/{id}``: one run (someone else's run is a 404, exactly like no run).
- ``GET /v1/runs/{id}/events``: server-sent events (nodes, images, critiques, repairs), ending
  with ``run_end``; ``Last-Event-ID`` resumes after that event.
"""

from __future__ import annotations

import json
from typing import Any, AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from agent.request import build_request
from agent.surfaces.auth import memory_user, owned_thread
from agent.surfaces.http.bodies import RunBody, parse_body, read_json, requested_size
from agent.surfaces.http.resources import run_resource
from agent.surfaces.http.state import Api, Owner
from agent.surfaces.http.support import ApiError
from agent.surfaces.profiles import resolve_profile

router = APIRouter()


@router.post("/v1/runs")
async def create_run(request: Request, api: Api, owner: Owner) -> JSONResponse:
    settings = api.settings
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
    job = api.service.submit(run_request, owner)
    if not body.wait:
        return JSONResponse(run_resource(api, job, api.base_url(request)), status_code=202)
    await job.wait_async()
    return JSONResponse(run_resource(api, job, api.base_url(request)))


@router.get("/v1/runs")
def list_runs(request: Request, api: Api, owner: Owner, limit: int = 20) -> dict[str, Any]:
    """The caller's most recent runs, newest first (status only; each run's URL has the rest)."""
    if not 1 <= limit <= 100:
        raise ApiError(400, f"limit must be from 1 to 100, got {limit}", param="limit", code="invalid_value")
    jobs = api.service.owned(owner)[-limit:][::-1]
    base = api.base_url(request)
    return {"object": "list", "data": [{**job.resource(), "url": f"{base}/v1/runs/{job.id}"} for job in jobs]}


@router.get("/v1/runs/{run_id}")
def get_run(run_id: str, request: Request, api: Api, owner: Owner) -> JSONResponse:
    return JSONResponse(run_resource(api, api.owned_job(run_id, owner), api.base_url(request)))


@router.get("/v1/runs/{run_id}/events")
async def run_events(run_id: str, request: Request, api: Api, owner: Owner) -> StreamingResponse:
    """Server-sent events: every progress event of the run, in order, from the start (or
    after ``Last-Event-ID``), ending with ``run_end``."""
    job = api.owned_job(run_id, owner)
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
