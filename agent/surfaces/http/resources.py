"""How a run looks to an API client: signed links in place of the server's file paths, the
public summary, and the run resource of ``/v1/runs``. Shared by the OpenAI-compatible and
the native routers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.surfaces.http.state import ApiState
from agent.surfaces.http.support import public_data, public_text
from agent.surfaces.results import summarize
from agent.surfaces.service import Job


def file_url(api: ApiState, base: str, run_id: str, name: str) -> str:
    """A signed, expiring link to one of a run's files (see ``files.get_file``)."""
    return f"{base}/v1/files/{run_id}/{name}?{api.signer.query(f'{run_id}/{name}')}"


def public_summary(api: ApiState, report: dict[str, Any], base: str, run_id: str) -> dict[str, Any]:
    """The summary with links instead of the server's file paths."""
    summary = summarize(report)
    summary.pop("folder", None)
    for image in summary["images"]:
        path = image.pop("path")
        image["url"] = file_url(api, base, run_id, Path(path).name) if path else None
    sheet = summary.pop("contact_sheet", None)
    summary["contact_sheet_url"] = file_url(api, base, run_id, Path(sheet).name) if sheet else None
    return public_data(summary)


def public_report(api: ApiState, report: dict[str, Any], base: str, run_id: str) -> dict[str, Any]:
    """The run report with links in place of its files' paths, and no other path of the server."""
    report = dict(report)
    report["images"] = [{**{k: v for k, v in entry.items() if k != "path"},
                         "url": file_url(api, base, run_id, Path(entry["path"]).name) if entry.get("path") else None}
                        for entry in report.get("images", [])]
    sheet = report.pop("contact_sheet", None)
    report["contact_sheet_url"] = file_url(api, base, run_id, Path(sheet).name) if sheet else None
    return public_data(report)


def public_error(job: Job) -> dict[str, str] | None:
    """A failed run's error as a client sees it: the request's fault in full, the server's as a
    pointer to its log (the service logged the exception)."""
    if job.error is None:
        return None
    if job.error.get("type") == "invalid_request_error":
        return {"type": "invalid_request_error", "message": public_text(job.error.get("message", ""))}
    return {"type": "server_error", "message": f"the run {job.id} failed on the server; the server log has the details"}


def run_resource(api: ApiState, job: Job, base: str) -> dict[str, Any]:
    """A run as ``/v1/runs`` answers it: status, its events URL and, once done, the report."""
    resource = {**job.resource(), "error": public_error(job), "events_url": f"{base}/v1/runs/{job.id}/events"}
    if job.report is not None:
        resource["summary"] = public_summary(api, job.report, base, job.id)
        resource["report"] = public_report(api, job.report, base, job.id)
    return resource
