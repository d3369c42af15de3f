"""Geometric shapes and symbols drawn procedurally: a blue star, a rainbow lightning bolt.

Clip-art draws things; a shape is better drawn than looked up: "a green square" or "a
yellow infinity symbol" has no emoji, and an emoji recoloured (a yellow star turned blue)
is less exact than a star drawn in blue. Each shape is drawn in the OpenMoji manner (a flat
fill inside a dark, round-jointed outline) at four times its size and scaled down, so its
edges are smooth.

The colour may name a pattern as well as a colour: "rainbow" (bands of the spectrum),
"striped", "polka-dot"/"dotted", "checkered" and "gradient", each with up to two colours
("red striped", "blue and white checkered"). Patterns live here, not in tools/colors.py,
because only a drawn shape can wear one; a colour critic that does not know the word skips
the check with that reason (see tools/critics/color.py).

:func:`covers` and :func:`draw` are this module's face to tools/art.py, where it is the
first art source.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from tools.colors import COLORS, RGB, darken, lighten, luminance, mix, parse_color

SCALE = 4
"""Shapes are drawn this many times larger than asked, then scaled down (antialiasing)."""
OUTLINE: RGB = (30, 30, 34)
"""OpenMoji's outline is black; a touch softer reads the same."""
OUTLINE_WIDTH = 0.04
"""Outline width as a share of the longer side."""

Point = tuple[float, float]
Face = tuple[Image.Image, float]
"""One face of a shape: its mask (L, white inside) and its tone (-1 darker .. +1 lighter)."""


@dataclass(frozen=True)
class _Pen:
    """Unit coordinates (0..1 of the drawing area, y down) → pixels of the 4x canvas."""

    width: int
    height: int
    margin: float

    def xy(self, x: float, y: float) -> Point:
        return (self.margin + x * (self.width - 2 * self.margin), self.margin + y * (self.height - 2 * self.margin))

    def pts(self, points: list[Point]) -> list[Point]:
        return [self.xy(x, y) for x, y in points]

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (*self.xy(x0, y0), *self.xy(x1, y1))

    def length(self, unit: float) -> float:
        """A length in units of the drawing area's shorter side."""
        return unit * (min(self.width, self.height) - 2 * self.margin)

    def mask(self) -> Image.Image:
        return Image.new("L", (self.width, self.height), 0)


def _polygon(pen: _Pen, points: list[Point]) -> Image.Image:
    mask = pen.mask()
    ImageDraw.Draw(mask).polygon(pen.pts(points), fill=255)
    return mask


def _stroke(pen: _Pen, points: list[Point], thickness: float, closed: bool = False) -> Image.Image:
    """A thick line through ``points`` with round joints and caps (thickness in short-side units)."""
    mask = pen.mask()
    draw = ImageDraw.Draw(mask)
    pixels = pen.pts(points + (points[:1] if closed else []))
    width = max(1, round(pen.length(thickness)))
    draw.line(pixels, fill=255, width=width, joint="curve")
    for x, y in (pixels[0], pixels[-1]):
        r = width / 2
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return mask


def _regular(sides: int, rotation: float = -90.0, radius: float = 0.5, cy: float = 0.5) -> list[Point]:
    return [(0.5 + radius * math.cos(math.radians(rotation + 360 * k / sides)),
             cy + radius * math.sin(math.radians(rotation + 360 * k / sides))) for k in range(sides)]


def _star(pen: _Pen) -> list[Face]:
    points = []
    for k in range(10):
        r = 0.5 if k % 2 == 0 else 0.2
        a = math.radians(-90 + 36 * k)
        points.append((0.5 + r * math.cos(a), 0.53 + r * math.sin(a)))
    return [(_polygon(pen, points), 0.0)]


