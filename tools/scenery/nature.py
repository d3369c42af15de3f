"""Outdoor backdrops of open country: forest, park, meadow, farm, beach, lake, mountains,
desert and snow. Each draws its fixed structure with depth (far things fade into the sky's
horizon colour) and in the look's light, so night darkens it and dusk warms it."""

from __future__ import annotations

import math

from PIL import Image, ImageDraw

from tools.colors import RGB, darken, lighten, mix
from tools.scenery.look import Look
from tools.scenery.paint import Ledge, Painter, Stage, fill_below, glow, pine, ridge, round_tree, static_rng, vgradient
from tools.scenery.sky import gradient, sea_colors

_GREEN: RGB = (60, 120, 62)
_DARK_GREEN: RGB = (34, 84, 48)
_TRUNK: RGB = (104, 74, 52)
_LAMP: RGB = (255, 220, 150)


def _hills(draw: ImageDraw.ImageDraw, look: Look, W: int, H: int, hy: int, color: RGB, rng) -> None:
    """Two soft hills on the horizon (their upper halves)."""
    for _ in range(2):
        cx, rx = rng.uniform(0, W), rng.uniform(0.35, 0.6) * W
        ry = rng.uniform(0.06, 0.1) * H
        draw.chord((cx - rx, hy - ry, cx + rx, hy + ry), 180, 360, fill=color)


