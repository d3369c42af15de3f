"""The OpenAI Images–compatible routes: what the ``openai`` client sends.

- ``GET /v1/models``: the backend profiles ``model`` may name (``limner`` = the server default),
  then OpenAI's own image model names, which mean the default too (``agent.surfaces.profiles``):
  OpenAI clients left on their defaults (Open WebUI sends ``dall-e-2``, and an empty model for
  edits) get limner's default profile.
- ``POST /v1/images/generations`` (JSON) and ``POST /v1/images/edits`` (multipart): the full
  agent loop runs, then the answer is OpenAI's ``{created, data: [{b64_json | url,
  revised_prompt}]}`` plus a ``limner`` summary; a refusal or a failed run is a 4xx/5xx in
  OpenAI's error shape.

Edits without a mask take their region from the prompt's words (``agent.planning.edit``); a
recolour with neither is a 400 that names the ``mask`` field. Each route notes the prompt for
the one-line log of a failed request (``agent.surfaces.http.support.ErrorLog``).
"""

from __future__ import annotations

import base64
import logging
import secrets
import shutil
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from agent.errors import InputError
from agent.planning.edit import check_edit_request, mask_named
from agent.request import MAX_IMAGES, build_request
from agent.surfaces import fields
from agent.surfaces.auth import memory_user
from agent.surfaces.http import openapi
from agent.surfaces.http.bodies import (
    EditForm, GenerationBody, check_prompt_length, parse_body, read_json, read_upload, save,
)
from agent.surfaces.http.resources import file_url, public_summary
from agent.surfaces.http.state import Api, ApiState, Owner
from agent.surfaces.http.support import ApiError, note_prompt
from agent.surfaces.service import Job

log = logging.getLogger("limner.http")
router = APIRouter()
_IMAGE_FILE = {"type": "string", "format": "binary",
               "description": f"PNG, JPEG or WebP, at least {fields.MIN_INPUT_SIDE}x{fields.MIN_INPUT_SIDE} pixels."}
_EDIT_FILES = {
    "image": {**_IMAGE_FILE, "description": f"The image to edit (outputs keep its size). Up to {MAX_IMAGES} images: "
                                            "repeat the part, or name the parts 'image[]' as the openai client does; "
                                            "the first is edited, the others are references."},
    "mask": {**_IMAGE_FILE, "description": "Optional: white (or transparent in RGBA) where the edit goes."},
}
_IMAGE_ANSWERS = {200: openapi.json_response(openapi.IMAGES, "The images, OpenAI's shape, plus limner's summary.")}


@router.get("/v1/models", operation_id="listModels", openapi_extra=openapi.PROTECTED,
            responses={200: openapi.json_response(openapi.MODELS, "The names 'model' may take."),
                       **openapi.answers(401, 403)})
def models(api: Api, owner: Owner) -> dict[str, Any]:
    """The profiles ``model`` may name, then OpenAI's image model names (= the default profile);
    OpenAI's models.list."""
    return {"object": "list", "data": [{"id": name, "object": "model", "created": 0, "owned_by": "limner"}
                                       for name in fields.offered_models(api.settings)]}


@router.post("/v1/images/generations", operation_id="createImage",
             openapi_extra={**openapi.PROTECTED, **openapi.json_body(GenerationBody)},
             responses={**_IMAGE_ANSWERS, **openapi.answers(400, 401, 403, 413, 429, 500, 502)})
async def generations(request: Request, api: Api, owner: Owner) -> JSONResponse:
    """Generate images with the full agent loop (plan, draw, critique, repair); OpenAI's images.generate."""
    settings = api.settings
    body = parse_body(GenerationBody, await read_json(request))
    note_prompt(request, body.prompt)
    check_prompt_length(body.prompt, settings)
    run_request = build_request(
        body.prompt, settings=settings, n=body.n, size=fields.requested_size(body.size),
        user_id=memory_user(settings, owner, body.user), **fields.offered_model(body.model, settings),
    )
    job = api.service.submit(run_request, owner)
    await job.wait_async()
    return images_response(api, job, body.response_format or "b64_json", api.base_url(request))


@router.post("/v1/images/edits", operation_id="createImageEdit",
             openapi_extra={**openapi.PROTECTED, **openapi.multipart_body(EditForm, _EDIT_FILES, ["image"])},
             responses={**_IMAGE_ANSWERS, **openapi.answers(400, 401, 403, 413, 415, 422, 429, 500, 502)})
