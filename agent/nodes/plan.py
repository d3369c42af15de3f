"""plan: the request → a typed ScenePlan (the rule extractor, refined by an LLM planner
when ``LIMNER_PLANNER_MODEL`` is set).

The node runs twice when the plan asks for facts: first to plan, then — after the search
node — to fold the search notes into the plan. With an LLM planner the second pass plans
again with the notes as quoted data (the merge rule keeps every hard constraint); without
one it keeps the plan as it was. Either way the notes are added, quoted, with their
sources: web text informs the plan, it never rewrites its constraints.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Settings
from agent.nodes.common import emit, settings_of, timed
from agent.planning.merge import keep_earlier_choices
from agent.planning.planner import make_plan
from agent.planning.preview import remembered_characters
from agent.state import SearchReport, State
from tools.scene import ScenePlan
from tools.search import Note
from agent.planning.edit import plan_edit
from agent.planning.revise import revise


def report_notes(report: SearchReport) -> list[Note]:
    return [Note(**{k: note.get(k, "") for k in ("title", "snippet", "url", "query")}) for note in report.notes]


def with_search_notes(scene_plan: ScenePlan, report: SearchReport) -> ScenePlan:
    """``scene_plan`` with the report's notes appended to ``plan.notes`` as quoted citations."""
    cited = [note.cite() for note in report_notes(report)]
    notes = list(dict.fromkeys([*scene_plan.notes, *cited]))
    return scene_plan.model_copy(update={"notes": notes})


@timed("plan")
def plan(state: State, runtime: Runtime[Settings]) -> dict[str, Any]:
    settings = settings_of(runtime)
    if state.plan is not None and state.search is not None:
        # Re-plan after search: the constraints stay, the notes join.
        scene_plan = state.plan
        if settings.planner_model and state.search.notes:
            replan = make_plan(state.request, settings, notes=report_notes(state.search))
            scene_plan = keep_earlier_choices(replan, state.plan)
        scene_plan = with_search_notes(scene_plan, state.search)
        emit("plan", shots=len(scene_plan.shots), planner=scene_plan.planner, notes=len(state.search.notes))
        return {"plan": scene_plan, "shots": scene_plan.shots}
    previous_plan = (state.previous or {}).get("plan")
    if previous_plan is not None and state.request.mode == "agent":
        revision = revise(previous_plan, state.request.prompt)
        if revision is not None:
            emit("plan", shots=len(revision.plan.shots), planner="revision", changed=revision.changed_shots)
            record = {"instruction": state.request.prompt, "changes": revision.changes,
                      "changed_shots": revision.changed_shots, "previous_run": state.previous["run_id"]}
            return {"plan": revision.plan, "shots": revision.plan.shots, "revision": record}
    if state.request.mode == "edit":
        request = state.request
        scene_plan = plan_edit(request.prompt, request.inputs, request.mask, request.out_dir, request.n or 1,
                               settings.segmenter)
        emit("plan", shots=len(scene_plan.shots), planner="edit", operation=scene_plan.edit.operation)
        return {"plan": scene_plan, "shots": scene_plan.shots, "log": scene_plan.notes}
    characters, log = remembered_characters(settings, state.request)
    scene_plan = make_plan(state.request, settings, remembered=characters)
    emit("plan", shots=len(scene_plan.shots), planner=scene_plan.planner,
         remembered=[c.name for c in characters])
    return {"plan": scene_plan, "shots": scene_plan.shots, "log": log}
