"""search: look up facts the plan asks for.

The rule-based planner never asks for facts, so this node only runs when a plan sets
``needs_facts``. Web search arrives with the planner issue; until then the node reports
itself as skipped with the queries it would have run, and changes nothing else.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Settings
from agent.nodes.common import emit, timed
from agent.state import SearchReport, State


@timed("search")
def search(state: State, runtime: Runtime[Settings]) -> dict[str, Any]:
    queries = list(state.plan.search_queries) if state.plan else []
    report = SearchReport(
        status="skipped",
        reason="web search is not implemented yet; the plan is used without looked-up facts",
        queries=queries,
    )
    emit("search", status=report.status, reason=report.reason)
    return {"search": report, "log": [f"search skipped: {report.reason}"]}