def _heart(pen: _Pen) -> list[Face]:
    raw = [(16 * math.sin(t) ** 3, -(13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)))
           for t in (2 * math.pi * k / 120 for k in range(120))]
    xs, ys = [p[0] for p in raw], [p[1] for p in raw]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    return [(_polygon(pen, [((x - x0) / (x1 - x0), (y - y0) / (y1 - y0)) for x, y in raw]), 0.0)]


def _ellipse(pen: _Pen, box: tuple[float, float, float, float] = (0, 0, 1, 1)) -> Image.Image:
    mask = pen.mask()
    ImageDraw.Draw(mask).ellipse(pen.box(*box), fill=255)
    return mask


def _crescent(pen: _Pen) -> list[Face]:
    mask = _ellipse(pen)
    ImageDraw.Draw(mask).ellipse(pen.box(0.3, -0.08, 1.22, 0.86), fill=0)
    return [(mask, 0.0)]


def _arrow(pen: _Pen) -> list[Face]:
    return [(_polygon(pen, [(0.0, 0.36), (0.56, 0.36), (0.56, 0.08), (1.0, 0.5), (0.56, 0.92), (0.56, 0.64),
                            (0.0, 0.64)]), 0.0)]


def _infinity(pen: _Pen) -> list[Face]:
    points = []
    for k in range(160):
        t = 2 * math.pi * k / 160
        d = 1 + math.sin(t) ** 2
        points.append((0.5 + 0.5 * math.cos(t) / d, 0.5 + 0.5 * 2.0 * math.sin(t) * math.cos(t) / d))
    return [(_stroke(pen, points, 0.26, closed=True), 0.0)]


def _lightning(pen: _Pen) -> list[Face]:
    return [(_polygon(pen, [(0.52, 0.0), (0.02, 0.58), (0.44, 0.58), (0.28, 1.0), (0.98, 0.36), (0.56, 0.36),
                            (0.82, 0.0)]), 0.0)]


def _cross(pen: _Pen) -> list[Face]:
    return [(_polygon(pen, [(0.33, 0.0), (0.67, 0.0), (0.67, 0.33), (1.0, 0.33), (1.0, 0.67), (0.67, 0.67),
                            (0.67, 1.0), (0.33, 1.0), (0.33, 0.67), (0.0, 0.67), (0.0, 0.33), (0.33, 0.33)]), 0.0)]


def _spiral(pen: _Pen) -> list[Face]:
    turns, points = 3.0, []
    for k in range(240):
        t = turns * 2 * math.pi * k / 239
        r = 0.03 + 0.44 * k / 239
        points.append((0.5 + r * math.cos(t), 0.5 + r * math.sin(t)))
    return [(_stroke(pen, points, 0.09), 0.0)]


def _check(pen: _Pen) -> list[Face]:
    return [(_stroke(pen, [(0.1, 0.55), (0.38, 0.86), (0.92, 0.14)], 0.2), 0.0)]


def _drop(pen: _Pen) -> list[Face]:
    mask = _ellipse(pen, (0.14, 0.3, 0.86, 1.0))
    ImageDraw.Draw(mask).polygon(pen.pts([(0.5, 0.0), (0.83, 0.55), (0.17, 0.55)]), fill=255)
    return [(mask, 0.0)]


def _semicircle(pen: _Pen) -> list[Face]:
    mask = pen.mask()
    ImageDraw.Draw(mask).pieslice(pen.box(0, 0, 1, 2), 180, 360, fill=255)
    return [(mask, 0.0)]


def _cube(pen: _Pen) -> list[Face]:
    top = [(0.5, 0.0), (1.0, 0.25), (0.5, 0.5), (0.0, 0.25)]
    left = [(0.0, 0.25), (0.5, 0.5), (0.5, 1.0), (0.0, 0.75)]
    right = [(0.5, 0.5), (1.0, 0.25), (1.0, 0.75), (0.5, 1.0)]
    return [(_polygon(pen, top), 0.35), (_polygon(pen, left), 0.0), (_polygon(pen, right), -0.28)]


