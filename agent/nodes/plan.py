"""plan: the request → a typed ScenePlan (rule-based; an LLM planner joins later)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Settings
from agent.nodes.common import emit, timed
from agent.planning.planner import make_plan
from agent.state import State


@timed("plan")
def plan(state: State, runtime: Runtime[Settings]) -> dict[str, Any]:
    scene_plan = make_plan(state.request)
    emit("plan", shots=len(scene_plan.shots), planner=scene_plan.planner)
    return {"plan": scene_plan, "shots": scene_plan.shots}
