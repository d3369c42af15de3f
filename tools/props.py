"""Drawn props: everyday things OpenMoji has no drawing for, drawn procedurally in its style.

A park bench, a microwave, a fridge, a parking meter or a barn are common in stories and in
GenEval's COCO classes, and neither Unicode nor OpenMoji's extras draw them; a labelled box
reads worse than a simple drawing. Each prop here is a flat fill inside a dark outline, drawn
at three times its size and scaled down (:mod:`tools.props_paint`), in the asked colour for
its main part ("a blue fridge") and its own colour otherwise.

The vocabulary (:data:`NAMES`) holds only nouns OpenMoji lacks, or where the nearest
OpenMoji drawing is the wrong thing: "lamp" (OpenMoji's only lamp is a diya, an oil lamp),
"fire hydrant" (the name match was FIRE), "tv remote" (TELEVISION), "bookshelf" (BOOKS),
"baseball glove" (BOXING GLOVE), "surfboard" and "snowboard" (a SURFER, a SNOWBOARDER: a
person where a board was asked). That is why this source comes before clip-art in
:data:`tools.art.SOURCES`: for every other noun clip-art still answers.
"""

from __future__ import annotations

import re
from functools import lru_cache

from PIL import Image

from tools import clipart, props_indoor, props_outdoor
from tools.colors import RGB, parse_color
from tools.props_paint import Drawing, render

# prop -> (drawing, aspect (width, height)).
_PROPS: dict[str, tuple[Drawing, tuple[float, float]]] = {
    "microwave": (props_indoor.microwave, (1.6, 1.0)), "stove": (props_indoor.stove, (1.0, 1.05)),
    "toaster": (props_indoor.toaster, (1.25, 1.0)), "sink": (props_indoor.sink, (1.2, 1.0)),
    "refrigerator": (props_indoor.refrigerator, (0.55, 1.0)), "dishwasher": (props_indoor.dishwasher, (0.85, 1.0)),
    "hair drier": (props_indoor.hair_drier, (1.2, 1.0)), "remote": (props_indoor.remote, (0.32, 1.0)),
    "table lamp": (props_indoor.table_lamp, (0.75, 1.0)), "floor lamp": (props_indoor.floor_lamp, (0.38, 1.0)),
    "bookshelf": (props_indoor.bookshelf, (0.8, 1.0)), "desk": (props_indoor.desk, (1.5, 1.0)),
    "wardrobe": (props_indoor.wardrobe, (0.65, 1.0)), "dresser": (props_indoor.dresser, (1.2, 1.0)),
    "stool": (props_indoor.stool, (0.75, 1.0)), "fireplace": (props_indoor.fireplace, (1.25, 1.0)),
    "baseball glove": (props_indoor.baseball_glove, (1.0, 1.05)),
    "bench": (props_outdoor.bench, (1.8, 1.0)), "parking meter": (props_outdoor.parking_meter, (0.4, 1.0)),
    "fire hydrant": (props_outdoor.fire_hydrant, (0.7, 1.0)), "street lamp": (props_outdoor.street_lamp, (0.32, 1.0)),
    "fence": (props_outdoor.fence, (2.0, 1.0)), "well": (props_outdoor.well, (0.9, 1.0)),
    "barn": (props_outdoor.barn, (1.15, 1.0)), "windmill": (props_outdoor.windmill, (0.85, 1.0)),
    "submarine": (props_outdoor.submarine, (2.0, 1.0)), "waterfall": (props_outdoor.waterfall, (0.9, 1.0)),
    "river": (props_outdoor.river, (1.6, 1.0)), "pond": (props_outdoor.pond, (1.8, 1.0)),
    "hill": (props_outdoor.hill, (2.0, 1.0)), "igloo": (props_outdoor.igloo, (1.5, 1.0)),
    "surfboard": (props_outdoor.surfboard, (0.4, 1.0)), "snowboard": (props_outdoor.snowboard, (0.3, 1.0)),
    "shed": (props_outdoor.shed, (1.1, 1.0)), "pillow": (props_indoor.pillow, (1.5, 1.0)),
    "rug": (props_indoor.rug, (2.0, 1.0)), "wall": (props_outdoor.wall, (2.0, 1.0)),
}
_DEFAULTS: dict[str, RGB] = {**props_indoor.DEFAULTS, **props_outdoor.DEFAULTS}

