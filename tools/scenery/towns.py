"""Built outdoor backdrops: a city street and a castle courtyard. Windows, street lamps and
torches light up at dusk and night."""

from __future__ import annotations

from PIL import Image, ImageDraw

from tools.colors import RGB, darken, lighten, mix
from tools.scenery.look import Look
from tools.scenery.paint import Painter, Stage, glow, static_rng, window_grid

_FACADES: tuple[RGB, ...] = ((176, 92, 70), (214, 196, 162), (128, 142, 166), (204, 156, 96), (150, 150, 158),
                             (190, 120, 110))
_LAMP: RGB = (255, 220, 150)
_IRON: RGB = (44, 48, 54)


def paint_city_street(layer: Image.Image, look: Look, hy: int) -> Stage:
    """A far skyline, a row of buildings with windows (lit after dark), shop awnings, a pavement
    with street lamps and a road with lane markings."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    rng = static_rng(look, layer.size)
    lw = max(1, short // 220)
    # 1. The far skyline, pale with distance.
    x = 0.0
    while x < W:
        w = W * rng.uniform(0.06, 0.12)
        top = H * rng.uniform(0.1, 0.3)
        far = look.lit((150, 160, 182), far=0.55)
        draw.rectangle((x, top, x + w, hy), fill=far)
        if look.dusk:
            for _ in range(int(w * (hy - top) / (short * short) * 60)):
                px, py = rng.uniform(x + 2, x + w - 4), rng.uniform(top + 4, hy - 4)
                draw.rectangle((px, py, px + max(1, short // 200), py + max(1, short // 160)), fill=(240, 200, 120))
        x += w
    # 2. The street front: facades with windows, cornices, doors and awnings.
    x = -W * rng.uniform(0.0, 0.05)
    while x < W:
        w = W * rng.uniform(0.15, 0.24)
        top = H * rng.uniform(0.2, 0.4)
        face = look.lit(rng.choice(_FACADES))
        draw.rectangle((x, top, x + w, hy), fill=face, outline=darken(face, 0.3), width=lw)
        draw.rectangle((x - short * 0.008, top - short * 0.014, x + w + short * 0.008, top + short * 0.008),
                       fill=darken(face, 0.25))
        shop_top = hy - H * 0.11
        cols = max(2, round(w / (short * 0.07)))
        rows = max(1, int((shop_top - top - H * 0.03) / (H * 0.075)))
        lit = window_grid(draw, (x + w * 0.05, top + H * 0.03, x + w * 0.95, shop_top - H * 0.01), cols, rows, look, rng,
                          darken(face, 0.35))
        for px0, py0, px1, py1 in lit[:3]:
            glow(layer, ((px0 + px1) / 2, (py0 + py1) / 2), short * 0.03, _LAMP, 60)
        draw = ImageDraw.Draw(layer)
        if rng.random() < 0.55:  # a shop front with a striped awning
            glass = (255, 220, 150) if look.dusk else look.lit(mix((150, 190, 220), look.sky[1], 0.3))
            draw.rectangle((x + w * 0.12, shop_top + H * 0.03, x + w * 0.88, hy - H * 0.01), fill=glass,
                           outline=darken(face, 0.4), width=lw)
            stripes = 6
            for k in range(stripes):
                color = look.lit(look.accent if k % 2 == 0 else (246, 242, 236))
                a, b = x + w * (0.08 + 0.84 * k / stripes), x + w * (0.08 + 0.84 * (k + 1) / stripes)
                draw.polygon([(a, shop_top), (b, shop_top), (b + short * 0.006, shop_top + H * 0.035),
                              (a + short * 0.006, shop_top + H * 0.035)], fill=color)
        else:  # a front door
            dx = x + w * rng.uniform(0.3, 0.6)
            draw.rectangle((dx, hy - H * 0.09, dx + short * 0.05, hy), fill=look.lit((86, 56, 40)),
                           outline=darken(face, 0.4), width=lw)
        x += w
    # 3. Pavement, kerb and road.
    walk = int(hy + H * 0.075)
    slab = look.on_ground((196, 194, 188))
    draw.rectangle((0, hy, W, walk), fill=slab)
    for k in range(0, W, max(8, int(short * 0.09))):
        draw.line((k, hy, k - short * 0.03, walk), fill=darken(slab, 0.12), width=lw)
    draw.rectangle((0, walk, W, walk + max(2, short // 90)), fill=look.lit((150, 148, 144)))
    road = look.lit((84, 86, 92))
    draw.rectangle((0, walk + max(2, short // 90), W, H), fill=road)
    mid = walk + (H - walk) * 0.55
    dash = short * 0.08
    for k in range(0, W + int(dash), int(dash * 2)):
        draw.rectangle((k, mid - short * 0.005, k + dash, mid + short * 0.005), fill=look.lit((236, 230, 200)))
    # 4. Street lamps on the pavement.
    for fx in (0.06, 0.5, 0.94):
        lx, ltop = W * fx, hy - H * 0.3
        draw.rectangle((lx - short * 0.006, ltop, lx + short * 0.006, walk - H * 0.01), fill=_IRON)
        draw.line((lx, ltop, lx + short * 0.04, ltop), fill=_IRON, width=max(2, short // 120))
        head = (lx + short * 0.04, ltop + short * 0.012)
        if look.dusk:
            glow(layer, head, short * 0.08, _LAMP, 190)
            glow(layer, (lx + short * 0.03, walk - H * 0.01), short * 0.12, _LAMP, 90, squash=0.25)
            draw = ImageDraw.Draw(layer)
        draw.pieslice((head[0] - short * 0.025, head[1] - short * 0.02, head[0] + short * 0.025, head[1] + short * 0.02), 180, 360,
                      fill=_IRON)
        draw.ellipse((head[0] - short * 0.012, head[1] - short * 0.004, head[0] + short * 0.012, head[1] + short * 0.01),
                     fill=(255, 236, 180) if look.dusk else look.lit((220, 222, 214)))
    return Stage()


def paint_castle_courtyard(layer: Image.Image, look: Look, hy: int) -> Stage:
    """Crenellated stone walls, two round-roofed towers with flags, a gatehouse with an arched
    gate and portcullis, banners, torches (lit after dark) and a cobbled yard."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    rng = static_rng(look, layer.size)
    lw = max(1, short // 220)
    stone = look.lit((160, 154, 144))
    merlon = short * 0.035

    def crenel(x0: float, x1: float, top: float, fill: RGB) -> None:
        x = x0
        while x < x1 - merlon * 0.5:
            draw.rectangle((x, top - merlon * 0.9, min(x1, x + merlon), top), fill=fill)
            x += merlon * 1.8

    def blocks(box: tuple[float, float, float, float], fill: RGB) -> None:
        x0, y0, x1, y1 = box
        draw.rectangle(box, fill=fill)
        bh = short * 0.045
        y, row = y0, 0
        while y < y1:
            draw.line((x0, y, x1, y), fill=darken(fill, 0.22), width=lw)
            x = x0 + (short * 0.05) * (row % 2)
            while x < x1:
                draw.line((x, y, x, min(y1, y + bh)), fill=darken(fill, 0.22), width=lw)
                x += short * 0.1
            y += bh
            row += 1

    # 1. The curtain wall across the back.
    wall_top = H * 0.36
    blocks((0, wall_top, W, hy), stone)
    crenel(0, W, wall_top, stone)
    # 2. The gatehouse with an arched gate and a portcullis.
    gx0, gx1, gtop = W * 0.38, W * 0.62, H * 0.22
    blocks((gx0, gtop, gx1, hy), lighten(stone, 0.05))
    crenel(gx0, gx1, gtop, lighten(stone, 0.05))
    ax0, ax1, atop = W * 0.43, W * 0.57, H * 0.46
    dark = look.lit((40, 32, 28))
    draw.rectangle((ax0, atop + (ax1 - ax0) / 2, ax1, hy), fill=dark)
    draw.pieslice((ax0, atop, ax1, atop + (ax1 - ax0)), 180, 360, fill=dark)
    iron = look.lit((80, 76, 72))
    for k in range(1, 6):
        x = ax0 + (ax1 - ax0) * k / 6
        draw.line((x, atop + (ax1 - ax0) * 0.1, x, hy - H * 0.08), fill=iron, width=max(1, short // 150))
    for y in (atop + (ax1 - ax0) * 0.4, atop + (ax1 - ax0) * 0.8, hy - H * 0.12):
        draw.line((ax0 + 2, y, ax1 - 2, y), fill=iron, width=max(1, short // 150))
    # 3. Towers with conical roofs and flags.
    roof = look.lit((70, 84, 136))
    for x0, x1 in ((0, W * 0.17), (W * 0.83, W)):
        top = H * 0.16
        blocks((x0, top, x1, hy + H * 0.02), lighten(stone, 0.08))
        cx = (x0 + x1) / 2
        draw.polygon([(x0 - W * 0.015, top), (x1 + W * 0.015, top), (cx, top - H * 0.16)], fill=roof)
        draw.line((cx, top - H * 0.16, cx, top - H * 0.22), fill=_IRON, width=max(1, short // 200))
        draw.polygon([(cx, top - H * 0.22), (cx + short * 0.05, top - H * 0.2), (cx, top - H * 0.18)], fill=look.lit(look.accent))
        for wy in (0.3, 0.46):  # arrow slits, warm when lit
            slit = (255, 200, 110) if look.dusk else dark
            draw.rectangle((cx - short * 0.008, H * wy, cx + short * 0.008, H * wy + short * 0.05), fill=slit)
    # 4. Banners on the wall, torches beside the gate.
    for fx in (0.27, 0.73):
        bx = W * fx
        banner = look.lit(look.accent)
        draw.line((bx - short * 0.04, H * 0.4, bx + short * 0.04, H * 0.4), fill=look.lit((120, 90, 50)), width=max(2, short // 120))
        draw.polygon([(bx - short * 0.035, H * 0.4), (bx + short * 0.035, H * 0.4), (bx + short * 0.035, H * 0.56),
                      (bx, H * 0.53), (bx - short * 0.035, H * 0.56)], fill=banner)
        draw.ellipse((bx - short * 0.014, H * 0.45, bx + short * 0.014, H * 0.45 + short * 0.028), fill=look.lit((246, 214, 90)))
    for fx in (0.35, 0.65):
        tx, ty = W * fx, H * 0.5
        if look.dusk:
            glow(layer, (tx, ty - short * 0.02), short * 0.07, (255, 170, 80), 190)
            draw = ImageDraw.Draw(layer)
        draw.rectangle((tx - short * 0.005, ty, tx + short * 0.005, ty + short * 0.05), fill=look.lit((90, 60, 40)))
        draw.ellipse((tx - short * 0.012, ty - short * 0.035, tx + short * 0.012, ty + short * 0.004), fill=(255, 150, 50))
        draw.ellipse((tx - short * 0.006, ty - short * 0.022, tx + short * 0.006, ty), fill=(255, 230, 120))
    # 5. A cobbled yard, the stones bigger toward us.
    y = float(hy + H * 0.02)
    while y < H:
        t = (y - hy) / max(1, H - hy)
        ch = short * (0.016 + 0.035 * t)
        x = -rng.uniform(0, ch * 2)
        while x < W:
            cw = ch * rng.uniform(1.4, 2.2)
            tone = mix(look.ground, look.on_ground((120, 112, 100)), rng.uniform(0, 0.4))
            draw.rounded_rectangle((x + 1, y + 1, x + cw - 1, y + ch - 1), radius=ch * 0.35, fill=tone)
            x += cw
        y += ch
    return Stage()


PAINTERS: dict[str, Painter] = {"city street": paint_city_street, "castle courtyard": paint_castle_courtyard}
