"""People and roles for the sketch figures: what a chef, a knight or an old man looks like.

A role is data, not drawing: outfit colours, what the figure wears on its head, what it
holds, and a few marks of its own (an eye patch, a cape, a lab coat). Age and sex words
change the figure simply: old is grey-haired, a child is shorter, a girl has long hair and a
dress. :func:`look_for` reads the look from a character's species, description and
attributes ("a girl in a yellow raincoat" is a girl in a yellow outfit); :func:`is_person`
says whether a planned object's noun names a person ("old man", "police officers"), so
that both are drawn as the same kind of figure (:mod:`tools.figures`).

Props and some headwear are OpenMoji drawings named by their index names ("cooking" is the
frying pan, "crown"); the rest is drawn by :mod:`tools.headwear`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from tools.colors import RGB, parse_color


@dataclass(frozen=True)
class Role:
    """How one kind of person is drawn. Colours are None where the character's own (or its
    id's) colour should show."""

    outfit: RGB | None = None
    pants: RGB | None = None
    accent: RGB | None = None
    hair: RGB | None = None
    skin: RGB | None = None
    headwear: str | None = None
    """A kind drawn by :mod:`tools.headwear` ("toque", "knight", ...) or "emoji:<name>"."""
    headwear_color: RGB | None = None
    prop: str | None = None
    """What the right hand holds: an OpenMoji name, or a drawn prop ("pitchfork", "cane")."""
    prop_left: str | None = None
    """What the left arm carries (a knight's shield)."""
    marks: frozenset[str] = field(default_factory=frozenset)
    """Drawn details (see :mod:`tools.figures`): cape, dress, long_hair, bun, bald, beard,
    moustache, glasses, eyepatch, mask, nose, labcoat, armor, stripes, stripes_hi, apron,
    badge, stethoscope, backpack, tail, wings, emblem, vest, belt, overalls, dots, bow_tie,
    hair_bow."""
    hair_style: str | None = None
    scale: float = 1.0
    """Figure height as a share of an adult's (a child is shorter)."""


def _m(*marks: str) -> frozenset[str]:
    return frozenset(marks)


WHITE, BLACK, NAVY = (245, 245, 242), (40, 40, 46), (38, 50, 96)

