"""The planner: a request → a ScenePlan with one laid-out shot per image.

The rule-based extractor always runs and gives the rule plan. When an LLM planner is
configured (``Settings.planner_model``, or a planner passed in), it adds composition, camera,
light, palette, variety and the search decision on top, under the merge rule
(agent/planning/merge.py): it never removes or changes what the rules found. Without one,
nothing of langchain's model providers is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from agent.planning.facts import search_decision
from agent.planning.llm import planner_from
from agent.planning.rules import Constraints, extract, extract_texts
from agent.planning.story import plan_story
from agent.request import RunRequest
from tools.layout import assign_layout
from tools.scene import Character, ScenePlan, Shot

if TYPE_CHECKING:  # pragma: no cover - types only
    from agent.context import Settings
    from agent.planning.llm import LlmPlanner
    from tools.search import Note

def make_plan(
    request: RunRequest,
    settings: "Settings | None" = None,
    *,
    planner: "LlmPlanner | None" = None,
    notes: "Sequence[Note]" = (),
    remembered: "Sequence[Character]" = (),
) -> ScenePlan:
    """The full plan for ``request``: global look, shots, every text and object laid out.

    ``planner`` (or the one ``settings.planner_model`` configures; without settings, the
    rules alone: nothing is read from the environment here) refines the rule plan;
    ``notes`` are search results it may use as quoted data. A bad planner configuration
    raises ``PlannerConfigError``; a failing model falls back to the rule plan, noted.
    """
    constraints = extract(request.prompt)
    if remembered:
        constraints.characters = with_remembered(constraints.characters, list(remembered))
    rule_plan = _rule_plan(request, constraints)
    if planner is None and settings is not None and settings.planner_model:
        planner = planner_from(settings)
    if planner is None:
        return rule_plan
    return planner.plan(rule_plan, constraints, notes)


def with_remembered(extracted: list[Character], remembered: list[Character]) -> list[Character]:
    """The request's characters with remembered ones folded in: a remembered character keeps its
    look, except what this request says explicitly (its colours win for this run); characters
    the request only names are added."""
    by_name = {c.name.lower(): c for c in extracted}
    merged = []
    for memory in remembered:
        said = by_name.pop(memory.name.lower(), None)
        if said is not None:
            memory = memory.model_copy(update={"colors": {**memory.colors, **said.colors},
                                                "species": said.species or memory.species})
        merged.append(memory)
    return [*merged, *by_name.values()]


def _rule_plan(request: RunRequest, constraints: Constraints) -> ScenePlan:
    """The plan from the extracted constraints alone: one shot per beat of the request."""
    asked = request.n or constraints.image_count
    shots_fields, characters, notes = plan_story(request.prompt, constraints, asked)
    looks = {c.id: c.description for c in characters if c.remembered and c.description}
    count = len(shots_fields)
    needs_facts, queries = search_decision(request.prompt, extract_texts(request.prompt)[1], [c.name for c in characters])
    seeds = request.seeds(count)
    draft = ScenePlan(
        request=request.prompt,
        style=constraints.style,
        setting=constraints.setting,
        light=constraints.light,
        palette=constraints.palette,
        characters=characters,
        negatives=constraints.negatives,
        aspect=constraints.aspect,
        shots=[Shot(index=0, prompt=request.prompt)],
        notes=notes,
        needs_facts=needs_facts,
        search_queries=queries,
    )
    shots = []
    for index, fields in enumerate(shots_fields):
        prompt = fields.pop("prompt")
        remembered_looks = [f"{c.name}: {looks[c.id]}" for c in characters if c.id in looks and c.id in fields["characters"]
                            and looks[c.id] not in prompt]
        if remembered_looks:  # a model backend draws a remembered character from its description
            prompt = f"{prompt}; {'; '.join(remembered_looks)}"
        shot = Shot(index=index, prompt=prompt, camera=constraints.camera or fields["view"],
                    negatives=constraints.negatives, **fields)
        shots.append(assign_layout(shot, draft, seeds[index], aspect=request.size[0] / request.size[1]))
    return draft.model_copy(update={"shots": shots})
