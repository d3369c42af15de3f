"""Backdrops beyond the weather: the moon, Mars, open space and underwater.

The moon is grey cratered ground under a black, starry sky with the Earth small in it (the
Earth is placed per shot, clear of text and figures); Mars the same ground in rust under a
dusty sky; space a star field with nebulae over the curve of a planet; underwater a sandy
seabed under shafts of light, with weed and bubbles.
"""

from __future__ import annotations

import math

from PIL import Image, ImageDraw

from tools.colors import RGB, darken, lighten, mix
from tools.scenery.look import Look
from tools.scenery.paint import Ledge, Painter, Stage, fill_below, glow, ridge, static_rng, vgradient


def paint_lunar(layer: Image.Image, look: Look, hy: int) -> Stage:
    """Rolling grey (or, on Mars, rust) ground to a low horizon, craters flattened by distance and
    scattered rocks; Mars adds far mesas."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    rng = static_rng(look, layer.size)
    ground = look.ground
    mars = look.setting == "mars"
    if mars:
        for cx, w, h in ((0.25, 0.26, 0.08), (0.8, 0.2, 0.11)):
            x0, x1 = W * (cx - w / 2), W * (cx + w / 2)
            draw.polygon([(x0, hy + 2), (x0 + W * 0.03, hy - H * h), (x1 - W * 0.02, hy - H * h), (x1, hy + 2)],
                         fill=mix(darken(ground, 0.1), look.sky[1], 0.45))
    far = ridge(W, hy - H * 0.025, rng, H * 0.02, waves=(1.1, 2.9))
    fill_below(draw, far, hy + 4, mix(lighten(ground, 0.05), look.sky[1], 0.25 if mars else 0.1))
    near = ridge(W, hy, rng, H * 0.012, waves=(0.8, 2.2))
    fill_below(draw, near, H, lighten(ground, 0.1))
    vgradient(layer, (0, hy + int(H * 0.02), W, H), lighten(ground, 0.1), darken(ground, 0.15), alpha=200)
    draw = ImageDraw.Draw(layer)
    craters = []
    for _ in range(9):
        t = rng.random() ** 0.7
        cy = hy + H * 0.05 + (H * 0.93 - hy - H * 0.05) * t
        rx = short * (0.03 + 0.1 * t) * rng.uniform(0.7, 1.25)
        cx = rng.uniform(-0.05, 1.05) * W
        craters.append((cx, cy, rx))
    for cx, cy, rx in sorted(craters, key=lambda c: c[1]):
        ry = rx * 0.3
        draw.ellipse((cx - rx * 1.12, cy - ry * 1.25, cx + rx * 1.12, cy + ry * 1.2), fill=lighten(ground, 0.18))  # rim
        draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=darken(ground, 0.28))
        draw.chord((cx - rx, cy - ry, cx + rx, cy + ry), 20, 160, fill=darken(ground, 0.12))  # the lit far wall
    for _ in range(28):
        t = rng.random()
        x, y = rng.uniform(0, W), hy + H * 0.04 + (H - hy - H * 0.04) * t
        r = short * (0.004 + 0.012 * t) * rng.uniform(0.6, 1.4)
        draw.ellipse((x - r, y - r * 0.2, x + r * 1.4, y + r * 0.5), fill=darken(ground, 0.35))  # shadow
        draw.ellipse((x - r, y - r * 0.8, x + r, y + r * 0.3), fill=darken(ground, 0.05))
    ledges = (Ledge(int(hy + H * 0.08), int(W * 0.2), int(W * 0.8), size=0.07, fade=0.3, count=2),) if mars else ()
    return Stage(ledges=ledges)


def paint_space(layer: Image.Image, look: Look, hy: int) -> Stage:
    """Coloured nebulae over a dense star field and the lit curve of a planet below; planets,
    comets and satellites drift in the sky."""
    W, H = layer.size
    short = min(W, H)
    rng = static_rng(look, layer.size)
    for color in ((130, 70, 190), (40, 150, 170), (200, 70, 140)):
        glow(layer, (rng.uniform(0.1, 0.9) * W, rng.uniform(0.1, 0.6) * hy), short * rng.uniform(0.25, 0.4), color, 70)
    draw = ImageDraw.Draw(layer)
    R = W * 1.3
    cx, top = W * 0.5, hy
    planet = look.ground
    glow(layer, (cx, top + R), R * 1.02, (120, 170, 255), 90)
    draw = ImageDraw.Draw(layer)
    draw.ellipse((cx - R, top, cx + R, top + 2 * R), fill=planet)
    for k, tone in ((0.035, 0.18), (0.08, -0.12), (0.13, 0.22), (0.19, -0.05)):  # cloud bands, curved with the limb
        d = H * k
        r = R - d
        draw.arc((cx - r, top + d, cx + r, top + d + 2 * r), 180, 360,
                 fill=lighten(planet, tone) if tone > 0 else darken(planet, -tone), width=max(2, int(H * 0.018)))
    draw.arc((cx - R, top, cx + R, top + 2 * R), 180, 360, fill=(170, 210, 255), width=max(2, short // 90))
    return Stage(ledges=(Ledge(int(hy * 0.62), int(W * 0.05), int(W * 0.95), size=0.12, fade=0.25, lift=int(hy * 0.45),
                               count=2),))


def _weed(draw: ImageDraw.ImageDraw, x: float, base: float, h: float, color: RGB, width: int, phase: float) -> None:
    pts = [(x + h * 0.06 * math.sin(phase + t * 5.0), base - h * t) for t in [i / 16 for i in range(17)]]
    draw.line(pts, fill=color, width=width, joint="curve")


def paint_underwater(layer: Image.Image, look: Look, hy: int) -> Stage:
    """Shafts of light from the surface, far rocks in the blue, a sandy seabed with rocks,
    swaying weed and rising bubbles."""
    W, H = layer.size
    short = min(W, H)
    rng = static_rng(look, layer.size)
    rays = Image.new("RGBA", layer.size, (0, 0, 0, 0))
    rd = ImageDraw.Draw(rays)
    strength = 20 if look.night else 46
    for k in range(5):
        x = W * (0.1 + 0.2 * k + rng.uniform(-0.05, 0.05))
        rd.polygon([(x - short * 0.03, 0), (x + short * 0.03, 0), (x + short * 0.16 + W * 0.05, hy), (x + W * 0.05, hy)],
                   fill=(230, 245, 255, strength))
    layer.alpha_composite(rays)
    draw = ImageDraw.Draw(layer)
    far = ridge(W, hy - H * 0.05, rng, H * 0.04, waves=(1.3, 3.7))
    fill_below(draw, far, hy + 4, look.lit(mix(look.sky[1], (30, 60, 90), 0.35)))
    bed = ridge(W, hy, rng, H * 0.012, waves=(1.7, 4.1))
    fill_below(draw, bed, H, look.ground)
    rock = look.lit((70, 90, 110))
    for cx, r in ((0.0, 0.16), (1.0, 0.2)):
        draw.ellipse((W * cx - short * r, H - short * r * 0.9, W * cx + short * r, H + short * r * 0.6), fill=rock)
    for k in range(8):
        x = W * (k + rng.uniform(0.1, 0.9)) / 8
        _weed(draw, x, hy + H * rng.uniform(0.0, 0.1), H * rng.uniform(0.16, 0.32),
              look.lit(rng.choice(((50, 140, 90), (70, 160, 80), (40, 120, 100)))), max(2, short // 70), rng.uniform(0, 6))
    bubble = look.lit((220, 240, 255))
    for _ in range(4):
        x, y = rng.uniform(0.1, 0.9) * W, rng.uniform(0.4, 0.9) * hy
        for k in range(5):
            r = short * (0.006 + 0.002 * k)
            by = y - k * short * 0.045
            draw.ellipse((x - r, by - r, x + r, by + r), outline=bubble, width=max(1, short // 300))
    return Stage(ledges=(Ledge(int(hy + H * 0.07), int(W * 0.1), int(W * 0.9), size=0.1, fade=0.25, count=3,
                               nouns=("coral", "spiral shell")),
                         Ledge(int(hy * 0.75), int(W * 0.1), int(W * 0.9), size=0.08, fade=0.3, lift=int(hy * 0.4),
                               count=2, nouns=("tropical fish",))))


PAINTERS: dict[str, Painter] = {"moon": paint_lunar, "mars": paint_lunar, "space": paint_space,
                                "underwater": paint_underwater}
