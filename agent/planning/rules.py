"""Rule-based constraint extractor: the hard constraints of a request, without any model.

It always runs. Whatever a language model later adds, the constraints found here
(quoted text, counts, colours, negatives, image count) survive. Pure Python: importing
it never imports torch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tools.scene import Character, SceneObject, TextElement, TextRole

from agent.planning.arrangement import plain_backdrop, without_layout
from agent.planning.objects import extract_objects as _objects
from agent.planning.objects import singular as _singular
from agent.planning.vocab import (
    NOT_NAMES,
    TITLES,
    ASPECT_WORDS,
    CAMERA_WORDS,
    COLOURS,
    IMAGE_COUNT_NOUNS as _IMAGE_COUNT_NOUNS,
    LIGHT_WORDS,
    NUMBER_WORDS,
    STOP as _STOP,
    STYLE_WORDS,
)
from tools.scenery import names_setting, setting_words

_NUMBER = "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True))
_QUOTES = [
    ("\u201c", "\u201d"), ('"', '"'), ("\u300c", "\u300d"), ("\u300e", "\u300f"), ("\u00ab", "\u00bb"),
    ("\u2018", "\u2019"),
]
# Another world as the ground under the scene: "on the moon" is a place, "a brown moon" or
# "howling at the moon" a thing in the sky.
_OFF_WORLD = re.compile(r"\b(?:on|across|onto) (?:the )?(?:surface of (?:the )?)?(moon|mars|lunar surface)\b")
_SETTING = re.compile(
    r"\b(?:in|at|inside|outside|on|for|near)\s+(?:a|an|the)\s+((?:[a-z]+\s){0,2}?"
    r"(?:bakery|forest|beach|city|street|kitchen|cafe|café|shop|store|park|garden|desert|"
    r"mountains?|ocean|sea|lake|river|village|castle|office|classroom|library|space|jungle|farm|"
    r"meadow|field|harbor|harbour|station|market|restaurant|studio|bedroom|living room|snow|"
    r"night sky|sky|room|house|school|museum|lab|laboratory|cave|island|town|road|bridge))\b"
)


@dataclass
class Constraints:
    """The hard constraints of a request."""

    image_count: int | None = None
    texts: list[TextElement] = field(default_factory=list)
    objects: list[SceneObject] = field(default_factory=list)
    characters: list[Character] = field(default_factory=list)
    negatives: list[str] = field(default_factory=list)
    style: str | None = None
    setting: str | None = None
    light: str | None = None
    palette: list[str] = field(default_factory=list)
    aspect: str | None = None
    """Ratio the request asked for ("16:9"), from words like "widescreen" or "16:9"."""
    camera: str | None = None
    shots: list[str] = field(default_factory=list)
    """Per-shot variations the request spelt out ("one in a storm and one on a calm day")."""
    shot_lights: list[str | None] = field(default_factory=list)
    """The light each spelt-out variation names ("storm", "sunny"), in the order of ``shots``."""
    shot_settings: list[str | None] = field(default_factory=list)
    """The place each spelt-out variation names, in the order of ``shots``."""


def extract_texts(prompt: str) -> tuple[list[TextElement], str]:
    """Quoted strings, verbatim, with their role; returns them and the prompt with quotes blanked."""
    found: list[tuple[int, str]] = []
    masked = prompt
    for open_q, close_q in _QUOTES:
        pattern = re.escape(open_q) + r"([^" + re.escape(open_q + close_q) + r"]+?)" + re.escape(close_q)
        for match in re.finditer(pattern, masked):
            # An apostrophe pair inside words ("baker's ... it's") is not a quotation.
            if open_q == "\u2018" and match.start() > 0 and masked[match.start() - 1].isalnum():
                continue
            found.append((match.start(), match[1]))
            masked = masked[: match.start()] + " " * len(match[0]) + masked[match.end():]
    # Straight single quotes last, only at word boundaries, so apostrophes survive.
    # An apostrophe between letters stays inside the quote: 'Let's go!'.
    for match in re.finditer(r"(?<![\w])'((?:[^']|(?<=\w)'(?=\w))+?)'(?![\w])", masked):
        found.append((match.start(), match[1]))
        masked = masked[: match.start()] + " " * len(match[0]) + masked[match.end():]
    texts = []
    for start, text in sorted(found):
        text = text.strip()
        if text:
            texts.append(TextElement(text=text, role=_text_role(prompt[:start]), surface=text_surface(prompt[:start])))
    return texts, masked


#: Boards a text may be written on, as a request names them → the plan's surface name.
_SURFACES = [(re.compile(rf"\b(?:{words})\b"), name) for words, name in (
    ("chalkboards?|blackboards?|chalk ?board|slate board", "chalkboard"), ("whiteboards?|white board", "whiteboard"),
    ("neon(?: signs?| lights?)?", "neon"), ("sticky notes?|post-?it(?: notes?)?", "sticky note"),
    ("wooden signs?|wood(?:en)? boards?|wooden plaque", "wooden sign"), ("metal signs?|street signs?|road signs?", "metal sign"),
)]
def text_surface(before: str) -> str | None:
    """The board the next quoted text is written on, from the words just before it
    ("a chalkboard menu that says" → "chalkboard"), or None."""
    context = before.lower()[-60:]
    # The nearest board named before the quote, within its own clause.
    context = re.split(r"[.;!?]|\band\b", context)[-1]
    found = [(m.end(), name) for pattern, name in _SURFACES for m in pattern.finditer(context)]
    return max(found)[1] if found else None


def _text_role(before: str) -> TextRole:
    """The role of quoted text from the words just before it."""
    context = before.lower()[-60:]
    last = lambda *words: max((context.rfind(w) for w in words), default=-1)  # noqa: E731
    scores: dict[TextRole, int] = {
        "bubble": last("says", "saying", "shouts", "asks", "whispers", "speech bubble", "bubble"),
        "title": last("poster", "title", "headline", "banner", "cover", "heading"),
        "caption": last("caption", "subtitle"),
        "label": last("label", "labelled", "labeled", "tag"),
        "sign": last("sign", "signboard", "storefront", "shop front"),
    }
    # "a poster that says X" is the poster's headline, not speech: a character must be near.
    if scores["bubble"] >= 0 and not re.search(r"\b(he|she|they|named|called|character|who)\b", context):
        scores["bubble"] = -1
    role, score = max(scores.items(), key=lambda item: item[1])
    return role if score >= 0 else "sign"


def extract_image_count(prompt: str) -> int | None:
    """"four panels", "8 variations", "a four-panel comic", "two images of" → the number."""
    text = prompt.lower()
    pattern = rf"\b({_NUMBER}|\d+)[\s-]+(?:(?:different|distinct|separate|more|new|product|comic|" \
        rf"storyboard|coherent|consistent|[a-z]+-?)\s+){{0,2}}?(?:{_IMAGE_COUNT_NOUNS})\b"
    for match in re.finditer(pattern, text):
        word = match[1]
        count = int(word) if word.isdigit() else NUMBER_WORDS.get(word)
        if count and count > 1 or (count == 1 and word.isdigit()):
            return count
    match = re.search(rf"\b({_NUMBER}|\d+)-(?:panel|page|frame|shot|image|picture|pic|photo|slide|step|part|card|"
                      rf"scene|spread)\b|\b({_NUMBER}|\d+)\s+(?:part|panel|page|frame|shot|image|slide|step)\s+"
                      rf"(?:story|stories|comic|strip|series|storyboard|sequence|carousel|set|guide|tutorial)\b", text)
    if match:
        word = match[1] or match[2]
        return int(word) if word.isdigit() else NUMBER_WORDS.get(word)
    # "the three states of water, each in its own image", "my three kids, one image each"
    cue = re.search(r"\beach\s+(?:in|on|as)\s+(?:its|their|his|her)\s+own\s+(?:image|picture|pic|panel|frame|card|slide|"
                 r"poster|shot|illustration)|\bone\s+(?:image|picture|pic|panel|frame|card|slide|poster|shot|illustration|"
                 r"photo)s?\s+(?:each|per|for each)\b|\b(?:a|one)\s+(?:separate|different)\s+(?:image|picture)\s+(?:each|"
                 r"for each)\b", text)
    if cue:  # the counted noun comes before the cue: "my three kids …, one image each: …"
        counted = re.search(rf"\b({_NUMBER}|\d+)\s+(?:[a-z'-]+\s+){{0,2}}?[a-z'-]*s\b", text[: cue.start()])
        if counted:
            word = counted[1]
            number = int(word) if word.isdigit() else NUMBER_WORDS.get(word)
            if number and 1 < number <= 20:
                return number
    return None


_NEGATION = re.compile(
    r"\b(?:no|without|not|never|nothing|avoid(?:ing)?|exclud(?:e|ing)|"
    r"(?:don'?t|do\s+not)\s+(?:include|show|add|draw|want|put|use))\b(\s*:)?"
)
_WORD = re.compile(r"\s*([a-z][a-z'-]*)")
_LIST_JOIN = re.compile(r"\s*(?:,\s*)?(?:or|nor)\b|\s*,")


def _negated_item(text: str, at: int) -> tuple[str | None, int]:
    """Up to two words starting at ``at`` ("other cars", "people"), and where they end."""
    words: list[str] = []
    end = at
    while len(words) < 2:
        match = _WORD.match(text, end)
        if not match:
            break
        word = match[1]
        if word == "any" and not words:
            end = match.end()
            continue
        if word in _STOP | {"but", "please", "just"}:
            break
        words.append(word)
        end = match.end()
    return (" ".join(words) or None), end


def negated_spans(prompt: str) -> list[tuple[str, int, int]]:
    """(thing, start, end) for everything the request excludes: "no people", "without text or
    logos", "don't include animals", "Avoid: people, other cars" (a colon starts a list)."""
    text = prompt.lower()
    found = []
    for match in _NEGATION.finditer(text):
        listing = bool(match[1])
        item, end = _negated_item(text, match.end())
        items = [item] if item else []
        while item:
            join = _LIST_JOIN.match(text, end)
            if not join or (join[0].strip() == "," and not listing):
                break
            item, after = _negated_item(text, join.end())
            if item and item.split()[0] in NUMBER_WORDS:
                break
            if item:
                items.append(item)
                end = after
        found += [(thing, match.start(), end) for thing in items]
    return found


