"""Interiors: the back wall and floor of a room, its window, shelves and counter.

The generic room (a bakery, a library, a shop) puts the setting's wares on shelves and a
counter, placed per shot clear of the text; the drawn rooms are in :mod:`.rooms`. Every room
shows the time and weather through its window.
"""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Sequence

from PIL import Image, ImageDraw

from tools import clipart
from tools.colors import RGB, darken, lighten
from tools.geometry import overlaps
from tools.scenery.look import Look
from tools.scenery.paint import Stage

PixelBox = tuple[int, int, int, int]
WOOD: RGB = (168, 118, 78)


# --- the generic room -----------------------------------------------------------------------

def paint_room(layer: Image.Image, look: Look, hy: int) -> Stage:
    """A skirting board where wall meets floor and floorboards, closer together toward the back.
    Shelves and counter are placed per shot (:func:`shelves`, :func:`counter`)."""
    W, H = layer.size
    short = min(W, H)
    draw = ImageDraw.Draw(layer)
    draw.rectangle((0, hy - max(2, short // 90), W, hy), fill=darken(look.sky[1], 0.18))
    if look.kind == "shelf":
        for f in (0.1, 0.24, 0.42, 0.66):
            y = hy + (H - hy) * f
            draw.line((0, y, W, y), fill=darken(look.ground, 0.1), width=max(1, short // 300))
    return Stage()


@lru_cache(maxsize=512)
def faded(noun: str, size: int, toward: RGB, amount: float) -> Image.Image | None:
    """OpenMoji art for ``noun`` blended ``amount`` toward ``toward`` (props sit back). Cached:
    callers paste it and never change it."""
    art = clipart.draw(noun, size)
    if art is None:
        return None
    rgb = Image.blend(art.convert("RGB"), Image.new("RGB", art.size, toward), amount)
    rgb.putalpha(art.getchannel("A"))
    return rgb


def shelves(image: Image.Image, look: Look, motifs: list[str], hy: int, rng: random.Random,
            text: list[PixelBox], holes: Sequence[PixelBox] = ()) -> bool:
    """Wooden shelves on the back wall holding the setting's items (bread in a bakery), at most
    two, skipping any level a text crosses. ``holes``: where a window goes (no item stands there)."""
    W, H = image.size
    short = min(W, H)
    item = int(short * 0.085)
    plank = max(3, short // 60)
    used, k, levels = False, rng.randrange(len(motifs)), 0
    for frac in ((0.44, 0.3) if look.counter else (0.42, 0.58, 0.3, 0.5)):
        y = int(H * frac)
        band = (0, y - item - plank, W, y + plank * 2)
        if levels >= 2 or y > hy - plank * 4 or any(overlaps(band, t) for t in text):
            continue
        levels += 1
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, y + plank, W, y + plank * 2), fill=darken(look.sky[1], 0.12))  # shadow
        draw.rectangle((0, y, W, y + plank), fill=WOOD)
        draw.line((0, y, W, y), fill=lighten(WOOD, 0.25), width=max(1, plank // 3))
        x = rng.uniform(0.0, item)
        while x < W - item:
            art = faded(motifs[k % len(motifs)], item, look.sky[1], 0.3)
            k += 1
            if art is None:
                break
            box = (int(x), y - art.height, int(x) + art.width, y)
            if not any(overlaps(box, a) for a in text) and not any(overlaps(box, a) for a in holes):
                image.paste(art, box[:2], art)
                used = True
            x += art.width + item * rng.uniform(0.5, 1.3)
    return used


def counter(image: Image.Image, look: Look, motifs: list[str], hy: int, rng: random.Random,
            text: list[PixelBox], holes: Sequence[PixelBox] = ()) -> bool:
    """A shop counter across the floor line, a few wares on top (bakery, shop)."""
    W, H = image.size
    short = min(W, H)
    top, bottom = hy - int(H * 0.03), hy + int(H * 0.15)
    if any(overlaps((0, top - int(short * 0.1), W, bottom), t) for t in text):
        return False
    draw = ImageDraw.Draw(image)
    lw = max(1, short // 200)
    front = darken(WOOD, 0.08)
    draw.rectangle((0, top, W, bottom), fill=front)
    panels = max(3, round(W / short * 4))
    for i in range(panels):
        x0, x1 = W * i / panels + short * 0.02, W * (i + 1) / panels - short * 0.02
        draw.rectangle((x0, top + short * 0.045, x1, bottom - short * 0.025), outline=darken(front, 0.2), width=lw)
    draw.rectangle((0, top, W, top + max(3, short // 45)), fill=lighten(WOOD, 0.3))
    draw.rectangle((0, bottom, W, bottom + max(2, short // 80)), fill=darken(look.ground, 0.25))
    used = False
    size = int(short * 0.1)
    slots = max(2, round(W / short * 3))
    for i in range(slots):
        art = faded(motifs[(i + rng.randrange(3)) % len(motifs)], size, look.sky[1], 0.2)
        if art is None:
            continue
        x = int(W * (i + 0.5) / slots + rng.uniform(-0.05, 0.05) * W - art.width / 2)
        box = (x, top - art.height + lw * 2, x + art.width, top + lw * 2)
        if not any(overlaps(box, t) for t in text) and not any(overlaps(box, t) for t in holes):
            image.paste(art, box[:2], art)
            used = True
    return used


# --- the window -----------------------------------------------------------------------------

def window_box(size: tuple[int, int], look: Look, hy: int, text: list[PixelBox], prefer_clear: list[PixelBox],
               stage: Stage = Stage()) -> PixelBox | None:
    """Where a window goes on the back wall: high up (or just under a sign), never behind text,
    clear of the counter's wares, and clear of the characters and objects when it can be."""
    W, H = size
    short = min(W, H)
    ww = int(min(W * stage.window_width, short * stage.window_width * 1.3))
    top0, bottom = (H * 0.07, hy - (H * 0.17 if look.counter else H * 0.06))
    if stage.window_band is not None:
        top0, bottom = H * stage.window_band[0], H * stage.window_band[1]
    frame = short / 70
    rise = frame * 3 if stage.curtains else 0.0  # a curtain rail over the window
    tops = [top0 + rise] + sorted(t[3] + H * 0.03 + rise for t in text if t[3] < bottom)
    for avoid in (prefer_clear, text):
        for top in tops:
            wh = min(short * 0.27, bottom - top)
            if wh < short * 0.16:
                continue
            for fx in stage.window_xs:
                box = (int(W * fx - ww / 2), int(top), int(W * fx + ww / 2), int(top + wh))
                # the frame's shadow and sill, and curtains, reach past the box
                reach = ww * 0.2 if stage.curtains else frame * 1.5
                outer = (int(box[0] - reach), int(box[1] - rise), int(box[2] + reach), int(box[3] + frame * 3))
                if box[0] >= 0 and box[2] <= W and not any(overlaps(outer, a) for a in avoid):
                    return box
    return None


def window_frame(image: Image.Image, look: Look, box: PixelBox, view: Image.Image, curtains: RGB | None = None) -> None:
    """A wooden window frame in ``box`` around ``view`` (the outside, already drawn), with a sill,
    glazing bars and, in a bedroom, curtains."""
    short = min(image.size)
    frame = max(3, short // 70)
    inner = (box[0] + frame, box[1] + frame, box[2] - frame, box[3] - frame)
    d = ImageDraw.Draw(image)
    wood = lighten(WOOD, 0.35) if look.time != "night" else darken(WOOD, 0.2)
    d.rectangle((box[0] + frame, box[1] + frame * 2, box[2] + frame, box[3] + frame), fill=darken(look.sky[1], 0.2))
    d.rectangle(box, fill=wood)
    image.paste(view, inner[:2])
    mx, my = (inner[0] + inner[2]) // 2, (inner[1] + inner[3]) // 2
    bar = max(2, frame // 2)
    d.rectangle((mx - bar // 2, inner[1], mx + bar // 2, inner[3]), fill=wood)
    d.rectangle((inner[0], my - bar // 2, inner[2], my + bar // 2), fill=wood)
    d.rectangle(box, outline=darken(wood, 0.35), width=max(1, frame // 3))
    d.rectangle((box[0] - frame, box[3] - frame // 2, box[2] + frame, box[3] + frame), fill=darken(wood, 0.1))  # sill
    if curtains is not None:
        cw = (box[2] - box[0]) * 0.24
        fill = look.lit(curtains)
        for x0, x1, sign in ((box[0] - cw * 0.6, box[0] + cw * 0.4, 1), (box[2] - cw * 0.4, box[2] + cw * 0.6, -1)):
            d.polygon([(x0, box[1] - frame * 2), (x1, box[1] - frame * 2), (x1 - sign * cw * 0.25, box[3] + frame * 3),
                       (x0, box[3] + frame * 3)], fill=fill)
            for k in (0.33, 0.66):
                x = x0 + (x1 - x0) * k
                d.line((x, box[1], x - sign * cw * 0.1, box[3] + frame * 2), fill=darken(fill, 0.15), width=max(1, frame // 2))
        d.rectangle((box[0] - cw * 0.8, box[1] - frame * 3, box[2] + cw * 0.8, box[1] - frame * 2), fill=darken(WOOD, 0.3))