def _pyramid(pen: _Pen) -> list[Face]:
    return [(_polygon(pen, [(0.5, 0.0), (0.0, 0.85), (0.62, 1.0)]), 0.12),
            (_polygon(pen, [(0.5, 0.0), (0.62, 1.0), (1.0, 0.78)]), -0.28)]


def _cylinder(pen: _Pen) -> list[Face]:
    body = _polygon(pen, [(0.0, 0.15), (1.0, 0.15), (1.0, 0.85), (0.0, 0.85)])
    body = ImageChops.lighter(body, _ellipse(pen, (0.0, 0.7, 1.0, 1.0)))
    return [(body, 0.0), (_ellipse(pen, (0.0, 0.0, 1.0, 0.3)), 0.35)]


def _cone(pen: _Pen) -> list[Face]:
    body = _polygon(pen, [(0.5, 0.0), (1.0, 0.86), (0.0, 0.86)])
    return [(ImageChops.lighter(body, _ellipse(pen, (0.0, 0.72, 1.0, 1.0))), 0.0)]


def _sphere(pen: _Pen) -> list[Face]:
    return [(_ellipse(pen), 0.0), (_ellipse(pen, (0.2, 0.14, 0.5, 0.4)), 0.45)]


def _leaf(pen: _Pen) -> list[Face]:
    """A plain leaf on a diagonal: pointed at both ends, a stem, a midrib and three pairs of veins
    (OpenMoji's leaf is a maple leaf, which drawn green reads as something else)."""
    a, b = (0.16, 0.84), (0.98, 0.02)
    ax, ay = b[0] - a[0], b[1] - a[1]
    length = math.hypot(ax, ay)
    nx, ny = -ay / length, ax / length

    def at(t: float, side: float = 0.0) -> Point:
        half = 0.3 * math.sin(math.pi * t) ** 0.8 * side
        return (a[0] + ax * t + nx * half, a[1] + ay * t + ny * half)

    steps = [k / 40 for k in range(41)]
    body = _polygon(pen, [at(t, 1.0) for t in steps] + [at(t, -1.0) for t in reversed(steps)])
    body = ImageChops.lighter(body, _stroke(pen, [(0.0, 1.0), a], 0.07))
    veins = _stroke(pen, [a, at(0.9)], 0.035)
    for t in (0.28, 0.48, 0.68):
        for side in (1.0, -1.0):
            veins = ImageChops.lighter(veins, _stroke(pen, [at(t), at(t + 0.14, side * 0.62)], 0.03))
    return [(body, 0.0), (veins, -0.35)]


def _poly(points: list[Point]) -> Callable[[_Pen], list[Face]]:
    return lambda pen: [(_polygon(pen, points), 0.0)]


def _oval(pen: _Pen) -> list[Face]:
    return [(_ellipse(pen), 0.0)]


@dataclass(frozen=True)
class _Shape:
    draw: Callable[[_Pen], list[Face]]
    aspect: float = 1.0
    """Width / height of the drawing."""
    color: str = "blue"
    """Colour when the plan names none."""
    solid: bool = False
    """Faces are the sides of a solid (a cube): a thin outline shows between them."""


