"""The planner: a request → a ScenePlan with one laid-out shot per image.

Today the plan comes from the rule-based extractor alone; an LLM planner will add
composition and variety on top, never removing what the rules found.
"""

from __future__ import annotations

import re

from agent.planning.rules import Constraints, extract
from agent.request import RunRequest
from tools.layout import assign_layout
from tools.scene import ScenePlan, Shot

# How sibling shots of one request differ when the request does not say.
VARIATIONS = [
    "wide shot, eye level",
    "medium shot, slightly from the left",
    "close-up, centred",
    "low angle, looking up",
    "high angle, looking down",
    "three-quarter view from the right",
    "side view, soft depth",
    "detail shot, shallow depth of field",
]
SEQUENCE_STYLES = {"comic", "manga", "storyboard"}


def shot_count(request: RunRequest, constraints: Constraints) -> int:
    """``-n`` wins over the prompt; then the prompt's own count; then its spelt-out shots; then one."""
    # A plan holds at most 8 shots; "999 images" in a prompt asks for the most we draw.
    return request.n or min(8, constraints.image_count or len(constraints.shots) or 1)


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


def make_plan(request: RunRequest) -> ScenePlan:
    """The full plan for ``request``: global look, shots, every text and object laid out."""
    constraints = extract(request.prompt)
    count = shot_count(request, constraints)
    base = re.sub(r"\s+", " ", request.prompt).strip().rstrip(".")
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
        shot = Shot(
            index=index,
            prompt=prompt,
            camera=constraints.camera or variation,
            variation=variation,
            characters=[c.id for c in constraints.characters],
            objects=constraints.objects,
            texts=texts,
            negatives=constraints.negatives,
        )
        shots.append(assign_layout(shot, draft, seeds[index], aspect=request.size[0] / request.size[1]))
    return draft.model_copy(update={"shots": shots})
