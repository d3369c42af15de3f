"""The settings the renderer draws a backdrop for, and how a request names them.

Each :class:`Place` has a canonical name ("coffee shop", "moon"), the words that name it on their
own ("woods" is a forest) and the phrases that name it where its noun is also a thing: "on the
moon" is a lunar backdrop, but "a brown moon" or "the moon above a lake" is a moon to draw;
"in space" is a setting, "copy space" is not; "at school" is a classroom, "a school bake sale"
is not. :func:`detect_setting` finds the first place named in a text (the longest phrase wins
where two start together: "a desert island" is a beach, not a desert).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tools.colors import RGB

_ON = r"(?:on|onto|upon)"
_IN = r"(?:in|into|inside|within|at)"
_DET = r"(?:a|an|the|our|my|his|her|their|this|that)"


@dataclass(frozen=True)
class Place:
    """One drawable setting: what it is called, how it is found, and its base colours."""

    name: str
    """Canonical name, what :func:`detect_setting` returns ("city street")."""
    kind: str
    """"shelf" (an interior), "horizon" (outdoors), "space" (no weather) or "water" (underwater)."""
    words: tuple[str, ...] = ()
    """Nouns that name the place on their own, matched as whole words with plurals ("woods")."""
    phrases: tuple[str, ...] = ()
    """Regular expressions for wordings whose noun is also a thing ("on the moon")."""
    loose: tuple[str, ...] = ()
    """Bare nouns that name the place only where a plan already says it is the setting
    (``ScenePlan.setting == "moon"``): in free text they stay things."""
    hints: tuple[str, ...] = ()
    """Things that suggest the place when the text names no setting ("a lighthouse" stands on a
    coast); they stay things to draw, so :func:`names_setting` ignores them."""
    motifs: tuple[str, ...] = ()
    """OpenMoji props the seed scatters (never one the shot counts)."""
    wall: RGB | None = None
    """An interior's wall, or an outdoor place's own sky (top, bottom use it as the bottom)."""
    ground: RGB = (214, 208, 198)
    horizon: float | None = None
    """Where sky meets ground (fraction of the height); None: the kind's default."""