_SHAPES: dict[str, _Shape] = {
    "star": _Shape(_star, 1.05, "gold"),
    "triangle": _Shape(_poly([(0.5, 0.0), (1.0, 0.9), (0.0, 0.9)]), 1.1),
    "square": _Shape(_poly([(0, 0), (1, 0), (1, 1), (0, 1)])),
    "rectangle": _Shape(_poly([(0, 0), (1, 0), (1, 1), (0, 1)]), 1.6),
    "circle": _Shape(_oval),
    "oval": _Shape(_oval, 1.45),
    "heart": _Shape(_heart, 1.1, "red"),
    "arrow": _Shape(_arrow, 1.35, "red"),
    "infinity": _Shape(_infinity, 2.0, "purple"),
    "lightning": _Shape(_lightning, 0.72, "yellow"),
    "diamond": _Shape(_poly([(0.5, 0.0), (1.0, 0.5), (0.5, 1.0), (0.0, 0.5)]), 0.8, "cyan"),
    "hexagon": _Shape(_poly(_regular(6, rotation=0)), 1.12),
    "pentagon": _Shape(_poly(_regular(5, radius=0.5, cy=0.54)), 1.05),
    "octagon": _Shape(_poly(_regular(8, rotation=22.5)), 1.0, "red"),
    "cross": _Shape(_cross, 1.0, "red"),
    "crescent": _Shape(_crescent, 1.0, "gold"),
    "spiral": _Shape(_spiral),
    "check": _Shape(_check, 1.2, "green"),
    "drop": _Shape(_drop, 0.72, "sky blue"),
    "semicircle": _Shape(_semicircle, 2.0),
    "trapezoid": _Shape(_poly([(0.22, 0.0), (0.78, 0.0), (1.0, 1.0), (0.0, 1.0)]), 1.5),
    "parallelogram": _Shape(_poly([(0.28, 0.0), (1.0, 0.0), (0.72, 1.0), (0.0, 1.0)]), 1.6),
    "cube": _Shape(_cube, 0.9, solid=True),
    "pyramid": _Shape(_pyramid, 1.1, "gold", solid=True),
    "cylinder": _Shape(_cylinder, 0.8, solid=True),
    "leaf": _Shape(_leaf, 1.0, "green"),
    "cone": _Shape(_cone, 0.85, "orange"),
    "sphere": _Shape(_sphere),
}
_NAMES: dict[str, str] = {name: name for name in _SHAPES} | {
    "lightning bolt": "lightning", "thunderbolt": "lightning", "bolt of lightning": "lightning",
    "plus": "cross", "greek cross": "cross", "ellipse": "oval", "rhombus": "diamond", "lozenge": "diamond",
    "check mark": "check", "checkmark": "check", "tick mark": "check", "teardrop": "drop", "raindrop": "drop",
    "half circle": "semicircle", "orb": "sphere", "right arrow": "arrow", "left arrow": "arrow", "up arrow": "arrow", "down arrow": "arrow",
    "arrowhead": "triangle",
}
_SUFFIXES = ("shape", "symbol", "sign", "icon", "emoji", "mark")
_ARROW_TURN = {"left arrow": "left", "up arrow": "up", "down arrow": "down"}


def _key(noun: str) -> str | None:
    """The shape a noun names ("infinity symbol" → infinity, "plus sign" → cross), or None."""
    name = re.sub(r"[\s_-]+", " ", noun.strip().lower())
    if name in _NAMES:
        return _NAMES[name]
    head, _, last = name.rpartition(" ")
    if head and last in _SUFFIXES and head in _NAMES:
        return _NAMES[head]
    return None


def covers(noun: str) -> bool:
    """True when ``noun`` is a shape or symbol drawn here ("star", "lightning bolt", "infinity sign")."""
    return _key(noun) is not None


def names() -> list[str]:
    """Every shape name this module draws (aliases included, suffixed forms not), sorted."""
    return sorted(_NAMES)


# ---- colours and patterns -------------------------------------------------------------

RAINBOW: tuple[RGB, ...] = tuple(COLORS[c] for c in ("red", "orange", "yellow", "green", "blue", "purple"))
_PATTERNS = {
    "rainbow": "rainbow", "multicolored": "rainbow", "multicoloured": "rainbow", "multicolor": "rainbow",
    "striped": "striped", "stripy": "striped", "stripey": "striped", "stripes": "striped",
    "dotted": "dotted", "spotted": "dotted", "spotty": "dotted", "polka": "dotted", "dot": "dotted",
    "dots": "dotted", "polka-dot": "dotted", "polka-dotted": "dotted",
    "checkered": "checkered", "chequered": "checkered", "checked": "checkered", "checkerboard": "checkered",
    "gradient": "gradient", "ombre": "gradient", "ombré": "gradient",
}
PATTERN_WORDS: frozenset[str] = frozenset(
    "rainbow multicolored multicoloured striped stripy polka-dot polka-dotted dotted spotted checkered chequered "
    "checkerboard gradient ombre".split())
