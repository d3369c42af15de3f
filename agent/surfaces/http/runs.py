"""The native run routes: every option the CLI has, and a run's progress as it happens.

- ``POST /v1/runs``: starts a run; waits for the report unless ``"wait": false`` (then 202).
- ``GET /v1/runs``: the caller's most recent runs, newest first.
- ``GET /v1/runs/{id}``: one run (someone else's run is a 404, exactly like no run).
- ``GET /v1/runs/{id}/events``: server-sent events (nodes, images, critiques, repairs), ending
  with ``run_end``; ``Last-Event-ID`` resumes after that event.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, AsyncIterator

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from agent.request import build_request
from agent.surfaces import fields
from agent.surfaces.auth import memory_user, owned_thread
from agent.surfaces.http import openapi
from agent.surfaces.http.bodies import RunBody, check_prompt_length, parse_body, read_json
from agent.surfaces.http.resources import public_error, run_resource
from agent.surfaces.http.state import Api, Owner
from agent.surfaces.http.support import public_data

router = APIRouter()
EVENT_ID_MAX = 10**9
Limit = Annotated[fields.whole("limit", 1, 100, "How many runs, newest first.", from_text=True), Query()]
LastEventId = Annotated[
    fields.whole("Last-Event-ID", 0, EVENT_ID_MAX, "Resume after this event id (EventSource sends it on reconnect).",
                 from_text=True) | None,
    Header(alias="Last-Event-ID")]
_RUN = openapi.json_response(openapi.RUN, "The run; once finished, with its summary and report.")


@router.post("/v1/runs", operation_id="createRun", openapi_extra={**openapi.PROTECTED, **openapi.json_body(RunBody)},
             responses={200: {**_RUN, "links": openapi.run_links("/id")},
                        202: {**openapi.json_response(openapi.RUN, "Queued (wait: false): follow events_url."),
                              "links": openapi.run_links("/id")},
                        **openapi.answers(400, 401, 403, 413, 429)})
async def create_run(request: Request, api: Api, owner: Owner) -> JSONResponse:
    """Start a run with every option the CLI has; waits for it unless ``"wait": false`` (202)."""
    settings = api.settings
    body = parse_body(RunBody, await read_json(request))
    check_prompt_length(body.prompt, settings)
    profile = fields.offered_profile(body.profile, settings, field="profile")
    fields.offered_backend(body.backend, settings)
    fields.check_client_options(body.backend, body.options)
    run_request = build_request(
        body.prompt, settings=settings, n=body.n, size=fields.requested_size(body.size), seed=body.seed,
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


@router.get("/v1/runs", operation_id="listRuns", openapi_extra=openapi.PROTECTED,
            responses={200: openapi.json_response(openapi.RUN_LIST, "The caller's runs, newest first."),
                       **openapi.answers(400, 401, 403)})
def list_runs(request: Request, api: Api, owner: Owner, limit: Limit = 20) -> dict[str, Any]:
    """The caller's most recent runs, newest first (status only; each run's URL has the rest)."""
    jobs = api.service.owned(owner)[-limit:][::-1]
    base = api.base_url(request)
    return {"object": "list", "data": [{**job.resource(), "error": public_error(job), "url": f"{base}/v1/runs/{job.id}"}
                                       for job in jobs]}


@router.get("/v1/runs/{run_id}", operation_id="getRun", openapi_extra=openapi.PROTECTED,
            responses={200: _RUN, **openapi.answers(401, 403, 404)})
def get_run(run_id: str, request: Request, api: Api, owner: Owner) -> JSONResponse:
    """One of the caller's runs (someone else's is a 404, exactly like none)."""
    return JSONResponse(run_resource(api, api.owned_job(run_id, owner), api.base_url(request)))


@router.get("/v1/runs/{run_id}/events", operation_id="getRunEvents", openapi_extra=openapi.PROTECTED,
            response_class=StreamingResponse,
            responses={200: openapi.EVENTS, **openapi.answers(400, 401, 403, 404)})
async def run_events(run_id: str, api: Api, owner: Owner, last_event_id: LastEventId = None) -> StreamingResponse:
    """Server-sent events: every progress event of the run, in order, from the start (or
    after ``Last-Event-ID``), ending with ``run_end``."""
    job = api.owned_job(run_id, owner)
    start = 0 if last_event_id is None else last_event_id + 1

    async def stream() -> AsyncIterator[str]:
        yield "retry: 2000\n\n"
        async for item in job.stream(start):
            if item is None:
                yield ": keep-alive\n\n"
                continue
            index, event = item
            yield f"id: {index}\nevent: {event['event']}\ndata: {json.dumps(public_data(event), default=str)}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
