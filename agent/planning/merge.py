"""The merge rule: what an LLM planner may add to the rule plan, and what it may never touch.

The rule plan holds the request's hard constraints: the number of images, every quoted text
(exact string, role, and the shot it belongs to), objects with their count, colour and
relation, negatives and characters, and the beats the request spelt out with their time of
day, weather and view. :func:`merge` copies those from the rule plan unconditionally; the
LLM's part (:class:`LlmPlan`, deliberately small and creative-only) can only

- fill ``style``/``setting``/``light``/``palette`` where the rules found none,
- set each existing shot's ``camera``, ``variation`` and ``light`` (unless the request spelt
  them out),
- write the beat of a shot the request left open (:func:`open_shots`: the story planner's
  stock fill, such as the invented arc of "a four-panel comic about a lost umbrella"): its
  ``beat`` and ``action``, and its ``time_of_day``/``weather`` where the request set none.
  A beat the request spelt out, and every shot the request addressed ("in the last panel
  …"), keeps the rule's beat, action, time, weather, view and characters,
- rewrite a shot's prompt, only if the new prompt still carries every quoted text of that
  shot verbatim and no quoted text of another shot, the request's own beat for that shot,
  and every object and character look the rule prompt carried, with the same count, colour
  and relation (otherwise the rule prompt stays; a shot with a new beat then gets the rule
  prompt with the new beat in place of the stock one),
- ask for a web search (``needs_facts`` and ``search_queries``).

Texts never move: each shot keeps the rule shot's texts. Shots the LLM adds beyond the rule
plan's count are ignored; shots it leaves out keep the rule shot. Pure Python, no model import.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable, Sequence, get_args

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from agent.planning.beats import addressed_clauses
from agent.planning.rules import extract_objects, extract_texts
from agent.planning.scene_state import time_of_day as read_time_of_day, weather as read_weather
from agent.planning.shots import VARIATIONS
from agent.planning.story import DIRECTIONS
from agent.planning.vocab import COLOURS, STOP
from tools.scene import Character, SceneObject, ScenePlan, Shot, TextElement, TimeOfDay, Weather

# Stock variety of the rule planner: the LLM may replace it (a request's own split may not).
_STOCK_PREFIX = "panel "
SEQUENCE_FILL = frozenset({"arc", "continued"})
"""``Shot.variation`` labels the story planner gives beats it invented to carry a story on (the
stock arc of a vague request, shots beyond the request's last beat): told in order, so time
and weather run on from the shot before."""
FILL_LABELS = SEQUENCE_FILL | frozenset(VARIATIONS) | frozenset(DIRECTIONS)
"""Every label of a beat the story planner invented rather than read from the request."""
TIMES_OF_DAY: tuple[str, ...] = get_args(TimeOfDay)
WEATHERS: tuple[str, ...] = get_args(Weather)
_BEAT_CHARS = 300


def _allowed(value: Any, allowed: tuple[str, ...], read: Callable[[str], str | None]) -> str | None:
    """``value`` if it is one of ``allowed``, else what the rule words make of it ("evening" →
    dusk, "sunny" → clear), else None: an unknown word drops the field, not the whole plan."""
    if not isinstance(value, str) or not value.strip():
        return None
    word = value.strip().lower()
    return word if word in allowed else read(word)


class LlmShot(BaseModel):
    """What the LLM may say about one shot."""

    model_config = ConfigDict(extra="ignore")

    beat: str | None = None
    """The moment this shot shows, in one short sentence ("the wind snatches the umbrella at
    the bus stop"). Used only where the request left the shot open; a beat the request spelt
    out stays as written."""
    action: str | None = None
    """What happens in the shot, in a few words ("umbrella flies away")."""
    time_of_day: TimeOfDay | None = None
    """When the shot happens, where the request did not say."""
    weather: Weather | None = None
    """The shot's weather, where the request did not say."""
    prompt: str | None = None
    """A richer, self-contained text-to-image prompt for this shot (composition, mood, detail).
    Must keep the shot's quoted texts verbatim and every object with its count and colour."""
    camera: str | None = None
    """Framing and angle ("low-angle close-up", "wide establishing shot")."""
    variation: str | None = None
    """What makes this shot differ from its siblings ("at dusk", "from behind")."""
    light: str | None = None
    """This shot's light when it should differ from the batch's ("stormy dusk")."""

    @field_validator("time_of_day", mode="before")
    @classmethod
    def _known_time(cls, value: Any) -> str | None:
        return _allowed(value, TIMES_OF_DAY, read_time_of_day)

    @field_validator("weather", mode="before")
    @classmethod
    def _known_weather(cls, value: Any) -> str | None:
        return _allowed(value, WEATHERS, read_weather)


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


WROTE_BEATS = "llm planner: wrote the beats of"
"""The start of the plan note that says the LLM wrote beats (read again after a search)."""


def is_stock(variation: str | None) -> bool:
    """Is ``variation`` stock variety (the LLM may replace it), not the request's own words?"""
    return variation is None or variation in FILL_LABELS or variation.startswith(_STOCK_PREFIX)


def _addressed(request: str, count: int) -> set[int]:
    """Shots the request addressed by position ("in the last panel she says 'X'")."""
    _, masked = extract_texts(request)
    targeted, _, _ = addressed_clauses(request, masked)
    return {index if index >= 0 else count + index for index in targeted if -count <= index < count}


def open_shots(plan: ScenePlan) -> list[bool]:
    """Per shot: did the story planner invent its beat (stock fill an LLM may write instead)?

    The story planner marks a beat it invented by its ``variation`` label (``FILL_LABELS``);
    a beat read from the request carries the request's own words there. A shot the request
    addressed by position keeps its beat even when the rest of it is stock: part is the
    request's."""
    addressed = _addressed(plan.request, len(plan.shots))
    return [shot.variation in FILL_LABELS and shot.index not in addressed for shot in plan.shots]


def _unquoted(text: str, texts: Sequence[TextElement]) -> str:
    # Quoted text is blanked so its words are not read as objects.
    for element in texts:
        text = text.replace(element.text, " ")
    return text


def _reads_back(found: dict[str, SceneObject], obj: SceneObject) -> bool:
    """Does the extractor read ``obj`` back from a text (``found``) with its count, colour and relation?"""
    seen = found.get(obj.name)
    return (seen is not None and seen.count == obj.count and (not obj.color or seen.color == obj.color)
            and (not obj.relation or seen.relation == obj.relation))


def _names(text: str, obj: SceneObject) -> bool:
    """Does ``text`` name one plain ``obj`` ("snatches the umbrella", which the extractor skips)?"""
    plain = obj.count == 1 and not obj.color and not obj.relation
    return plain and re.search(rf"(?<![\w-]){re.escape(obj.name)}(?:e?s)?(?![\w-])", text, re.I) is not None


def _says(text: str, words: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(words)}(?![\w-])", text, re.I) is not None


def _look_words(character: Character) -> set[str]:
    """The words that make a character recognisable: its name and its coloured things ("Juno",
    "yellow", "raincoat" of "a girl with a yellow raincoat"). Other words of a description
    ("lost", "old", "with") may be said another way."""
    words = re.findall(r"[a-z][a-z'-]*", character.description.lower())
    look = set(re.findall(r"[a-z][a-z'-]*", character.name.lower()))
    for at, word in enumerate(words):
        if word in COLOURS:
            look.add(word)
            if at + 1 < len(words) and words[at + 1] not in COLOURS:
                look.add(words[at + 1])
    for colour in character.colors.values():
        look.update(re.findall(r"[a-z][a-z'-]*", colour.lower()))
    return {w for w in look if len(w) > 2 and w not in STOP}


def foreign_texts(shot: Shot, plan: ScenePlan) -> list[str]:
    """Quoted texts of the plan's other shots that ``shot`` does not carry: they stay out of it."""
    own = {element.text for element in shot.texts}
    return list(dict.fromkeys(element.text for other in plan.shots if other.index != shot.index
                              for element in other.texts if element.text not in own))


def prompt_keeps_constraints(
    prompt: str, shot: Shot, *, characters: Sequence[Character] = (), foreign: Sequence[str] = ()
) -> bool:
    """Does ``prompt`` still carry what the rule prompt of ``shot`` carries: its quoted texts
    verbatim, the request's own beat, its objects with count, colour and relation, and the look
    of its characters; and none of the ``foreign`` texts (other shots')?"""
    if not prompt.strip():
        return False
    if any(element.text not in prompt for element in shot.texts):
        return False
    if any(_says(prompt, text) for text in foreign):
        return False
    if not is_stock(shot.variation) and shot.variation not in prompt:
        return False
    # What the rule prompt itself carries is the bar: an object the rules kept only in
    # shot.objects (drawn from there by layout and renderers) is not asked of the rewrite.
    reference = _unquoted(shot.long_prompt or shot.prompt, shot.texts)
    if shot.objects:
        prompt_text = _unquoted(prompt, shot.texts)
        carried = {obj.name: obj for obj in extract_objects(reference)}
        found = {obj.name: obj for obj in extract_objects(prompt_text)}
        for obj in shot.objects:
            if _reads_back(carried, obj) and not (_reads_back(found, obj) or _names(prompt_text, obj)):
                return False
    for character in characters:
        if character.id in shot.characters:
            needed = [w for w in _look_words(character) if _says(reference, w)]
            if not all(_says(prompt, w) for w in needed):
                return False
    return True


def _clean(text: str | None, limit: int = _BEAT_CHARS) -> str:
    return " ".join((text or "").split())[:limit].strip(" ,;")


def _invented_beat(shot: Shot, suggestion: LlmShot, previous: Shot | None, foreign: Sequence[str]) -> dict[str, Any]:
    """The fields an LLM's beat sets on an open shot: beat, action, and time and weather where
    the rule shot has none (a story's stock beat runs on from the shot before)."""
    beat = _clean(suggestion.beat)
    if not beat or any(_says(beat, text) for text in foreign):
        return {}
    runs_on = previous is not None and shot.variation in SEQUENCE_FILL
    update: dict[str, Any] = {"beat": beat, "action": _clean(suggestion.action, 200) or _clean(beat, 200)}
    if shot.time_of_day is None:
        update["time_of_day"] = suggestion.time_of_day or (previous.time_of_day if runs_on and previous else None)
    if shot.weather is None:
        update["weather"] = suggestion.weather or (previous.weather if runs_on and previous else None)
    return update


def _prompt_with_beat(shot: Shot, beat: str, characters: Sequence[Character]) -> str:
    """The rule prompt with ``beat`` in place of the stock beat, or leading it when the swap
    would lose a constraint the stock words carried."""
    base = shot.long_prompt or shot.prompt
    if shot.beat and shot.beat in base:
        swapped = base.replace(shot.beat, beat, 1)
        if prompt_keeps_constraints(swapped, shot, characters=characters):
            return swapped
    return f"{beat}, {base}"


def merge(rule_plan: ScenePlan, llm_part: LlmPlan, *, model_id: str = "llm") -> ScenePlan:
    """``rule_plan`` with the LLM's creative additions; every hard constraint of the rules kept."""
    notes = list(rule_plan.notes)
    shots: list[Shot] = []
    kept_prompts = refused_beats = written_beats = 0
    for shot, is_open in zip(rule_plan.shots, open_shots(rule_plan)):
        suggestion = llm_part.shots[shot.index] if shot.index < len(llm_part.shots) else None
        if suggestion is None:
            shots.append(shot)
            continue
        foreign = foreign_texts(shot, rule_plan)
        update: dict[str, Any] = {}
        if is_open and _clean(suggestion.beat):
            update = _invented_beat(shot, suggestion, shots[-1] if shots else None, foreign)
            written_beats += bool(update)
            refused_beats += not update
        if suggestion.prompt:
            if prompt_keeps_constraints(suggestion.prompt, shot, characters=rule_plan.characters, foreign=foreign):
                update.update(prompt=suggestion.prompt.strip(), long_prompt=None)
            else:
                kept_prompts += 1
        if "beat" in update and "prompt" not in update:
            update.update(prompt=_prompt_with_beat(shot, update["beat"], rule_plan.characters), long_prompt=None)
        user_variation = not is_stock(shot.variation)
        user_camera = shot.camera is not None and shot.camera != shot.variation
        if suggestion.variation and not user_variation:
            update["variation"] = suggestion.variation.strip()
        if suggestion.camera and not user_camera:
            update["camera"] = suggestion.camera.strip()
        if suggestion.light and not shot.light:
            update["light"] = suggestion.light.strip()
        shots.append(shot.model_copy(update=update))
    if written_beats:
        notes.append(f"{WROTE_BEATS} {written_beats} shot(s) the request left open")
    if refused_beats:
        notes.append(f"llm planner: kept the stock beat of {refused_beats} shot(s) whose new beat quoted another shot's text")
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
    here stays on record. When it wrote no beats, the shots the request left open keep the
    beats the first answer wrote. Hard constraints are the rule plan's in both, so nothing
    else moves.
    """
    shots = list(replan.shots)
    wrote_again = any(note.startswith(WROTE_BEATS) for note in replan.notes)
    if not wrote_again and len(earlier.shots) == len(shots):
        # The second answer wrote no beats (or failed): the open shots keep the first one's.
        keep = ("beat", "action", "time_of_day", "weather", "prompt", "long_prompt")
        shots = [shot.model_copy(update={k: getattr(before, k) for k in keep}) if is_open else shot
                 for shot, before, is_open in zip(shots, earlier.shots, open_shots(replan))]
    return replan.model_copy(
        update={
            "shots": shots,
            "style": replan.style or earlier.style,
            "setting": replan.setting or earlier.setting,
            "light": replan.light or earlier.light,
            "palette": replan.palette or earlier.palette,
            "needs_facts": replan.needs_facts or earlier.needs_facts,
            "search_queries": list(dict.fromkeys([*earlier.search_queries, *replan.search_queries])),
        }
    )
