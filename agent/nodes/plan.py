"""plan: the request → a typed ScenePlan (the rule extractor, refined by an LLM planner
when ``LIMNER_PLANNER_MODEL`` is set).

The node runs twice when the plan asks for facts: first to plan, then — after the search
node — to fold the search notes into the plan. With an LLM planner the second pass plans
again with the notes as quoted data (the merge rule keeps every hard constraint); without
one it keeps the plan as it was. Either way the notes are added, quoted, with their
sources, to ``plan.notes``, and every shot that names a looked-up thing carries a short
quoted, attributed reference (agent/planning/references.py): web text informs the shot
descriptions, it never rewrites their constraints.

A follow-up on a thread revises the previous plan (agent/planning/revise.py); the parts of it
that could not be applied are logged as "not understood: …" and kept in the run record.

A request that carries its own plan (``RunRequest.plan``: one edited in the studio) is drawn as
it is: no planner, no memory lookup, no search.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Settings
from agent.nodes.common import emit, settings_of, timed
from agent.planning.merge import keep_earlier_choices
from agent.planning.planner import make_plan
from agent.planning.preview import remembered_characters
from agent.planning.references import with_references
from agent.state import SearchReport, State
from tools.scene import ScenePlan
from tools.search import Note
from agent.planning.edit import plan_edit
from agent.planning.revise import revise

SEARCH_OFF = "search is off (LIMNER_SEARCH=false); the plan is used without looked-up facts"
FOLLOW_UP = "a follow-up keeps the shots' earlier references and does not search again"
GIVEN = "a given plan is drawn as it is: nothing is looked up or added"


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
        # Re-plan after search: the constraints stay, the notes join, the shots get references.
        scene_plan = state.plan
        if settings.planner_model and state.search.notes:
            replan = make_plan(state.request, settings, notes=report_notes(state.search))
            scene_plan = keep_earlier_choices(replan, state.plan)
        scene_plan = with_search_notes(scene_plan, state.search)
        scene_plan, log = with_references(scene_plan, state.search.queries, report_notes(state.search))
        emit("plan", shots=len(scene_plan.shots), planner=scene_plan.planner, notes=len(state.search.notes))
        return {"plan": scene_plan, "shots": scene_plan.shots, "log": log}
    if state.request.plan is not None:  # the caller's own plan (an edited one): drawn as it is
        given = state.request.plan.model_copy(update={"planner": "given"})
        emit("plan", shots=len(given.shots), planner="given")
        update = {"plan": given, "shots": given.shots, "log": ["plan: drawn as given"]}
        if given.needs_facts:  # the router goes on to generate
            update["search"] = SearchReport(status="skipped", reason=GIVEN)
        return update
    previous_plan = (state.previous or {}).get("plan")
    if previous_plan is not None and state.request.mode == "agent":
        revision = revise(previous_plan, state.request.prompt)
        if revision is not None:
            emit("plan", shots=len(revision.plan.shots), planner="revision", changed=revision.changed_shots,
                 not_understood=revision.not_understood)
            record = {"instruction": state.request.prompt, "changes": revision.changes,
                      "changed_shots": revision.changed_shots, "not_understood": revision.not_understood,
                      "previous_run": state.previous["run_id"]}
            update: dict[str, Any] = {"plan": revision.plan, "shots": revision.plan.shots, "revision": record,
                                      "log": [f"not understood: {part}" for part in revision.not_understood]}
            if revision.plan.needs_facts:  # the previous run looked them up; the router goes on to generate
                update["search"] = SearchReport(status="skipped", reason=FOLLOW_UP)
            return update
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
    update = {"plan": scene_plan, "shots": scene_plan.shots, "log": log}
    if scene_plan.needs_facts and not settings.search:
        # The router will not search: say so, once, where search would have said it.
        update["search"] = SearchReport(status="skipped", reason=SEARCH_OFF, queries=list(scene_plan.search_queries))
        update["log"] = [*log, f"search skipped: {SEARCH_OFF}"]
        emit("search", status="skipped", notes=0, reason=SEARCH_OFF)
    return update
