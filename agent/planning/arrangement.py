"""Layout directives: "a 4 by 4 grid of 16 objects … from left to right, top to bottom: a blue
star, a red triangle, …" puts every listed item in its own cell, in reading order.

Words that arrange ("a 4 by 4 grid", "in a row", "in a column", "in a circle", "from left to
right, top to bottom") and words that count the listed items ("16 objects", "six icons") are
directives, never things to draw. :func:`read_arrangement` finds them and the list they
arrange; :func:`arrange` gives each listed item a box (a cell of the grid, row, column or
circle), keeping its order, count and colour, and drops what the generic object reader made
of the same words ("grid", "symbol", "bolt"). :func:`plain_backdrop` reads "on a white
background" as a plain backdrop of that colour.

Pure Python, every pattern compiled once: the planner reads this for every request.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal, Sequence

from agent.planning.objects import singular
from agent.planning.vocab import COLOURS, COMPOUND_NOUNS, NUMBER_WORDS, PHRASE_END, RELATION_FILLER, STOP, VERB_WORDS
from tools import shapes
from tools.colors import parse_color
from tools.geometry import Frame
from tools.layout import is_airborne
from tools.scene import Box, SceneObject, TextElement

Kind = Literal["grid", "row", "column", "circle"]

_NUMBER = "|".join(sorted((re.escape(w) for w in NUMBER_WORDS if w not in ("a", "an")), key=len, reverse=True))
_N = rf"(\d{{1,2}}|{_NUMBER})"
_COUNTED_NOUNS = "object item thing shape icon symbol emoji element pictogram glyph sticker".split()
_COUNTED = "|".join(f"{n}s?" for n in _COUNTED_NOUNS)
_GRID = re.compile(rf"\b{_N}\s*(?:x|×|by)\s*{_N}\s*(?:-\s*)?(?:grid|matrix|table|array|layout)\b"
                   rf"|\b(?:a|an|the|one)\s+(?:(?:square|neat|simple|regular|even|tidy|clean)\s+)?(?:grid|matrix)\b"
                   rf"(?:\s+(?:of|with|layout|arrangement))?")
_ROWS = re.compile(rf"\b{_N}\s+rows?\b")
_COLUMNS = re.compile(rf"\b{_N}\s+columns?\b")
_ROW = re.compile(r"\b(?:(?:in|on|along|into)\s+(?:a|one)\s+(?:single\s+|straight\s+|neat\s+|horizontal\s+)?(?:row|line)"
                  r"|side[\s-]by[\s-]side|lined\s+up|a\s+(?:single\s+|straight\s+|neat\s+)?row\s+of)\b")
_COLUMN = re.compile(r"\b(?:(?:in|into)\s+(?:a|one)\s+(?:single\s+|vertical\s+)?(?:column|stack)"
                     r"|stacked\s+(?:vertically|on top of each other)|a\s+(?:single\s+|vertical\s+)?column\s+of)\b")
_CIRCLE = re.compile(r"\b(?:in|into|around)\s+a\s+(?:circle|ring)\b|\barranged\s+in\s+a\s+(?:circle|ring)\b")
_ACROSS = re.compile(r"\b(?:from\s+)?left\s+to\s+right\b")
_DOWN = re.compile(r"\b(?:from\s+)?top\s+to\s+bottom\b")
_DECLARED = re.compile(rf"\b{_N}\s+(?:(?:different|distinct|small|simple|colou?red|colou?rful|separate)\s+)*"
                       rf"(?:{_COUNTED})\b")
_LAYOUT_WORDS = {"grid", "matrix", "row", "column", "layout", "arrangement", "cell", "order",
                 *_COUNTED_NOUNS, *(n + "s" for n in _COUNTED_NOUNS)}
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]])\.(?:\s|$)|[;!?](?:\s|$)|\n")
_SPLIT = re.compile(r"\s*(?:,|;|\bthen\b|\bfollowed by\b|\bnext to it\b)\s*(?:and\s+|then\s+)?|\s+and\s+(?=(?:a|an|the|\d+|"
                    rf"{_NUMBER})\b)")
_AND = re.compile(r"\s+and\s+")
_TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
_SHADE = {"light", "dark", "pale", "pastel", "deep", "bright", "hot", "sky", "navy", "royal", "forest", "neon",
          "baby", "lime", "blood", "jet", "electric", "dusty", "soft", "vivid", "metallic"}
_COLOUR_WORDS = set(COLOURS) | set(shapes.PATTERN_WORDS) | {"polka"}
_VERBISH = re.compile(r"^[a-z]{3,}(?:ing|ed)$")
_ENDS_ITEM = STOP | PHRASE_END | RELATION_FILLER | {"in", "on", "at", "with", "from", "to", "by", "for", "of", "as", "placed", "arranged",
                     "drawn", "shown", "centered", "centred", "each", "all", "against", "inside", "within"}
_BACKDROP = re.compile(r"\b(?:background|backdrop)\b(?:\s+(?:is|should\s+be|in|:)\s+([a-z]+(?:\s+[a-z]+)?))?")
_BACKDROP_WORDS = re.compile(r"[a-z]+")
_PLAIN = {"plain", "solid", "blank", "clean", "simple", "pure", "flat", "empty", "uniform"}


@dataclass
class Arrangement:
    """A layout the request asks for and the items it arranges, in reading order."""

    kind: Kind
    rows: int | None = None
    """Rows the request states ("a 4 by 4 grid", "in 2 rows"); None: fitted to the items."""
    cols: int | None = None
    declared: int | None = None
    """How many items the request says it lists ("16 objects"), when it says."""
    items: list[SceneObject] = field(default_factory=list)
    words: set[str] = field(default_factory=set)
    """Every word of the arranged items and of the directive: what the generic reader made
    of them ("symbol", "lightning", "grid") is not a separate object."""
    spans: list[tuple[int, int]] = field(default_factory=list)
    """Where the text says the layout and counts the items ("a 2 by 3 grid", "six icons")."""


def _number(word: str) -> int | None:
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word)


def _directive(text: str) -> tuple[Kind, int | None, int | None, list[re.Match[str]]] | None:
    """The kind of layout ``text`` asks for, its stated columns and rows, and the matches that said so."""
    found: list[re.Match[str]] = []
    grid = _GRID.search(text)
    rows_m, cols_m = _ROWS.search(text), _COLUMNS.search(text)
    across, down = _ACROSS.search(text), _DOWN.search(text)
    cols = rows = None
    if grid and grid[1] and grid[2]:  # "a 2x3 grid": 2 across, 3 down (width by height, like a screen)
        cols, rows = _number(grid[1]), _number(grid[2])
    if rows_m:
        rows = _number(rows_m[1])
    if cols_m:
        cols = _number(cols_m[1])
    kind: Kind | None = None
    if grid or (rows_m and cols_m) or (across and down):
        kind = "grid"
    elif rows_m or cols_m:
        kind = "grid"
    elif m := _CIRCLE.search(text):
        kind, found = "circle", [m]
    elif m := _ROW.search(text):
        kind, found = "row", [m]
    elif m := _COLUMN.search(text):
        kind, found = "column", [m]
    elif across:
        kind = "row"
    elif down:
        kind = "column"
    if kind is None:
        return None
    found += [m for m in (grid, rows_m, cols_m, across, down) if m]
    return kind, cols, rows, found


def _phrase(words: list[str], bare: bool) -> tuple[SceneObject, int] | None:
    """The item that ``words`` start with and how many words it takes: "a yellow infinity symbol"
    → infinity symbol, yellow; "three big red stars" → star ×3, red. ``bare``: an item may come
    without an article or number ("sun, moon, star")."""
    count, at = None, 0
    for size in (3, 2, 1):  # "a pair of", "a dozen", "three", "a"
        head = " ".join(words[:size])
        if len(words) > size and (head in NUMBER_WORDS or head.isdigit()):
            count, at = (_number(head) if head not in ("a", "an") else 1), size
            break
    if at < len(words) and words[at] in ("the", "one"):
        count, at = count or 1, at + 1
    if (count is None and not bare) or (count is not None and not 1 <= count <= 20):
        return None
    run: list[str] = []
    for k, word in enumerate(words[at:], start=at):
        if run and word == "and" and run[-1] in _COLOUR_WORDS and words[k + 1:k + 2] and words[k + 1] in _COLOUR_WORDS:
            run.append(word)  # "a red and white striped ball"
            continue
        if run and word in _ENDS_ITEM:
            break  # "five houses along a street"
        following = words[k + 1] if k + 1 < len(words) else ""
        if _VERBISH.search(word) and any(w not in _COLOUR_WORDS | _SHADE for w in run) and \
                (not following or following in _ENDS_ITEM or following in NUMBER_WORDS):
            break  # "three dogs sitting on a bench"; not "a lightning bolt" nor "a red string"
        run.append(word)
    if not run or any(not w.replace("-", "").isalpha() for w in run):
        return None
    # The first run of colour words before the head is the colour ("a big light blue star");
    # a colour word last is the thing itself ("an orange").
    colour: list[str] = []
    for k, word in enumerate(run[:-1]):
        joins = word == "and" and colour and run[k + 1] in _COLOUR_WORDS
        if word in _COLOUR_WORDS or word in _SHADE or joins:
            if colour and run[k - 1] not in _COLOUR_WORDS | _SHADE | {"and"}:
                break
            colour.append(word)
        elif colour:
            break
    if colour and not set(colour) & (set(COLOURS) | shapes.PATTERN_WORDS) and parse_color(" ".join(colour)) is None:
        colour = []  # shade words alone that name no colour ("a baby elephant") describe the thing
    noun = [w for w in run if w not in colour] or run[-1:]
    name = _name(noun, plural=count is not None and count > 1)
    if name in _LAYOUT_WORDS:
        return None
    return SceneObject(name=name, count=count or 1, color=" ".join(colour) or None), at + len(run)


def _name(noun: list[str], plural: bool) -> str:
    """The thing a run of words names: a known shape or compound at its end, else its last word."""
    for size in (3, 2):
        if len(noun) >= size:
            tail = singular(" ".join(noun[-size:]))
            if shapes.covers(tail) or tail in COMPOUND_NOUNS:
                return tail
    return singular(noun[-1]) if plural or noun[-1] not in ("glass", "grass") else noun[-1]


def _split_and(piece: str) -> list[str]:
    """"heart and umbrella" → two items; "red and white umbrella" stays one (colours joined)."""
    parts: list[str] = []
    rest = piece
    for match in reversed(list(_AND.finditer(piece))):
        before, after = piece[: match.start()].split(), piece[match.end():].split()
        if before and after and before[-1] in _COLOUR_WORDS and after[0] in _COLOUR_WORDS:
            continue
        parts.insert(0, rest[match.end():])
        rest = rest[: match.start()]
    return [rest, *parts]


def _whole(piece: str, bare: bool = False) -> SceneObject | None:
    """The item a whole list piece names, or None when the piece says more than an item."""
    words = _TOKEN.findall(piece)
    found = _phrase(words, bare)
    return found[0] if found and _only_verbs(words[found[1]:]) else None


def _only_verbs(rest: list[str]) -> bool:
    """Nothing, or a participle that ends the phrase ("three dogs sitting [in a row]")."""
    return len(rest) <= 1 and all(_VERBISH.search(w) or w in VERB_WORDS for w in rest)


def _last(piece: str) -> SceneObject | None:
    """The item a piece ends with: "the poster needs eight planets" → planet ×8 (the words
    before it introduce the list)."""
    words = _TOKEN.findall(piece)
    for k in range(len(words) - 1, -1, -1):
        if words[k] in NUMBER_WORDS or words[k].isdigit():
            found = _phrase(words[k:], False)
            return found[0] if found and _only_verbs(words[k + found[1]:]) else None
    return None


def _items_before(part: str) -> list[tuple[str, SceneObject]]:
    """The list that ends where the directive starts: "a red apple, a pear and a plum [in a row]"."""
    out: list[tuple[str, SceneObject]] = []
    for piece in reversed(_SPLIT.split(part)):
        if not piece.strip() and not out:
            continue
        item = _whole(piece)
        if item is None:
            first = _last(piece)
            if first is not None:
                out.insert(0, (piece, first))
            break
        out.insert(0, (piece, item))
    return out


def _items_after(part: str) -> list[tuple[str, SceneObject]]:
    """The list that starts where the directive ends: "[a row of] five houses, then a barn"."""
    out: list[tuple[str, SceneObject]] = []
    for piece in _SPLIT.split(part):
        if not piece.strip() and not out:
            continue
        words = _TOKEN.findall(piece)
        found = _phrase(words, False)
        if found is None:
            break
        out.append((piece, found[0]))
        if found[1] < len(words):  # "five houses along the street": the list ends there
            break
    return out


def _sentence(text: str, at: int) -> tuple[int, int]:
    starts = [m.end() for m in _SENTENCE_END.finditer(text, 0, at)]
    end = _SENTENCE_END.search(text, at)
    return (starts[-1] if starts else 0), (end.start() if end else len(text))


def _blanked(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    """``text[start:end]`` with the ``spans`` (absolute) turned into list breaks."""
    chars = list(text[start:end])
    for a, b in spans:
        a, b = max(a, start) - start, min(b, end) - start
        if a < b:
            chars[a:b] = [","] + [" "] * (b - a - 1)
    return "".join(chars)


def read_arrangement(text: str) -> Arrangement | None:
    """The layout ``text`` asks for and what it arranges, or None when it asks for none (or
    names nothing to arrange).

    The list is read after a colon that follows the directive in its sentence ("From left to
    right, top to bottom: a blue star, …", items may be bare words there), else right before
    the directive ("three red stars in a row") or right after it ("a row of five houses").
    """
    lower = text.lower()
    directive = _directive(lower)
    if directive is None:
        return None
    kind, cols, rows, matches = directive
    matches.sort(key=lambda m: m.start())
    declared_spans = [m.span() for m in _DECLARED.finditer(lower)]
    # The directive's own words are not items: "three red stars in a row" → "three red stars".
    spans = [m.span() for m in matches] + declared_spans
    parsed: list[tuple[str, SceneObject]] = []
    for match in matches:
        colon = lower.find(":", match.start())
        if colon >= 0 and not _SENTENCE_END.search(lower, match.end(), colon):
            _, end = _sentence(lower, colon + 1)
            pieces = _SPLIT.split(_blanked(lower, colon + 1, end, spans))
            pieces = [part for piece in pieces for part in _split_and(piece)]  # "sun, moon and star"
            parsed = [(piece, item) for piece in pieces if (item := _whole(piece, bare=True))]
            break
    else:
        start, end = _sentence(lower, matches[0].start())
        parsed = _items_before(_blanked(lower, start, matches[0].start(), spans)) or \
            _items_after(_blanked(lower, matches[-1].end(), end, spans))
    items = [item for _, item in parsed]
    if not items or (kind == "circle" and any(i.count > 1 for i in items)):
        return None  # nothing listed; or copies around a circle, which need a box each
    declared = next((_number(m[1]) for m in _DECLARED.finditer(lower)), None)
    words = {w for piece, _ in parsed for w in _TOKEN.findall(piece)} | _LAYOUT_WORDS
    words |= set(_TOKEN.findall(" ".join(m[0] for m in matches)))
    return Arrangement(kind=kind, rows=rows, cols=cols, declared=declared, items=items, words=words, spans=spans)


def without_layout(text: str) -> str:
    """``text`` with its layout words blanked when it arranges a list: "a grid of six icons: …"
    counts the icons, it does not ask for six images."""
    arrangement = read_arrangement(text)
    if arrangement is None:
        return text
    for a, b in arrangement.spans:
        text = text[:a] + " " * (b - a) + text[b:]
    return text


def _cells(arrangement: Arrangement, needed: int, region: tuple[float, float, float, float],
           aspect: float) -> list[tuple[float, float, float, float]]:
    """``needed`` cell rectangles of ``region`` in reading order (left to right, top to bottom)."""
    x0, y0, x1, y1 = region
    if arrangement.kind == "circle":
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        rx, ry = (x1 - x0) / 2, (y1 - y0) / 2
        cell = min(rx * 2 * math.sin(math.pi / max(needed, 2)) * 0.8, rx * 0.7, ry * 0.7 * aspect)
        w, h = cell, cell * aspect
        out = []
        for k in range(needed):  # clockwise from the top
            a = -math.pi / 2 + 2 * math.pi * k / needed
            px, py = cx + (rx - w / 2) * math.cos(a), cy + (ry - h / 2) * math.sin(a)
            out.append((px - w / 2, py - h / 2, px + w / 2, py + h / 2))
        return out
    cols, rows = arrangement.cols, arrangement.rows
    if arrangement.kind == "row":
        cols, rows = max(cols or 0, needed), 1
    elif arrangement.kind == "column":
        cols, rows = 1, max(rows or 0, needed)
    elif cols and not rows:
        rows = math.ceil(needed / cols)
    elif rows and not cols:
        cols = math.ceil(needed / rows)
    elif not cols or not rows:  # "a grid of six": as square as the frame allows
        cols = max(1, round(math.sqrt(needed * aspect)))
        rows = math.ceil(needed / cols)
    rows = max(rows, math.ceil(needed / cols))  # more items than stated cells: more rows, never lost items
    cw, ch = (x1 - x0) / cols, (y1 - y0) / rows
    if arrangement.kind in ("row", "column"):  # a row of few stays a row of squares, centred
        if arrangement.kind == "row":  # a square cell is w * aspect high in frame units
            ch = min(ch, cw * aspect)
        else:
            cw = min(cw, ch / aspect)
        x0 += ((x1 - x0) - cw * cols) / 2
        grounded = arrangement.kind == "row" and not any(is_airborne(i.name) for i in arrangement.items)
        # Things that stand stand on the ground (low in the frame); the rest is centred.
        y0 += ((y1 - y0) - ch * rows) * (0.9 if grounded else 0.5)
    return [(x0 + (k % cols) * cw, y0 + (k // cols) * ch, x0 + (k % cols + 1) * cw, y0 + (k // cols + 1) * ch)
            for k in range(needed)]


def _region(texts: Sequence[TextElement], aspect: float) -> tuple[float, float, float, float]:
    """The frame less its margins and the bands its texts need (titles on top, captions below)."""
    frame = Frame(aspect)
    top, bottom = frame.my, 1 - frame.my
    if any(t.role in ("title", "sign") for t in texts):
        top += 0.16
    if any(t.role == "caption" for t in texts):
        bottom -= 0.12
    return frame.mx, top, 1 - frame.mx, bottom


def _box(rect: tuple[float, float, float, float], inset: float) -> Box:
    x0, y0, x1, y1 = rect
    dx, dy = (x1 - x0) * inset, (y1 - y0) * inset
    clamp = lambda v: min(1.0, max(0.0, v))  # noqa: E731 - tiny local helper
    return Box(x0=clamp(x0 + dx), y0=clamp(y0 + dy), x1=clamp(x1 - dx), y1=clamp(y1 - dy))


def place(arrangement: Arrangement, texts: Sequence[TextElement] = (), aspect: float = 1.0) -> list[SceneObject]:
    """The arranged items with their boxes: one cell each, a counted item ("three red stars")
    as many cells side by side (split where a row ends), in reading order."""
    needed = sum(item.count for item in arrangement.items)
    cells = _cells(arrangement, needed, _region(texts, aspect), aspect)
    inset = 0.1 if arrangement.kind != "circle" else 0.04
    placed: list[SceneObject] = []
    k = 0
    for item in arrangement.items:
        left = item.count
        while left:
            run = 1
            if arrangement.kind != "circle":  # copies in one row share one box
                while run < left and abs(cells[k + run][1] - cells[k][1]) < 1e-9:
                    run += 1
            first, last = cells[k], cells[k + run - 1]
            rect = (first[0], first[1], last[2], last[3])
            placed.append(item.model_copy(update={"count": run, "box": _box(rect, inset / run if run > 1 else inset)}))
            k, left = k + run, left - run
    return placed


def arrange(text: str | Sequence[str], objects: list[SceneObject], texts: Sequence[TextElement] = (),
            aspect: float = 1.0, characters: Sequence[str] = ()) -> list[SceneObject]:
    """``objects`` laid out as ``text`` arranges them (the first of several texts that does: a
    beat's own words, then the request's shared part), or unchanged when none arranges anything.

    The arranged items replace what the generic reader found in the same words (a partial
    "symbol", a layout word "grid"); other objects stay, to be placed around them. A shot with
    characters keeps its generic layout: its figures need the room a grid would take.
    """
    if characters:
        return objects
    arrangement = next(filter(None, map(read_arrangement, [text] if isinstance(text, str) else text)), None)
    if arrangement is None:
        return objects
    arranged = {item.name for item in arrangement.items}
    if any(o.relation is not None and (o.name in arranged or o.relation.target in arranged) for o in objects):
        return objects  # "bottles lined up on a shelf": the relation places them, not a bare row
    items = place(arrangement, texts, aspect)
    others = [o for o in objects if o.name not in arranged and not set(o.name.split()) <= arrangement.words]
    return items + others


def aspect_of(ratio: str | None) -> float:
    """Width / height of a ratio string ("16:9" → 1.78); 1.0 when there is none."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[:x×/]\s*(\d+(?:\.\d+)?)\s*", ratio or "")
    return float(match[1]) / float(match[2]) if match and float(match[2]) > 0 and float(match[1]) > 0 else 1.0


def plain_backdrop(text: str) -> str | None:
    """"on a white background", "white seamless backdrop", "a plain background", "the background
    is black" → the backdrop as a setting ("white background", "plain background"); None when the
    text names none ("mountains in the background", "a blurry background")."""
    lower = text.lower()
    for match in _BACKDROP.finditer(lower):
        before = [w for w in _BACKDROP_WORDS.findall(lower[max(0, match.start() - 40):match.start()])[-3:]
                  if w not in ("seamless", "studio", "paper")]
        after = (match[1] or "").split()
        for words in (before[-2:], before[-1:], after, after[:1]):
            words = [w for w in words if w not in _PLAIN]
            rgb = parse_color(" ".join(words)) if words else None
            if rgb is not None:  # "light blue" stays two words; "a white", "shot white" are "white"
                return f"{' '.join(words if len(words) < 2 or rgb != parse_color(words[-1]) else words[-1:])} background"
        if before and before[-1] in _PLAIN:
            return "plain background"
    return None


__all__ = ["Arrangement", "arrange", "aspect_of", "place", "plain_backdrop", "read_arrangement", "without_layout"]