#: The roles. Keys are singular nouns; :data:`ALIASES` maps other words onto them.
ROLES: dict[str, Role] = {
    "chef": Role(outfit=WHITE, pants=(60, 60, 66), accent=(214, 40, 40), headwear="toque", prop="cooking",
                 marks=_m("apron")),
    "baker": Role(outfit=WHITE, pants=(150, 120, 90), accent=(240, 190, 120), headwear="toque", prop="baguette bread",
                  marks=_m("apron")),
    "knight": Role(outfit=(178, 182, 192), pants=(120, 124, 134), accent=(40, 80, 170), headwear="knight",
                   headwear_color=(170, 174, 186), prop="dagger", prop_left="shield", marks=_m("armor")),
    "doctor": Role(outfit=WHITE, pants=(70, 120, 170), accent=(80, 170, 180), prop="clipboard",
                   marks=_m("labcoat", "stethoscope")),
    "nurse": Role(outfit=(150, 205, 225), pants=(150, 205, 225), accent=WHITE, headwear="nurse_cap",
                  marks=_m("stethoscope")),
    "astronaut": Role(outfit=(236, 236, 240), pants=(225, 225, 232), accent=(240, 120, 40), headwear="space",
                      marks=_m("backpack", "emblem")),
    "pirate": Role(outfit=(170, 40, 45), pants=(50, 45, 50), accent=WHITE, headwear="tricorn", headwear_color=BLACK,
                   prop="dagger", marks=_m("eyepatch", "stripes", "belt")),
    "firefighter": Role(outfit=(60, 60, 70), pants=(60, 60, 70), accent=(250, 215, 40), headwear="fire_helmet",
                        headwear_color=(214, 40, 40), prop="fire extinguisher", marks=_m("stripes_hi")),
    "police officer": Role(outfit=NAVY, pants=(30, 36, 70), accent=(230, 190, 40), headwear="peaked_cap",
                           headwear_color=NAVY, marks=_m("badge", "belt")),
    "farmer": Role(outfit=(200, 60, 50), pants=(60, 95, 160), accent=(235, 200, 110), headwear="wide_brim",
                   headwear_color=(225, 195, 110), prop="pitchfork", marks=_m("overalls")),
    "teacher": Role(outfit=(120, 90, 60), pants=(70, 70, 80), accent=(200, 170, 90), prop="closed book",
                    marks=_m("glasses")),
    "student": Role(outfit=(50, 80, 150), pants=(60, 60, 70), accent=(214, 40, 40), prop="closed book",
                    marks=_m("backpack")),
    "scientist": Role(outfit=WHITE, pants=(80, 80, 95), accent=(100, 180, 100), prop="test tube",
                      marks=_m("labcoat", "glasses")),
    "artist": Role(outfit=(230, 220, 200), pants=(70, 70, 80), accent=(214, 40, 40), headwear="beret",
                   headwear_color=(200, 40, 50), prop="paintbrush", prop_left="artist palette", marks=_m("apron")),
    "musician": Role(outfit=(60, 50, 90), pants=(40, 40, 46), accent=(230, 180, 30), prop="guitar"),
    "wizard": Role(outfit=(60, 70, 170), pants=(50, 55, 130), accent=(240, 200, 60), headwear="pointed",
                   headwear_color=(60, 70, 170), prop="magic wand", marks=_m("dress", "beard"), hair=(225, 225, 225)),
    "witch": Role(outfit=(60, 45, 80), pants=(40, 40, 46), accent=(120, 190, 60), headwear="pointed",
                  headwear_color=BLACK, prop="broom", marks=_m("dress", "long_hair")),
    "king": Role(outfit=(110, 40, 140), pants=(60, 40, 70), accent=(190, 30, 45), headwear="emoji:crown",
                 marks=_m("cape", "beard", "belt")),
    "queen": Role(outfit=(150, 60, 170), pants=(110, 40, 130), accent=(190, 30, 45), headwear="emoji:crown",
                  marks=_m("cape", "dress", "long_hair")),
    "prince": Role(outfit=(50, 80, 200), pants=(240, 240, 235), accent=(190, 30, 45), headwear="tiara",
                   marks=_m("cape", "belt")),
    "princess": Role(outfit=(244, 143, 177), pants=(244, 143, 177), accent=(240, 200, 60), headwear="tiara",
                     marks=_m("dress", "long_hair")),
    "soldier": Role(outfit=(95, 110, 60), pants=(80, 92, 52), accent=(60, 70, 40), headwear="army",
                    headwear_color=(95, 115, 60),
                    marks=_m("belt", "backpack")),
    "ninja": Role(outfit=(35, 35, 40), pants=(35, 35, 40), accent=(200, 40, 40), headwear="hood",
                  headwear_color=(35, 35, 40), prop="dagger", marks=_m("belt")),
    "cowboy": Role(outfit=(200, 130, 70), pants=(60, 90, 150), accent=(214, 40, 40), headwear="wide_brim",
                   headwear_color=(130, 82, 45), marks=_m("vest", "belt")),
    "detective": Role(outfit=(200, 175, 120), pants=(90, 80, 70), accent=(120, 60, 40), headwear="fedora",
                      headwear_color=(110, 90, 70), prop="magnifying glass", marks=_m("belt")),
    "mermaid": Role(outfit=(140, 80, 200), accent=(240, 200, 80), pants=(40, 170, 150), hair=(210, 70, 40),
                    marks=_m("tail", "long_hair")),
    "superhero": Role(outfit=(40, 90, 210), pants=(40, 90, 210), accent=(214, 40, 40),
                      marks=_m("cape", "mask", "emblem")),
    "clown": Role(outfit=(250, 200, 40), pants=(40, 140, 220), accent=(214, 40, 40), hair=(240, 90, 40),
                  marks=_m("nose", "dots"), hair_style="curly"),
    "sailor": Role(outfit=WHITE, pants=NAVY, accent=NAVY, headwear="peaked_cap", headwear_color=WHITE),
    "pilot": Role(outfit=WHITE, pants=NAVY, accent=(230, 190, 40), headwear="peaked_cap", headwear_color=NAVY,
                  marks=_m("badge", "bow_tie")),
    "construction worker": Role(outfit=(245, 130, 32), pants=(60, 90, 150), accent=(250, 230, 60),
                                headwear="hard_hat", headwear_color=(250, 210, 40), marks=_m("stripes_hi")),
    "explorer": Role(outfit=(195, 176, 120), pants=(150, 130, 90), accent=(130, 82, 45), headwear="wide_brim",
                     headwear_color=(205, 185, 130), marks=_m("backpack", "belt")),
    "vampire": Role(outfit=(30, 30, 34), pants=(30, 30, 34), accent=(180, 20, 40), skin=(232, 226, 230),
                    hair=(25, 25, 28), marks=_m("cape")),
    "zombie": Role(outfit=(110, 120, 90), pants=(80, 70, 90), skin=(150, 190, 120)),
    "fairy": Role(outfit=(160, 220, 190), pants=(160, 220, 190), accent=(240, 170, 200), prop="magic wand",
                  marks=_m("wings", "dress", "long_hair"), scale=0.8),
    "elf": Role(outfit=(46, 140, 70), pants=(120, 80, 40), accent=(214, 40, 40), headwear="pointed",
                headwear_color=(46, 140, 70)),
    "athlete": Role(outfit=(214, 40, 40), pants=(40, 40, 46), accent=WHITE, prop="soccer ball"),
    "dancer": Role(outfit=(235, 100, 150), pants=(235, 100, 150), accent=(250, 220, 230), marks=_m("dress", "bun")),
    "waiter": Role(outfit=WHITE, pants=(40, 40, 46), accent=(40, 40, 46), marks=_m("vest", "bow_tie")),
    "gardener": Role(outfit=(120, 160, 80), pants=(60, 95, 160), accent=(235, 200, 110), headwear="wide_brim",
                     headwear_color=(225, 195, 110), prop="potted plant", marks=_m("overalls")),
    "fisherman": Role(outfit=(240, 200, 50), pants=(60, 70, 90), accent=(60, 70, 90), headwear="wide_brim",
                      headwear_color=(240, 200, 50), prop="fishing pole"),
    "mail carrier": Role(outfit=(60, 90, 150), pants=(40, 50, 80), accent=(214, 40, 40), headwear="peaked_cap",
                         headwear_color=(60, 90, 150), prop="envelope", marks=_m("backpack")),
    "magician": Role(outfit=(30, 30, 34), pants=(30, 30, 34), accent=(180, 20, 40), headwear="emoji:top hat",
                     prop="magic wand", marks=_m("cape", "bow_tie")),
}

