"""Rule-based constraint extractor: the hard constraints of a request, without any model.

It always runs. Whatever a language model later adds, the constraints found here
(quoted text, counts, colours, negatives, image count) survive. Pure Python: importing
it never imports torch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tools.scene import Character, SceneObject, TextElement, TextRole

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "a": 1, "an": 1, "single": 1, "a single": 1,
    "a pair of": 2, "pair of": 2, "a couple of": 2, "couple of": 2, "a dozen": 12, "dozen": 12,
}
COLOURS = (
    "red green blue yellow orange purple violet pink brown black white grey gray gold golden "
    "silver teal cyan magenta navy beige turquoise maroon lime olive crimson indigo lavender "
    "coral mint peach tan cream ivory amber emerald scarlet"
).split()
# Nouns that name the image itself, not something in it.
IMAGE_NOUNS = (
    "image images picture pictures photo photos photograph photographs illustration illustrations "
    "panel panels variation variations version versions shot shots frame frames view views "
    "option options direction directions angle angles design designs drawing drawings render "
    "renders poster posters comic comics storyboard storyboards scene scenes page pages logo "
    "logos icon icons card cards painting paintings sketch sketches artwork"
).split()
_IMAGE_COUNT_NOUNS = (
    "images|pictures|photos|photographs|illustrations|panels?|variations|versions|shots|frames|"
    "views|options|directions|angles|designs|drawings|renders|posters|comics|scenes|pages|logos|"
    "icons|cards|paintings|sketches|product shots|product photos"
)
STYLE_WORDS = {
    "watercolor": "watercolor", "watercolour": "watercolor", "comic": "comic", "manga": "manga",
    "photo": "photo", "photograph": "photo", "photorealistic": "photo", "poster": "poster",
    "flat icon": "flat icon", "icon": "flat icon", "pixel art": "pixel art", "oil painting": "oil painting",
    "storyboard": "storyboard", "sketch": "pencil sketch", "3d render": "3d render", "cartoon": "cartoon",
    "logo": "logo", "infographic": "infographic", "children's book": "children's book",
}
LIGHT_WORDS = (
    "sunset sunrise dawn dusk night midnight noon daylight sunny overcast foggy misty rainy stormy "
    "snowy golden hour moonlight neon candlelight studio backlit"
).split()
# Nouns that carry text or name an abstraction rather than a drawable thing.
NOT_OBJECTS = set(
    "sign signs signboard banner label labels caption bubble headline title text word words letter "
    "storm day night time way lot bit calm moment style mood color colour light background "
    "foreground side corner middle center centre top bottom left right front back distance".split()
)
_NUMBER = "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True))
_QUOTES = [
    ("\u201c", "\u201d"), ('"', '"'), ("\u300c", "\u300d"), ("\u300e", "\u300f"), ("\u00ab", "\u00bb"),
    ("\u2018", "\u2019"),
]
_STOP = set(
    "and or with of in on at for to from by the a an that which who is are was were be this these "
    "those it its his her their my our your says saying reads reading named called than very".split()
)
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


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and re.search(r"(ches|shes|sses|xes|oes)$", word):
        return word[:-2]
    if len(word) > 2 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


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
    for match in re.finditer(r"(?<![\w])'([^']+?)'(?![\w])", masked):
        found.append((match.start(), match[1]))
        masked = masked[: match.start()] + " " * len(match[0]) + masked[match.end():]
    texts = []
    for start, text in sorted(found):
        text = text.strip()
        if text:
            texts.append(TextElement(text=text, role=_text_role(prompt[:start])))
    return texts, masked


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
    match = re.search(rf"\b({_NUMBER}|\d+)-(?:panel|page|frame|shot)\b", text)
    if match:
        word = match[1]
        return int(word) if word.isdigit() else NUMBER_WORDS.get(word)
    return None


def extract_negatives(prompt: str) -> list[str]:
    """"no people", "without text", "not blurry" → the things to avoid."""
    negatives = []
    for match in re.finditer(r"\b(?:no|without|not|avoid|never)\s+((?:any\s+)?[a-z][a-z-]*(?:\s+[a-z][a-z-]*)?)", prompt.lower()):
        words = [w for w in match[1].split() if w != "any"]
        if words and words[-1] in _STOP:
            words = words[:-1]
        if len(words) == 2 and words[1] in _STOP | {"but", "please"}:
            words = words[:1]
        if words:
            negatives.append(" ".join(words))
    return list(dict.fromkeys(negatives))


def extract_objects(prompt: str) -> list[SceneObject]:
    """Counted or coloured nouns: "three red balloons", "a blue cow", "2 cats"."""
    text = prompt.lower()
    text = re.sub(r"\b(?:no|without|not|avoid|never)\s+(?:any\s+)?[a-z-]+(?:\s+[a-z-]+)?", " ", text)
    colour = "|".join(COLOURS)
    pattern = rf"\b(?:({_NUMBER}|\d+)\s+)?(?:({colour})(?:\s+and\s+({colour}))?\s+)?([a-z][a-z-]+)\b"
    objects: dict[str, SceneObject] = {}
    for match in re.finditer(pattern, text):
        number, colour_name, noun = match[1], match[2], match[4]
        if not number and not colour_name:
            continue
        if noun in _STOP or noun in COLOURS or noun in NUMBER_WORDS or noun in IMAGE_NOUNS:
            continue
        if noun in NOT_OBJECTS or noun in LIGHT_WORDS:
            continue
        if number in ("a", "an") and not colour_name and not _drawable(_singular(noun)):
            # "a cow" is an object; "a calm day" is not. Without a colour or a real number,
            # only nouns the clip-art library knows count as objects.
            continue
        count = 1
        if number:
            count = int(number) if number.isdigit() else NUMBER_WORDS[number]
        if not 1 <= count <= 20:
            continue
        name = _singular(noun)
        if name in objects:
            continue
        objects[name] = SceneObject(name=name, count=count, color=colour_name)
    return list(objects.values())


def _place(text: str) -> str | None:
    from tools.scenery import detect_setting

    return detect_setting(text)


def _drawable(noun: str) -> bool:
    try:
        from tools.clipart import lookup
    except ImportError:  # the renderer's clip-art index is optional for planning
        return True
    return lookup(noun) is not None


def extract_characters(prompt: str) -> list[Character]:
    """"a fox named Mira", "Mira the fox" → characters with ids from their names."""
    characters: dict[str, Character] = {}
    colour = "|".join(COLOURS)
    patterns = [
        rf"\b(?:a|an|the)\s+(?:({colour})\s+)?([a-z]+)\s+(?:named|called)\s+([A-Z][\w'-]+)",
        rf"\b([A-Z][\w'-]+),?\s+the\s+(?:({colour})\s+)?([a-z]+)\b",
    ]
    for index, pattern in enumerate(patterns):
        for match in re.finditer(pattern, prompt):
            if index == 0:
                colour_name, species, name = match[1], match[2], match[3]
            else:
                name, colour_name, species = match[1], match[2], match[3]
            if name.lower() in _STOP or name.lower() in NUMBER_WORDS:
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
    objects = [o for o in extract_objects(unquoted) if o.name not in species]
    style = next((v for k, v in STYLE_WORDS.items() if re.search(rf"\b{re.escape(k)}s?\b", lower)), None)
    light = next((w for w in LIGHT_WORDS if re.search(rf"\b{w}\b", lower)), None)
    setting_match = _SETTING.search(lower)
    setting = setting_match[1].strip() if setting_match else _place(lower)
    # A place ("a bakery poster") sets the scene; it is not an object to count.
    objects = [o for o in objects if _place(o.name) != o.name and (not setting or o.name != _singular(setting.split()[-1]))]
    palette = list(dict.fromkeys(o.color for o in objects if o.color))
    return Constraints(
        image_count=extract_image_count(unquoted),
        texts=texts,
        objects=objects,
        characters=characters,
        negatives=extract_negatives(unquoted),
        style=style,
        setting=setting,
        light=light,
        palette=palette,
    )
