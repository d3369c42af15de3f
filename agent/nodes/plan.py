"""plan: the request → a typed ScenePlan (rule-based; an LLM planner joins later).

The node runs twice when the plan asks for facts: first to plan, then — after the search
node — to fold the search notes into the plan. The second pass keeps every shot, text,
object and count exactly as planned and only adds the notes, quoted, with their sources:
web text informs the plan, it never rewrites it.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Settings
from agent.nodes.common import emit, timed
from agent.planning.planner import make_plan
from agent.state import SearchReport, State
from tools.scene import ScenePlan
from tools.search import Note


def with_search_notes(scene_plan: ScenePlan, report: SearchReport) -> ScenePlan:
    """``scene_plan`` with the report's notes appended to ``plan.notes`` as quoted citations."""
    cited = [Note(**{k: note.get(k, "") for k in ("title", "snippet", "url", "query")}).cite() for note in report.notes]
    notes = list(dict.fromkeys([*scene_plan.notes, *cited]))
    return scene_plan.model_copy(update={"notes": notes})


@timed("plan")
def plan(state: State, runtime: Runtime[Settings]) -> dict[str, Any]:
    if state.plan is not None and state.search is not None:
        # Re-plan after search: the constraints stay, the notes join.
        scene_plan = with_search_notes(state.plan, state.search)
        emit("plan", shots=len(scene_plan.shots), planner=scene_plan.planner, notes=len(state.search.notes))
        return {"plan": scene_plan, "shots": scene_plan.shots}
    scene_plan = make_plan(state.request)
    emit("plan", shots=len(scene_plan.shots), planner=scene_plan.planner)
    return {"plan": scene_plan, "shots": scene_plan.shots}
