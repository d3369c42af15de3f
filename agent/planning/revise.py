"""Follow-ups in a conversation: "make her coat blue", "in panel 2 make it night", "add a cat to
the last one", "remove the umbrella from panel 3", "change the text to 'OPEN LATE'", "now show
her from behind in the last one, and make it night".

A follow-up edits the previous plan instead of planning anew: only the shots the change
touches are drawn again, with their old seeds, so what was not asked does not change.

The follow-up is read part by part (split at ",", ";", "and", "then"). A part names its shots
("panel 2", "the first two", "panels 2 and 3", "the one where she finds the umbrella") or
keeps the shots of the part before it (no part names any: all shots). Every part is either
applied or listed in ``Revision.not_understood``, never dropped. When no part is understood,
the instruction is not a change to the previous plan: ``revise`` returns None and the caller
plans anew.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from agent.planning.beats import ORDINALS
from agent.planning.clip_budget import fits, split_prompt
from agent.planning.objects import singular
from agent.planning.rules import extract_objects, extract_texts
from agent.planning.scene_state import TIMES, WEATHERS, time_of_day, weather
from agent.planning.vocab import COLOURS, NUMBER_WORDS, STOP
from tools.scene import Character, SceneObject, ScenePlan, Shot

_SLOTS = ("coat|jacket|dress|shirt|scarf|hat|cloak|robe|hair|fur|skin|feathers|trousers|pants|skirt|shorts|tie|bow|"
          "boots|shoes|outfit|clothes|suit|top|eyes")
_COLOUR = "|".join(COLOURS)
_PRONOUNS = r"her|his|their|its|the"
# A follow-up's view words → (camera text for the prompt, the typed ``Shot.view`` or None).
_VIEWS: dict[str, tuple[str, str | None]] = {
    r"from behind|from the back|back view": ("seen from behind", "back"),
    r"from the side|side view|in profile": ("side view", "side"),
    r"from the front|front view": ("seen from the front", "front"),
    r"three[- ]quarters? view|3/4 view": ("three-quarter view", "three-quarter"),
    r"close[- ]?up": ("close-up", "close-up"),
    r"wide shot|from far away|from afar": ("wide shot", "wide"),
    r"from above|top[- ]down|bird'?s[- ]eye": ("seen from above", "top"),
    r"from below|low angle": ("low angle, looking up", None),
}
_TIME_WORDS = {"dawn": "at dawn", "morning": "in the morning", "noon": "at noon", "afternoon": "in the afternoon",
               "dusk": "at dusk", "night": "at night"}
_WEATHER_WORDS = {"clear": "under a clear sunny sky", "rain": "in the rain", "snow": "in the snow", "fog": "in fog",
                  "storm": "in a storm", "cloudy": "under a cloudy sky", "wind": "on a windy day"}

_SHOT_NOUN = r"(?:image|picture|pic|shot|panel|frame|version|slide|scene)s?"
_NTH = rf"(?:{'|'.join(ORDINALS)}|last|\d(?:st|nd|rd|th))"
_COUNT = "|".join(word for word, number in NUMBER_WORDS.items() if 2 <= number <= 8)
_PREP = r"(?:(?:in|on|to|from|for|of|at)\s+)?"
_EDIT_VERBS = (r"make|turn|set|change|switch|put|move|have|let|show|add|remove|take|give|paint|colou?r|redraw|place|"
               r"include|insert|delete|erase|get|drop|lose|keep|use|try|do")
_FIRST_LAST = re.compile(rf"{_PREP}(?:the\s+)?(first|last)\s+({_COUNT}|[2-8])(?:\s+(?:{_SHOT_NOUN}|ones))?\b"
                         rf"(?!\s+[a-z]+s\b)")
_NUMBERED = re.compile(rf"{_PREP}(?:the\s+)?{_SHOT_NOUN}\s*#?\s*(\d)((?:\s*(?:,|and|&|-|–|to|through)\s*#?\s*\d)*)\b")
_ORDINAL_SHOTS = re.compile(rf"{_PREP}the\s+({_NTH}(?:\s*(?:,|and|&)\s*(?:the\s+)?{_NTH})*)"
                            rf"(?:\s+(?:one|{_SHOT_NOUN})\b|\s*$)")
_BEAT_SHOT = re.compile(rf"{_PREP}the\s+(?:one|{_SHOT_NOUN})\s+(?:where|in which|when|with|that has|showing)\s+"
                        rf"(.+?)(?=\s+(?:{_EDIT_VERBS})\b|\s*$)")
_CONNECTIVES = re.compile(r"^(?:(?:and|then|but|also|now|so|ok|okay|please|oh|plus|next|finally|lastly)\b[\s,]*)+")
# Words a change may carry besides its own ("make it night instead", "at sunset please").
_FILLER = set("it it's its the a an her him them his their she he they instead please now too also as well view "
              "shot angle again more bit little this that one so very time scene sky weather day at in on during "
              "by under from of with to be is look looks like feel stop stops no more thanks thank you everything all".split())
_SPLIT = re.compile(r"[;,!?]|\.(?=\s|$)|\bthen\b|\band\b")
# After "and" or ",", these continue a list of shots or things ("panels 2 and 3", "a cat and a dog").
_LIST_GOES_ON = re.compile(rf"\s*(?:the\s+)?(?:\d|#|{_NTH}\b|(?:{_COUNT})\b|an?\b|some\b)")


@dataclass
class Revision:
    """What a follow-up changed: the new plan, the shots that must be drawn again, and the
    parts of the follow-up that could not be applied (each with why, when known)."""

    plan: ScenePlan
    changed_shots: list[int]
    changes: list[str] = field(default_factory=list)
    not_understood: list[str] = field(default_factory=list)


class _NotApplied(Exception):
    """A part was read as a change that the plan cannot take ("remove the umbrella" where there is none)."""


@dataclass
class _Part:
    text: str
    """The part as written (quotes kept), without the words that name its shots."""
    lower: str
    """The same, lower case, with quoted text blanked (same length)."""


def _split(instruction: str) -> list[_Part]:
    """The instruction's parts, cut at ",", ";", "and", "then" outside quotes."""
    _, masked = extract_texts(instruction)
    lower = masked.lower()
    cuts = [m.span() for m in _SPLIT.finditer(lower)
            if not (m[0] in (",", "and") and _LIST_GOES_ON.match(lower, m.end()))]
    parts, start = [], 0
    for begin, end in [*cuts, (len(instruction), len(instruction))]:
        if instruction[start:begin].strip():
            parts.append(_Part(instruction[start:begin], lower[start:begin]))
        start = end
    return parts


