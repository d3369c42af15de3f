"""The world a story carries from shot to shot: time of day, weather, and characters with a
fixed look. Read from words only: pure Python, no model."""

from __future__ import annotations

import re

from tools.scene import Character

TIMES: list[tuple[str, str]] = [
    (r"dawn|sunrise|daybreak|first light", "dawn"),
    (r"midnight|night|nighttime|night-time|tonight|after dark|under the stars|moonlit|moonlight|starry", "night"),
    (r"sunset|dusk|evening|twilight|golden hour", "dusk"),
    (r"noon|midday|lunchtime|high noon", "noon"),
    (r"afternoon", "afternoon"),
    (r"morning|breakfast time", "morning"),
]
WEATHERS: list[tuple[str, str]] = [
    (r"(?:rain|snow|storm|fog)\s+(?:stops|has stopped|ends|clears|lifts)|after the (?:rain|storm)|sun comes out|"
     r"sunny|sunshine|clear sk(?:y|ies)|calm and sunny|bright sunny|blue sky", "clear"),
    (r"storm|stormy|thunder(?:storm)?|lightning|hurricane", "storm"),
    (r"snow|snowy|snowing|snowfall|blizzard|snowflakes|snowstorm", "snow"),
    (r"rain|rainy|raining|drizzle|downpour|pouring|rainstorm|showers", "rain"),
    (r"fog|foggy|mist|misty|haze|hazy", "fog"),
    (r"cloudy|overcast|grey skies|gray skies", "cloudy"),
    (r"windy|wind|gusts?|breezy|gale", "wind"),
]
PRONOUN = re.compile(r"\b(?:he|she|they|him|her|his|them|their|it's|he's|she's)\b", re.I)
PERSON_NOUNS = (
    "knight|girl|boy|man|woman|kid|child|astronaut|robot|fox|dog|cat|wizard|witch|pirate|princess|prince|king|queen|"
    "detective|chef|baker|scientist|doctor|farmer|fisherman|sailor|soldier|ninja|samurai|dragon|bear|rabbit|bunny|"
    "owl|penguin|mouse|frog|monkey|panda|lion|tiger|wolf|elf|dwarf|fairy|mermaid|ghost|alien|cowboy|explorer|"
    "schoolgirl|schoolboy|teenager|teen|grandma|grandpa|grandmother|grandfather|student|teacher|artist|musician|"
    "dancer|hero|superhero|villain|monster|unicorn|cowgirl|ranger|hiker|runner|skater|surfer|barista|mascot|snowman|owner|keeper|worker|mom|dad|mother|father|grandma"
)


def _first(patterns: list[tuple[str, str]], text: str) -> str | None:
    """The value of the pattern that matches earliest in ``text``."""
    best: tuple[int, str] | None = None
    for pattern, value in patterns:
        match = re.search(rf"(?<![\w-])(?:{pattern})(?![\w-])", text, re.I)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), value)
    return best[1] if best else None


def time_of_day(text: str) -> str | None:
    """"at sunset" → "dusk", "the next morning" → "morning"; None when the text says no time."""
    return _first(TIMES, text)


def weather(text: str) -> str | None:
    """"in the rain" → "rain", "the rain stops" → "clear"; None when the text says nothing."""
    return _first(WEATHERS, text)


_LOOK_END = r"(?=\s*(?:[,;:.!?]|\s(?:who|that|is|was|and then|then)\b|$))"


def _look_after(text: str, at: int) -> str | None:
    """A look right after a character's name: "(old woman, yellow coat)" or ", a girl with …"."""
    rest = re.sub(r"^\s+[A-Z][\w'-]+(?=[,(\s])", "", text[at:])  # a surname: "Ada Vance, a scientist"
    paren = re.match(r"\s*\(([^)]{3,120})\)", rest)
    if paren:
        return paren[1].strip()
    appositive = re.match(rf",?\s+(?:is\s+)?((?:a|an|my|our)\s+[^,;:.!?()]{{3,120}}?){_LOOK_END}", rest)
    if appositive:
        return appositive[1].strip()
    colon = re.match(r"\s*:\s*([^.;\n]{3,160})", rest)
    if colon:
        return colon[1].strip()
    return None


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "character"


