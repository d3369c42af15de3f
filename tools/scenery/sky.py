"""The sky and what falls from it: gradients, sun, moon, stars, clouds and weather.

The time of day sets the sky (a low pink sun at dawn, a high one at noon, a setting one at
dusk, moon and stars at night); the weather is drawn over the finished background and under
the characters, objects and text (rain streaks, storm clouds and lightning, snow in the air,
a fog veil thickest at the horizon, clouds, wind lines).
"""

from __future__ import annotations

import math
import random
from typing import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tools.colors import RGB, darken, mix
from tools.geometry import overlaps
from tools.scenery.look import Look

PixelBox = tuple[int, int, int, int]


def gradient(w: int, h: int, top: RGB, bottom: RGB) -> np.ndarray:
    t = np.linspace(0.0, 1.0, max(1, h))[:, None, None]
    col = np.array(top, float) * (1 - t) + np.array(bottom, float) * t
    return np.broadcast_to(col, (h, w, 3))


def stars(draw: ImageDraw.ImageDraw, W: int, hy: int, rng: random.Random, short: int, density: float = 1.0) -> None:
    """Small white dots over the sky above ``hy``; ``density`` 3 is a deep-space star field."""
    for _ in range(int(max(12, W * hy // 9000) * density)):
        x, y = rng.uniform(0, W), rng.uniform(0, hy * 0.9)
        r = rng.choice([0.6, 0.8, 1.2]) * max(1, short / 400)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(235, 235, 255))


def soft_light(image: Image.Image, box: tuple[float, float, float, float], blur: float, color: RGB,
               shape: Callable[[ImageDraw.ImageDraw, int, int], None], below: int | None = None) -> None:
    """Paste ``color`` through a mask that ``shape`` draws (given a draw and the crop's offset)
    and that is blurred by ``blur``, working only on the part of the frame around ``box``;
    rows from ``below`` down are left alone (a sun behind the horizon)."""
    W, H = image.size
    pad = int(blur * 3) + 2
    x0, y0 = max(0, int(box[0]) - pad), max(0, int(box[1]) - pad)
    x1, y1 = min(W, int(box[2]) + pad + 1), min(H, int(box[3]) + pad + 1)
    if below is not None:
        y1 = min(y1, below)
    if x1 <= x0 or y1 <= y0:
        return
    mask = Image.new("L", (x1 - x0, y1 - y0), 0)
    shape(ImageDraw.Draw(mask), x0, y0)
    if blur > 0:
        mask = mask.filter(ImageFilter.GaussianBlur(blur))
    image.paste(color, (x0, y0, x1, y1), mask)


def sun(image: Image.Image, look: Look, rng: random.Random, avoid: list[PixelBox]) -> None:
    W, H = image.size
    r = min(W, H) * 0.07
    for cx, cy in ((W * 0.85, H * 0.13), (W * 0.15, H * 0.13), (W * 0.85, H * 0.42), (W * 0.12, H * 0.42)):
        box = (int(cx - r * 1.6), int(cy - r * 1.6), int(cx + r * 1.6), int(cy + r * 1.6))
        if not any(overlaps(box, a) for a in avoid):
            glow = r * 1.5
            soft_light(image, (cx - glow, cy - glow, cx + glow, cy + glow), r * 0.4, (255, 244, 200),
                       lambda d, ox, oy: d.ellipse((cx - glow - ox, cy - glow - oy, cx + glow - ox, cy + glow - oy), fill=90))
            ImageDraw.Draw(image).ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 214, 90))
            return


# --- time of day and weather ----------------------------------------------------------