#: Plain people: age and sex only. Values change the default figure.
PEOPLE: dict[str, Role] = {
    "person": Role(), "adult": Role(), "human": Role(), "man": Role(hair_style="short"),
    "guy": Role(hair_style="short"), "woman": Role(marks=_m("long_hair")),
    "gentleman": Role(hair_style="short", headwear="emoji:top hat", marks=_m("moustache", "bow_tie")),
    "lady": Role(marks=_m("long_hair", "dress")), "boy": Role(scale=0.78, hair_style="short"),
    "girl": Role(scale=0.78, marks=_m("long_hair", "dress", "hair_bow")), "child": Role(scale=0.75),
    "toddler": Role(scale=0.62), "baby": Role(scale=0.5, prop="baby bottle"), "teenager": Role(scale=0.92),
    "old man": Role(hair=(205, 205, 205), marks=_m("bald", "moustache", "glasses"), prop="cane"),
    "old woman": Role(hair=(215, 215, 215), marks=_m("bun", "dress", "glasses"), prop="cane"),
    "old person": Role(hair=(205, 205, 205), marks=_m("glasses"), prop="cane"),
    "mother": Role(marks=_m("long_hair", "dress")), "father": Role(hair_style="short", marks=_m("moustache")),
    "schoolgirl": Role(scale=0.8, outfit=NAVY, marks=_m("long_hair", "dress", "backpack")),
    "schoolboy": Role(scale=0.8, outfit=NAVY, hair_style="short", marks=_m("backpack")),
}

