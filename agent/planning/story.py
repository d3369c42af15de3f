"""The rule plan of a request as a story: one shot per beat, the world carried across them.

Each shot gets its own beat's quoted text, objects, time of day, weather and view; time and
weather are inherited from the shot before unless the beat changes them; characters keep
their look in every shot they are in; the shot prompt describes that moment, self-contained
(character look, action, setting, time, weather, style), never a copy of the whole request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.planning.arrangement import arrange, aspect_of, read_arrangement
from agent.planning.beats import VIEW_PATTERNS, Beat, Story, read_story
from agent.planning.clip_budget import CLIP_TOKENS, cut_to_clip
from agent.planning.nouns import is_thing, scene_nouns
from agent.planning.vocab import COLOURS, STOP
from agent.planning.rules import Constraints, extract_objects, extract_texts, light_word
from agent.planning.scene_state import PRONOUN, mentions, story_characters, time_of_day, weather
from agent.planning.shots import SEQUENCE_STYLES, VARIATIONS
from tools.scene import Character, SceneObject, TextElement
from tools.scenery import names_setting, setting_words

MAX_SHOTS = 8
# Shapes whose beats modify one shared subject ("front", "at noon", "spring"): every shot
# carries the subject and its objects. Other shapes' beats are whole moments.
SUBJECT_SHAPES = {"views", "times", "enumeration", "pairs", "before_after", "list", "single"}
# Shapes whose beats are variants side by side: each starts from the shared time and weather.
# "one … and another …" is one of them unless its second beat refers back ("another of him").
PARALLEL_SHAPES = {"views", "enumeration", "list"}
ARC = ["the beginning: {s}", "a problem appears: {s}", "things get worse: {s}", "the turning point: {s}",
       "the big moment: {s}", "the resolution: {s}", "the aftermath: {s}", "the ending: {s}"]
DIRECTIONS = ["bold minimal", "vintage retro", "playful hand-drawn", "elegant art deco", "modern geometric",
              "textured collage", "neon night", "soft watercolor"]
_SPEECH = re.compile(r"\b(?:says?|said|saying|shouts?|yells?|asks?|whispers?|exclaims?|replies|screams?|sings?|"
                     r"cries|calls? out)\b\s*[:,]?\s*$", re.I)
_REQUEST_VERBS = re.compile(
    r"^(?:(?:can|could|would) (?:you|u) (?:please )?(?:do|make|draw|create|show|give me|generate)|please|just|"
    r"make(?: me)?|draw|paint|show(?: me)?|generate|create|give me|gimme|i need|i want|need|render|design)\b[\s:,]*", re.I)
_COUNT_LEAD = re.compile(
    r"^(?:(?:a|an|the|\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d+)[\s-]+){0,2}"
    r"(?:(?:different|separate|more|new|coherent|consistent|product|comic|storyboard|panel|part|"
    r"page|picture|[a-z]+(?:-[a-z]+)?)\s+){0,2}?(?:comics?|comic strips?|strips?|storyboards?|stor(?:y|ies)|images?|pictures?|pics|photos?|panels?|shots?|frames?|slides?|"
    r"versions?|variations?|views?|takes?|ideas?|concepts?|directions?|drawings?|illustrations?|"
    r"scenes?|pages?|posters?|logos?|designs?|sketches|renders?)\b\s*(?:of|for|showing|about|with)?\s*", re.I)


@dataclass
class ShotDraft:
    beat: str
    view: str | None
    label: str | None
    texts: list[TextElement]
    objects: list[SceneObject]
    time: str | None
    weather: str | None
    characters: list[str]


def subject_of(shared: str) -> str:
    """The shared subject without the request's verbs and counts: "Make 4 pictures of the same
    mountain cabin" → "the same mountain cabin"."""
    text = shared
    for _ in range(3):
        text = _COUNT_LEAD.sub("", _REQUEST_VERBS.sub("", text.strip(" ,:;.-?!"))).strip(" ,:;.-?!")
        text = re.sub(r"^(?:of|for|showing|about)\s+", "", text, flags=re.I)
    return text


