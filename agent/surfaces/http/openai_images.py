"""The OpenAI Images–compatible routes: what the ``openai`` client sends.

- ``GET /v1/models``: the backend profiles ``model`` may name (``limner`` = the server default).
- ``POST /v1/images/generations`` (JSON) and ``POST /v1/images/edits`` (multipart): the full
  agent loop runs, then the answer is OpenAI's ``{created, data: [{b64_json | url,
  revised_prompt}]}`` plus a ``limner`` summary; a refusal or a failed run is a 4xx/5xx in
  OpenAI's error shape.
"""

from __future__ import annotations

import base64
import secrets
import shutil
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from agent.request import MAX_IMAGES, build_request, parse_size
from agent.surfaces.auth import memory_user
from agent.surfaces.http.bodies import EditForm, GenerationBody, parse_body, read_json, requested_size, save_upload
from agent.surfaces.http.resources import file_url, public_summary
from agent.surfaces.http.state import Api, ApiState, Owner
from agent.surfaces.http.support import ApiError
from agent.surfaces.profiles import profile_names, resolve_profile
from agent.surfaces.service import Job

router = APIRouter()


@router.get("/v1/models")
def models(api: Api, owner: Owner) -> dict[str, Any]:
    """The profiles ``model`` may name (OpenAI's models.list)."""
    return {"object": "list", "data": [{"id": name, "object": "model", "created": 0, "owned_by": "limner"}
                                       for name in profile_names(api.settings)]}


@router.post("/v1/images/generations")
async def generations(request: Request, api: Api, owner: Owner) -> JSONResponse:
    settings = api.settings
    body = parse_body(GenerationBody, await read_json(request))
    run_request = build_request(
        body.prompt, settings=settings, n=body.n, size=requested_size(body.size),
        user_id=memory_user(settings, owner, body.user), **resolve_profile(body.model, settings),
    )
    job = api.service.submit(run_request, owner)
    await job.wait_async()
    return images_response(api, job, body.response_format or "b64_json", api.base_url(request))


@router.post("/v1/images/edits")
async def edits(request: Request, api: Api, owner: Owner) -> JSONResponse:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(400, "images/edits takes multipart/form-data with 'image' file(s), 'prompt' and an optional 'mask'",
                       code="invalid_content_type")
    settings = api.settings
    form = await request.form(max_files=MAX_IMAGES + 1, max_fields=32)
    fields = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    body = parse_body(EditForm, fields)
    images = [value for key, value in form.multi_items() if key in ("image", "image[]") and not isinstance(value, str)]
    masks = [value for key, value in form.multi_items() if key == "mask" and not isinstance(value, str)]
    if not images:
        raise ApiError(400, "missing required parameter 'image' (an image file)", param="image")
    if len(images) > MAX_IMAGES:
        raise ApiError(400, f"at most {MAX_IMAGES} images, got {len(images)}", param="image")
    folder = api.uploads / secrets.token_hex(8)
    try:
        paths = [await save_upload(upload, folder / f"image{i}", "image") for i, upload in enumerate(images)]
        mask = await save_upload(masks[0], folder / "mask", "mask") if masks else None
        if requested_size(body.size):  # checked, though an edit keeps the input's size
            parse_size(body.size)
        run_request = build_request(
            body.prompt, settings=settings, n=body.n, mode="edit", inputs=paths, mask=mask,
            user_id=memory_user(settings, owner, body.user), **resolve_profile(body.model, settings),
        )
        job = api.service.submit(run_request, owner)
        await job.wait_async()
    finally:  # the run copied what it needs into its own folder
        shutil.rmtree(folder, ignore_errors=True)
    return images_response(api, job, body.response_format or "b64_json", api.base_url(request))


def images_response(api: ApiState, job: Job, response_format: str, base: str) -> JSONResponse:
    """A finished run as OpenAI's images response; 502 when not one image could be made."""
    report = finished_report(job)
    data = []
    for entry in report["images"]:
        if not entry["path"]:
            continue
        item: dict[str, Any] = {"revised_prompt": _shot_prompt(report, entry["shot"])}
        if response_format == "url":
            item["url"] = file_url(api, base, job.id, Path(entry["path"]).name)
        else:
            item["b64_json"] = _b64(Path(entry["path"]))
        data.append(item)
    if not data:
        problems = "; ".join(f"image {e['shot'] + 1}: {e['error']}" for e in report["images"])
        raise ApiError(502, f"no image could be made: {problems}"[:1000], code="backend_error")
    body = {"created": int(job.created), "data": data, "limner": public_summary(api, report, base, job.id)}
    if report.get("usage"):
        body["usage"] = report["usage"]
    return JSONResponse(body)


def finished_report(job: Job) -> dict[str, Any]:
    """The run's report, or the ``ApiError`` its failure or refusal is to a client."""
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


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


def _shot_prompt(report: dict[str, Any], shot: int) -> str:
    shots = (report.get("plan") or {}).get("shots") or []
    return next((s["prompt"] for s in shots if s.get("index") == shot), report.get("prompt", ""))