def _without_span(part: _Part, start: int, end: int) -> _Part:
    return _Part(part.text[:start] + " " * (end - start) + part.text[end:],
                 part.lower[:start] + " " * (end - start) + part.lower[end:])


def _stripped(part: _Part) -> _Part:
    """The part without surrounding space and leading connectives ("and then", "now"); both
    strings keep the same length so that positions in one are positions in the other."""
    start = len(part.text) - len(part.text.lstrip())
    end = len(part.text.rstrip(" \t\n.!?"))
    text, lower = part.text[start:end], part.lower[start:end]
    connective = _CONNECTIVES.match(lower)
    cut = connective.end() if connective else 0
    return _Part(text[cut:], lower[cut:])


def _number(word: str, count: int) -> int:
    """A 0-based shot index for "2", "second", "2nd", "last"."""
    if word == "last":
        return count - 1
    if word in ORDINALS:
        return ORDINALS[word] - 1
    return int(re.match(r"\d+", word)[0]) - 1


def _stem(word: str) -> str:
    word = singular(word)
    return re.sub(r"(?:ing|ed)$", "", word) if len(word) > 5 else word


def _words(text: str) -> set[str]:
    return {_stem(w) for w in re.findall(r"[a-z]+", text.lower())
            if len(w) > 2 and w not in STOP and w not in _FILLER}


def _beat_shot(phrase: str, shots: list[Shot]) -> int:
    """The shot whose beat (or action, objects, prompt) the phrase describes best; a word every
    shot shares tells nothing. Raises _NotApplied when none or several fit equally."""
    described = [_words(" ".join(filter(None, [s.beat, s.action, *[o.name for o in s.objects]])) or s.prompt)
                 for s in shots]
    scores = []
    for words in described:
        scores.append(sum(1 for w in _words(phrase) if w in words
                          and (len(shots) == 1 or sum(w in d for d in described) < len(shots))))
    best = max(scores, default=0)
    winners = [i for i, score in enumerate(scores) if score == best]
    if best == 0:
        raise _NotApplied(f"no shot where {phrase}")
    if len(winners) > 1:
        raise _NotApplied(f"{phrase!r} fits shots {', '.join(str(i + 1) for i in winners)} alike")
    return winners[0]


