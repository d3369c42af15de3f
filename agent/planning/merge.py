"""The merge rule: what an LLM planner may add to the rule plan, and what it may never touch.

The rule plan holds the request's hard constraints: the number of images, every quoted text
(exact string and role), objects with their count, colour and relation, negatives and
characters. :func:`merge` copies those from the rule plan unconditionally; the LLM's part
(:class:`LlmPlan`, deliberately small and creative-only) can only

- fill ``style``/``setting``/``light``/``palette`` where the rules found none,
- set each existing shot's ``camera``, ``variation`` and ``light`` (unless the request spelt
  them out),
- rewrite a shot's prompt, only if the new prompt still carries every quoted text verbatim,
  the request's own variation for that shot, and every counted/coloured/related object with
  the same count, colour and relation (otherwise the rule prompt stays),
- ask for a web search (``needs_facts`` and ``search_queries``).

Shots the LLM adds beyond the rule plan's count are ignored; shots it leaves out keep the
rule shot. Pure Python, no model import.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, create_model

from agent.planning.rules import extract_objects
from agent.planning.shots import VARIATIONS
from tools.scene import ScenePlan, Shot

# Stock variety of the rule planner: the LLM may replace it (a request's own split may not).
_STOCK_PREFIX = "panel "


class LlmShot(BaseModel):
    """What the LLM may say about one shot."""

    model_config = ConfigDict(extra="ignore")

    prompt: str | None = None
    """A richer, self-contained text-to-image prompt for this shot (composition, mood, detail).
    Must keep every quoted text verbatim and every object with its count and colour."""
    camera: str | None = None
    """Framing and angle ("low-angle close-up", "wide establishing shot")."""
    variation: str | None = None
    """What makes this shot differ from its siblings ("at dusk", "from behind")."""
    light: str | None = None
    """This shot's light when it should differ from the batch's ("stormy dusk")."""


class LlmPlan(BaseModel):
    """The creative part an LLM planner contributes; the hard constraints are not in it."""

    model_config = ConfigDict(extra="ignore")

    style: str | None = None
    """Visual style ("watercolor", "35mm photo"), used only when the request named none."""
    setting: str | None = None
    """Where the scene takes place, used only when the request named none."""
    light: str | None = None
    """Lighting ("golden hour, soft rim light"), used only when the request named none."""
    palette: list[str] = Field(default_factory=list, max_length=8)
    """Colour names for the batch, used only when the request implied none."""
    shots: list[LlmShot] = Field(default_factory=list, max_length=8)
    """One entry per shot, in order."""
    needs_search: bool = False
    """True when the request names real things (a landmark, product, species, logo, event)
    whose look should be looked up before drawing."""
    search_queries: list[str] = Field(default_factory=list, max_length=5)
    """Web queries for those facts (empty when ``needs_search`` is false)."""


@lru_cache(maxsize=8)
def plan_schema(shot_count: int) -> type[LlmPlan]:
    """:class:`LlmPlan` with room for exactly ``shot_count`` shots, so a structured-output API
    or a grammar stops the model there instead of letting it repeat shots up to eight."""
    return create_model(
        f"LlmPlan{shot_count}",
        __base__=LlmPlan,
        shots=(list[LlmShot], Field(default_factory=list, max_length=shot_count)),
    )


def _is_stock(variation: str | None) -> bool:
    return variation is None or variation in VARIATIONS or variation.startswith(_STOCK_PREFIX)


def prompt_keeps_constraints(prompt: str, shot: Shot) -> bool:
    """Does ``prompt`` still carry ``shot``'s quoted texts, own variation and objects unchanged?"""
    if not prompt.strip():
        return False
    if any(text.text not in prompt for text in shot.texts):
        return False
    if not _is_stock(shot.variation) and shot.variation not in prompt:
        return False
    if not shot.objects:
        return True
    # Quoted text is blanked so its words are not read as objects.
    unquoted = prompt
    for text in shot.texts:
        unquoted = unquoted.replace(text.text, " ")
    found = {obj.name: obj for obj in extract_objects(unquoted)}
    for obj in shot.objects:
        seen = found.get(obj.name)
        if seen is None or seen.count != obj.count:
            return False
        if obj.color and seen.color != obj.color:
            return False
        if obj.relation and seen.relation != obj.relation:
            return False
    return True


def merge(rule_plan: ScenePlan, llm_part: LlmPlan, *, model_id: str = "llm") -> ScenePlan:
    """``rule_plan`` with the LLM's creative additions; every hard constraint of the rules kept."""
    notes = list(rule_plan.notes)
    shots = []
    kept_prompts = 0
    for shot in rule_plan.shots:
        suggestion = llm_part.shots[shot.index] if shot.index < len(llm_part.shots) else None
        if suggestion is None:
            shots.append(shot)
            continue
        update: dict[str, object] = {}
        if suggestion.prompt:
            if prompt_keeps_constraints(suggestion.prompt, shot):
                update["prompt"] = suggestion.prompt.strip()
            else:
                kept_prompts += 1
        user_variation = not _is_stock(shot.variation)
        user_camera = shot.camera is not None and shot.camera != shot.variation
        if suggestion.variation and not user_variation:
            update["variation"] = suggestion.variation.strip()
        if suggestion.camera and not user_camera:
            update["camera"] = suggestion.camera.strip()
        if suggestion.light and not shot.light:
            update["light"] = suggestion.light.strip()
        shots.append(shot.model_copy(update=update))
    if kept_prompts:
        notes.append(f"llm planner: kept the rule prompt of {kept_prompts} shot(s) whose rewrite lost a constraint")
    queries = [q.strip() for q in llm_part.search_queries if q.strip()]
    needs_facts = rule_plan.needs_facts or (llm_part.needs_search and bool(queries))
    return rule_plan.model_copy(
        update={
            "style": rule_plan.style or (llm_part.style or None),
            "setting": rule_plan.setting or (llm_part.setting or None),
            "light": rule_plan.light or (llm_part.light or None),
            "palette": rule_plan.palette or [c.strip() for c in llm_part.palette if c.strip()],
            "shots": shots,
            "needs_facts": needs_facts,
            "search_queries": list(dict.fromkeys([*queries, *rule_plan.search_queries])) if needs_facts else [],
            "planner": f"llm:{model_id}",
            "notes": notes,
        }
    )


def keep_earlier_choices(replan: ScenePlan, earlier: ScenePlan) -> ScenePlan:
    """The re-plan after search, with the first pass's look where the re-plan left it open.

    The second LLM call sees the search notes and may change the look; what it leaves empty
    (style, setting, light, palette) keeps the first answer, and the search decision that led
    here stays on record. Hard constraints are the rule plan's in both, so nothing else moves.
    """
    return replan.model_copy(
        update={
            "style": replan.style or earlier.style,
            "setting": replan.setting or earlier.setting,
            "light": replan.light or earlier.light,
            "palette": replan.palette or earlier.palette,
            "needs_facts": replan.needs_facts or earlier.needs_facts,
            "search_queries": list(dict.fromkeys([*earlier.search_queries, *replan.search_queries])),
        }
    )