ALIASES: dict[str, str] = {
    "cook": "chef", "pastry chef": "baker", "physician": "doctor", "surgeon": "doctor", "dentist": "doctor",
    "vet": "doctor", "veterinarian": "doctor", "spaceman": "astronaut", "cosmonaut": "astronaut",
    "buccaneer": "pirate", "fireman": "firefighter", "firewoman": "firefighter",
    "fire fighter": "firefighter", "police": "police officer", "policeman": "police officer",
    "policewoman": "police officer", "cop": "police officer", "officer": "police officer",
    "sheriff": "cowboy", "cowgirl": "cowboy", "rancher": "cowboy", "professor": "teacher",
    "pupil": "student", "chemist": "scientist", "inventor": "scientist", "painter": "artist",
    "guitarist": "musician", "singer": "musician", "rockstar": "musician", "mage": "wizard",
    "sorcerer": "wizard", "sorceress": "witch", "warlock": "wizard", "emperor": "king", "empress": "queen",
    "warrior": "knight", "paladin": "knight", "samurai": "ninja", "spy": "detective", "sleuth": "detective",
    "inspector": "detective", "merman": "mermaid", "jester": "clown", "seaman": "sailor",
    "builder": "construction worker",
    "adventurer": "explorer", "hiker": "explorer", "dracula": "vampire",
    "footballer": "athlete", "runner": "athlete", "ballerina": "dancer", "waitress": "waiter",
    "postman": "mail carrier", "mailman": "mail carrier",
    "fisher": "fisherman", "sailor man": "sailor",
    "kid": "child", "youngster": "child", "teen": "teenager", "infant": "baby", "newborn": "baby",
    "grandma": "old woman", "grandmother": "old woman", "granny": "old woman", "grandpa": "old man",
    "grandfather": "old man", "grandad": "old man", "granddad": "old man", "elder": "old person",
    "mom": "mother", "mum": "mother", "mommy": "mother", "dad": "father", "daddy": "father",
    "son": "boy", "daughter": "girl", "sister": "girl", "brother": "boy", "people": "person",
    "men": "man", "women": "woman", "children": "child", "kids": "child", "babies": "baby",
    "human being": "person",
}

#: Age and sex words that qualify a role or a plain person ("an old knight", "a little girl").
_OLD = re.compile(r"\b(?:old|older|elderly|aged|aging|grey-haired|gray-haired|white-haired|senior)\b")
_YOUNG = re.compile(r"\b(?:little|young|small|tiny|kid|child)\b")
_FEMALE = re.compile(r"\b(?:girl|woman|women|lady|she|her|female|queen|princess|mother|mom|mum|grandma|"
                     r"granny|grandmother|daughter|sister|aunt|niece|wife|actress|waitress|cowgirl|"
                     r"heroine|sorceress|empress|policewoman|firewoman|ballerina|schoolgirl)\b")

_ALL = {**ROLES, **PEOPLE}
_NOUNS = sorted(set(_ALL) | set(ALIASES), key=lambda n: (-len(n.split()), -len(n)))
_NOUN_RE = re.compile(r"\b(" + "|".join(re.escape(n) for n in _NOUNS) + r")(?:s|es)?\b")
_PLAIN = set(PEOPLE)


def _canonical(word: str) -> str | None:
    word = ALIASES.get(word, word)
    return word if word in _ALL else None


def _singular(word: str) -> str:
    if word in ALIASES or word in _ALL:
        return word
    for cut in ("es", "s"):
        if word.endswith(cut) and (word[: -len(cut)] in _ALL or word[: -len(cut)] in ALIASES):
            return word[: -len(cut)]
    return word