def _beat_subject(text: str) -> str:
    text = re.sub(r"^(?:(?:an?|the)\s+)?(?:image|picture|pic|photo|shot|one)\s+(?:of|showing|with)\s+", "", text, flags=re.I)
    return re.sub(r"^(?:of|showing)\s+", "", text, flags=re.I)


def _texts_for(beat_text: str, speaker_of: dict[str, str], main: str | None) -> list[TextElement]:
    texts, _ = extract_texts(beat_text)
    out = []
    for element in texts:
        at = beat_text.find(element.text)
        before = beat_text[: max(0, at - 1)]
        someone = PRONOUN.search(before) or any(re.search(rf"\b{re.escape(n)}\b", before, re.I) for n in speaker_of)
        if element.role == "bubble" or (_SPEECH.search(before) and someone):
            speaker = main
            for name, character_id in speaker_of.items():
                if re.search(rf"\b{re.escape(name)}\b", before, re.I):
                    speaker = character_id
            element = element.model_copy(update={"role": "bubble", "speaker": speaker})
        out.append(element)
    return out


def _present(text: str, characters: list[Character], previous: list[str], shape: str) -> list[str]:
    """Ids of the characters in a beat: named, or a pronoun for the last one named; in a shape
    whose beats are views or variants of one subject, the lead is always there."""
    named = [c.id for c in characters if mentions(text, c)]
    if named:
        return named
    if characters and (PRONOUN.search(text) or shape in SUBJECT_SHAPES or not text.strip()):
        return previous[-1:] or [characters[0].id]
    return previous[-1:] if characters and len(characters) == 1 else []


def _filled(beats: list[Beat], count: int, shared: str, constraints: Constraints) -> tuple[list[Beat], str]:
    """``count`` beats: the request's own, then beats that continue or vary them (never copies)."""
    if len(beats) >= count:
        return beats[:count], ""
    if not beats:
        subject = subject_of(shared)
        # The cue words are read from the request as written: the subject has them stripped.
        lower = shared.lower() + " " + " ".join(filter(None, [constraints.style]))
        if re.search(r"\b(?:directions?|concepts?|variations?|versions?|ideas?|options?|takes?|styles?|designs?|logos?)\b",
                     constraints_text(constraints) + " " + lower):
            return [Beat("", label=DIRECTIONS[i % len(DIRECTIONS)]) for i in range(count)], "directions"
        # An Instagram story is a format, not a tale.
        tale = re.sub(r"\b(?:instagram|insta|ig|fb|facebook|whatsapp)\s+stor(?:y|ies)\b|\bstory\s+(?:format|size|post)s?\b",
                      "", lower)
        if constraints.style in SEQUENCE_STYLES or re.search(r"\b(?:story|comic|panels?|storyboard|about|telling)\b", tale):
            arc = [ARC[min(i, len(ARC) - 2)] if i < count - 1 else ARC[-1] for i in range(count)]
            return [Beat(step.format(s=subject), label="arc") for step in arc], "arc"
        return [Beat("", label=VARIATIONS[i % len(VARIATIONS)]) for i in range(count)], "variations"
    extra = [Beat(f"{beats[-1].text}, {VARIATIONS[(i + 1) % len(VARIATIONS)]}", view=beats[-1].view, label="continued")
             for i in range(count - len(beats))]
    return beats + extra, ""


def constraints_text(constraints: Constraints) -> str:
    return " ".join(filter(None, [constraints.style, constraints.setting, constraints.camera]))