#: Where the sun stands at each time: (height as a fraction of the sky, x candidates, radius
#: as a fraction of the short side, disc colour, glow colour, glow strength).
_SUN_AT: dict[str, tuple[float, tuple[float, ...], float, RGB, RGB, int]] = {
    "dawn": (1.0, (0.22, 0.78, 0.5), 0.08, (255, 196, 122), (255, 184, 170), 130),
    "morning": (0.55, (0.2, 0.8, 0.35), 0.065, (255, 230, 130), (255, 248, 222), 100),
    "noon": (0.17, (0.5, 0.75, 0.25), 0.06, (255, 242, 150), (255, 252, 232), 120),
    "afternoon": (0.42, (0.8, 0.2, 0.65), 0.065, (255, 206, 96), (255, 232, 186), 100),
    "dusk": (1.0, (0.76, 0.24, 0.5), 0.1, (250, 112, 56), (255, 150, 96), 150),
}


def sea_colors(look: Look) -> tuple[RGB, RGB]:
    top, bottom = (40, 150, 190), (90, 190, 205)
    if look.time is None and look.weather is None:
        return top, bottom
    if look.time is not None:
        top, bottom = mix(top, look.sky[1], 0.3), mix(bottom, look.sky[1], 0.3)
    if look.night:
        top, bottom = darken(top, 0.6), darken(bottom, 0.6)
    if look.weather in ("rain", "storm", "fog", "cloudy"):
        top, bottom = mix(top, look.sky[1], 0.4), mix(bottom, look.sky[1], 0.4)
    return top, bottom


_SWEEP = (0.1, 0.9, 0.35, 0.65, 0.5, 0.22, 0.78)


def place(W: int, y: float, xs: tuple[float, ...], reach: float, prefer: list[PixelBox],
           must: list[PixelBox]) -> tuple[float, float] | None:
    """A spot at height ``y`` whose ``reach``-sized square misses ``prefer`` (the preferred x
    fractions of ``W`` first, then a sweep), else one that at least misses ``must`` (text)."""
    for avoid in (prefer, must):
        for fx in xs + _SWEEP:
            cx = W * fx
            box = (int(cx - reach), int(y - reach), int(cx + reach), int(y + reach))
            if not any(overlaps(box, a) for a in avoid):
                return cx, y
    return None


def time_sun(image: Image.Image, look: Look, hy: int, avoid: list[PixelBox], text: list[PixelBox]) -> None:
    """The sun where the time puts it: low and pink at dawn, high at noon, half set at dusk.

    Clipped to the sky, so at dawn and dusk the horizon cuts it; paler behind clouds."""
    W, H = image.size
    height, xs, size, disc, halo, strength = _SUN_AT[look.time]
    r = min(W, H) * size
    # High suns by the sky's height; low ones sit just above the horizon, half behind the hills.
    cy = hy * height if height < 0.9 else hy - H * (0.1 if look.time == "dawn" else 0.06)
    spot = place(W, cy, xs, r * 1.6, avoid, text)
    if spot is None:
        return
    cx, cy = spot
    if look.weather == "cloudy":  # a dimmer sun behind the cloud cover
        disc, halo, strength = mix(disc, (232, 232, 228), 0.55), mix(halo, (232, 232, 228), 0.5), strength // 2
    g = r * (2.6 if look.time in ("dawn", "dusk") else 1.6)
    soft_light(image, (cx - g, cy - g, cx + g, cy + g), r * 0.5, halo,
               lambda d, ox, oy: d.ellipse((cx - g - ox, cy - g - oy, cx + g - ox, cy + g - oy), fill=strength), below=hy)
    soft_light(image, (cx - r, cy - r, cx + r, cy + r), 0, disc,
               lambda d, ox, oy: d.ellipse((cx - r - ox, cy - r - oy, cx + r - ox, cy + r - oy), fill=255), below=hy)