#: Words that may stand before a person noun in an object's name ("old man", "tall red knight").
_MODIFIER = re.compile(r"(?:old|older|elderly|young|little|small|tiny|tall|short|big|happy|sad|brave|"
                       r"friendly|smiling|angry|sleepy|kind|wise|cheerful|lonely|lost|new|other|female|male|"
                       r"baby|[a-z]+-haired|fat|thin|lone|famous|local|evil|good|jolly|grumpy|"
                       r"light|dark|pale|bright|deep)")


@lru_cache(maxsize=1024)
def person_noun(noun: str) -> str | None:
    """The role or person key of an object's noun ("old man" -> "old man", "police officers"
    -> "police officer", "pirate ship" -> None), or None when the noun is no person.

    Only the head noun counts (English puts it last), and the words before it must be plain
    modifiers (age, size, a colour): "pirate ship" is a ship, "gingerbread man" is no man."""
    phrase = re.sub(r"[^a-z' -]+", " ", noun.lower()).strip()
    phrase = re.sub(r"^(?:a|an|the|some|one|two|three|four|five|many|several)\s+", "", phrase)
    words = phrase.split()
    if not words:
        return None
    for take in (3, 2, 1):  # the longest known tail: "police officer", "old man"
        if len(words) < take:
            continue
        tail = " ".join(words[-take:])
        key = _canonical(_singular(tail))
        if key is None:
            continue
        rest = words[:-take]
        if all(_MODIFIER.fullmatch(w) or parse_color(w) for w in rest):
            if key in ("man", "woman", "person") and any(_OLD.fullmatch(w) for w in rest):
                return f"old {key}"
            return key
        return None
    return None


def is_person(noun: str) -> bool:
    """Whether a planned object's noun names a person or role (drawn as a figure, not clip-art)."""
    return person_noun(noun) is not None


@dataclass(frozen=True)
class Look:
    """A character's resolved look: its role (or None for an unqualified figure) with age and
    sex applied, and colours read from its description."""

    role: str | None
    style: Role
    colors: dict[str, RGB]
    """Colours the description names ("yellow raincoat" -> outfit), by figure slot."""


# Worn things by the figure slot their colour paints.
_GARMENTS: dict[str, str] = {
    **{w: "outfit" for w in ("coat", "raincoat", "jacket", "armor", "armour", "dress", "hoodie", "sweater", "jumper",
                             "cardigan", "jersey", "uniform", "robe", "robes", "cloak", "overalls", "suit", "shirt",
                             "t-shirt", "tshirt", "vest", "gown", "tunic", "outfit", "clothes", "blouse",
                             "parka", "apron", "spacesuit", "kimono", "sari", "poncho", "tracksuit", "costume")},
    **{w: "accent" for w in ("hat", "cap", "scarf", "bandana", "beret", "bow", "ribbon", "tie", "helmet", "hood",
                             "headband", "cape", "belt", "collar", "beanie", "crown")},
    **{w: "pants" for w in ("pants", "trousers", "jeans", "shorts", "skirt", "leggings")},
    **{w: "hair" for w in ("hair", "curls", "braids", "braid", "ponytail", "bob", "pigtails", "beard", "mohawk")},
    **{w: "body" for w in ("fur", "feathers", "scales", "skin", "wool")},
}
_GARMENT_RE = re.compile(rf"\b({'|'.join(sorted(_GARMENTS, key=len, reverse=True))})\b")
_STOP = frozenset({"and", "with", "in", "on", "wearing", "has", "a", "an", "the", "her", "his", "their", "or"})
_HAIR_WORDS = {"blond": (235, 205, 120), "blonde": (235, 205, 120), "redhead": (200, 80, 40),
               "red-haired": (200, 80, 40), "ginger": (210, 110, 50), "brunette": (100, 60, 35),
               "grey-haired": (205, 205, 205), "gray-haired": (205, 205, 205), "white-haired": (235, 235, 235),
               "silver-haired": (210, 210, 215), "dark-haired": (45, 35, 30), "black-haired": (30, 30, 35)}