def plan_story(request_prompt: str, constraints: Constraints, count: int | None) -> tuple[list[dict], list[Character], list[str]]:
    """Per-shot fields (beat, prompt, view, time, weather, texts, objects, characters) for a
    request, the characters with their look, and notes (dropped beats, cut prompts)."""
    texts_all, masked = extract_texts(request_prompt)
    # A list laid out in one picture ("a 3x3 grid of 9 stickers: a cat, …") is one image, not a beat each.
    story = read_story(request_prompt, masked, count or (1 if read_arrangement(masked) else None))
    notes: list[str] = []
    wanted = count or len(story.beats) or 1
    if wanted > MAX_SHOTS:
        notes.append(f"the request asks for {wanted} images; limner draws at most {MAX_SHOTS}: "
                     f"{wanted - MAX_SHOTS} dropped")
        wanted = MAX_SHOTS
    beats, filled = _filled(story.beats, wanted, story.shared, constraints)
    if len(story.beats) > wanted:
        dropped = "; ".join(b.text or b.label or "" for b in story.beats[wanted:])
        notes.append(f"{len(story.beats) - wanted} beat(s) beyond {wanted} images dropped: {dropped}")
    # The lead is in every shot when the shots are views of one subject, an invented arc, or
    # clauses that go on without a subject ("a skater doing a kickflip then grinding down a rail").
    goes_on = any(re.match(r"\s*(?:[a-z]+ing|and\s+[a-z]+ing)\b", b.text, re.I) for b in story.beats[1:])
    characters = story_characters(request_prompt, constraints.characters, several=wanted > 1,
                                  lead_anyway=story.shape in SUBJECT_SHAPES or not story.beats or goes_on)
    if not characters and filled == "arc":  # "a comic about a cloud that wants to be a sheep": the cloud
        subject = subject_of(story.shared)
        heads = scene_nouns(subject)
        if heads:
            noun = heads[0]
            phrase = re.search(rf"\b(?:a|an|the)\s+((?:[\w-]+\s+){{0,3}}?){re.escape(noun)}", subject, re.I)
            characters = [Character(id=re.sub(r"[^a-z0-9]+", "-", noun), name=noun, species=noun,
                                    description=f"{phrase[1] if phrase else ''}{noun}".strip())]
    speaker_of = {c.name: c.id for c in characters}
    main = characters[0].id if characters else None
    shared = story.shared
    # A text quoted in the shared part and again in one beat belongs to that beat ("the title … on page 1").
    shared_texts = [t for t in _texts_for(shared, speaker_of, main) if not any(t.text in b.text for b in beats)]
    dealt = _one_text_each(shared, shared_texts, len(beats))
    if dealt:  # "a sticky note showing the day: 'MON', 'TUE', 'WED', 'THU', 'FRI'": one per shot
        shared_texts = []
    _, shared_unquoted = extract_texts(shared)
    species = {c.species for c in characters if c.species} | {c.name.lower() for c in characters}
    # A character's name and look are the character, not props: "Vex … with silver hair" has no object "hair".
    exclude = species | {w for c in characters for w in re.findall(r"[a-z]+", f"{c.name} {c.description or ''}".lower())}
    if constraints.setting:  # the place is the backdrop, not a prop ("a dog in the park", "on the moon")
        exclude |= set(constraints.setting.lower().split())  # "coffee shop": neither coffee nor shop
    shared_objects = [o for o in extract_objects(shared_unquoted) if o.name not in exclude and is_thing(o.name)
                      and not (constraints.setting and o.relation is None and names_setting(o.name))]
    if story.shape in SUBJECT_SHAPES or filled or re.search(r"\bsame\b", shared_unquoted, re.I):
        # the subject every shot shows ("four seasons of a cabin", "4 pictures of the same cabin: …")
        shared_objects += [SceneObject(name=n) for n in scene_nouns(subject_of(shared_unquoted), exclude)
                           if not any(_same_thing(n, o.name) or n in o.name.split() for o in shared_objects)
                           and not (constraints.setting and names_setting(n))]  # "a city street": the backdrop
    start_time, start_weather = time_of_day(shared_unquoted), weather(shared_unquoted)
    for clause in _THROUGHOUT.findall(masked) + _IT_WAS.findall(masked):  # "its pouring rain the whole time",
        # "It was a rainy Saturday morning.": every shot, from the start
        start_time, start_weather = time_of_day(clause) or start_time, weather(clause) or start_weather
    subject = subject_of(shared) if story.shape in SUBJECT_SHAPES or filled else ""
    drafts: list[ShotDraft] = []
    previous: list[str] = []
    time_now, weather_now = start_time, start_weather
    same_subject = bool(re.search(r"\bsame\b", shared_unquoted, re.I))
    # "side view on all of them", "overhead shots, same table for all": a camera said once, for every shot
    base_view = _view_in(shared_unquoted) or (_view_in(" ".join(_THROUGHOUT.findall(masked))) if story.shape != "views" else None)
    base_view = base_view if story.shape != "views" and len(beats) > 1 else None  # "4 pictures of the same cabin: (1) summer …"
    # "one at night and one in a forest" are variants; "… and another of him meditating" goes on.
    parallel = story.shape in PARALLEL_SHAPES or (story.shape == "pairs" and not any(
        PRONOUN.search(b.text) or re.search(r"\b(?:same|later|then|next|afterwards|again)\b", b.text, re.I)
        for b in beats[1:]))
    for index, beat in enumerate(beats):
        asks = index == 0 and story.shape in ("clauses", "sentences") and _ASKS.match(beat.text)
        own_text = subject_of(beat.text) if asks else beat.text  # "gimme 3 pics of a skater doing …"
        text = " ".join([own_text or beat.text, *_clauses_for(story, index, len(beats))]).strip()
        _, unquoted = extract_texts(text)
        label_words = f"{beat.label or ''} {beat.view or ''}"
        if parallel:  # variants side by side, not one after another
            time_now, weather_now = start_time, start_weather
        time_now = time_of_day(unquoted) or time_of_day(label_words) or time_now
        weather_now = weather(unquoted) or weather_now
        present = _present(unquoted, characters, previous, story.shape)
        previous = present or previous
        objects = [o for o in extract_objects(unquoted) if o.name not in exclude and is_thing(o.name)
                   and not (constraints.setting and o.relation is None and names_setting(o.name))]  # "a city street"
        # Stock beats (an invented arc, design directions) name no props of their own.
        nouns = scene_nouns(unquoted, exclude) if len(beats) > 1 and not filled else []
        objects += [SceneObject(name=n) for n in nouns if not any(_same_thing(n, o.name) for o in objects)]
        if not objects and drafts and re.search(r"\bsame\b", unquoted, re.I):  # "the same lighthouse"
            objects = list(drafts[-1].objects)
        carried = [o for o in drafts[-1].objects[:1] if not any(_same_thing(o.name, x.name) for x in objects)] \
            if drafts and _IT.search(unquoted) else []
        objects = carried + objects  # "next it lifts off": the balloon of the shot before
        if story.shape in SUBJECT_SHAPES or filled or not story.beats or same_subject:
            objects = _merge_objects(shared_objects, objects)
        if filled == "arc" and index == 0 and characters and len(beats) > 2:
            objects = []  # an invented arc opens on its lead alone: the props arrive with the story
        texts = shared_texts + (dealt[index:index + 1] if dealt else []) + \
            _texts_for(text, speaker_of, present[0] if present else main)
        # "a 4 by 4 grid of …: a blue star, a red triangle, …": each listed item its own cell, in order
        objects = arrange([unquoted, shared_unquoted], objects, texts, aspect_of(constraints.aspect), present)
        drafts.append(ShotDraft(text, beat.view or _view_in(unquoted) or base_view, beat.label, texts, objects,
                                time_now, weather_now, present))
    if not story.beats and len(drafts) > 1:
        # A single moment asked several times: quoted text addressed to one shot stays there.
        targeted_texts = {t.text for clauses in story.targeted.values() for c in clauses for t in extract_texts(c)[0]}
        for index, draft in enumerate(drafts):
            own = {t.text for c in _clauses_for(story, index, len(drafts)) for t in extract_texts(c)[0]}
            unique = {t.text: t for t in draft.texts}.values()
            draft.texts = [t for t in unique if t.text not in targeted_texts or t.text in own]
    shots = []
    for index, draft in enumerate(drafts):
        own = bool(story.beats) and index < len(story.beats) and bool(draft.beat) and not filled
        if len(drafts) == 1 and not story.beats:  # one image: the request itself is the best prompt
            long_prompt = re.sub(r"\s+", " ", request_prompt).strip().rstrip(".")
        else:
            long_prompt = _compose(draft, subject, characters, constraints, story.shape, filled)
        prompt = cut_to_clip(long_prompt)
        if prompt != long_prompt:
            notes.append(f"shot {index + 1}: prompt cut to {CLIP_TOKENS} CLIP tokens (long form kept in long_prompt)")
        shots.append({"beat": draft.beat or draft.label, "prompt": prompt,
                      "long_prompt": long_prompt if prompt != long_prompt else None, "view": draft.view,
                      "time_of_day": draft.time, "weather": draft.weather, "texts": draft.texts,
                      "objects": draft.objects, "characters": draft.characters,
                      "variation": draft.label or draft.view or (_beat_subject(draft.beat) if own else None),
                      "light": light_word(draft.beat) if own else None,
                      "setting": setting_words(draft.beat.lower()) if own else None,
                      "action": _action(draft.beat)})
    return shots, characters, notes


