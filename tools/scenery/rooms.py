"""Drawn rooms: a coffee shop (an espresso machine under pendant lamps), a kitchen (tiles,
cupboards, an oven and a fridge), a classroom (a green board over desks) and a bedroom (a bed
under a picture). Lamps glow when it is dark outside; the window is placed per shot
(:func:`tools.scenery.interiors.window_box`) where each room prefers it.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from tools.colors import RGB, darken, lighten, mix
from tools.scenery.interiors import WOOD
from tools.scenery.look import Look
from tools.scenery.paint import Ledge, Painter, Stage, glow, static_rng, vgradient

_CHROME: RGB = (184, 190, 198)
_LAMP: RGB = (255, 214, 140)


def _floorboards(draw: ImageDraw.ImageDraw, look: Look, W: int, H: int, hy: int, color: RGB) -> None:
    short = min(W, H)
    for f in (0.08, 0.2, 0.36, 0.58, 0.86):
        y = hy + (H - hy) * f
        draw.line((0, y, W, y), fill=darken(color, 0.12), width=max(1, short // 300))


def _pendant(layer: Image.Image, look: Look, x: float, cord_to: float, size: float, shade: RGB) -> None:
    """A lamp hanging on a cord from the ceiling: a dome shade with a warm bulb under it."""
    draw = ImageDraw.Draw(layer)
    lw = max(1, round(size / 30))
    draw.line((x, 0, x, cord_to), fill=look.lit((50, 44, 40)), width=lw)
    bright = 150 if look.dusk else 70
    glow(layer, (x, cord_to + size * 0.45), size * (1.6 if look.dusk else 1.0), _LAMP, bright)
    if look.dusk:  # a cone of light below the shade
        cone = Image.new("RGBA", layer.size, (0, 0, 0, 0))
        ImageDraw.Draw(cone).polygon([(x - size * 0.4, cord_to + size * 0.4), (x + size * 0.4, cord_to + size * 0.4),
                                      (x + size * 1.3, cord_to + size * 4.2), (x - size * 1.3, cord_to + size * 4.2)],
                                     fill=_LAMP + (34,))
        layer.alpha_composite(cone)
    draw = ImageDraw.Draw(layer)
    draw.pieslice((x - size * 0.5, cord_to, x + size * 0.5, cord_to + size * 0.9), 180, 360, fill=look.lit(shade))
    draw.ellipse((x - size * 0.16, cord_to + size * 0.36, x + size * 0.16, cord_to + size * 0.58), fill=(255, 236, 180))


def paint_coffee_shop(layer: Image.Image, look: Look, hy: int) -> Stage:
    """Brick back wall, two shelves of cups, a counter with an espresso machine, pendant lamps."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    rng = static_rng(look, layer.size)
    # 1. Exposed brick on the back wall, faint so the wall stays a quiet backdrop.
    bh, bw = H * 0.034, short * 0.1
    brick = look.lit((176, 96, 72))
    row = 0
    y = 0.0
    while y < hy:
        off = (bw / 2) * (row % 2)
        x = -off
        while x < W:
            tone = mix(brick, (120, 60, 46), rng.uniform(0, 0.35))
            draw.rectangle((x + 1, y + 1, x + bw - 1, y + bh - 1), fill=tone + (70,))
            x += bw
        y += bh
        row += 1
    draw.rectangle((0, hy - max(2, short // 90), W, hy), fill=look.lit((90, 60, 44)))
    _floorboards(draw, look, W, H, hy, look.ground)
    # 2. Two shelves on the left of the wall (the window takes the right).
    plank = max(3, short // 60)
    shelf_ledges = []
    for fy in (0.22, 0.35):
        y = int(H * fy)
        draw.rectangle((int(W * 0.03), y + plank, int(W * 0.4), y + plank * 2), fill=look.lit(darken(look.sky[1], 0.12)))
        draw.rectangle((int(W * 0.03), y, int(W * 0.4), y + plank), fill=look.lit(WOOD))
        shelf_ledges.append(Ledge(y, int(W * 0.04), int(W * 0.39), size=0.07, fade=0.25))
    # 3. The counter: a dark wood front, a light top, standing on the floor.
    top, bottom = int(hy - H * 0.15), int(hy + H * 0.07)
    front = look.lit((112, 74, 52))
    draw.rectangle((0, top, W, bottom), fill=front)
    panels = max(3, round(W / short * 4))
    for i in range(panels):
        x0, x1 = W * i / panels + short * 0.02, W * (i + 1) / panels - short * 0.02
        draw.rectangle((x0, top + short * 0.04, x1, bottom - short * 0.02), outline=darken(front, 0.25),
                       width=max(1, short // 200))
    draw.rectangle((0, top - max(3, short // 40), W, top), fill=look.lit((214, 196, 170)))
    draw.rectangle((0, bottom, W, bottom + max(2, short // 80)), fill=darken(look.ground, 0.3))
    # 4. The espresso machine on the counter, between the shelves and the window.
    mw, mh = short * 0.2, short * 0.15
    mx0, my1 = W * 0.53 - mw / 2, top - max(3, short // 40)
    chrome = look.lit(_CHROME)
    draw.rounded_rectangle((mx0, my1 - mh, mx0 + mw, my1), radius=short * 0.012, fill=chrome,
                           outline=look.lit((96, 100, 110)), width=max(1, short // 220))
    draw.rectangle((mx0, my1 - mh, mx0 + mw, my1 - mh * 0.78), fill=look.lit((70, 72, 80)))  # the top
    for k in (0.3, 0.7):  # group heads and portafilter handles
        gx = mx0 + mw * k
        draw.rectangle((gx - mw * 0.08, my1 - mh * 0.5, gx + mw * 0.08, my1 - mh * 0.4), fill=look.lit((80, 80, 88)))
        draw.line((gx, my1 - mh * 0.45, gx + mw * 0.2, my1 - mh * 0.38), fill=(30, 28, 30), width=max(2, short // 120))
        draw.rectangle((gx - mw * 0.05, my1 - mh * 0.18, gx + mw * 0.05, my1 - mh * 0.04), fill=look.lit((250, 250, 246)))
    draw.ellipse((mx0 + mw * 0.46, my1 - mh * 0.7, mx0 + mw * 0.54, my1 - mh * 0.62), fill=(220, 60, 50))
    for k in (0.15, 0.35, 0.55):  # cups warming on top
        cx = mx0 + mw * k
        draw.rounded_rectangle((cx, my1 - mh - short * 0.03, cx + mw * 0.14, my1 - mh), radius=short * 0.005,
                               fill=look.lit((246, 244, 238)))
    # 5. Pendant lamps over the counter.
    for fx in (0.2, 0.5, 0.8):
        _pendant(layer, look, W * fx, H * 0.11, short * 0.1, (44, 70, 60))
    return Stage(ledges=tuple(shelf_ledges) + (Ledge(top - max(3, short // 40), int(W * 0.04), int(W * 0.4),
                                                    size=0.085, fade=0.15, count=2),),
                 window_xs=(0.8, 0.22), window_band=(0.07, 0.5), window_width=0.3)


def paint_kitchen(layer: Image.Image, look: Look, hy: int) -> Stage:
    """Upper cupboards, a tiled splashback, a worktop over lower cupboards, an oven and a fridge,
    a checkered floor; the window sits over the worktop in the middle."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    lw = max(1, short // 220)
    wood = look.lit((226, 214, 190))
    edge = darken(wood, 0.3)
    # 1. A checkered floor.
    tile = max(8, int(short * 0.08))
    light_tile, dark_tile = look.lit((232, 228, 220)), look.lit((120, 124, 132))
    for row, y in enumerate(range(hy, H, tile)):
        for col, x in enumerate(range(0, W, tile)):
            draw.rectangle((x, y, x + tile, y + tile), fill=light_tile if (row + col) % 2 else dark_tile)
    # 2. Splashback tiles between the cupboards and the worktop.
    top, splash0 = int(hy - H * 0.16), int(H * 0.26)
    vgradient(layer, (0, splash0, W, top), look.lit((222, 236, 236)), look.lit((206, 226, 228)))
    th, tw = max(4, int(short * 0.035)), max(8, int(short * 0.07))
    grout = look.lit((180, 196, 198))
    for r, y in enumerate(range(splash0, top, th)):
        draw.line((0, y, W, y), fill=grout, width=lw)
        for x in range(-(tw // 2) * (r % 2), W, tw):
            draw.line((x, y, x, min(top, y + th)), fill=grout, width=lw)
    # 3. Upper cupboards (a gap in the middle for the window) and a hood over the stove.
    for x0, x1 in ((0, W * 0.3), (W * 0.7, W)):
        n = max(1, round((x1 - x0) / (short * 0.16)))
        for i in range(n):
            a, b = x0 + (x1 - x0) * i / n, x0 + (x1 - x0) * (i + 1) / n
            draw.rectangle((a + lw, H * 0.04, b - lw, splash0), fill=wood, outline=edge, width=lw)
            draw.rectangle((a + (b - a) * 0.14, H * 0.07, b - (b - a) * 0.14, splash0 - H * 0.03), outline=edge, width=lw)
            draw.rectangle(((a + b) / 2 - short * 0.004, splash0 - H * 0.06, (a + b) / 2 + short * 0.004, splash0 - H * 0.035),
                           fill=look.lit((120, 120, 126)))
    # 4. Worktop over lower cupboards; an oven on the left.
    draw.rectangle((0, top, W, hy + H * 0.02), fill=wood, outline=edge, width=lw)
    n = max(3, round(W / (short * 0.16)))
    for i in range(n):
        a, b = W * i / n, W * (i + 1) / n
        draw.rectangle((a + short * 0.012, top + H * 0.04, b - short * 0.012, hy - H * 0.005), outline=edge, width=lw)
        draw.rectangle(((a + b) / 2 - short * 0.02, top + H * 0.055, (a + b) / 2 + short * 0.02, top + H * 0.062),
                       fill=look.lit((120, 120, 126)))
    ox0, ox1 = W * 0.1, W * 0.1 + short * 0.22
    draw.rectangle((ox0, top, ox1, hy + H * 0.02), fill=look.lit((70, 72, 80)), outline=look.lit((40, 40, 46)), width=lw)
    draw.rectangle((ox0 + short * 0.025, top + H * 0.06, ox1 - short * 0.025, hy - H * 0.02), fill=look.lit((32, 34, 40)))
    draw.rectangle((ox0 + short * 0.03, top + H * 0.035, ox1 - short * 0.03, top + H * 0.045), fill=look.lit(_CHROME))
    for k in range(4):
        kx = ox0 + (ox1 - ox0) * (0.2 + 0.2 * k)
        draw.ellipse((kx - short * 0.008, top + H * 0.012, kx + short * 0.008, top + H * 0.028), fill=look.lit(_CHROME))
    draw.rectangle((0, top - max(3, short // 45), W, top), fill=look.lit((196, 196, 200)))  # stone worktop
    # 5. A tall fridge at the right end.
    fx0, fx1 = W - short * 0.2, W - short * 0.03
    fridge = look.lit((236, 238, 240))
    draw.rounded_rectangle((fx0, H * 0.14, fx1, hy + H * 0.02), radius=short * 0.015, fill=fridge,
                           outline=look.lit((150, 154, 160)), width=lw)
    draw.line((fx0, H * 0.34, fx1, H * 0.34), fill=look.lit((150, 154, 160)), width=lw)
    for y0, y1 in ((0.2, 0.3), (0.38, 0.52)):
        draw.rectangle((fx0 + short * 0.015, H * y0, fx0 + short * 0.024, H * y1), fill=look.lit((150, 154, 160)))
    if look.dusk:  # under-cupboard lights over the splashback
        glow(layer, (W * 0.15, splash0 + H * 0.02), short * 0.14, _LAMP, 110, squash=0.4)
        glow(layer, (W * 0.85, splash0 + H * 0.02), short * 0.14, _LAMP, 110, squash=0.4)
    return Stage(ledges=(Ledge(top - max(3, short // 45), int(ox1 + short * 0.02), int(fx0 - short * 0.02),
                               size=0.08, fade=0.15, count=3),),
                 window_xs=(0.5, 0.4, 0.6), window_band=(0.06, 0.56), window_width=0.3)


def paint_classroom(layer: Image.Image, look: Look, hy: int) -> Stage:
    """A green board with a chalk tray and a few chalk marks, a clock, pinned posters, and a
    row of desks at the back of the room; windows at the sides."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    lw = max(1, short // 200)
    draw.rectangle((0, hy - max(2, short // 90), W, hy), fill=look.lit((120, 110, 100)))
    _floorboards(draw, look, W, H, hy, look.ground)
    # 1. The board.
    bx0, by0, bx1, by1 = W * 0.25, H * 0.12, W * 0.75, H * 0.45
    frame = max(3, short // 70)
    draw.rectangle((bx0 - frame, by0 - frame, bx1 + frame, by1 + frame), fill=look.lit((150, 104, 66)))
    draw.rectangle((bx0, by0, bx1, by1), fill=look.lit((48, 92, 70)))
    chalk = mix(look.lit((48, 92, 70)), look.lit((214, 226, 216)), 0.4)
    draw.arc((bx0 + (bx1 - bx0) * 0.08, by0 + (by1 - by0) * 0.2, bx0 + (bx1 - bx0) * 0.3, by0 + (by1 - by0) * 0.75),
             0, 360, fill=chalk, width=lw * 2)
    draw.polygon([(bx0 + (bx1 - bx0) * 0.42, by0 + (by1 - by0) * 0.75), (bx0 + (bx1 - bx0) * 0.52, by0 + (by1 - by0) * 0.22),
                  (bx0 + (bx1 - bx0) * 0.62, by0 + (by1 - by0) * 0.75)], outline=chalk, width=lw * 2)
    for k in range(3):  # erased smudges
        y = by0 + (by1 - by0) * (0.3 + 0.18 * k)
        draw.line((bx0 + (bx1 - bx0) * 0.7, y, bx0 + (bx1 - bx0) * 0.92, y - short * 0.01), fill=look.lit((70, 112, 90)),
                  width=max(2, short // 60))
    draw.rectangle((bx0 - frame, by1 + frame, bx1 + frame, by1 + frame * 2.4), fill=look.lit((130, 90, 58)))  # chalk tray
    draw.rectangle((bx0 + (bx1 - bx0) * 0.2, by1 + frame * 0.4, bx0 + (bx1 - bx0) * 0.25, by1 + frame), fill=(240, 240, 236))
    # 2. A clock over the board, posters pinned beside it.
    cr = short * 0.04
    cx, cy = W * 0.5, by0 - frame - cr * 1.4
    if cy - cr > 0:
        draw.ellipse((cx - cr, cy - cr, cx + cr, cy + cr), fill=look.lit((250, 250, 246)), outline=look.lit((60, 60, 66)),
                     width=max(1, short // 160))
        draw.line((cx, cy, cx, cy - cr * 0.7), fill=(40, 40, 46), width=max(1, short // 200))
        draw.line((cx, cy, cx + cr * 0.5, cy + cr * 0.1), fill=(40, 40, 46), width=max(1, short // 200))
    for px, color in ((0.06, (236, 196, 90)), (0.84, (140, 190, 230))):
        x0 = W * px
        draw.rectangle((x0, H * 0.5, x0 + short * 0.1, H * 0.5 + short * 0.13), fill=look.lit(color))
        draw.ellipse((x0 + short * 0.045, H * 0.5 - short * 0.006, x0 + short * 0.055, H * 0.5 + short * 0.004), fill=(200, 50, 50))
    # 3. A row of desks against the back wall.
    desk = look.lit((196, 150, 100))
    metal = look.lit((90, 96, 110))
    n = max(3, round(W / short * 4))
    dw, dtop = W / n * 0.62, hy - H * 0.02
    ledges = []
    for i in range(n):
        cx = W * (i + 0.5) / n
        draw.rectangle((cx - dw * 0.35, dtop - H * 0.08, cx + dw * 0.35, dtop - H * 0.05), fill=look.lit((70, 110, 160)))  # chair back
        draw.rectangle((cx - dw * 0.32, dtop - H * 0.05, cx - dw * 0.28, hy + H * 0.06), fill=metal)
        draw.rectangle((cx + dw * 0.28, dtop - H * 0.05, cx + dw * 0.32, hy + H * 0.06), fill=metal)
        draw.rectangle((cx - dw / 2, dtop, cx + dw / 2, dtop + max(3, short // 50)), fill=desk, outline=darken(desk, 0.3),
                       width=lw)
        for sx in (-0.42, 0.42):
            draw.rectangle((cx + dw * sx - short * 0.006, dtop, cx + dw * sx + short * 0.006, hy + H * 0.08), fill=metal)
        ledges.append((int(cx - dw / 2), int(cx + dw / 2)))
    if look.dusk:  # strip lights on
        for fx in (0.3, 0.7):
            glow(layer, (W * fx, H * 0.02), short * 0.25, (255, 248, 220), 90, squash=0.3)
    return Stage(ledges=(Ledge(int(dtop), ledges[0][0], ledges[-1][1], size=0.06, fade=0.2, count=3),),
                 window_xs=(0.125, 0.875), window_band=(0.1, 0.46), window_width=0.2)


def paint_bedroom(layer: Image.Image, look: Look, hy: int) -> Stage:
    """Striped wallpaper, a bed against the wall with a pillow and blanket, a picture over it, a
    bedside table with a lamp (lit after dark) and a rug; the window has curtains."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    lw = max(1, short // 200)
    stripe = max(6, int(short * 0.05))
    for x in range(0, W, stripe * 2):
        draw.rectangle((x, 0, x + stripe, hy), fill=look.lit(darken(look.sky[1], 0.06)) + (110,))
    draw.rectangle((0, hy - max(3, short // 60), W, hy), fill=look.lit((236, 232, 226)))
    _floorboards(draw, look, W, H, hy, look.ground)
    # 1. A rug in front.
    rug = look.lit(mix(look.accent, (240, 232, 220), 0.45))
    draw.ellipse((W * 0.2, hy + (H - hy) * 0.35, W * 0.8, hy + (H - hy) * 0.9), fill=rug)
    # 2. The bed: headboard, mattress, blanket, pillow; legs to the floor.
    bx0, bx1 = W * 0.02, W * 0.46
    wood = look.lit((150, 100, 68))
    draw.rounded_rectangle((bx0, hy - H * 0.3, bx0 + short * 0.04, hy + H * 0.05), radius=short * 0.015, fill=wood)  # headboard
    draw.rounded_rectangle((bx1 - short * 0.035, hy - H * 0.16, bx1, hy + H * 0.05), radius=short * 0.012, fill=wood)  # foot
    draw.rectangle((bx0 + short * 0.04, hy - H * 0.12, bx1 - short * 0.035, hy - H * 0.04), fill=look.lit((246, 244, 240)))
    blanket = look.lit(mix(look.accent, (120, 150, 210), 0.5))
    draw.rounded_rectangle((bx0 + (bx1 - bx0) * 0.32, hy - H * 0.14, bx1 - short * 0.03, hy + H * 0.01), radius=short * 0.02,
                           fill=blanket)
    draw.line((bx0 + (bx1 - bx0) * 0.32, hy - H * 0.1, bx1 - short * 0.03, hy - H * 0.1), fill=lighten(blanket, 0.3),
              width=max(2, short // 90))
    draw.rounded_rectangle((bx0 + short * 0.05, hy - H * 0.18, bx0 + (bx1 - bx0) * 0.3, hy - H * 0.1), radius=short * 0.025,
                           fill=look.lit((250, 250, 248)), outline=look.lit((210, 206, 200)), width=lw)
    # 3. A framed picture over the bed: hills under a sun.
    px0, py0, px1, py1 = W * 0.12, H * 0.16, W * 0.34, H * 0.34
    draw.rectangle((px0, py0, px1, py1), fill=look.lit((110, 76, 52)))
    inner = (px0 + short * 0.012, py0 + short * 0.012, px1 - short * 0.012, py1 - short * 0.012)
    draw.rectangle(inner, fill=look.lit((190, 220, 240)))
    draw.polygon([(inner[0], inner[3]), (inner[0] + (inner[2] - inner[0]) * 0.4, inner[1] + (inner[3] - inner[1]) * 0.45),
                  (inner[2], inner[3])], fill=look.lit((110, 160, 100)))
    # 4. A bedside table with a lamp.
    tx0, tx1, ttop = W * 0.48, W * 0.48 + short * 0.11, hy - H * 0.1
    draw.rectangle((tx0, ttop, tx1, hy + H * 0.03), fill=wood, outline=darken(wood, 0.3), width=lw)
    draw.line((tx0, ttop + (hy - ttop) * 0.5, tx1, ttop + (hy - ttop) * 0.5), fill=darken(wood, 0.3), width=lw)
    lx = (tx0 + tx1) / 2
    draw.rectangle((lx - short * 0.005, ttop - short * 0.07, lx + short * 0.005, ttop), fill=look.lit((90, 80, 70)))
    if look.dusk:
        glow(layer, (lx, ttop - short * 0.08), short * 0.16, _LAMP, 150)
        draw = ImageDraw.Draw(layer)
    draw.polygon([(lx - short * 0.03, ttop - short * 0.06), (lx + short * 0.03, ttop - short * 0.06),
                  (lx + short * 0.02, ttop - short * 0.11), (lx - short * 0.02, ttop - short * 0.11)],
                 fill=(255, 226, 160) if look.dusk else look.lit((236, 220, 190)))
    return Stage(ledges=(Ledge(int(hy - H * 0.12), int(bx0 + (bx1 - bx0) * 0.45), int(bx1 - short * 0.05), size=0.08,
                               fade=0.2, count=1),),
                 window_xs=(0.76, 0.88), window_band=(0.1, 0.5), window_width=0.26, curtains=(200, 90, 100))


PAINTERS: dict[str, Painter] = {
    "coffee shop": paint_coffee_shop, "kitchen": paint_kitchen, "classroom": paint_classroom, "bedroom": paint_bedroom,
}
"""Interiors drawn as rooms of their own; every other interior is the generic
:func:`tools.scenery.interiors.paint_room`."""
