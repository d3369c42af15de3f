"""The planner: a request → a ScenePlan with one laid-out shot per image.

The rule-based extractor always runs and gives the rule plan. When an LLM planner is
configured (``Settings.planner_model``, or a planner passed in), it adds composition, camera,
light, palette, variety and the search decision on top, under the merge rule
(agent/planning/merge.py): it never removes or changes what the rules found. Without one,
nothing of langchain's model providers is imported.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Sequence

from agent.planning.llm import planner_from
from agent.planning.rules import Constraints, extract
from agent.planning.shots import SEQUENCE_STYLES, VARIATIONS, shot_count
from agent.request import RunRequest
from tools.layout import assign_layout
from tools.scene import Character, ScenePlan, Shot

if TYPE_CHECKING:  # pragma: no cover - types only
    from agent.context import Settings
    from agent.planning.llm import LlmPlanner
    from tools.search import Note

def _split_base(base: str, splits: list[str]) -> str:
    """The shared subject of a split request: "two images of a lighthouse: one in a storm…" →
    "two images of a lighthouse" (each shot then adds its own variation)."""
    first = splits[0]
    at = base.find(first)
    cut = base[:at] if at > 0 else base
    cut = re.sub(r"[\s,:;-]*\b(?:one|the first)\s*$", "", cut).strip(" ,:;-")
    cut = re.sub(r"^(?:\w+\s+){1,2}?(?:images|pictures|photos|shots|versions|variations|views)\s+of\s+", "", cut)
    return cut or base


def _shot_prompt(
    base: str, index: int, count: int, style: str | None, splits: list[str] | None = None
) -> tuple[str, str | None]:
    """The prompt and variation of shot ``index``: a spelt-out split wins over stock variety."""
    if splits and index < len(splits):
        return f"{_split_base(base, splits)}, {splits[index]}", splits[index]
    if count == 1:
        return base, None
    if style in SEQUENCE_STYLES:
        variation = f"panel {index + 1} of {count}"
    else:
        variation = VARIATIONS[index % len(VARIATIONS)]
    return f"{base}, {variation}", variation


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
    """The plan from the extracted constraints alone."""
    count = shot_count(request, constraints)
    base = re.sub(r"\s+", " ", request.prompt).strip().rstrip(".")
    looks = [f"{c.name}: {c.description}" for c in constraints.characters if c.remembered and c.description]
    if looks:  # a model backend draws a remembered character from its description
        base = f"{base}; {'; '.join(looks)}"
    speaker = constraints.characters[0].id if constraints.characters else None
    texts = [
        t.model_copy(update={"speaker": speaker}) if t.role == "bubble" and speaker else t
        for t in constraints.texts
    ]
    shots = []
    seeds = request.seeds(count)
    draft = ScenePlan(
        request=request.prompt,
        style=constraints.style,
        setting=constraints.setting,
        light=constraints.light,
        palette=constraints.palette,
        characters=constraints.characters,
        negatives=constraints.negatives,
        aspect=constraints.aspect,
        shots=[Shot(index=0, prompt=base)],
    )
    for index in range(count):
        prompt, variation = _shot_prompt(base, index, count, constraints.style, constraints.shots)
        own = index < len(constraints.shots)
        shot = Shot(
            index=index,
            prompt=prompt,
            camera=constraints.camera or variation,
            variation=variation,
            characters=[c.id for c in constraints.characters],
            objects=constraints.objects,
            texts=texts,
            negatives=constraints.negatives,
            light=constraints.shot_lights[index] if own else None,
            setting=constraints.shot_settings[index] if own else None,
        )
        shots.append(assign_layout(shot, draft, seeds[index], aspect=request.size[0] / request.size[1]))
    return draft.model_copy(update={"shots": shots})