def _targets(part: _Part, shots: list[Shot]) -> tuple[list[int] | None, _Part]:
    """The shots a part names (None: it names none) and the part without those words.
    Raises _NotApplied for a shot the batch does not have."""
    count = len(shots)
    named: list[int] = []
    found = False
    for pattern in (_BEAT_SHOT, _FIRST_LAST, _NUMBERED, _ORDINAL_SHOTS):
        for match in list(pattern.finditer(part.lower)):
            if not part.lower[match.start():match.end()].strip():
                continue  # already taken by an earlier pattern
            found = True
            if pattern is _BEAT_SHOT:
                named.append(_beat_shot(match[1], shots))
            elif pattern is _FIRST_LAST:
                many = NUMBER_WORDS.get(match[2]) or int(match[2])
                if many > count:
                    raise _NotApplied(f"the batch has only {count} shots")
                named += list(range(many)) if match[1] == "first" else list(range(count - many, count))
            elif pattern is _NUMBERED:
                numbers = [match[1], *re.findall(r"\d", match[2])]
                joiners = re.findall(r"(-|–|to|through|,|and|&)\s*#?\s*\d", match[2])
                named.append(int(numbers[0]) - 1)
                for joiner, number in zip(joiners, numbers[1:]):
                    if joiner in ("-", "–", "to", "through"):
                        named += list(range(named[-1] + 1, int(number)))
                    else:
                        named.append(int(number) - 1)
            else:
                named += [_number(w, count) for w in re.findall(_NTH, match[1])]
            part = _without_span(part, match.start(), match.end())
    outside = sorted({i + 1 for i in named if not 0 <= i < count})
    if outside:
        raise _NotApplied(f"there is no shot {', '.join(map(str, outside))} — the batch has {count}")
    return (sorted(set(named)) if found else None), part


def _is_change(text: str, span: tuple[int, int], names: set[str]) -> bool:
    """Is this part a change ("make it night", "at sunset", "show Mira from behind") rather than a
    new request that happens to say it ("a poster of a lighthouse at night")? A change says
    nothing else: its other words are verbs of change, fillers, names, times and weathers."""
    rest = text[: span[0]] + " " + text[span[1]:]
    return all(w in _FILLER or w in names or re.fullmatch(_EDIT_VERBS, w) or time_of_day(w) or weather(w)
               for w in re.findall(r"[a-z']+", rest))


def _first_match(patterns: list[tuple[str, str]], value: str, text: str) -> re.Match[str] | None:
    """Where ``text`` says ``value`` in the words of ``patterns`` (scene_state's lists)."""
    matches = [m for pattern, v in patterns if v == value
               for m in [re.search(rf"(?<![\w-])(?:{pattern})(?![\w-])", text)] if m]
    return min(matches, key=lambda m: m.start(), default=None)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,;])", r"\1", text)
    text = re.sub(r"([,;])(?:\s*[,;])+", r"\1", text)
    return text.strip(" ,;")


def _sub_outside_quotes(pattern: str, repl: str, text: str) -> str:
    """``re.sub`` that never touches quoted text (a sign reading "GOOD MORNING" stays as it is)."""
    _, masked = extract_texts(text)
    out, last = [], 0
    for match in re.finditer(pattern, masked, flags=re.I):
        out += [text[last:match.start()], repl]
        last = match.end()
    return "".join(out) + text[last:]


def _edit_prompt(shot: Shot, rewrite: Callable[[str], str] | None = None, append: str | None = None) -> None:
    """Change the shot's description and keep ``prompt`` within CLIP's budget: what the user just
    asked for goes right after the subject when the end of the prompt would be cut."""
    long_form = shot.long_prompt or shot.prompt
    short = shot.prompt
    if rewrite is not None:
        long_form, short = _tidy(rewrite(long_form)), _tidy(rewrite(short))
    if append and append.lower() not in long_form.lower():
        long_form = f"{long_form}, {append}"
    if append and append.lower() not in short.lower():
        candidate = f"{short}, {append}"
        if not fits(candidate):
            head, _, tail = short.partition(", ")
            candidate = f"{head}, {append}" + (f", {tail}" if tail else "")
        short = split_prompt(candidate)[0]
    if not short:
        short = split_prompt(long_form)[0]
    shot.prompt = short
    shot.long_prompt = long_form if long_form != short else None


