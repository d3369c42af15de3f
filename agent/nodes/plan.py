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
from agent.nodes.common import emit, timed
from agent.planning.merge import keep_earlier_choices
from agent.planning.planner import make_plan
from agent.state import SearchReport, State
from tools.scene import ScenePlan
from tools.search import Note


def report_notes(report: SearchReport) -> list[Note]:
    return [Note(**{k: note.get(k, "") for k in ("title", "snippet", "url", "query")}) for note in report.notes]


def with_search_notes(scene_plan: ScenePlan, report: SearchReport) -> ScenePlan:
    """``scene_plan`` with the report's notes appended to ``plan.notes`` as quoted citations."""
    cited = [note.cite() for note in report_notes(report)]
    notes = list(dict.fromkeys([*scene_plan.notes, *cited]))
    return scene_plan.model_copy(update={"notes": notes})


@timed("plan")
def plan(state: State, runtime: Runtime[Settings]) -> dict[str, Any]:
    settings = runtime.context or Settings()
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
        from agent.planning.revise import revise

        revision = revise(previous_plan, state.request.prompt)
        if revision is not None:
            emit("plan", shots=len(revision.plan.shots), planner="revision", changed=revision.changed_shots)
            record = {"instruction": state.request.prompt, "changes": revision.changes,
                      "changed_shots": revision.changed_shots, "previous_run": state.previous["run_id"]}
            return {"plan": revision.plan, "shots": revision.plan.shots, "revision": record}
    if state.request.mode == "edit":
        from agent.planning.edit import plan_edit

        scene_plan = plan_edit(state.request, settings.segmenter)
        emit("plan", shots=len(scene_plan.shots), planner="edit", operation=scene_plan.edit.operation)
        return {"plan": scene_plan, "shots": scene_plan.shots, "log": scene_plan.notes}
    characters, log = remembered_characters(settings, state.request)
    scene_plan = make_plan(state.request, settings, remembered=characters)
    emit("plan", shots=len(scene_plan.shots), planner=scene_plan.planner,
         remembered=[c.name for c in characters])
    return {"plan": scene_plan, "shots": scene_plan.shots, "log": log}


def remembered_characters(settings: Settings, request: Any) -> tuple[list[Any], list[str]]:
    """The user's remembered characters this request names or describes, as plan characters;
    a memory that cannot be opened is one log line, and the run goes on without it."""
    from agent.characters import remembered, to_plan_character

    try:
        found = remembered(settings, request.user_id, request.prompt)
    except Exception as error:  # noqa: BLE001 - memory informs the plan; it never stops a run
        return [], [f"memory: not used ({type(error).__name__}: {str(error).splitlines()[0][:200]})"]
    names = ", ".join(c.name for c in found)
    return [to_plan_character(c) for c in found], ([f"memory: {names}"] if found else [])


def preview_plan(request: Any, settings: Settings) -> tuple[ScenePlan, list[str]]:
    """The scene plan a run of ``request`` would start from (rules, LLM planner, the user's
    remembered characters) without running the graph, and the memory notes: what ``limner
    plan``, MCP's and LangChain's ``plan_images`` show."""
    characters, notes = remembered_characters(settings, request)
    return make_plan(request, settings, remembered=characters), notes