_SETTINGS: tuple[Place, ...] = (
    # --- worlds ---------------------------------------------------------------------------
    Place("moon", "space",
          phrases=(rf"\b{_ON} the moon\b(?!'s? (?:light|glow))", r"\bsurface of the moon\b",
                   r"\bmoon'?s surface\b", r"\blunar (?:surface|landscape|plain|crater|base|soil|dust|terrain|horizon)s?\b",
                   r"\bmoon ?(?:base|scape|landing|walk)s?\b", r"\bmoonwalk(?:ing)?\b"),
          loose=("moon", "lunar"), ground=(150, 150, 152), horizon=0.62),
    Place("mars", "space",
          phrases=(rf"\b{_ON} mars\b", r"\b(?:surface|landscape|plains?) of mars\b", r"\bmars'?s? (?:surface|landscape|base|colony)\b",
                   r"\bmartian (?:surface|landscape|desert|plain|soil|terrain|base|colony|dust)s?\b",
                   rf"\b{_ON} the red planet\b"),
          loose=("mars", "martian"), motifs=("rock",), wall=(226, 170, 128), ground=(186, 98, 60), horizon=0.62),
    Place("space", "space",
          phrases=(r"\b(?:in|into|through|across|from) (?:outer |deep |open )?space\b(?! (?:for|heater|bar|between|saving))",
                   r"\bouter space\b", r"\bdeep space\b", r"\bspace ?stations?\b", r"\bspace ?walk(?:ing)?\b",
                   r"\b(?:in|into) orbit\b", r"\borbiting (?:the )?(?:earth|moon|planet|sun)\b",
                   r"\b(?:among|between) the stars\b", r"\bzero[- ]?g(?:ravity)?\b",
                   r"\b(?:in|across|through) (?:a |the )?(?:galaxy|galaxies|cosmos|nebula)\b", r"\bcosmos\b"),
          loose=("space", "galaxy", "orbit", "planet", "cosmos", "orbital"),
          motifs=("ringed planet", "comet", "satellite"), ground=(70, 84, 140), horizon=0.84),
    Place("underwater", "water",
          words=("underwater", "seabed", "seafloor"),
          phrases=(r"\bunder ?water\b", r"\b(?:under|beneath|below) the (?:sea|ocean|waves|water|surface)\b",
                   r"\b(?:sea|ocean) (?:floor|bed)s?\b", r"\bcoral reefs?\b", r"\b(?:on|at|by|in) the reef\b",
                   rf"\b{_IN} {_DET} (?:\w+ )?aquarium\b", r"\bdeep[- ]sea\b", r"\bscuba\b"),
          loose=("reef", "aquarium", "ocean floor"),
          motifs=("coral", "spiral shell", "tropical fish", "coral"), wall=(40, 120, 180), ground=(220, 200, 150),
          horizon=0.8),
    # --- nature -----------------------------------------------------------------------------
    Place("forest", "horizon", words=("forest", "woods", "woodland", "jungle", "rainforest"),
          phrases=(r"\bamong the trees\b",), loose=("trees",), motifs=("mushroom", "herb", "evergreen tree"), ground=(86, 146, 72)),
    Place("park", "horizon", words=("park", "playground"), hints=("picnic",), motifs=("tulip", "herb", "deciduous tree"),
          ground=(118, 178, 88)),
    Place("farm", "horizon", words=("farm", "farmyard", "barnyard", "ranch", "pasture", "orchard"),
          phrases=(r"\b(?:wheat|corn|crop|hay|rice|barley) ?fields?\b", rf"\b{_IN} (?:a |the )?barn\b"),
          loose=("barn",), motifs=("sheaf of rice", "sunflower", "ear of maize"), ground=(132, 172, 84)),
    Place("meadow", "horizon",
          words=("meadow", "countryside", "grassland", "prairie", "hills", "hilltop", "hillside", "garden",
                 "backyard", "lawn"),
          phrases=(r"(?<!depth of )\bfields?\b(?! of (?:view|vision)| trip| day| notes)",
                   r"\b(?:on|over|atop|up|down) (?:a|the) hill\b"),
          loose=("hill", "field", "yard"), motifs=("deciduous tree", "tulip", "herb", "deciduous tree"),
          ground=(120, 180, 90)),
    Place("beach", "horizon", words=("beach", "seaside", "seashore", "shore", "coast", "coastline", "sea", "ocean",
                                      "harbor", "harbour", "pier", "boardwalk"),
          phrases=(r"\b(?:desert|deserted|tropical) islands?\b", r"\b(?:on|to|onto) (?:a|an|the) (?:\w+ )?island\b",
                   r"\bby the sea\b"),
          loose=("island", "tropical"), hints=("lighthouse", "sandcastle"), motifs=("palm tree", "palm tree", "spiral shell"), ground=(236, 214, 160)),
    Place("lake", "horizon", words=("lake", "lakeside", "lakeshore", "pond", "river", "riverbank", "riverside", "canal"),
          motifs=("evergreen tree", "deciduous tree"), ground=(104, 160, 84)),
    Place("mountains", "horizon",
          words=("mountains", "mountainside", "mountaintop", "alps", "himalayas", "rockies", "valley", "peaks"),
          phrases=(r"\b(?:on|up|atop|climbing|among|across|over|in) (?:a|the) mountain\b",
                   r"\bmountain ?(?:range|top|peak|summit|pass|trail|path|valley|view|landscape|meadow)s?\b",
                   # "a mountain cabin": the cabin is a thing to draw, the mountains its backdrop
                   r"\bmountain(?= (?:cabin|hut|lodge|chalet|village|town|road|stream|goat)s?\b)"),
          loose=("mountain", "alp"), motifs=("evergreen tree",), ground=(112, 160, 92)),
    Place("desert", "horizon", words=("desert", "dunes", "sahara", "canyon", "badlands", "oasis"),
          phrases=(r"\bsand ?dunes?\b",), loose=("dune",), motifs=("cactus", "rock"), ground=(232, 196, 138)),
    Place("snow", "horizon", words=("arctic", "antarctica", "antarctic", "tundra", "glacier", "snowfield", "winter"),
          phrases=(r"\b(?:in|through|across) the snow\b", r"\b(?:covered|buried|blanketed) in snow\b", r"\bsnow[- ]covered\b",
                   r"\bsnowy (?:landscape|field|hill|hillside|plain|meadow|day|scene|valley|woods?|forest|park|morning|night)s?\b",
                   r"\b(?:north|south) pole\b", r"\bski (?:slope|resort|run|lift|hill)s?\b", r"\bwinter (?:wonderland|landscape)\b"),
          loose=("snow", "ski", "snowy"), motifs=("evergreen tree", "snowman without snow", "evergreen tree"),
          ground=(238, 242, 248)),
    # --- built ------------------------------------------------------------------------------
    Place("city street", "horizon",
          words=("city", "street", "downtown", "town", "village", "avenue", "alley", "alleyway", "sidewalk",
                 "boulevard", "neighborhood", "neighbourhood", "suburb", "metropolis"),
          phrases=(r"\b(?:town|market|city|village) square\b", r"\boffice buildings?\b"),
          hints=("skyline", "skyscraper"), motifs=(), ground=(168, 168, 172), horizon=0.64),
    Place("castle courtyard", "horizon",
          words=("courtyard", "fortress", "citadel", "ramparts", "battlements"),
          phrases=(r"\bcastle (?:courtyard|grounds|walls?|gates?|keep|yard|ramparts?|battlements?)\b",
                   rf"\b(?:in|inside|within|at) {_DET} (?:\w+ )?castle\b(?! (?:on|in|by|of|courtyard|grounds|walls?|gates?|keep|yard)\b)"),
          loose=("castle",), motifs=(), ground=(166, 156, 140), horizon=0.66),
    # --- interiors --------------------------------------------------------------------------
    Place("coffee shop", "shelf",
          words=("cafe", "café", "coffee shop", "coffeehouse", "coffee house", "coffee bar", "espresso bar", "tearoom",
                 "tea room", "teahouse"),
          motifs=("hot beverage", "croissant", "shortcake", "teacup without handle"), wall=(232, 212, 186),
          ground=(150, 104, 72)),
    Place("bakery", "shelf", words=("bakery", "boulangerie", "patisserie", "pastry shop"),
          motifs=("baguette bread", "croissant", "pretzel", "bagel", "croissant"), wall=(247, 232, 208),
          ground=(190, 142, 100)),
    Place("kitchen", "shelf", words=("kitchen",), motifs=("teapot", "cooking", "red apple", "cheese wedge"),
          wall=(240, 238, 230), ground=(196, 186, 172)),
    Place("restaurant", "shelf", words=("restaurant", "diner", "bistro", "pizzeria", "canteen", "dining room"),
          motifs=("wine glass", "spaghetti", "candle", "bottle with popping cork"), wall=(226, 204, 196), ground=(150, 96, 80)),
    Place("classroom", "shelf", words=("classroom", "schoolroom", "lecture hall"),
          phrases=(r"\b(?:at|in|inside) (?:the |our |my )?school\b(?! (?:bus|play|project|newspaper|fair|sale|bake))",
                   r"\b(?:math|maths|science|history|english|music|chemistry|biology|physics|geography|art|french|spanish) class\b",
                   r"\b(?:in|during) class\b"),
          loose=("school", "class"), motifs=("books", "globe showing americas", "abacus"), wall=(232, 230, 214),
          ground=(176, 150, 120)),
    Place("bedroom", "shelf", words=("bedroom", "dorm room"), phrases=(r"\b(?:in|into|out of) (?:(?:his|her|my|their|our|its) (?:\w+ )?)?bed\b",),
          loose=("bed",), motifs=("teddy bear", "alarm clock", "potted plant", "books"), wall=(226, 222, 238), ground=(172, 140, 112)),
    Place("library", "shelf", words=("library", "bookstore", "bookshop"), motifs=("books", "closed book", "books", "notebook"),
          wall=(236, 226, 210), ground=(150, 105, 75)),
    Place("shop", "shelf", words=("shop", "store", "market", "supermarket", "grocer", "grocery", "boutique"),
          motifs=("red apple", "banana", "grapes", "tangerine"), wall=(240, 236, 226), ground=(190, 185, 175)),
    Place("office", "shelf", words=("office", "workplace", "cubicle", "boardroom", "meeting room"),
          motifs=("desktop computer", "file folder", "potted plant", "spiral calendar pad"), wall=(222, 230, 236),
          ground=(150, 156, 166)),
    Place("room", "shelf", words=("living room", "lounge", "lab", "laboratory", "museum", "attic", "apartment", "hallway"),
          phrases=(rf"\b(?:in|into|inside|across) {_DET} (?:\w+ )?room\b",),
          loose=("room", "interior", "house"), motifs=("framed picture", "potted plant", "books", "alarm clock"), wall=(236, 232, 224),
          ground=(185, 160, 135)),
)