def story_characters(prompt: str, named: list[Character], *, several: bool = True) -> list[Character]:
    """The request's characters with their fixed look: the extractor's named ones, plus "my dog
    Biscuit (…)", "Juno, a girl with …", and an unnamed lead ("a knight in silver armor")."""
    characters = {c.name.lower(): c for c in named}
    owned = re.finditer(rf"\b(?:my|our)\s+(?:(?:little|old|new|pet)\s+)?({PERSON_NOUNS}|character|oc|mascot|son|"
                        r"daughter|baby|puppy|kitten)\s+([A-Z][\w'-]+)", prompt)
    for match in owned:
        name = match[2]
        if name.lower() not in characters:
            species = None if match[1].lower() in ("character", "oc", "mascot") else match[1].lower()
            characters[name.lower()] = Character(id=_slug(name), name=name, species=species)
    for match in re.finditer(r"\b(?:named|called|name is)\s+([A-Z][\w'-]+)", prompt):
        name = match[1]
        if name.lower() not in characters:
            before = re.search(rf"\b({PERSON_NOUNS})\b[^.]*$", prompt[: match.start()], re.I)
            characters[name.lower()] = Character(id=_slug(name), name=name,
                                                 species=before[1].lower() if before else None)
    for match in re.finditer(r"(?:^|(?<=[\s:(]))(?:(?:Dr|Mr|Mrs|Ms|Captain|Sir|Lady)\.?\s+)?([A-Z][a-z][\w'-]+)"
                             r"(?:\s+[A-Z][a-z]+)?(?=\s*\(|,\s+(?:a|an|my)\s)", prompt):
        name = match[1]
        if name.lower() not in characters and name.lower() not in ("make", "draw", "show", "paint", "create"):
            characters[name.lower()] = Character(id=_slug(name), name=name)
    out = []
    for character in characters.values():
        where = re.search(rf"\b{re.escape(character.name)}\b", prompt)
        look = _look_after(prompt, where.end()) if where else None
        named_as = re.search(rf"\b(?:a|an)\s+((?:[\w-]+\s){{0,3}}?[\w-]+)\s+(?:named|called)\s+"
                             rf"{re.escape(character.name)}\b", prompt)
        parts = [p for p in (named_as[1] if named_as else None, look) if p]
        description = ", ".join(dict.fromkeys(parts))
        out.append(character.model_copy(update={"description": character.description or description}))
    if not out and several:  # an unnamed lead across shots: "a knight in silver armor finds …"
        lead = re.search(rf"\b(?:a|an|the)\s+((?:[\w-]+\s){{0,3}}?)({PERSON_NOUNS})\b"
                         rf"(\s*\([^)]{{3,120}}\)|\s+(?:in|with|wearing)\s+[^,;:.!?]{{3,80}}?{_LOOK_END})?", prompt, re.I)
        recurs = lead and (lead[3] or PRONOUN.search(prompt[lead.end():])
                           or len(re.findall(rf"\b{lead[2]}\b", prompt, re.I)) > 1)
        if lead and recurs:
            noun = lead[2].lower()
            look = f"{lead[1]}{noun} {(lead[3] or '').strip(' ()')}".strip()
            out.append(Character(id=_slug(noun), name=noun, species=noun, description=look))
    return out


def mentions(text: str, character: Character) -> bool:
    """Does ``text`` name ``character`` (by name, or by its species noun for an unnamed lead)?"""
    names = [character.name] + ([character.species] if character.species and character.name == character.species else [])
    return any(re.search(rf"\b{re.escape(n)}\b", text, re.I) for n in names if n)


