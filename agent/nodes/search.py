"""search: look up facts the plan asks for, then hand the notes back to the planner.

Runs at most once per run (the router checks ``state.search``). Whatever happens — no
queries, no network, a hung engine — the node returns a ``SearchReport`` and the run goes
on; a failure is one line in the log. Without a network (the default ``ddgs`` client on an
offline machine) the search is "skipped", with why. Notes are data: the plan node quotes
them into ``plan.notes`` and, as short attributed references, into the shots that name what
was looked up; they never change a constraint.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Settings
from agent.nodes.common import emit, settings_of, timed
from agent.state import SearchReport, State
from tools.search import get_client
from tools.search import search as web_search

FALLBACK = "the plan is used without looked-up facts"


def _report(state: State, settings: Settings) -> SearchReport:
    queries = list(state.plan.search_queries) if state.plan else []
    if not queries:
        return SearchReport(status="skipped", reason=f"the plan asked for facts but gave no queries; {FALLBACK}")
    try:
        client = get_client(settings.search_client)
    except Exception as exc:  # noqa: BLE001 - a broken client must not stop the run
        return SearchReport(status="failed", reason=f"search client {settings.search_client!r}: {exc}", queries=queries)
    found = web_search(
        queries,
        client,
        timeout_s=settings.search_timeout_s,
        max_results=settings.search_max_results,
        max_images=settings.search_max_images,
    )
    if found.status == "offline":  # not a fault: this machine has no network to search
        return SearchReport(status="skipped", reason=found.reason, queries=found.queries,
                            seconds=found.seconds)
    return SearchReport(
        status=found.status,
        reason=found.reason,
        queries=found.queries,
        notes=[n.as_dict() for n in found.notes],
        images=[i.as_dict() for i in found.images],
        seconds=found.seconds,
    )


@timed("search")
def search(state: State, runtime: Runtime[Settings]) -> dict[str, Any]:
    settings = settings_of(runtime)
    report = _report(state, settings)
    emit("search", status=report.status, notes=len(report.notes), reason=report.reason)
    if report.status == "done":
        line = f"search: {len(report.notes)} notes from {len(report.queries)} queries"
    else:
        reason = " ".join(report.reason.split())
        line = f"search {report.status}: {reason}" + ("" if FALLBACK in reason else f"; {FALLBACK}")
    return {"search": report, "log": [line]}