#: Noun -> prop. Every prop is also its own name.
NAMES: dict[str, str] = {
    **{name: name for name in _PROPS},
    "brick wall": "wall", "stone wall": "wall", "garden wall": "wall", "park bench": "bench", "microwave oven": "microwave", "oven": "stove", "cooker": "stove",
    "kitchen stove": "stove", "range cooker": "stove", "washbasin": "sink", "wash basin": "sink",
    "kitchen sink": "sink", "bathroom sink": "sink", "fridge": "refrigerator", "freezer": "refrigerator",
    "hair dryer": "hair drier", "hairdryer": "hair drier", "blow dryer": "hair drier", "blow-dryer": "hair drier",
    "fire hydrant": "fire hydrant", "hydrant": "fire hydrant", "tv remote": "remote",
    "remote control": "remote", "television remote": "remote", "lamp": "table lamp", "desk lamp": "table lamp",
    "bedside lamp": "table lamp", "standing lamp": "floor lamp", "streetlamp": "street lamp",
    "street light": "street lamp", "streetlight": "street lamp", "lamp post": "street lamp",
    "lamppost": "street lamp", "lamp-post": "street lamp", "bookcase": "bookshelf", "book shelf": "bookshelf",
    "shelf": "bookshelf", "writing desk": "desk", "office desk": "desk", "school desk": "desk",
    "cupboard": "wardrobe", "cabinet": "wardrobe", "closet": "wardrobe", "armoire": "wardrobe",
    "chest of drawers": "dresser", "sideboard": "dresser", "bar stool": "stool", "barstool": "stool",
    "hearth": "fireplace", "baseball mitt": "baseball glove", "mitt": "baseball glove",
    "catcher's mitt": "baseball glove", "picket fence": "fence", "wishing well": "well",
    "water well": "well", "wind mill": "windmill", "cascade": "waterfall", "stream": "river",
    "creek": "river", "brook": "river", "lake": "pond", "lagoon": "pond", "hillside": "hill", "mound": "hill",
    "surf board": "surfboard", "snow board": "snowboard", "garden shed": "shed", "tool shed": "shed",
    "cushion": "pillow", "carpet": "rug", "doormat": "rug",
}

_IRREGULAR = {"shelves": "shelf", "bookshelves": "bookshelf"}


@lru_cache(maxsize=2048)
def _key(noun: str) -> str | None:
    """The prop for ``noun`` ("a red park bench", "fridges", "an old stone well"), or None.

    Articles and colour words are dropped and plurals made singular; a phrase falls back to
    its last word (English puts the head last: "wooden bench" -> bench), never its first.
    Results are cached per noun.
    """
    phrase = re.sub(r"[^a-z' -]+", " ", noun.lower()).strip()
    words = [w for w in phrase.split() if w not in ("a", "an", "the", "some")]
    while len(words) > 1 and parse_color(words[0]) is not None:
        words = words[1:]
    whole = " ".join(words)
    # The last word alone only when clip-art knows nothing for the whole ("file cabinet" is
    # OpenMoji's FILE CABINET, not a wardrobe).
    candidates = [whole] if len(words) < 2 or clipart.lookup(whole) is not None else [whole, words[-1]]
    for candidate in candidates:
        for form in (candidate, *_singulars(candidate)):
            if form in NAMES:
                return NAMES[form]
    return None


def _singulars(word: str) -> list[str]:
    out = [_IRREGULAR[word]] if word in _IRREGULAR else []
    if re.search(r"(s|x|ch|sh)es$", word):
        out.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss"):
        out.append(word[:-1])
    return out


def covers(noun: str) -> bool:
    """Whether a prop is drawn for ``noun`` (the art chain's ``covers``)."""
    return _key(noun) is not None


def names() -> list[str]:
    """Every noun a prop is drawn for."""
    return sorted(NAMES)


@lru_cache(maxsize=256)
def _drawn(key: str, size_px: int, body: RGB) -> Image.Image:
    drawing, aspect = _PROPS[key]
    return render(drawing, aspect, size_px, body)


def draw(noun: str, size_px: int, color: str | None = None) -> Image.Image | None:
    """``noun`` as an RGBA prop whose longer side is ``size_px``, or None when no prop fits.

    ``color`` (a colour name) paints the prop's main part; an unknown name keeps its own
    colour. The result is cached: treat it as read-only (copy before drawing on it).
    """
    key = _key(noun)
    if key is None or size_px < 2:
        return None
    body = (parse_color(color) if color else None) or _DEFAULTS[key]
    return _drawn(key, int(size_px), body)


__all__ = ["NAMES", "covers", "draw", "names"]