async def edits(request: Request, api: Api, owner: Owner) -> JSONResponse:
    """Edit an image: change only what the prompt asks; OpenAI's images.edit (multipart)."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise ApiError(415, "images/edits takes multipart/form-data with 'image' file(s), 'prompt' and an optional 'mask'",
                       code="invalid_content_type")
    settings = api.settings
    form = await request.form(max_files=MAX_IMAGES + 1, max_fields=32)
    texts = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    body = parse_body(EditForm, texts)
    note_prompt(request, body.prompt)
    check_prompt_length(body.prompt, settings)
    images = [value for key, value in form.multi_items() if key in ("image", "image[]") and not isinstance(value, str)]
    masks = [value for key, value in form.multi_items() if key == "mask" and not isinstance(value, str)]
    if not images:
        raise ApiError(400, "missing required parameter 'image' (an image file)", param="image")
    if len(images) > MAX_IMAGES:
        raise ApiError(400, f"at most {MAX_IMAGES} images, got {len(images)}", param="image")
    if len(masks) > 1:
        raise ApiError(400, f"at most one mask, got {len(masks)}", param="mask")
    profile = fields.offered_model(body.model, settings)
    user_id = memory_user(settings, owner, body.user)
    uploads = [await read_upload(upload, "image") for upload in images]
    mask_data = await read_upload(masks[0], "mask") if masks else None
    folder = api.uploads / secrets.token_hex(8)
    try:
        paths = [save(data, folder / f"image{i}") for i, data in enumerate(uploads)]
        mask = save(mask_data, folder / "mask") if mask_data is not None else None
        named = {**{path: "the 'image' file" for path in paths}, **({mask: "the 'mask' file"} if mask else {})}
        _check_edit(body.prompt, paths, mask, profile.get("backend") or settings.backend, settings.segmenter, named)
        try:
            run_request = build_request(
                body.prompt, settings=settings, n=body.n, mode="edit", inputs=paths, mask=mask,
                user_id=user_id, **profile,
            )
        except InputError as error:
            raise ApiError(400, _named(for_http(str(error)), named), param=error.param, code="invalid_value") from None
        job = api.service.submit(run_request, owner)
        await job.wait_async()
    finally:  # the run copied what it needs into its own folder
        shutil.rmtree(folder, ignore_errors=True)
    return images_response(api, job, body.response_format or "b64_json", api.base_url(request))


def _check_edit(prompt: str, paths: list[str], mask: str | None, backend: str, segmenter: str | None,
                named: dict[str, str]) -> None:
    """The inputs are valid images already (``read_upload``): what the edit check still refuses is
    what the backend cannot carry out, or a mask that selects nothing — 422, not 400. An edit
    that needs a region and has none (no mask, no position words) is a 400 naming ``mask``."""
    try:
        check_edit_request("edit", prompt.strip(), paths, mask, backend=backend, segmenter=segmenter,
                           max_inputs=MAX_IMAGES)
    except InputError as error:
        if error.param == "mask" and mask is None:
            raise ApiError(400, for_http(str(error)), param="mask", code="mask_required") from None
        raise ApiError(422, _named(str(error), named), param=error.param, code="unsupported_edit") from None


def for_http(message: str) -> str:
    """A core message that names the CLI's ``--mask`` as this API's multipart ``mask`` file."""
    return mask_named(message.replace("pass --mask", "send --mask"), "a 'mask' file")


def _named(message: str, named: dict[str, str]) -> str:
    """The server's upload paths in a message, as the client's own field names."""
    for path, name in named.items():
        message = message.replace(f"the mask {path}", name).replace(path, name)
    return message


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
        log.error("run %s: no image could be made: %s", job.id, problems)
        raise ApiError(502, f"no image could be made by the {report.get('backend')!r} backend (run {job.id}); "
                       "the server log has the details", code="backend_error")
    body = {"created": int(job.created), "data": data, "limner": public_summary(api, report, base, job.id)}
    if report.get("usage"):
        body["usage"] = report["usage"]
    return JSONResponse(body)


def finished_report(job: Job) -> dict[str, Any]:
    """The run's report, or the ``ApiError`` its failure or refusal is to a client."""
    if job.status == "failed":
        error = job.error or {"type": "server_error", "message": "the run failed"}
        if error["type"] == "invalid_request_error":  # the run's InputError (its param does not travel)
            names_mask = "--mask" in error["message"]  # a recolour the segmenter found no region for
            raise ApiError(400, for_http(error["message"]), param="mask" if names_mask else None, code="invalid_value")
        raise ApiError(500, failure_message(job), code="run_failed")
    report = job.report or {}
    if report.get("refused"):
        refused = report["refused"]
        raise ApiError(400, f"refused ({refused['policy']} policy): {refused['reason']}", param="prompt",
                       code="content_policy_violation")
    return report


def failure_message(job: Job) -> str:
    """What a client is told of a run that failed on the server: not the exception (the
    service logged it), only where to look."""
    return f"the run {job.id} failed on the server; the server log has the details"


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


def _shot_prompt(report: dict[str, Any], shot: int) -> str:
    shots = (report.get("plan") or {}).get("shots") or []
    return next((s["prompt"] for s in shots if s.get("index") == shot), report.get("prompt", ""))