"""Adjectives that name a pattern rather than a colour: a planner may bind them to a noun like a
colour ("a rainbow lightning bolt"). Nouns ("dots", "stripes") are left out: "a red dot" is a dot."""


@dataclass(frozen=True)
class Paint:
    """How a shape is filled: a pattern ("solid", "rainbow", "striped"…) and its colours."""

    pattern: str
    colors: tuple[RGB, ...]


def paint(color: str | None, default: str = "blue") -> Paint:
    """The paint a colour phrase names: "red" → solid red, "rainbow" → the spectrum,
    "blue and white striped" → blue and white stripes. Unknown words fall back to ``default``."""
    text = (color or "").strip().lower()
    words = re.findall(r"[a-zé]+(?:-[a-z]+)?", text)
    pattern = next((_PATTERNS[w] for w in words if w in _PATTERNS), "solid")
    if pattern == "rainbow":
        return Paint("rainbow", RAINBOW)
    rest = " ".join(w for w in words if w not in _PATTERNS and w != "polka")
    colors: list[RGB] = []
    whole = parse_color(rest) if rest else None
    if whole is not None and not re.search(r"\b(?:and|to|with|on)\b", rest):
        colors.append(whole)
    else:
        for part in re.split(r"\s*\b(?:and|to|with|on)\b\s*|,\s*", rest):
            rgb = parse_color(part)
            if rgb is not None:
                colors.append(rgb)
    if not colors:
        colors.append(parse_color(default) or COLORS["blue"])
    if pattern != "solid" and len(colors) == 1:
        base = colors[0]
        partner = lighten(base, 0.6) if pattern == "gradient" else (
            (250, 250, 250) if luminance(base) < 0.6 else darken(base, 0.6))
        colors.append(partner)
    return Paint(pattern, tuple(colors[:2]) if pattern != "solid" else (colors[0],))


def _fill(size: tuple[int, int], bbox: tuple[int, int, int, int], look: Paint) -> Image.Image:
    """An RGB image of the pattern, laid out over ``bbox`` (the shape's extent)."""
    image = Image.new("RGB", size, look.colors[0])
    if look.pattern == "solid":
        return image
    draw = ImageDraw.Draw(image)
    x0, y0, x1, y1 = bbox
    w, h = max(1, x1 - x0), max(1, y1 - y0)
    a, b = look.colors[0], look.colors[-1]
    if look.pattern == "rainbow":  # horizontal bands top to bottom, each a clear share
        bands = len(look.colors)
        for k, rgb in enumerate(look.colors):
            draw.rectangle((0, y0 + h * k / bands, size[0], y0 + h * (k + 1) / bands), fill=rgb)
    elif look.pattern == "striped":  # diagonal stripes
        step = max(2.0, max(w, h) / 7)
        for k in range(-int(size[1] / step) - 2, int(size[0] / step) + 2):
            if k % 2:
                x = k * step
                draw.polygon([(x, 0), (x + step, 0), (x + step - size[1], size[1]), (x - size[1], size[1])], fill=b)
    elif look.pattern == "dotted":
        step = max(3.0, max(w, h) / 5)
        r = step * 0.24
        for row in range(int(size[1] / step) + 2):
            for col in range(int(size[0] / step) + 2):
                cx = col * step + (step / 2 if row % 2 else 0)
                cy = row * step + step / 2
                draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=b)
    elif look.pattern == "checkered":
        step = max(2.0, max(w, h) / 6)
        for row in range(int(size[1] / step) + 1):
            for col in range(int(size[0] / step) + 1):
                if (row + col) % 2:
                    draw.rectangle((col * step, row * step, (col + 1) * step, (row + 1) * step), fill=b)
    elif look.pattern == "gradient":
        for y in range(size[1]):
            t = min(1.0, max(0.0, (y - y0) / h))
            draw.line((0, y, size[0], y), fill=mix(a, b, t))
    return image