def moon(image: Image.Image, hy: int, avoid: list[PixelBox], text: list[PixelBox]) -> None:
    """A pale crescent moon with a faint halo, high in the night sky."""
    W, H = image.size
    r = min(W, H) * 0.05
    spot = place(W, hy * 0.24, (0.8, 0.2, 0.62, 0.38), r * 1.8, avoid, text)
    if spot is None:
        return
    cx, cy = spot
    soft_light(image, (cx - r * 2, cy - r * 2, cx + r * 2, cy + r * 2), r * 0.6, (150, 170, 220),
               lambda d, ox, oy: d.ellipse((cx - r * 2 - ox, cy - r * 2 - oy, cx + r * 2 - ox, cy + r * 2 - oy), fill=60))

    def crescent(d: ImageDraw.ImageDraw, ox: int, oy: int) -> None:
        d.ellipse((cx - r - ox, cy - r - oy, cx + r - ox, cy + r - oy), fill=255)
        sx, sy = cx + r * 0.5 - ox, cy - r * 0.22 - oy  # the shadow disc that cuts the crescent
        d.ellipse((sx - r, sy - r, sx + r, sy + r), fill=0)

    soft_light(image, (cx - r, cy - r, cx + r, cy + r), 0, (248, 242, 212), crescent)


def earth(image: Image.Image, hy: int, avoid: list[PixelBox], text: list[PixelBox]) -> None:
    """The Earth, small and blue in a black sky, half lit, with a thin glow of atmosphere."""
    W, H = image.size
    r = min(W, H) * 0.055
    spot = place(W, hy * 0.26, (0.78, 0.22, 0.6, 0.4), r * 1.7, avoid, text)
    if spot is None:
        return
    cx, cy = spot
    s = int(r * 2 + 4)
    disc = Image.new("RGBA", (s * 2, s * 2), (0, 0, 0, 0))
    d = ImageDraw.Draw(disc)
    o = s - r  # the disc's top-left inside the tile
    d.ellipse((o - 2, o - 2, o + 2 * r + 2, o + 2 * r + 2), fill=(120, 170, 255, 90))
    d.ellipse((o, o, o + 2 * r, o + 2 * r), fill=(46, 110, 200, 255))
    for fx, fy, fw, fh in ((0.25, 0.2, 0.5, 0.35), (0.55, 0.5, 0.3, 0.4), (0.15, 0.6, 0.25, 0.2)):  # land
        d.ellipse((o + fx * 2 * r, o + fy * 2 * r, o + (fx + fw) * 2 * r, o + (fy + fh) * 2 * r), fill=(92, 160, 84, 255))
    for fy in (0.3, 0.62):  # cloud bands
        d.arc((o + r * 0.2, o + fy * 2 * r - r * 0.3, o + r * 1.8, o + fy * 2 * r + r * 0.3), 200, 340,
              fill=(245, 248, 255, 255), width=max(1, round(r / 6)))
    night = Image.new("L", disc.size, 0)
    ImageDraw.Draw(night).ellipse((o + r * 0.7, o - r * 0.2, o + r * 2.9, o + r * 2.2), fill=150)
    shade = Image.new("RGBA", disc.size, (4, 6, 20, 255))
    inside = Image.new("L", disc.size, 0)
    ImageDraw.Draw(inside).ellipse((o, o, o + 2 * r, o + 2 * r), fill=255)
    disc.paste(shade, (0, 0), Image.fromarray(np.minimum(np.asarray(night), np.asarray(inside))))
    image.paste(disc, (int(cx - s), int(cy - s)), disc)


def cloud(draw: ImageDraw.ImageDraw, cx: float, cy: float, w: float, fill: tuple[int, ...],
           shade: tuple[int, ...], rng: random.Random) -> None:
    """A puffy cloud about ``w`` wide: a shaded underside, then bumps of overlapping discs."""
    puffs = []
    for k in range(5):
        t = (k - 2) / 2
        r = w * (0.26 - 0.08 * abs(t)) * rng.uniform(0.85, 1.15)
        puffs.append((cx + t * w * 0.34, cy - r * 0.35 + abs(t) * w * 0.06, r))
    base = (cx - w * 0.5, cy - w * 0.08, cx + w * 0.5, cy + w * 0.12)
    off = w * 0.04
    for px, py, r in puffs:
        draw.ellipse((px - r, py - r + off, px + r, py + r + off), fill=shade)
    draw.rounded_rectangle((base[0], base[1] + off, base[2], base[3] + off), radius=w * 0.1, fill=shade)
    for px, py, r in puffs:
        draw.ellipse((px - r, py - r, px + r, py + r), fill=fill)
    draw.rounded_rectangle(base, radius=w * 0.1, fill=fill)