def extract_negatives(prompt: str) -> list[str]:
    """"no people", "without text or logos", "not blurry" → the things to avoid."""
    return list(dict.fromkeys(thing for thing, _, _ in negated_spans(prompt)))


def extract_objects(prompt: str) -> list[SceneObject]:
    """Counted, coloured or related nouns: "three red balloons", "a laptop left of a cow"."""
    text = prompt.lower()
    for _, start, end in negated_spans(prompt):  # what is excluded is not an object to draw
        text = text[:start] + " " * (end - start) + text[end:]
    return _objects(text)


def _place(text: str) -> str | None:
    return setting_words(text)


def extract_aspect(prompt: str) -> str | None:
    """"16:9", "9x16", "square", "widescreen banner" → a ratio string, or None."""
    text = prompt.lower()
    match = re.search(r"\b(\d{1,2})\s*[:x×]\s*(\d{1,2})\b(?!\s*-?\s*(?:grid|matrix|table|array|layout)\b)", text)  # "a 2x3 grid" is a layout
    if match and not re.search(r"\d\s*:\s*\d{2}\s*(?:am|pm)", text[match.start():match.end() + 4]):
        return f"{match[1]}:{match[2]}"
    for word, ratio in ASPECT_WORDS.items():
        if re.search(rf"\b{re.escape(word)}\b(?!\s+(?:of|shot))", text):
            return ratio
    return None