def _toned(image: Image.Image, tone: float) -> Image.Image:
    if tone == 0:
        return image
    target = Image.new("RGB", image.size, (255, 255, 255) if tone > 0 else (0, 0, 0))
    return Image.blend(image, target, abs(tone))


def _grown(mask: Image.Image, by: float) -> Image.Image:
    """``mask`` grown outward by about ``by`` pixels, with rounded corners (a blur, thresholded)."""
    if by <= 0:
        return mask
    return mask.filter(ImageFilter.GaussianBlur(by / 1.9)).point(lambda v: 255 if v > 8 else 0)


def _shrunk(mask: Image.Image, by: float) -> Image.Image:
    if by <= 0:
        return mask
    return mask.filter(ImageFilter.GaussianBlur(by / 1.9)).point(lambda v: 255 if v > 247 else 0)


@lru_cache(maxsize=256)
def _drawn(key: str, size_px: int, color: str | None, turn: str | None) -> Image.Image:
    shape = _SHAPES[key]
    aspect = shape.aspect
    if turn in ("up", "down"):
        aspect = 1 / aspect
    out_w = size_px if aspect >= 1 else max(2, round(size_px * aspect))
    out_h = size_px if aspect <= 1 else max(2, round(size_px / aspect))
    line = max(1.0, size_px * OUTLINE_WIDTH) * SCALE
    width, height = out_w * SCALE, out_h * SCALE
    # 1. The faces, drawn unturned (an up arrow is a right arrow turned), inside room for the outline.
    draw_w, draw_h = (height, width) if turn in ("up", "down") else (width, height)
    pen = _Pen(draw_w, draw_h, margin=line + SCALE)
    faces = shape.draw(pen)
    if turn is not None:
        op = {"left": Image.FLIP_LEFT_RIGHT, "up": Image.ROTATE_90, "down": Image.ROTATE_270}[turn]
        faces = [(mask.transpose(op), tone) for mask, tone in faces]
    # 2. The silhouette, grown by the outline width: the outline is what shows around the fill.
    silhouette = faces[0][0]
    for mask, _ in faces[1:]:
        silhouette = ImageChops.lighter(silhouette, mask)
    bbox = silhouette.getbbox() or (0, 0, width, height)
    outline = _grown(silhouette, line)
    # 3. Each face in its paint and tone; faces of a solid shrink a little so edges show between them.
    fill = _fill((width, height), bbox, paint(color, shape.color))
    canvas = Image.new("RGB", (width, height), OUTLINE)
    for mask, tone in faces:
        inner = _shrunk(mask, line * 0.35) if shape.solid else mask
        canvas.paste(_toned(fill, tone), (0, 0), inner)
    canvas.putalpha(outline)
    return canvas.resize((out_w, out_h), Image.LANCZOS)


def draw(noun: str, size_px: int, color: str | None = None) -> Image.Image | None:
    """``noun`` drawn as a shape in ``color`` (a colour or pattern phrase), its longer side
    ``size_px``; None if ``noun`` is not a shape. Cached: treat the image as read-only."""
    key = _key(noun)
    if key is None or size_px < 2:
        return None
    name = re.sub(r"[\s_-]+", " ", noun.strip().lower())
    turn = next((t for n, t in _ARROW_TURN.items() if name.startswith(n)), None) if key == "arrow" else None
    return _drawn(key, int(size_px), (color or "").strip().lower() or None, turn)


__all__ = ["PATTERN_WORDS", "Paint", "RAINBOW", "covers", "draw", "names", "paint"]