PLACES: dict[str, Place] = {p.name: p for p in _SETTINGS}
"""Every drawable setting by canonical name."""


def _word(word: str) -> str:
    return rf"\b{re.escape(word)}(?:s|es)?\b"


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], Place], ...]:
    pats = [(re.compile(_word(w)), p) for p in _SETTINGS for w in p.words]
    pats += [(re.compile(ph), p) for p in _SETTINGS for ph in p.phrases]
    # A word before an interior names that interior, not a place of its own: "a beach cafe" is a cafe.
    pats += [(re.compile(rf"\b[a-zé]+ {re.escape(w)}(?:s|es)?\b"), p) for p in _SETTINGS if p.kind == "shelf" for w in p.words]
    return tuple(pats)


@lru_cache(maxsize=1)
def _loose() -> tuple[tuple[re.Pattern[str], Place], ...]:
    return tuple((re.compile(_word(w)), p) for p in _SETTINGS for w in p.loose)


@lru_cache(maxsize=1)
def _hints() -> tuple[tuple[re.Pattern[str], Place], ...]:
    return tuple((re.compile(_word(w)), p) for p in _SETTINGS for w in p.hints)


def find_place(text: str, hints: bool = False) -> Place | None:
    """The first place ``text`` names (earliest; the longest where two start together); with
    ``hints``, else the first one a thing in it suggests ("a lighthouse": a coast)."""
    found = _find(text.lower(), hints)
    return found[0] if found else None


