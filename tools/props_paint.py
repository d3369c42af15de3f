"""The pen the drawn props (:mod:`tools.props`) are drawn with: OpenMoji's manner in PIL.

OpenMoji draws flat fills inside a black outline about 1/36 of the drawing wide, in a small
palette. A :class:`Painter` draws in unit coordinates (0..1 across and down the drawing) on a
canvas :data:`SCALE` times larger than asked, so that :func:`render` can scale it down with
smooth edges and crop it to what was drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from PIL import Image, ImageDraw

from tools.colors import RGB, darken, lighten

SCALE = 3
"""Props are drawn this many times larger than asked, then scaled down (antialiasing)."""
OUTLINE: RGB = (0, 0, 0)
OUTLINE_SHARE = 0.03
"""Outline width as a share of the drawing's longer side (OpenMoji: 2 units of 72)."""

# OpenMoji's palette (its colour guidelines), for the parts that do not take the asked colour.
LIGHT_GREY: RGB = (208, 207, 206)
GREY: RGB = (155, 155, 154)
DARK_GREY: RGB = (63, 63, 63)
WHITE: RGB = (255, 255, 255)
WOOD: RGB = (165, 121, 57)
DARK_WOOD: RGB = (106, 70, 47)
RED: RGB = (210, 47, 39)
BLUE: RGB = (97, 178, 228)
LIGHT_BLUE: RGB = (146, 211, 245)
GREEN: RGB = (92, 158, 49)
LIGHT_GREEN: RGB = (177, 204, 51)
YELLOW: RGB = (252, 234, 43)
ORANGE: RGB = (244, 170, 65)

Point = tuple[float, float]


@dataclass
class Painter:
    """Draws outlined shapes in unit coordinates of a ``width`` x ``height`` pixel canvas."""

    canvas: ImageDraw.ImageDraw
    width: int
    height: int
    pad: float
    line: float

    def xy(self, x: float, y: float) -> Point:
        return (self.pad + x * (self.width - 2 * self.pad), self.pad + y * (self.height - 2 * self.pad))

    def _box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        (a, b), (c, d) = self.xy(x0, y0), self.xy(x1, y1)
        return (min(a, c), min(b, d), max(a, c), max(b, d))

    def _w(self, thin: bool) -> int:
        return max(1, round(self.line * (0.6 if thin else 1.0)))

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: RGB | None, radius: float = 0.0,
             thin: bool = False) -> None:
        """A rectangle; ``radius`` rounds its corners (a share of the drawing's shorter side)."""
        box = self._box(x0, y0, x1, y1)
        r = radius * min(self.width, self.height)
        self.canvas.rounded_rectangle(box, radius=r, fill=fill, outline=OUTLINE, width=self._w(thin))

    def ellipse(self, x0: float, y0: float, x1: float, y1: float, fill: RGB | None, thin: bool = False) -> None:
        self.canvas.ellipse(self._box(x0, y0, x1, y1), fill=fill, outline=OUTLINE, width=self._w(thin))

    def chord(self, x0: float, y0: float, x1: float, y1: float, start: float, end: float, fill: RGB | None,
              thin: bool = False) -> None:
        """The part of an ellipse between two angles (degrees, clockwise from 3 o'clock) and its chord."""
        self.canvas.chord(self._box(x0, y0, x1, y1), start, end, fill=fill, outline=OUTLINE, width=self._w(thin))

    def circle(self, cx: float, cy: float, r: float, fill: RGB | None, thin: bool = False) -> None:
        """A circle of radius ``r`` (a share of the drawing's shorter side) centred at (cx, cy)."""
        px, py = self.xy(cx, cy)
        rr = r * min(self.width, self.height)
        self.canvas.ellipse((px - rr, py - rr, px + rr, py + rr), fill=fill, outline=OUTLINE, width=self._w(thin))

    def poly(self, points: Sequence[Point], fill: RGB | None, thin: bool = False) -> None:
        pts = [self.xy(x, y) for x, y in points]
        self.canvas.polygon(pts, fill=fill)
        self.canvas.line(pts + pts[:1], fill=OUTLINE, width=self._w(thin), joint="curve")

    def line_(self, points: Sequence[Point], width: float = 1.0, fill: RGB = OUTLINE) -> None:
        """A stroke ``width`` times the outline width (round joints)."""
        pts = [self.xy(x, y) for x, y in points]
        w = max(1, round(self.line * width))
        self.canvas.line(pts, fill=fill, width=w, joint="curve")
        for x, y in (pts[0], pts[-1]):  # round caps
            self.canvas.ellipse((x - w / 2, y - w / 2, x + w / 2, y + w / 2), fill=fill)

    def bar(self, points: Sequence[Point], width: float, fill: RGB) -> None:
        """A thick outlined stroke (a pole, a pipe): the outline drawn wider underneath."""
        self.line_(points, width + 2.0, OUTLINE)
        self.line_(points, width, fill)


Drawing = Callable[[Painter, RGB], None]
"""Draws one prop; the colour is the body's (the asked colour, or the prop's own)."""


def shade(color: RGB, by: float) -> RGB:
    """``color`` darker (``by`` > 0) or lighter (``by`` < 0): the sides and tops of a body."""
    return darken(color, by) if by >= 0 else lighten(color, -by)


def render(drawing: Drawing, aspect: tuple[float, float], size_px: int, body: RGB) -> Image.Image:
    """``drawing`` as RGBA with its longer side ``size_px`` (tight-cropped), ``aspect`` = (w, h)."""
    aw, ah = aspect
    longer = size_px * SCALE
    width, height = (longer, max(2, round(longer * ah / aw))) if aw >= ah else (max(2, round(longer * aw / ah)), longer)
    line = max(1.0, OUTLINE_SHARE * longer)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    drawing(Painter(ImageDraw.Draw(image), width, height, pad=line, line=line), body)
    bbox = image.getchannel("A").getbbox()
    if bbox:
        image = image.crop(bbox)
    scale = size_px / max(image.size)
    return image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.LANCZOS)