def described_colors(text: str) -> dict[str, RGB]:
    """Colours a description gives to the figure's slots: "a yellow raincoat and green boots"
    -> outfit yellow, accent green; "blonde" -> hair. The first colour said for a slot wins."""
    out: dict[str, RGB] = {}
    low = text.lower()
    for clause in re.split(r"[,;.()]", low):
        for match in _GARMENT_RE.finditer(clause):
            before = re.findall(r"[a-z-]+", clause[: match.start()])[-3:]
            for i in range(len(before) - 1, -1, -1):  # the nearest colour before it, two words first
                if before[i] in _STOP:
                    break
                rgb = (parse_color(" ".join(before[i - 1:i + 1])) if i else None) or parse_color(before[i])
                if rgb is not None:
                    out.setdefault(_GARMENTS[match[1]], rgb)
                    break
    for word, rgb in _HAIR_WORDS.items():
        if "hair" not in out and re.search(rf"\b{re.escape(word)}\b", low):
            out["hair"] = rgb
    return out


#: Where a description stops saying what the character is and starts saying what it does or
#: whom it meets: "a girl who helps a doctor" is a girl, "a fox who loves her grandma" a fox.
_CLAUSE = re.compile(r"[,;:.()!?]|\b(?:who|that|which|whose|with|and|while|but|to|for|from|by|at|in|on|near|"
                     r"behind|under|riding|wearing|holding|named|called)\b")


def _what_it_is(text: str) -> str:
    """The description's first clause, and any apposition ("Dr. Ada Vance, a scientist")."""
    low = text.lower()
    said = [_CLAUSE.split(low, maxsplit=1)[0]]
    said += [_CLAUSE.split(part, maxsplit=1)[0] for part in re.split(r"[,(]\s*", low)[1:] if re.match(r"an?\s", part)]
    return " ".join(said)


@lru_cache(maxsize=512)
def look_for(species: str | None, description: str = "", attributes: tuple[tuple[str, str], ...] = ()) -> Look:
    """The look of a character: the first role or person word of its species, else of what its
    description (up to its first clause) or an attribute says it is; age and sex words there
    change it. Colours come from the whole description.

    A species that is an animal or a thing ("fox", "robot") has no role of its own but may
    wear one ("a fox chef"); a character with no species and no person word stays the
    default figure (role None)."""
    texts = [_what_it_is(species or ""), _what_it_is(description),
             " ".join(_what_it_is(v) for _, v in attributes)]
    found = [key for text in texts for m in _NOUN_RE.finditer(text) if (key := _canonical(_singular(m[1])))]
    # A job beats a plain person: species "human", described as "a knight in silver armour".
    role = next((key for key in found if key not in _PLAIN), found[0] if found else None)
    said = " ".join(texts)
    style = _ALL[role] if role else Role()
    if role in _PLAIN and role not in ("old man", "old woman", "old person") and _OLD.search(said):
        role = "old woman" if role in ("woman", "lady", "mother") \
            else "old man" if role in ("man", "father", "gentleman") else "old person"
        style = _ALL[role]
    elif role and role not in _PLAIN:  # an old knight is grey; a little knight is short
        if _OLD.search(said):
            style = replace(style, hair=style.hair or (205, 205, 205))
        if _YOUNG.search(said):
            style = replace(style, scale=min(style.scale, 0.78))
        if _FEMALE.search(said) and "long_hair" not in style.marks:
            style = replace(style, marks=style.marks | {"long_hair"})
    if role in ("person", "adult", "human", "child", "teenager", "toddler") and _FEMALE.search(said):
        style = replace(style, marks=style.marks | {"long_hair"})
    colours = " ".join([description, *(v for _, v in attributes)])
    return Look(role=role, style=style, colors=described_colors(colours))


__all__ = ["ALIASES", "Look", "PEOPLE", "ROLES", "Role", "described_colors", "is_person", "look_for", "person_noun"]