def _find(lowered: str, hints: bool = False) -> tuple[Place, re.Match[str]] | None:
    return _first(lowered, _patterns()) or (_first(lowered, _hints()) if hints else None)


def _first(lowered: str, patterns: tuple[tuple[re.Pattern[str], Place], ...]) -> tuple[Place, re.Match[str]] | None:
    best: tuple[Place, re.Match[str]] | None = None
    for pattern, place in patterns:
        m = pattern.search(lowered)
        if m and (best is None or (m.start(), best[1].end()) < (best[1].start(), m.end())):
            best = (place, m)
    return best


#: Leading words of a matched phrase that are not the place ("on the moon" is the moon).
_LEAD = re.compile(r"^(?:(?:on|onto|upon|in|into|inside|within|at|to|by|from|across|through|among|between|over|"
                   r"up|down|atop|out|of|during|covered|buried|blanketed|the|a|an|our|my|his|"
                   r"her|their|its|this|that)\s+)+")


def setting_words(text: str) -> str | None:
    """The words of ``text`` that name its setting, as written: "a fox in the woods" → "woods",
    "a cat on the moon" → "moon", "the same mountain lake" → "lake"; None when it names none.
    A plan can keep these (the renderer resolves them, :func:`resolve_place`) where the
    canonical name (:func:`detect_setting`) would lose the request's own word."""
    found = _find(text.lower())
    return _LEAD.sub("", found[1].group(0)).strip() or None if found else None


def detect_setting(text: str) -> str | None:
    """The canonical name of the first setting ``text`` names, or None.

    "a fox in the woods" → "forest"; "an astronaut on the moon" → "moon"; "a brown moon" → None.
    For planners: the words of the phrase that matched name the place, not an object to count.
    """
    place = find_place(text)
    return place.name if place else None


def names_setting(noun: str) -> bool:
    """True when ``noun`` on its own names a setting ("woods", "coffee shop", "kitchen"), so it
    is a place, not a thing to count. A noun that is a thing too ("moon", "castle") is False."""
    lowered = noun.strip().lower()
    return any(pattern.fullmatch(lowered) for pattern, _ in _patterns())


def resolve_place(setting: str) -> Place | None:
    """The place a plan's declared ``setting`` is ("woods", "moon", "snowy street"): its canonical
    name, a phrase, or, since the plan already calls it a setting, a bare noun that elsewhere
    names a thing too ("moon", "castle", "school")."""
    lowered = setting.strip().lower()
    if lowered in PLACES:
        return PLACES[lowered]
    found = find_place(lowered)
    if found is not None:
        return found
    for pattern, place in _loose():
        if pattern.search(lowered):
            return place
    return None