def _horizon_line(draw: ImageDraw.ImageDraw, look: Look, W: int, H: int, hy: int) -> None:
    draw.line((0, hy, W, hy), fill=darken(look.ground, 0.15), width=max(1, min(W, H) // 256))


def _flowers(draw: ImageDraw.ImageDraw, look: Look, W: int, H: int, top: int, rng, n: int,
             colors: tuple[RGB, ...] = ((250, 250, 246), (250, 214, 80), (240, 140, 170))) -> None:
    short = min(W, H)
    for _ in range(n):
        x, y = rng.uniform(0, W), rng.uniform(top, H)
        r = short * 0.004 * (1 + 1.5 * (y - top) / max(1, H - top))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=look.lit(rng.choice(colors)))


def paint_meadow(layer: Image.Image, look: Look, hy: int) -> Stage:
    """Open country: two hills on the horizon and wildflowers in the grass (also the open field
    a shot with weather but no setting stands in)."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    rng = static_rng(look, layer.size)
    if not look.sea:
        _hills(draw, look, W, H, hy, mix(look.ground, look.sky[1], 0.4), rng)
    _horizon_line(draw, look, W, H, hy)
    if look.setting == "meadow" and look.weather != "snow":
        _flowers(draw, look, W, H, hy + int(H * 0.04), rng, W * (H - hy) // 1600)
    return Stage(ledges=(Ledge(hy, 0, W, size=0.165, fade=0.35 if look.time != "night" else 0.5,
                               count=max(3, round(W / short * 4))),))


def paint_forest(layer: Image.Image, look: Look, hy: int) -> Stage:
    """A tree line with depth: a far row of small pale pines, a middle row of big pines and round
    trees, trunks framing the edges, and a path leading in."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    rng = static_rng(look, layer.size)
    x = -short * 0.02
    while x < W + short * 0.04:  # 1. far row
        pine(draw, x, hy + H * 0.01, H * rng.uniform(0.1, 0.17), look.lit(_GREEN, far=0.55))
        x += short * rng.uniform(0.025, 0.045)
    x = short * rng.uniform(0.0, 0.05)
    while x < W + short * 0.05:  # 2. middle row
        h = H * rng.uniform(0.24, 0.34)
        if rng.random() < 0.6:
            pine(draw, x, hy + H * 0.03, h, look.lit(_GREEN, far=0.22), look.lit(_TRUNK, far=0.22))
        else:
            round_tree(draw, x, hy + H * 0.03, h * 0.85, look.lit((84, 140, 66), far=0.22), look.lit(_TRUNK, far=0.22))
        x += short * rng.uniform(0.08, 0.13)
    path = look.on_ground((176, 148, 104))  # 3. a path into the trees
    draw.polygon([(W * 0.36, H), (W * 0.64, H), (W * 0.53, hy + H * 0.035), (W * 0.47, hy + H * 0.035)], fill=path)
    for _ in range(W * (H - hy) // 2200):  # grass tufts
        gx, gy = rng.uniform(0, W), rng.uniform(hy + H * 0.05, H)
        s = short * 0.012 * (1 + (gy - hy) / max(1, H - hy))
        draw.line((gx - s, gy - s * 1.4, gx, gy, gx + s, gy - s * 1.4), fill=darken(look.ground, 0.2),
                  width=max(1, short // 300))
    trunk = look.lit(darken(_TRUNK, 0.15))  # 4. near trunks framing the edges
    crown = look.lit(_DARK_GREEN)
    for x0, x1 in ((-short * 0.01, short * 0.05), (W - short * 0.06, W + short * 0.01)):
        draw.rectangle((x0, 0, x1, H * 0.97), fill=trunk)
        cx = (x0 + x1) / 2
        draw.ellipse((cx - short * 0.16, -short * 0.12, cx + short * 0.16, short * 0.14), fill=crown)
    return Stage(ledges=(Ledge(int(hy + H * 0.14), 0, W, size=0.07, fade=0.2, count=4, nouns=("mushroom", "herb")),))


def paint_park(layer: Image.Image, look: Look, hy: int) -> Stage:
    """A lawn with mown stripes, bushes and round trees, a winding path, a bench and a lamp post
    (lit at dusk)."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    rng = static_rng(look, layer.size)
    for k in range(0, 8, 2):  # 1. mown stripes
        y0 = hy + (H - hy) * (k / 8) ** 1.4
        y1 = hy + (H - hy) * ((k + 1) / 8) ** 1.4
        draw.rectangle((0, y0, W, y1), fill=lighten(look.ground, 0.08) + (140,))
    x = 0.0
    while x < W:  # 2. far bushes
        r = short * rng.uniform(0.03, 0.06)
        draw.ellipse((x - r, hy - r, x + r, hy + r * 0.6), fill=look.lit((78, 138, 70), far=0.4))
        x += r * 1.4
    path = look.on_ground((222, 208, 180))  # 3. a winding path
    pts_l = [(W * (0.3 + 0.18 * math.sin(t * 2.2)) - short * 0.02 * (1 + 4 * t), hy + (H - hy) * t) for t in
             [i / 12 for i in range(13)]]
    pts_r = [(px + short * 0.04 * (1 + 4 * ((py - hy) / max(1, H - hy))) + short * 0.02, py) for px, py in pts_l]
    draw.polygon(pts_l + pts_r[::-1], fill=path)
    for fx, h in ((0.1, 0.36), (0.62, 0.3), (0.9, 0.4)):  # 4. trees
        round_tree(draw, W * fx, hy + H * 0.03, H * h, look.lit((86, 150, 72), far=0.1), look.lit(_TRUNK, far=0.1))
    bx, by = W * 0.7, hy + H * 0.09  # 5. a bench
    wood, iron = look.lit((170, 120, 76)), look.lit((54, 60, 58))
    bw = short * 0.2
    for k in range(2):
        draw.rectangle((bx, by - short * (0.055 + 0.022 * k), bx + bw, by - short * (0.045 + 0.022 * k)), fill=wood)
    draw.rectangle((bx - short * 0.01, by - short * 0.012, bx + bw + short * 0.01, by), fill=wood)
    for lx in (bx + short * 0.01, bx + bw - short * 0.02):
        draw.rectangle((lx, by - short * 0.06, lx + short * 0.01, by + short * 0.035), fill=iron)
    lx, top = W * 0.42, hy - H * 0.22  # 6. a lamp post
    draw.rectangle((lx - short * 0.006, top, lx + short * 0.006, hy + H * 0.05), fill=iron)
    if look.dusk:
        glow(layer, (lx, top - short * 0.02), short * 0.09, _LAMP, 170)
        glow(layer, (lx, hy + H * 0.05), short * 0.12, _LAMP, 70, squash=0.25)
        draw = ImageDraw.Draw(layer)
    draw.rounded_rectangle((lx - short * 0.022, top - short * 0.05, lx + short * 0.022, top), radius=short * 0.01,
                           fill=(255, 228, 160) if look.dusk else look.lit((226, 232, 226)), outline=iron,
                           width=max(1, short // 200))
    if look.weather != "snow":
        _flowers(draw, look, W, H, hy + int(H * 0.02), rng, W * (H - hy) // 3000, ((240, 90, 100), (250, 210, 70), (250, 250, 246)))
    return Stage(ledges=(Ledge(hy + int(H * 0.015), 0, W, size=0.09, fade=0.3, count=3, nouns=("tulip", "herb")),))


def paint_farm(layer: Image.Image, look: Look, hy: int) -> Stage:
    """Rows of crops, a red barn with a silo, and a wooden fence along the field."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    rng = static_rng(look, layer.size)
    _hills(draw, look, W, H, hy, mix(look.ground, look.sky[1], 0.45), rng)
    crops = (look.on_ground((214, 182, 92)), look.on_ground((150, 176, 84)))  # 1. crop rows, wider toward us
    y = float(hy)
    k = 0
    while y < H:
        step = H * (0.018 + 0.05 * (y - hy) / max(1, H - hy))
        draw.rectangle((0, y, W, y + step), fill=crops[k % 2])
        y += step
        k += 1
    bx0, bx1 = W * 0.56, W * 0.56 + short * 0.32  # 2. the barn
    top, base = hy - H * 0.2, hy + H * 0.04
    red, roof, trim = look.lit((176, 46, 40)), look.lit((96, 40, 36)), look.lit((246, 240, 230))
    draw.polygon([(bx0 - short * 0.02, top), (bx0 + short * 0.06, top - H * 0.08), ((bx0 + bx1) / 2, top - H * 0.13),
                  (bx1 - short * 0.06, top - H * 0.08), (bx1 + short * 0.02, top)], fill=roof)
    draw.rectangle((bx0, top, bx1, base), fill=red, outline=trim, width=max(1, short // 150))
    dx0, dx1, dy0 = (bx0 + bx1) / 2 - short * 0.07, (bx0 + bx1) / 2 + short * 0.07, base - H * 0.13
    draw.rectangle((dx0, dy0, dx1, base), fill=darken(red, 0.15), outline=trim, width=max(2, short // 120))
    draw.line((dx0, dy0, dx1, base), fill=trim, width=max(2, short // 120))
    draw.line((dx0, base, dx1, dy0), fill=trim, width=max(2, short // 120))
    wx, wy = (bx0 + bx1) / 2, top - H * 0.04
    loft = (255, 214, 120) if look.dusk else look.lit((60, 40, 36))
    if look.dusk:
        glow(layer, (wx, wy), short * 0.06, _LAMP, 120)
        draw = ImageDraw.Draw(layer)
    draw.rectangle((wx - short * 0.025, wy - short * 0.025, wx + short * 0.025, wy + short * 0.025), fill=loft, outline=trim,
                   width=max(1, short // 200))
    sx0, sx1 = bx1 + short * 0.03, bx1 + short * 0.11  # 3. a silo
    silo = look.lit((190, 196, 204))
    draw.rectangle((sx0, top - H * 0.1, sx1, base), fill=silo, outline=darken(silo, 0.3), width=max(1, short // 220))
    draw.chord((sx0, top - H * 0.1 - (sx1 - sx0) / 2, sx1, top - H * 0.1 + (sx1 - sx0) / 2), 180, 360,
               fill=look.lit((150, 156, 166)))
    fy = hy + H * 0.13  # 4. a fence along the field
    post = look.lit((140, 100, 70))
    for k in range(2):
        ry = fy - H * (0.03 + 0.035 * k)
        draw.rectangle((0, ry, W, ry + max(2, short // 110)), fill=post)
    x = short * 0.02
    while x < W:
        draw.rectangle((x, fy - H * 0.09, x + max(3, short // 70), fy + H * 0.01), fill=darken(post, 0.1))
        x += short * 0.11
    return Stage(ledges=(Ledge(int(hy + H * 0.005), 0, int(W * 0.54), size=0.08, fade=0.3, count=2,
                               nouns=("sunflower", "sheaf of rice")),))


def _palm(draw: ImageDraw.ImageDraw, look: Look, base: tuple[float, float], h: float) -> None:
    """A leaning palm: a curved trunk of segments and a crown of drooping fronds."""
    bx, by = base
    trunk = look.lit((150, 110, 70))
    pts = [(bx + h * 0.25 * (t ** 1.6), by - h * t) for t in [i / 10 for i in range(11)]]
    for i in range(10):
        (x0, y0), (x1, y1) = pts[i], pts[i + 1]
        w = h * (0.05 - 0.02 * i / 10)
        draw.polygon([(x0 - w, y0), (x0 + w, y0), (x1 + w * 0.9, y1), (x1 - w * 0.9, y1)], fill=darken(trunk, 0.08 * (i % 2)))
    tx, ty = pts[-1]
    leaf = look.lit((58, 134, 64))
    for a in (-170, -140, -100, -60, -25, 5):
        rad = math.radians(a)
        ex, ey = tx + math.cos(rad) * h * 0.42, ty + math.sin(rad) * h * 0.42 + h * 0.12
        mx, my = (tx + ex) / 2, (ty + ey) / 2 - h * 0.08
        nx, ny = -(ey - ty) * 0.12, (ex - tx) * 0.12
        draw.polygon([(tx, ty), (mx + nx, my + ny), (ex, ey), (mx - nx, my - ny)], fill=leaf)
    draw.ellipse((tx - h * 0.03, ty - h * 0.0, tx + h * 0.03, ty + h * 0.06), fill=look.lit((110, 76, 40)))


def paint_beach(layer: Image.Image, look: Look, hy: int) -> Stage:
    """The sea between sky and sand with a sail on the horizon, surf, wet sand and a palm."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    rng = static_rng(look, layer.size)
    sea_h = int(H * 0.07)
    band = gradient(W, sea_h, *sea_colors(look))
    layer.alpha_composite(Image.fromarray((band + 0.5).clip(0, 255).astype("uint8"), "RGB").convert("RGBA"), (0, hy))
    draw = ImageDraw.Draw(layer)
    for _ in range(14):  # glints on the water
        x, y = rng.uniform(0, W), rng.uniform(hy + 2, hy + sea_h - 2)
        draw.line((x, y, x + short * rng.uniform(0.02, 0.05), y), fill=lighten(sea_colors(look)[1], 0.35),
                  width=max(1, short // 300))
    sx, sy = W * 0.7, hy  # a sail on the horizon
    sail = look.lit((250, 250, 246), far=0.25)
    draw.polygon([(sx, sy - short * 0.07), (sx, sy - short * 0.008), (sx + short * 0.045, sy - short * 0.008)], fill=sail)
    draw.polygon([(sx - short * 0.03, sy - short * 0.008), (sx + short * 0.055, sy - short * 0.008), (sx + short * 0.04, sy),
                  (sx - short * 0.02, sy)], fill=look.lit((120, 60, 50), far=0.25))
    shore = ridge(W, hy + sea_h, rng, H * 0.006, waves=(3.1, 7.3))
    wet = [(x, y + H * 0.025) for x, y in shore]
    draw.polygon(shore + wet[::-1], fill=darken(look.ground, 0.18))
    draw.line(shore, fill=(250, 250, 245) if not look.night else (170, 176, 190), width=max(2, short // 120))
    for _ in range(W * (H - hy) // 1800):  # sand grains
        x, y = rng.uniform(0, W), rng.uniform(hy + sea_h + H * 0.04, H)
        draw.point((x, y), fill=darken(look.ground, 0.15))
    _palm(draw, look, (W * 0.05, H * 0.96), H * 0.62)
    return Stage(ledges=(Ledge(int(hy + sea_h + H * 0.12), int(W * 0.25), W, size=0.1, fade=0.3, count=3,
                               nouns=("spiral shell", "palm tree", "umbrella on ground")),))


def paint_lake(layer: Image.Image, look: Look, hy: int) -> Stage:
    """A far shore of hills and pines, still water with their reflection and ripples, reeds."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    rng = static_rng(look, layer.size)
    _hills(draw, look, W, H, hy, look.lit((96, 130, 120), far=0.5), rng)
    x = -short * 0.02
    while x < W + short * 0.03:
        pine(draw, x, hy + 1, H * rng.uniform(0.06, 0.11), look.lit(_GREEN, far=0.45))
        x += short * rng.uniform(0.03, 0.06)
    water_h = int(H * 0.16)
    top, bottom = mix(look.sky[1], (70, 120, 160), 0.35), mix(look.sky[0], (40, 90, 130), 0.45)
    if look.night:
        top, bottom = darken(top, 0.2), darken(bottom, 0.2)
    vgradient(layer, (0, hy, W, hy + water_h), top, bottom)
    vgradient(layer, (0, hy, W, hy + int(H * 0.03)), look.lit(_GREEN, far=0.5), top, alpha=120)  # reflection
    draw = ImageDraw.Draw(layer)
    for _ in range(18):  # ripples
        x, y = rng.uniform(0, W), rng.uniform(hy + H * 0.03, hy + water_h - 2)
        draw.line((x, y, x + short * rng.uniform(0.03, 0.08), y), fill=lighten(top, 0.3), width=max(1, short // 300))
    shore = ridge(W, hy + water_h, rng, H * 0.008, waves=(2.1, 5.3))
    fill_below(draw, shore, H, look.ground)
    reed = look.lit((86, 120, 60))
    for x0 in (W * 0.03, W * 0.88):
        for k in range(9):
            x = x0 + short * 0.012 * k + rng.uniform(-2, 2)
            y = hy + water_h + H * 0.02
            draw.line((x, y, x + rng.uniform(-4, 4), y - H * rng.uniform(0.08, 0.16)), fill=reed, width=max(1, short // 220))
    return Stage(ledges=(Ledge(int(hy + water_h + H * 0.1), int(W * 0.15), int(W * 0.85), size=0.1, fade=0.3, count=2,
                               nouns=("deciduous tree", "herb")),))


def _range(draw: ImageDraw.ImageDraw, W: int, base: float, tops: tuple[float, float], rng, color: RGB, snow: RGB,
           step: float) -> None:
    """A mountain range: peaks across the width standing on ``base``, each with a jagged snow cap."""
    x = -step * rng.uniform(0.2, 0.6)
    points = [(x, base)]
    peaks = []
    while x < W + step:
        px, py = x + step * rng.uniform(0.35, 0.65), rng.uniform(*tops)
        vx = x + step
        peaks.append((px, py, vx - x))
        points += [(px, py), (vx, base - (base - py) * rng.uniform(0.35, 0.55))]
        x = vx
    points.append((x, base))
    draw.polygon(points, fill=color)
    for px, py, width in peaks:
        depth = (base - py) * 0.3
        left, right = (px - width * 0.22, py + depth), (px + width * 0.2, py + depth)
        draw.polygon([(px, py), right, (px + width * 0.08, py + depth * 0.7), (px - width * 0.02, py + depth * 1.05),
                      (px - width * 0.1, py + depth * 0.72), left], fill=snow)


def paint_mountains(layer: Image.Image, look: Look, hy: int) -> Stage:
    """Two ranges of snow-capped peaks (the far one paler), green foothills and pines at their foot."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    rng = static_rng(look, layer.size)
    _range(draw, W, hy + 2, (H * 0.12, H * 0.28), rng, look.lit((128, 144, 176), far=0.35),
           look.lit((246, 248, 252), far=0.2), short * 0.42)
    _range(draw, W, hy + 2, (H * 0.3, H * 0.42), rng, look.lit((96, 110, 122), far=0.12), look.lit((240, 244, 250), far=0.1),
           short * 0.3)
    hills = ridge(W, hy - H * 0.02, rng, H * 0.02)
    fill_below(draw, hills, hy + 2, mix(look.ground, look.lit((90, 130, 80)), 0.4))
    x = short * rng.uniform(0, 0.04)
    while x < W:
        pine(draw, x, hy + H * 0.02, H * rng.uniform(0.06, 0.1), look.lit(_DARK_GREEN, far=0.1))
        x += short * rng.uniform(0.03, 0.09)
    return Stage(ledges=(Ledge(int(hy + H * 0.1), 0, W, size=0.1, fade=0.3, count=3),))


def _cactus(draw: ImageDraw.ImageDraw, x: float, base: float, h: float, color: RGB) -> None:
    """A saguaro: a ribbed column with two raised arms."""
    w = h * 0.16
    rad = w / 2
    draw.rounded_rectangle((x - w / 2, base - h, x + w / 2, base), radius=rad, fill=color)
    for side, y0, reach in ((-1, 0.55, 0.6), (1, 0.42, 0.7)):
        ax = x + side * w * 1.3
        draw.rounded_rectangle((min(x, ax) - w * 0.2, base - h * (y0 - 0.12), max(x, ax) + w * 0.2, base - h * (y0 - 0.12) + w * 0.7),
                               radius=w * 0.35, fill=color)
        draw.rounded_rectangle((ax - w * 0.35, base - h * reach, ax + w * 0.35, base - h * (y0 - 0.2)), radius=w * 0.35, fill=color)
    draw.line((x, base - h * 0.95, x, base - h * 0.05), fill=darken(color, 0.2), width=max(1, int(w / 8)))


def paint_desert(layer: Image.Image, look: Look, hy: int) -> Stage:
    """Flat-topped mesas far off, three rows of dunes with lit crests, saguaro cacti."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    rng = static_rng(look, layer.size)
    for cx, w, h in ((0.2, 0.22, 0.12), (0.72, 0.3, 0.09)):  # 1. mesas
        x0, x1 = W * (cx - w / 2), W * (cx + w / 2)
        draw.polygon([(x0, hy + 2), (x0 + W * 0.03, hy - H * h), (x1 - W * 0.03, hy - H * h), (x1, hy + 2)],
                     fill=look.lit((200, 124, 92), far=0.4))
    for base, amp, tone in ((hy - H * 0.015, 0.02, 0.0), (hy + H * 0.09, 0.03, 0.08), (hy + H * 0.22, 0.035, 0.16)):
        line = ridge(W, base, rng, H * amp, waves=(0.9, 2.3))
        sand = darken(mix(look.ground, look.lit((240, 200, 140)), 0.3), tone)
        fill_below(draw, line, H, sand)
        draw.line(line, fill=lighten(sand, 0.25), width=max(1, short // 160))
    green = look.lit((72, 130, 70))
    _cactus(draw, W * 0.12, hy + H * 0.16, H * 0.28, green)
    _cactus(draw, W * 0.88, hy + H * 0.06, H * 0.17, look.lit((72, 130, 70), far=0.15))
    return Stage(ledges=(Ledge(int(hy + H * 0.085), int(W * 0.25), int(W * 0.75), size=0.08, fade=0.3, count=2),))


def paint_snow(layer: Image.Image, look: Look, hy: int) -> Stage:
    """Snowy hills under a pale sky, rows of snow-laden pines, blue shadows on the snow."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    rng = static_rng(look, layer.size)
    hills = ridge(W, hy - H * 0.03, rng, H * 0.03)
    fill_below(draw, hills, hy + 2, look.lit((226, 232, 244), far=0.3))
    shadow = look.lit((196, 208, 232))
    for _ in range(5):  # blue shadows first: the trees stand over them
        cx, cy = rng.uniform(0, W), rng.uniform(hy + H * 0.08, H)
        rx = short * rng.uniform(0.08, 0.2)
        draw.ellipse((cx - rx, cy - rx * 0.12, cx + rx, cy + rx * 0.12), fill=shadow + (150,))
    snow_on = look.lit((248, 250, 255))
    x = -short * 0.02
    while x < W + short * 0.03:
        pine(draw, x, hy + H * 0.01, H * rng.uniform(0.08, 0.13), look.lit(_DARK_GREEN, far=0.45),
             snow=look.lit((240, 244, 252), far=0.3))
        x += short * rng.uniform(0.04, 0.09)
    for fx, h in ((0.08, 0.34), (0.2, 0.24), (0.84, 0.3), (0.95, 0.4)):
        pine(draw, W * fx, hy + H * 0.06, H * h, look.lit(_DARK_GREEN), look.lit(_TRUNK), snow=snow_on)
    return Stage(ledges=(Ledge(int(hy + H * 0.02), int(W * 0.25), int(W * 0.78), size=0.1, fade=0.3, count=2),))


PAINTERS: dict[str, Painter] = {
    "forest": paint_forest, "park": paint_park, "meadow": paint_meadow, "farm": paint_farm, "beach": paint_beach,
    "lake": paint_lake, "mountains": paint_mountains, "desert": paint_desert, "snow": paint_snow,
}