def _rain(draw: ImageDraw.ImageDraw, W: int, H: int, rng: random.Random, heavy: bool, night: bool) -> None:
    """Thin diagonal streaks over the whole frame; a storm's are denser, longer and brighter."""
    short = min(W, H)
    n = int(W * H / (420 if heavy else 760))
    length = short * (0.055 if heavy else 0.038)
    width = max(1, round(short / 460))
    color = (226, 232, 244, 150 if heavy else 125) if not night else (170, 182, 210, 120)
    slant = 0.28
    for _ in range(n):
        x, y = rng.uniform(-slant * length, W), rng.uniform(-length, H)
        ln = length * rng.uniform(0.6, 1.3)
        draw.line((x, y, x + ln * slant, y + ln), fill=color, width=width)


def _lightning(image: Image.Image, hy: int, rng: random.Random, prefer: list[PixelBox], text: list[PixelBox]) -> None:
    """A jagged bolt from the clouds toward the horizon, with a glow, clear of the text (and of
    the characters and objects when it can be)."""
    W, H = image.size
    short = min(W, H)
    top, bottom = H * 0.12, hy * 0.92
    xs = [0.3, 0.7, 0.5, 0.2, 0.8]
    rng.shuffle(xs)
    def clear(f: float, avoid: list[PixelBox]) -> bool:
        strip = (int(W * f - short * 0.08), int(top), int(W * f + short * 0.08), int(bottom))
        return not any(overlaps(strip, a) for a in avoid)

    x = W * next((f for f in xs if clear(f, prefer)), next((f for f in xs if clear(f, text)), xs[0]))
    points, steps = [(x, top)], 6
    for k in range(1, steps + 1):
        x += (1 if k % 2 else -1) * short * rng.uniform(0.025, 0.06)
        points.append((x, top + (bottom - top) * k / steps))
    kx, ky = points[3]
    branch = [(kx, ky), (kx + short * rng.choice((-1, 1)) * 0.07, ky + (bottom - top) * 0.18)]
    xs_all, ys_all = [p[0] for p in points + branch], [p[1] for p in points + branch]

    def bolt_glow(d: ImageDraw.ImageDraw, ox: int, oy: int) -> None:
        d.line([(px - ox, py - oy) for px, py in points], fill=170, width=max(4, round(short / 28)), joint="curve")
        d.line([(px - ox, py - oy) for px, py in branch], fill=120, width=max(3, round(short / 40)))

    reach = short / 28
    soft_light(image, (min(xs_all) - reach, min(ys_all) - reach, max(xs_all) + reach, max(ys_all) + reach), short / 60,
               (255, 250, 210), bolt_glow)
    d = ImageDraw.Draw(image)
    d.line(points, fill=(255, 253, 228), width=max(2, round(short / 110)), joint="curve")
    d.line(branch, fill=(255, 253, 228), width=max(1, round(short / 200)))