_ASKS = re.compile(r"\s*(?:gimme|give me|make|draw|create|generate|show|paint|render|i need|i want|can you|could you|"
                   r"please|\d+|two|three|four|five|six|seven|eight)\b", re.I)
_THROUGHOUT = re.compile(r"[^.;:!?]*\b(?:the whole time|all day(?: long)?|all night(?: long)?|throughout|the entire time|"
                         r"all the time|in every (?:panel|shot|image|picture|frame|one)|in all (?:panels|shots|images|pictures)|"
                         r"in all of them|in (?:all|each of the|both) (?:two|three|four|five|six|seven|eight)|in each (?:one|of them)|"
                         r"the whole (?:day|night|story|comic))\b[^.;:!?]*", re.I)
_IT_WAS = re.compile(r"(?:^|(?<=[.!?]\s))\s*it\s+(?:was|is|'s|’s)\s+[^.!?]*", re.I)
_IT = re.compile(r"\b(?:it|its)\b(?!['’]s|\s+(?:is|was)\s+(?:raining|snowing|night|dark|morning|sunny|foggy|late|early))"
                 r"(?!\s+(?:pouring|raining|snowing|storming|foggy|sunny|night|dark|cold|hot|late|early)\b)", re.I)


def _one_text_each(shared: str, texts: list[TextElement], shots: int) -> list[TextElement]:
    """The shared part's quoted texts when they are a list with one text per shot, else []."""
    if shots < 2 or len(texts) != shots:
        return []
    quoted = [re.escape(t.text) for t in texts]
    listed = r"\s*(?:,|/|;|\band\b|\bthen\b)?\s*".join(rf"[\"'“‘]\s*{q}\s*[\"'”’]" for q in quoted)
    return list(texts) if re.search(listed, shared) else []