_AROUND = r"(?:(?:at|in|during|by|on|under|before|after)\s+)?(?:(?:the|a|an)\s+)?(?:(?:next|early|late|this)\s+)?"


def _without_words(patterns: list[tuple[str, str]], tail: str = "") -> Callable[[str], str]:
    """A rewrite that drops what the prompt said in ``patterns`` ("at sunset", "in the rain")."""
    def rewrite(text: str) -> str:
        for pattern, _ in patterns:
            text = _sub_outside_quotes(rf"(?<![\w-]){_AROUND}(?:{pattern})(?![\w-]){tail}", "", text)
        return text
    return rewrite


def _shot_list(indexes: list[int]) -> str:
    return ", ".join(str(i + 1) for i in indexes)


class _Reviser:
    """Applies the parts of one follow-up to a copy of the previous plan."""

    def __init__(self, plan: ScenePlan) -> None:
        self.plan = plan
        self.changed: set[int] = set()
        self.changes: list[str] = []
        self.names = {w for c in plan.characters for w in c.name.lower().split()}
        self.handlers = [self.character_colour, self.object_colour, self.text, self.view, self.time, self.weather,
                         self.add, self.remove]

    def shots(self, indexes: list[int]) -> list[Shot]:
        return [s for s in self.plan.shots if s.index in indexes]

    def apply(self, part: _Part, targets: list[int]) -> None:
        """Apply every change the part asks for; raises _NotApplied when it asks for none."""
        applied, reasons = False, []
        for handler in self.handlers:
            try:
                applied = handler(part, targets) or applied
            except _NotApplied as why:
                reasons.append(str(why))
        if not applied:
            raise _NotApplied(reasons[0] if reasons else "")

    # 1. A character's colour: "make her coat blue", "Mira's scarf to red".
    def character_colour(self, part: _Part, targets: list[int]) -> bool:
        names = "|".join(re.escape(c.name.lower()) for c in self.plan.characters) or "(?!)"
        applied = False
        for match in re.finditer(rf"\b(?:({names})'s|{_PRONOUNS})\s+({_SLOTS})\s+(?:to |into |be |is )?({_COLOUR})\b",
                                 part.lower):
            who, slot, colour = match[1], match[2], match[3]
            for character in [c for c in self.plan.characters if who is None or c.name.lower() == who]:
                old = character.colors.get(slot)
                character.colors[slot] = colour
                self.changes.append(f"{character.name}: {slot} → {colour}")
                applied = True
                for shot in self.shots(targets):
                    if character.id in shot.characters:
                        self._recolour(shot, old, slot, colour, f"{character.name}'s {slot} {colour}")
        return applied

    def _recolour(self, shot: Shot, old: str | None, noun: str, colour: str, phrase: str) -> None:
        said = old and re.search(rf"\b{re.escape(old)}(?=\s+(?:[a-z-]+\s+)?{re.escape(noun)})", shot.long_prompt or shot.prompt, re.I)
        if said:
            _edit_prompt(shot, rewrite=lambda text: _sub_outside_quotes(
                rf"\b{re.escape(old)}(?=\s+(?:[a-z-]+\s+)?{re.escape(noun)})", colour, text))
        else:
            _edit_prompt(shot, append=phrase)
        self.changed.add(shot.index)

    # 2. An object's colour: "make the balloons blue".
    def object_colour(self, part: _Part, targets: list[int]) -> bool:
        applied = False
        for match in re.finditer(rf"\b(?:make|turn|paint|colou?r|change)\s+(?:all\s+)?the\s+([a-z ]+?)\s+"
                                 rf"(?:to |into )?({_COLOUR})\b", part.lower):
            name, colour = singular(match[1].strip()), match[2]
            if name in _SLOTS.split("|"):
                continue  # "the coat": a character's colour, handled above
            found = False
            for shot in self.shots(targets):
                for obj in [o for o in shot.objects if o.name == name]:
                    old, obj.color = obj.color, colour
                    self._recolour(shot, old, name, colour, f"{colour} {name}")
                    self.changes.append(f"shot {shot.index + 1}: {name} → {colour}")
                    found = applied = True
            if not found:
                raise _NotApplied(f"no {name} in shot {_shot_list(targets)}")
        return applied

    # 3. Text: "change the text to 'OPEN LATE'", "make it say 'X'".
    def text(self, part: _Part, targets: list[int]) -> bool:
        texts, _ = extract_texts(part.text)
        if not texts or not re.search(r"\b(text|say|says|read|reads|sign|title|caption|word|words)\b", part.lower):
            return False
        new = texts[0].text
        applied = False
        for shot in self.shots(targets):
            if shot.texts:
                old = shot.texts[0].text
                shot.texts[0] = shot.texts[0].model_copy(update={"text": new})
                _edit_prompt(shot, rewrite=lambda prompt: prompt.replace(old, new))
                self.changed.add(shot.index)
                self.changes.append(f"shot {shot.index + 1}: text {old!r} → {new!r}")
                applied = True
        if not applied:
            raise _NotApplied(f"no text in shot {_shot_list(targets)} to change")
        return True

    # 4. A new view: "now show her from behind".
    def view(self, part: _Part, targets: list[int]) -> bool:
        for pattern, (camera, view) in _VIEWS.items():
            match = re.search(rf"\b(?:{pattern})\b", part.lower)
            if match and _is_change(part.lower, match.span(), self.names):
                for shot in self.shots(targets):
                    shot.camera = shot.variation = camera
                    shot.view = view or shot.view  # "low angle" has no typed view; the camera says it
                    _edit_prompt(shot, append=camera)
                    self.changed.add(shot.index)
                self.changes.append(f"view → {camera} (shots {_shot_list(targets)})")
                return True
        return False

    # 5. Time of day: "make it night", "at sunset" (scene_state's words and values).
    def time(self, part: _Part, targets: list[int]) -> bool:
        when = time_of_day(part.lower)
        match = _first_match(TIMES, when, part.lower) if when else None
        if match is None or not _is_change(part.lower, match.span(), self.names):
            return False
        said = re.search(rf"\b(?:at|in the|during the|during|by)\s+(?:the\s+)?{re.escape(match[0])}\b", part.lower)
        phrase = said[0] if said else _TIME_WORDS[when]
        for shot in self.shots(targets):
            shot.time_of_day = when
            _edit_prompt(shot, rewrite=_without_words(TIMES), append=phrase)
            self.changed.add(shot.index)
            self.changes.append(f"shot {shot.index + 1}: time of day → {when}")
        return True

    # 6. Weather: "make it rain", "add snow", "make it sunny", "stop the rain".
    def weather(self, part: _Part, targets: list[int]) -> bool:
        kind = weather(part.lower)
        match = _first_match(WEATHERS, kind, part.lower) if kind else None
        if match is None or not _is_change(part.lower, match.span(), self.names):
            return False
        if kind != "clear" and re.search(r"\b(?:stop|stops|no more|without|remove|get rid of|take away)\b", part.lower):
            kind = "clear"
        said = re.search(rf"\b(?:in|under|on)\s+(?:the|a|an)?\s*(?:[a-z]+\s+)?{re.escape(match[0])}\b", part.lower)
        phrase = said[0] if said and kind != "clear" else _WEATHER_WORDS[kind]
        for shot in self.shots(targets):
            shot.weather = kind  # type: ignore[assignment] - scene_state's values are Weather's
            _edit_prompt(shot, rewrite=_without_words(WEATHERS, tail=r"(?:\s+(?:day|sky|skies|weather))?"),
                         append=phrase)
            self.changed.add(shot.index)
            self.changes.append(f"shot {shot.index + 1}: weather → {kind}")
        return True

    def _characters_in(self, text: str) -> list[Character]:
        return [c for c in self.plan.characters if re.search(rf"\b{re.escape(c.name.lower())}\b", text)]

    # 7. A new thing: "add a cat to the last one", "put two red balloons in panel 2".
    def add(self, part: _Part, targets: list[int]) -> bool:
        match = re.match(r"(?:add|put|place|include|insert)\s+(.+?)(?:\s+(?:too|as well|also|again))?$", part.lower)
        if not match:
            return False
        what = match[1]
        if (weather(what) or time_of_day(what)) and not extract_objects(what):
            return False  # "add snow": the weather's
        characters = self._characters_in(what)
        objects = [o for o in extract_objects(what) if o.name not in {c.name.lower() for c in characters}]
        single = re.fullmatch(r"(?:an?|the|some)\s+([a-z-]+)", what)
        if not objects and not characters and single:
            objects = [SceneObject(name=singular(single[1]))]
        if not objects and not characters:
            raise _NotApplied("could not tell what to add")
        words = part.text[match.start(1):match.end(1)].strip()
        for shot in self.shots(targets):
            for character in characters:
                if character.id not in shot.characters:
                    shot.characters.append(character.id)
                    self.changes.append(f"shot {shot.index + 1}: + {character.name}")
            for new in objects:
                same = next((o for o in shot.objects if o.name == new.name and o.color == new.color), None)
                if same is not None:
                    same.count = min(20, same.count + new.count)
                else:
                    shot.objects.append(new.model_copy())
                self.changes.append(f"shot {shot.index + 1}: + {new.count} {new.name}".replace(" + 1 ", " + "))
            _edit_prompt(shot, append=f"with {words}")
            self.changed.add(shot.index)
        return True

    # 8. Less: "remove the umbrella from panel 3", "no more balloons", "take Mira out of the last one".
    def remove(self, part: _Part, targets: list[int]) -> bool:
        match = re.match(r"(?:remove|delete|erase|take\s+(?:away|out)|get\s+rid\s+of|drop|no\s+more|without|no)\s+"
                         r"(?:all\s+)?(?:of\s+)?(?:(?:the|that|those|these|her|his|their|its|a|an)\s+)?([a-z][a-z -]*?)"
                         r"(?:\s+(?:out|away|too|as well|also|please))?$", part.lower)
        if not match or weather(match[1]) or time_of_day(match[1]):
            return False  # "no more rain": the weather's
        what = match[1]
        characters = self._characters_in(what)
        applied = False
        if characters:
            for shot in self.shots(targets):
                for character in [c for c in characters if c.id in shot.characters]:
                    shot.characters.remove(character.id)
                    _edit_prompt(shot, rewrite=lambda text: _sub_outside_quotes(
                        rf"(?:(?:with|and)\s+)?\b{re.escape(character.name)}\b", "", text))
                    self.changes.append(f"shot {shot.index + 1}: − {character.name}")
                    self.changed.add(shot.index)
                    applied = True
        else:
            name = singular(what.split()[-1])
            stop = "|".join(sorted(STOP))
            noun = (rf"(?<![\w-])(?:(?:with|holding|and)\s+)?(?:(?:a|an|the|some|her|his|their|its|one|{_COUNT}|\d+)\s+)?"
                    rf"(?:(?!(?:{stop})\b)[a-z-]+\s+){{0,2}}?{re.escape(name)}(?:e?s)?(?![\w-])")
            for shot in self.shots(targets):
                listed = any(o.name == name for o in shot.objects)
                said = re.search(noun, extract_texts(shot.long_prompt or shot.prompt)[1], re.I)
                if not (listed or said):
                    continue
                shot.objects = [o for o in shot.objects if o.name != name]
                shot.negatives = list(dict.fromkeys([*shot.negatives, name]))
                _edit_prompt(shot, rewrite=lambda text: _sub_outside_quotes(noun, "", text))
                self.changes.append(f"shot {shot.index + 1}: − {name}")
                self.changed.add(shot.index)
                applied = True
        if not applied:
            raise _NotApplied(f"no {what} in shot {_shot_list(targets)}")
        return True