def extract_camera(prompt: str) -> str | None:
    text = prompt.lower()
    return next((w for w in CAMERA_WORDS if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)), None)


_SPLIT = re.compile(
    r"\b(?:one|the first)\s+((?:in|on|at|with|as|from|during|under|by|showing|where)\b[^;.]*?)"
    r"\s*(?:,\s*|;\s*|\s+)(?:and\s+|but\s+)?(?:one|another|the other|the second)\s+"
    r"((?:in|on|at|with|as|from|during|under|by|showing|where)\b[^;.]*)"
)


def extract_shots(prompt: str) -> list[str]:
    """"one in a storm and one on a calm sunny day" → ["in a storm", "on a calm sunny day"]."""
    match = _SPLIT.search(prompt)
    if not match:
        return []
    return [match[1].strip(" ,"), match[2].strip(" ,")]


def extract_characters(prompt: str) -> list[Character]:
    """"a fox named Mira", "Mira the fox" → characters with ids from their names."""
    characters: dict[str, Character] = {}
    colour = "|".join(COLOURS)
    patterns = [
        rf"\b(?:a|an|the)\s+(?:({colour})\s+)?([a-z]+)\s+(?:named|called)\s+(?:(?:{TITLES})\.?\s+(?=[A-Z]))?([A-Z][\w'-]+)",
        rf"\b([A-Z][\w'-]+),?\s+the\s+(?:({colour})\s+)?((?i:[a-z][a-z-]*))\b",
    ]
    for index, pattern in enumerate(patterns):
        for match in re.finditer(pattern, prompt):
            if index == 0:
                colour_name, species, name = match[1], match[2], match[3]
            else:
                name, colour_name, species = match[1], match[2], match[3]
            if name.lower() in NOT_NAMES or name.lower() in NUMBER_WORDS:
                continue
            key = name.lower()
            if key not in characters:
                colors = {"body": colour_name} if colour_name else {}
                characters[key] = Character(
                    id=re.sub(r"[^a-z0-9]+", "-", key).strip("-"), name=name, species=species, colors=colors
                )
    return list(characters.values())