def _fog(image: Image.Image, look: Look, hy: int, rng: random.Random) -> None:
    """A pale veil, thickest at the horizon and thinner above and below, plus a few low banks."""
    W, H = image.size
    y = np.arange(H, dtype=float)[:, None]
    spread = np.where(y < hy, 0.3 * H, 0.45 * H)
    alpha = 0.3 + 0.5 * np.exp(-(((y - hy) / spread) ** 2))
    banks = np.zeros((H, W))
    xx = np.arange(W, dtype=float)[None, :]
    for _ in range(3):
        cx, cy = rng.uniform(0, W), hy + rng.uniform(-0.08, 0.1) * H
        banks += 0.16 * np.exp(-(((xx - cx) / (rng.uniform(0.25, 0.5) * W)) ** 2 + ((y - cy) / (0.05 * H)) ** 2))
    alpha = np.clip(alpha + banks, 0, 0.85)[..., None]
    color = np.array((226, 229, 233) if not look.night else (72, 80, 100), float)
    arr = np.asarray(image, dtype=float) * (1 - alpha) + color * alpha
    image.paste(Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB"))


def _wind(draw: ImageDraw.ImageDraw, W: int, H: int, hy: int, rng: random.Random, night: bool) -> None:
    """Gusts as curling motion lines, and a few leaves blown along."""
    short = min(W, H)
    color = (255, 255, 255, 190) if not night else (190, 200, 230, 150)
    width = max(2, round(short / 130))  # bold enough to read over a busy backdrop
    for _ in range(max(6, round(W / short * 7))):
        x0, y0 = rng.uniform(-0.1, 0.8) * W, rng.uniform(0.08, 0.95) * H
        length, amp = rng.uniform(0.18, 0.36) * W, rng.uniform(0.01, 0.025) * short
        pts = [(x0 + length * t / 24, y0 + amp * math.sin(t / 24 * math.pi * 1.5)) for t in range(25)]
        ex, ey = pts[-1]
        r = amp * 1.4  # the gust curls at its tip
        pts += [(ex + r * math.sin(a), ey - r + r * math.cos(a)) for a in np.linspace(0.3, 5.0, 12)]
        draw.line(pts, fill=color, width=width, joint="curve")
    for _ in range(5):
        cx, cy = rng.uniform(0.05, 0.95) * W, rng.uniform(0.15, 0.9) * hy
        s, a = short * rng.uniform(0.012, 0.02), rng.uniform(0, math.pi)
        leaf = [(cx + s * math.cos(a + k * math.pi / 2) * (1.0 if k % 2 == 0 else 0.45),
                 cy + s * math.sin(a + k * math.pi / 2) * (1.0 if k % 2 == 0 else 0.45)) for k in range(4)]
        draw.polygon(leaf, fill=rng.choice([(96, 150, 60, 235), (206, 140, 50, 235), (180, 90, 40, 235)]))


def weather(image: Image.Image, look: Look, hy: int, rng: random.Random, prefer: list[PixelBox],
             text: list[PixelBox]) -> None:
    """The look's weather over the finished background (the caller draws the foreground after).

    ``prefer``: boxes the lightning keeps clear of if it can; ``text``: boxes it always does."""
    W, H = image.size
    short = min(W, H)
    if look.weather == "fog":
        _fog(image, look, hy, rng)
        return
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    if look.weather in ("cloudy", "storm"):
        storm = look.weather == "storm"
        fill, shade = ((72, 76, 90, 240), (48, 50, 62, 240)) if storm else ((226, 229, 235, 235), (182, 188, 200, 235))
        if look.night:
            fill, shade = (darken(fill[:3], 0.5) + (fill[3],), darken(shade[:3], 0.5) + (shade[3],))
        n = max(5, round(W / short * 6)) if storm else max(3, round(W / short * 3))
        for i in range(n):
            w = short * (rng.uniform(0.35, 0.55) if storm else rng.uniform(0.22, 0.34))
            cx = (i + 0.5 + rng.uniform(-0.3, 0.3)) * W / n
            cy = (rng.uniform(0.04, 0.16) if storm else rng.uniform(0.1, 0.32)) * H
            cloud(d, cx, cy, w, fill, shade, rng)
        image.paste(layer, (0, 0), layer)
        if not storm:
            return
        _lightning(image, hy, rng, prefer, text)
        layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
        d = ImageDraw.Draw(layer)
    if look.weather in ("rain", "storm"):
        _rain(d, W, H, rng, heavy=look.weather == "storm", night=look.night)
    elif look.weather == "snow":
        for _ in range(int(W * H / 1300)):
            x, y = rng.uniform(0, W), rng.uniform(0, H)
            r = short / 512 * rng.choice((1.0, 1.4, 1.8, 2.6))
            d.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, 230))
    elif look.weather == "wind":
        _wind(d, W, H, hy, rng, look.night)
    image.paste(layer, (0, 0), layer)

