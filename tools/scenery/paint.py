"""Small drawing tools the backdrop painters share, and what a painter hands back.

A painter draws a setting's fixed structure (walls, trees, buildings) once per setting, size,
time and weather; the seed only moves the OpenMoji props, which stand on the :class:`Ledge`\\ s
the painter reports.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tools.colors import RGB, darken, lighten, mix
from tools.geometry import stable_rng
from tools.scenery.look import Look

Point = tuple[float, float]


@dataclass(frozen=True)
class Ledge:
    """A line props stand on (a shelf, a counter, the horizon): their bottom ``y``, from ``x0``
    to ``x1``; ``size`` is a prop's height as a fraction of the short side, ``fade`` how far it
    blends into the wall or sky, ``lift`` how far above the line it may float (fish, planets)."""

    y: int
    x0: int
    x1: int
    size: float = 0.085
    fade: float = 0.3
    lift: int = 0
    count: int = 0
    """How many props, spread evenly (0: packed along the line, as many as fit)."""
    nouns: tuple[str, ...] = ()
    """Which props stand here (empty: the setting's motifs)."""


@dataclass(frozen=True)
class Stage:
    """What a painter reports besides its pixels: where props stand and where a window may go."""

    ledges: tuple[Ledge, ...] = ()
    window_xs: tuple[float, ...] = (0.76, 0.24, 0.5)
    """Preferred window centres, as fractions of the width (interiors)."""
    window_band: tuple[float, float] | None = None
    """(top, bottom) of the wall a window may take, as fractions of the height; None: the default."""
    window_width: float = 0.34
    """The window's width as a fraction of the frame's width."""
    curtains: RGB | None = None
    """Curtain colour beside the window (a bedroom), None for none."""


Painter = Callable[[Image.Image, Look, int], Stage]
"""Draws a setting's fixed structure onto a transparent RGBA layer the size of the frame,
given the look and the horizon (or floor line) ``hy``; returns its :class:`Stage`."""


def static_rng(look: Look, size: tuple[int, int]) -> random.Random:
    """Randomness for a painter that is the same for every seed (the layer is cached)."""
    return stable_rng("backdrop", look.setting, size)


def glow(layer: Image.Image, center: Point, radius: float, color: RGB, strength: int = 120,
         squash: float = 1.0) -> None:
    """A soft round light (a lamp's pool, a lit window's halo) composited onto ``layer``."""
    cx, cy = center
    rx, ry = radius, radius * squash
    pad = int(radius * 0.6) + 2
    w, h = int(rx * 2) + pad * 2, int(ry * 2) + pad * 2
    x, y = int(cx - rx - pad), int(cy - ry - pad)
    vx0, vy0, vx1, vy1 = max(0, x), max(0, y), min(layer.width, x + w), min(layer.height, y + h)
    if w < 2 or h < 2 or vx1 <= vx0 or vy1 <= vy0:
        return
    k = max(1, int(radius // 24))  # a big soft light is blurred small and scaled up: the same look, far faster
    mask = Image.new("L", (max(1, w // k), max(1, h // k)), 0)
    ImageDraw.Draw(mask).ellipse((pad / k, pad / k, (pad + rx * 2) / k, (pad + ry * 2) / k), fill=strength)
    mask = mask.filter(ImageFilter.GaussianBlur(radius * 0.35 / k))
    mw, mh = mask.size  # only the part that lands on the layer is scaled up
    seen = (min(mw, (vx0 - x) / k), min(mh, (vy0 - y) / k), min(mw, (vx1 - x) / k), min(mh, (vy1 - y) / k))
    mask = mask.resize((vx1 - vx0, vy1 - vy0), Image.BILINEAR, box=seen)
    spot = Image.new("RGBA", mask.size, color + (255,))
    spot.putalpha(mask)
    layer.alpha_composite(spot, (vx0, vy0))


def composite(layer: Image.Image, spot: Image.Image, x: int, y: int) -> None:
    """``alpha_composite`` refuses negative offsets: crop the part of ``spot`` that lands inside."""
    cx, cy = max(0, -x), max(0, -y)
    if cx >= spot.width or cy >= spot.height:
        return
    layer.alpha_composite(spot.crop((cx, cy, spot.width, spot.height)), (x + cx, y + cy))


def vgradient(layer: Image.Image, box: tuple[int, int, int, int], top: RGB, bottom: RGB, alpha: int = 255) -> None:
    """Fill ``box`` on ``layer`` with a vertical gradient."""
    x0, y0, x1, y1 = (max(0, box[0]), max(0, box[1]), min(layer.width, box[2]), min(layer.height, box[3]))
    if x1 <= x0 or y1 <= y0:
        return
    t = np.linspace(0.0, 1.0, y1 - y0)[:, None, None]
    col = np.array(top, float) * (1 - t) + np.array(bottom, float) * t
    arr = np.broadcast_to(col, (y1 - y0, x1 - x0, 3))
    tile = Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB").convert("RGBA")
    if alpha < 255:
        tile.putalpha(alpha)
    layer.alpha_composite(tile, (x0, y0))


def ridge(W: int, base: float, rng: random.Random, amp: float, waves: Sequence[float] = (1.3, 3.1, 7.7),
          step: int = 4) -> list[Point]:
    """A smooth wavy line across the width around ``base`` (hills, dunes, a lunar horizon)."""
    phases = [rng.uniform(0, math.tau) for _ in waves]
    weights = [1.0, 0.45, 0.18][:len(waves)]
    pts = []
    for x in range(0, W + step, step):
        t = x / max(1, W)
        y = sum(wt * math.sin(t * f * math.tau + ph) for f, ph, wt in zip(waves, phases, weights))
        pts.append((float(x), base + amp * y / sum(weights)))
    return pts


def fill_below(draw: ImageDraw.ImageDraw, line: list[Point], bottom: float, fill: tuple[int, ...]) -> None:
    """Fill the region between ``line`` and ``bottom`` (a hill or a dune)."""
    draw.polygon(line + [(line[-1][0], bottom), (line[0][0], bottom)], fill=fill)


def pine(draw: ImageDraw.ImageDraw, x: float, base: float, h: float, color: RGB, trunk: RGB | None = None,
         snow: RGB | None = None) -> None:
    """A conifer of height ``h`` standing at ``(x, base)``: three stacked tiers, optional snow on them."""
    w = h * 0.42
    if trunk is not None:
        draw.rectangle((x - w * 0.08, base - h * 0.14, x + w * 0.08, base), fill=trunk)
    for k in range(3):
        top = base - h + k * h * 0.24
        bot = base - h * 0.1 - (2 - k) * h * 0.2
        half = w * (0.55 + 0.22 * k)
        draw.polygon([(x, top), (x + half, bot), (x - half, bot)], fill=color)
        if snow is not None:
            draw.polygon([(x, top), (x + half * 0.45, top + (bot - top) * 0.45), (x, top + (bot - top) * 0.35),
                          (x - half * 0.45, top + (bot - top) * 0.45)], fill=snow)


def round_tree(draw: ImageDraw.ImageDraw, x: float, base: float, h: float, leaf: RGB, trunk: RGB) -> None:
    """A deciduous tree: a trunk and a crown of overlapping discs."""
    r = h * 0.3
    draw.rectangle((x - h * 0.04, base - h * 0.5, x + h * 0.04, base), fill=trunk)
    dark = darken(leaf, 0.15)
    for dx, dy, k in ((-0.45, 0.05, 0.8), (0.45, 0.05, 0.8), (0.0, -0.25, 0.9)):
        draw.ellipse((x + dx * r - r * k, base - h * 0.62 + dy * r - r * k, x + dx * r + r * k,
                      base - h * 0.62 + dy * r + r * k), fill=dark)
    draw.ellipse((x - r, base - h * 0.7 - r, x + r, base - h * 0.7 + r), fill=leaf)
    hi = lighten(leaf, 0.18)
    draw.ellipse((x - r * 0.5, base - h * 0.82 - r * 0.35, x + r * 0.1, base - h * 0.82 + r * 0.2), fill=hi)


def window_grid(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], cols: int, rows: int, look: Look,
                rng: random.Random, frame: RGB, lit_share: float = 0.55) -> list[tuple[float, float, float, float]]:
    """A facade's windows: pale with a sky glint by day, some lit warm and the rest dark by night.
    Returns the lit panes (their halos are the caller's)."""
    x0, y0, x1, y1 = box
    cw, ch = (x1 - x0) / cols, (y1 - y0) / rows
    lit: list[tuple[float, float, float, float]] = []
    day_glass = look.lit(mix((150, 190, 220), look.sky[1], 0.4))
    for r in range(rows):
        for c in range(cols):
            px0, py0 = x0 + c * cw + cw * 0.2, y0 + r * ch + ch * 0.18
            px1, py1 = px0 + cw * 0.6, py0 + ch * 0.62
            on = look.dusk and rng.random() < lit_share
            fill = (255, 214, 120) if on else (darken(look.sky[1], 0.35) if look.dusk else day_glass)
            draw.rectangle((px0, py0, px1, py1), fill=fill, outline=frame)
            if on:
                lit.append((px0, py0, px1, py1))
    return lit


def mix_alpha(color: RGB, alpha: int) -> tuple[int, int, int, int]:
    """``color`` with an alpha, for drawing on RGBA layers."""
    return color[0], color[1], color[2], alpha


__all__ = ["Ledge", "Stage", "Painter", "static_rng", "glow", "composite", "vgradient", "ridge", "fill_below", "pine",
           "round_tree", "window_grid", "mix_alpha", "mix", "darken", "lighten"]