def extract(prompt: str) -> Constraints:
    """All hard constraints of ``prompt``."""
    texts, unquoted = extract_texts(prompt)
    lower = unquoted.lower()
    characters = extract_characters(unquoted)
    species = {c.species for c in characters}
    shots = extract_shots(unquoted)
    objects = [o for o in extract_objects(unquoted) if o.name not in species]
    style = next((v for k, v in STYLE_WORDS.items() if re.search(rf"\b{re.escape(k)}s?\b", lower)), None)
    # Light and place named inside one shot's variation belong to that shot, not to the batch.
    shared = lower
    for part in shots:
        shared = shared.replace(part.lower(), " ")
    light = light_word(shared)
    setting_match = _SETTING.search(shared)
    lunar = _OFF_WORLD.search(shared)
    # The scenery's own reading of the place first ("a castle courtyard", not "castle"), then a
    # place the scenery does not draw but the request names ("in the museum").
    setting = (lunar[1] if lunar else plain_backdrop(shared) or _place(shared)
               or (setting_match[1].strip() if setting_match else None))
    # A place ("a bakery poster") sets the scene; it is not an object to count.
    setting_noun = _singular(setting.split()[-1]) if setting else None
    objects = [o for o in objects if o.relation is not None or (not names_setting(o.name) and o.name != setting_noun)]
    palette = list(dict.fromkeys(o.color for o in objects if o.color))
    return Constraints(
        image_count=extract_image_count(without_layout(unquoted)),  # "a grid of six icons" is one image
        texts=texts,
        objects=objects,
        characters=characters,
        negatives=extract_negatives(unquoted),
        style=style,
        setting=setting,
        light=light,
        palette=palette,
        aspect=extract_aspect(unquoted),
        camera=extract_camera(unquoted),
        shots=shots,
        shot_lights=[light_word(part.lower()) for part in shots],
        shot_settings=[_place(part.lower()) for part in shots],
    )


def light_word(lower: str) -> str | None:
    """The first light word of ``lower`` ("golden hour", "storm")."""
    return next((w for w in LIGHT_WORDS if re.search(rf"\b{re.escape(w)}\b", lower)), None)