def revise(previous: ScenePlan, instruction: str) -> Revision | None:
    """The previous plan with the follow-up applied, or None when no part of it is a change."""
    reviser = _Reviser(previous.model_copy(deep=True))
    everyone = [s.index for s in reviser.plan.shots]
    not_understood: list[str] = []
    understood = False
    carried: list[int] | None = None  # a part that names no shots keeps the shots of the one before
    for raw in _split(instruction):
        said = _stripped(raw).text
        try:
            named, rest = _targets(_stripped(raw), reviser.plan.shots)
            rest = _stripped(rest)
            carried = named if named is not None else carried
            if not [w for w in re.findall(r"[a-z']+", rest.lower) if w not in _FILLER]:
                understood = understood or named is not None  # "in panel 2," names the shots for what follows
                continue
            reviser.apply(rest, carried if carried is not None else everyone)
            understood = True
        except _NotApplied as why:
            # A part read as a change that cannot be made still makes this a follow-up.
            understood = understood or bool(str(why))
            not_understood.append(f"{said} ({why})" if str(why) else said)
    if not understood:
        return None
    plan = reviser.plan
    notes = [f"revised: {instruction.strip()}", *[f"not understood: {part}" for part in not_understood]]
    plan.notes = [*plan.notes, *notes]
    return Revision(plan=plan, changed_shots=sorted(reviser.changed), changes=reviser.changes,
                    not_understood=not_understood)
