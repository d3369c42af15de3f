"""What the surfaces (HTTP, MCP, LangChain tool, bots) show of a run report: a bounded summary
with the files, the verdicts and what was repaired — never the images themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.errors import InputError, one_line

_REASON_MAX = 200


def shorten(text: str | None, limit: int = _REASON_MAX) -> str | None:
    """:func:`one_line` for fields that may be absent."""
    return None if text is None else one_line(text, limit)


def image_summary(entry: dict[str, Any]) -> dict[str, Any]:
    """One image: its file, seed, verdict, the checks that failed and the repairs made."""
    return {
        "index": entry["shot"] + 1,
        "path": entry["path"],
        "seed": entry["seed"],
        "passed": entry["passed"],
        "failed_checks": [
            {"name": check["name"], "reason": shorten(check.get("reason"))}
            for check in entry.get("checks", []) if check.get("status") == "fail"
        ],
        "repairs": [repair.get("kind") for repair in entry.get("repairs", [])],
        "error": shorten(entry.get("error")),
        "flagged": shorten((entry.get("flagged") or {}).get("reason")),
    }


def summarize(report: dict[str, Any]) -> dict[str, Any]:
    """A few hundred bytes per image, whatever the run: ids, files, verdicts, repairs."""
    images = [image_summary(entry) for entry in report.get("images", [])]
    refused = report.get("refused")
    return {
        "run_id": report["run_id"],
        "folder": str(Path(report["contact_sheet"]).parent) if report.get("contact_sheet") else None,
        "mode": report.get("mode"),
        "backend": report.get("backend"),
        "model": report.get("model"),
        "size": report.get("size"),
        "passed": report.get("passed", False),
        "rounds": report.get("rounds", 0),
        "refused": {"policy": refused.get("policy"), "reason": shorten(refused.get("reason"))} if refused else None,
        "thread": report.get("thread"),
        "images": images,
        "contact_sheet": report.get("contact_sheet"),
        "made": sum(1 for image in images if image["path"]),
        "requested": len(images),
    }


def summary_text(report: dict[str, Any]) -> str:
    """A short human line or few, for chat replies and tool results."""
    summary = summarize(report)
    if summary["refused"]:
        return f"Refused ({summary['refused']['policy']} policy): {summary['refused']['reason']}"
    made, requested = summary["made"], summary["requested"]
    passed = sum(1 for image in summary["images"] if image["passed"])
    lines = [
        f"{made}/{requested} image{'s' if requested != 1 else ''} made, {passed} passed every check"
        f" ({summary['rounds']} repair round{'s' if summary['rounds'] != 1 else ''}; run {summary['run_id']})."
    ]
    revision = report.get("revision")
    if revision:  # a follow-up on a thread: what changed, which shots were redrawn
        redrawn = ", ".join(f"#{i + 1}" for i in revision.get("changed_shots", [])) or "none"
        lines.append(f"Revised: {'; '.join(revision.get('changes', []))}; redrawn: {redrawn}.")
    for image in summary["images"]:
        if image["error"]:
            lines.append(f"#{image['index']}: not made: {image['error']}")
            continue
        notes = [f"{check['name']} failed: {check['reason']}" for check in image["failed_checks"]]
        if image["repairs"]:
            notes.append("repaired: " + ", ".join(image["repairs"]))
        if image["flagged"]:
            notes.append(f"flagged: {image['flagged']}")
        if notes:
            lines.append(f"#{image['index']}: " + "; ".join(notes))
    return "\n".join(lines)


def made_paths(report: dict[str, Any]) -> list[str]:
    """The files of the images that were made, in shot order."""
    return [entry["path"] for entry in report.get("images", []) if entry.get("path")]


def report_of_finished(run_id: str, done: bool, status: str, report: dict[str, Any] | None,
                       error: dict[str, Any] | None, failed: type[Exception]) -> dict[str, Any]:
    """A finished run's report (a refusal is a report too); ``InputError`` when the request was
    at fault, ``failed`` (the service's ``RunFailed``) for anything else. One rule for every
    kind of job, in-process or scaled out."""
    if not done:
        raise RuntimeError(f"run {run_id} has not finished")
    if report is not None:
        return report
    error = error or {"type": "server_error", "message": f"the run ended as {status}"}
    if error["type"] == "invalid_request_error":
        raise InputError(error["message"])
    raise failed(error["message"])