def _same_thing(a: str, b: str) -> bool:
    """"umbrella" and "red umbrella", "rock" and "rock": one object named twice."""
    return a == b or a.endswith(" " + b) or b.endswith(" " + a)


def _clauses_for(story: Story, index: int, count: int) -> list[str]:
    """The clauses the request addressed to shot ``index`` ("in the last panel …")."""
    return story.targeted.get(index, []) + (story.targeted.get(-1, []) if index == count - 1 else [])


def _merge_objects(shared: list[SceneObject], own: list[SceneObject]) -> list[SceneObject]:
    names = {o.name for o in own}
    return [*[o for o in shared if o.name not in names], *own]


# Inside a beat, "front", "back" and "side" are views only when said as views ("on his back" is not).
_BEAT_VIEW_PATTERNS = [(view, {"front": r"from the front|front view", "back": r"from behind|back view|from the back",
                               "top": r"top[- ]down|from (?:directly )?above|top view|overhead(?: shots?| view)?|bird'?s[- ]eye",
                               "side": r"from the side|side view|side profile|profile view"}.get(view, pattern))
                       for view, pattern in VIEW_PATTERNS]


def _view_in(text: str) -> str | None:
    """The view a beat's own words ask for, or None."""
    return next((view for view, pattern in _BEAT_VIEW_PATTERNS
                 if re.search(rf"(?<![\w-])(?:{pattern})(?![\w-])", text, re.I)), None)


