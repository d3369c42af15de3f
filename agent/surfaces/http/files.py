"""The file route: ``GET /v1/files/{run}/{name}``, a run's image or contact sheet.

Reachable with the owner's token, or without one through a signed, expiring link (what
``response_format=url`` and the run summaries hand out); only the run's own outputs, by name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from agent.surfaces import fields
from agent.surfaces.http import openapi
from agent.surfaces.http.state import Api
from agent.surfaces.http.support import ApiError

router = APIRouter()
EXPIRES_MAX = 10**11
"""Far beyond any link's expiry (a Unix time in seconds; year 5138)."""
Expires = Annotated[fields.whole("expires", 0, EXPIRES_MAX, "A signed link's expiry (Unix time).", from_text=True) | None,
                    Query()]



@router.get("/v1/files/{run_id}/{name}", operation_id="getFile",
            openapi_extra={"security": [{"bearer": []}, {"signedLink": []}]},
            response_class=FileResponse, responses={200: openapi.PNG, **openapi.answers(400, 401, 403, 404)})
def get_file(run_id: str, name: str, request: Request, api: Api, expires: Expires = None) -> FileResponse:
    """A run's image or contact sheet: with the owner's token, or a signed link."""
    signature = request.query_params.get("signature")
    if api.signer.valid(f"{run_id}/{name}", expires, signature):
        job = api.service.lookup(run_id)  # the signature stands for the owner
    else:
        job = api.owned_job(run_id, api.caller(request))
    if job is None or job.report is None:
        raise ApiError(404, f"no file {name!r} in run {run_id!r}", code="not_found")
    files = {Path(p).name: Path(p) for p in [*(e["path"] for e in job.report["images"] if e["path"]),
                                             job.report.get("contact_sheet")] if p}
    if name not in files or not files[name].is_file():  # only the run's own outputs, by name
        raise ApiError(404, f"no file {name!r} in run {run_id!r}", code="not_found")
    return FileResponse(files[name], media_type="image/png")