def _action(beat: str) -> str | None:
    _, unquoted = extract_texts(beat)
    text = re.sub(r"\s+", " ", unquoted).strip(" ,.;:")
    return text[:200] or None


def _compose(draft: ShotDraft, subject: str, characters: list[Character], constraints: Constraints,
             shape: str, filled: str) -> str:
    """A self-contained prompt for one shot: look, action, setting, time, weather, style."""
    beat = _beat_subject(draft.beat)
    if filled == "directions":
        core = f"{subject}, {draft.label} design direction"
    elif filled == "arc":
        core = draft.beat
    elif filled == "variations":  # stock variety: the subject, seen differently in each shot
        core = f"{subject}, {draft.label}"
    elif subject and shape in SUBJECT_SHAPES:
        core = f"{subject}, {beat}" if beat and beat.lower() not in subject.lower() else subject or beat
    else:
        core = beat or subject
    present = [c for c in characters if c.id in draft.characters]
    if present:  # "him meditating" → "the samurai meditating": a shot prompt stands alone
        who = present[0].name if present[0].name != present[0].species else f"the {present[0].name}"
        core = re.sub(r"^(?:he|she|they|him|her|them)\b(?:'s|’s)?", lambda m: who + ("'s" if "s" in m[0][-2:] and "'" in m[0] else ""),
                      core.strip(" ,"), count=1, flags=re.I)
    if present and re.match(r"(?:[a-z]+ing)\b", core.strip(" ,")):  # "grinding down a rail" → "the skater grinding …"
        core = f"{who} {core.strip(' ,')}"
    parts = [core.strip(" ,")]
    if draft.view and not re.search(rf"\b{re.escape(draft.view)}\b", core, re.I):
        parts.append(f"{draft.view} view")
    for character in characters:
        if character.id in draft.characters and character.description:
            missing = [w for w in re.findall(r"[\w'-]+", character.description.lower()) if w not in core.lower()]
            if missing:
                same = character.description.lower() == character.name.lower()
                parts.append(character.description if same else f"{character.name}: {character.description}")
    if constraints.setting and constraints.setting.lower() not in core.lower():
        parts.append(f"in {constraints.setting}" if not constraints.setting.startswith(("in ", "at ")) else constraints.setting)
    if draft.time and not re.search(draft.time, core, re.I):
        parts.append({"night": "at night", "dawn": "at dawn", "dusk": "at dusk", "noon": "at noon"}.get(draft.time, f"in the {draft.time}"))
    if draft.weather and draft.weather != "clear" and draft.weather not in core.lower():
        parts.append({"rain": "in the rain", "snow": "in the snow", "fog": "in fog", "storm": "in a storm",
                      "cloudy": "under a cloudy sky", "wind": "on a windy day"}[draft.weather])
    elif draft.weather == "clear" and not re.search(r"sun|clear", core, re.I):
        parts.append("clear sky")
    for element in draft.texts:
        if element.text not in ", ".join(parts):
            parts.append(f"{element.role} reading \"{element.text}\"")
    if constraints.style and constraints.style.lower() not in core.lower():
        parts.append(f"{constraints.style} style")
    return ", ".join(p for p in parts if p)
