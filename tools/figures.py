"""Character figures for the sketch renderer: the same person in every shot.

A figure is a function of the character's id, species and colours only (never the seed or
the shot), so a batch reads as one cast: the species' OpenMoji face as the head where one
exists, a body in the outfit colour, an accent scarf, dark legs. Figures are drawn at 3x
and downsampled so their edges are as smooth as the clip-art around them.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tools import clipart
from tools.colors import INK, RGB, darken, lighten, mix, parse_color
from tools.scene import Character

_OUTFITS: list[RGB] = [(46, 125, 90), (52, 96, 170), (176, 60, 60), (120, 70, 150), (210, 140, 40),
                       (40, 130, 140), (150, 90, 60), (90, 110, 60)]
_SKIN: list[RGB] = [(255, 220, 185), (240, 195, 150), (205, 150, 110), (150, 100, 70), (110, 75, 55)]
_SLOTS = {"outfit": ("outfit", "coat", "clothes", "shirt", "jacket", "dress", "suit", "top", "cloak", "robe"),
          "body": ("body", "fur", "skin", "feathers"),
          "accent": ("accent", "scarf", "hat", "trim", "tie", "bow"),
          "pants": ("pants", "trousers", "legs", "skirt", "shorts"),
          "hair": ("hair",)}


def _slot(colors: dict[str, str], slot: str) -> RGB | None:
    for key in _SLOTS[slot]:
        if key in colors and parse_color(colors[key]):
            return parse_color(colors[key])
    return None


@lru_cache(maxsize=64)
def _dominant(noun: str) -> RGB | None:
    """The main coloured tone of a species' face emoji (a fox's orange), for hands and ears."""
    art = clipart.draw(noun, 64, face=True)
    if art is None:
        return None
    arr = np.asarray(art.convert("RGBA")).reshape(-1, 4).astype(int)
    hi, lo = arr[:, :3].max(1), arr[:, :3].min(1)
    pick = arr[(arr[:, 3] > 200) & (hi > 70) & ((hi - lo) > 40)]
    if len(pick) < 20:
        pick = arr[(arr[:, 3] > 200) & (hi > 70)]
    if len(pick) == 0:
        return None
    return tuple(int(v) for v in np.median(pick[:, :3], axis=0))  # type: ignore[return-value]


def palette_for(character: Character | None, cid: str) -> dict[str, RGB]:
    """Every colour of a figure, from the character's colour slots or else from its id."""
    h = hashlib.sha256(cid.encode("utf-8")).digest()
    colors = character.colors if character else {}
    species = (character.species if character else None) or ""
    metal = bool(re.search(r"robot|android|droid|cyborg|machine", species.lower()))
    outfit = _slot(colors, "outfit") or ((110, 130, 150) if metal else _OUTFITS[h[0] % len(_OUTFITS)])
    accent = _slot(colors, "accent") or mix(_OUTFITS[(h[0] + 3 + h[1] % 3) % len(_OUTFITS)], (250, 220, 90), 0.35)
    body = _slot(colors, "body") or (_dominant(species) if species and clipart.lookup(species, face=True) else None)
    body = body or _SKIN[h[2] % len(_SKIN)]
    pants = _slot(colors, "pants") or mix(darken(outfit, 0.5), (50, 52, 60), 0.5)
    hair = _slot(colors, "hair") or [(60, 40, 30), (120, 80, 40), (30, 30, 35), (200, 160, 90)][h[3] % 4]
    return {"outfit": outfit, "accent": accent, "body": body, "pants": pants, "hair": hair}


def head_point(box: tuple[int, int, int, int]) -> tuple[int, int]:
    """Where a speech bubble's tail should point: just above the figure's head."""
    return ((box[0] + box[2]) // 2, box[1] + (box[3] - box[1]) // 30)


def _key(character: Character | None, cid: str) -> tuple:
    if character is None:
        return (cid, "", ())
    return (cid, character.species or "", tuple(sorted(character.colors.items())))


@lru_cache(maxsize=128)
def _figure(key: tuple, w: int, h: int, back: bool = False) -> Image.Image:
    """The figure as RGBA of size (w, h); cached because a cast repeats across shots.

    ``back``: seen from behind: no buttons, and the head without a face (the species' head
    as a plain silhouette in the body colour, or a drawn head all hair)."""
    cid, species, colors = key
    pal = palette_for(Character(id=cid, name=cid, species=species or None, colors=dict(colors)), cid)
    s = 3 if max(w, h) <= 700 else 1
    W, H = w * s, h * s
    img = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    lw = max(2, round(W * 0.03))
    cx = W / 2
    head = min(H * 0.42, W * 0.96)
    torso_top, torso_bot = head * 0.86, head * 0.86 + H * 0.3
    feet = H - H * 0.035
    # Ground shadow, legs, feet.
    d.ellipse((cx - W * 0.36, feet - H * 0.02, cx + W * 0.36, H), fill=(0, 0, 0, 50))
    leg_w = W * 0.15
    for side in (-1, 1):
        lx = cx + side * W * 0.11
        d.rounded_rectangle((lx - leg_w / 2, torso_bot - H * 0.04, lx + leg_w / 2, feet - H * 0.02),
                            radius=leg_w / 2.5, fill=pal["pants"], outline=INK, width=lw)
        d.ellipse((lx - leg_w * 0.75 + side * leg_w * 0.2, feet - H * 0.055, lx + leg_w * 0.75 + side * leg_w * 0.2,
                   feet + H * 0.01), fill=(48, 44, 48), outline=INK, width=lw)
    # Arms (behind the torso's edge), hands in the body colour.
    arm_w = max(lw * 2, W * 0.12)
    for side in (-1, 1):
        sx, sy = cx + side * W * 0.22, torso_top + H * 0.05
        hx, hy = cx + side * W * 0.38, torso_bot - H * 0.02
        d.line((sx, sy, hx, hy), fill=INK, width=int(arm_w + 2 * lw))
        d.line((sx, sy, hx, hy), fill=darken(pal["outfit"], 0.12), width=int(arm_w))
        r = arm_w * 0.62
        d.ellipse((hx - r, hy - r, hx + r, hy + r), fill=pal["body"], outline=INK, width=lw)
    # Torso: a coat, slightly flared, with an accent scarf and buttons.
    top_w, bot_w = W * 0.5, W * 0.64
    poly = [(cx - top_w / 2, torso_top), (cx + top_w / 2, torso_top), (cx + bot_w / 2, torso_bot),
            (cx - bot_w / 2, torso_bot)]
    d.polygon(poly, fill=pal["outfit"], outline=INK, width=lw)
    d.line((cx, torso_top + H * 0.06, cx, torso_bot - lw), fill=darken(pal["outfit"], 0.3), width=max(1, lw // 2))
    for k in range(0 if back else 3):
        by = torso_top + H * (0.1 + 0.07 * k)
        r = W * 0.025
        d.ellipse((cx + W * 0.05 - r, by - r, cx + W * 0.05 + r, by + r), fill=lighten(pal["outfit"], 0.45))
    d.rounded_rectangle((cx - top_w * 0.55, torso_top - H * 0.01, cx + top_w * 0.55, torso_top + H * 0.06),
                        radius=H * 0.03, fill=pal["accent"], outline=INK, width=lw)
    # Head: the species' face, or a drawn one.
    face = clipart.draw(species, int(head), None, face=True) if species else None
    if face is not None and colors and any(k in dict(colors) for k in _SLOTS["body"]):
        face = clipart.recolor(face, pal["body"])
    if face is not None and back:
        face = _back_of_head(face, pal["body"], lw)
    if face is not None:
        img.alpha_composite(face, (int(cx - face.width / 2), int(max(0, head - face.height))))
    elif back:
        r = head * 0.46
        hy = head * 0.52
        d.ellipse((cx - r, hy - r, cx + r, hy + r), fill=pal["hair"], outline=INK, width=lw)
        for ex in (-1, 1):  # ears peeking out
            e = r * 0.16
            d.ellipse((cx + ex * r * 0.98 - e, hy + r * 0.05 - e * 1.3, cx + ex * r * 0.98 + e, hy + r * 0.05 + e * 1.3),
                      fill=pal["body"], outline=INK, width=max(1, lw // 2))
    else:
        r = head * 0.46
        hy = head * 0.52
        d.ellipse((cx - r, hy - r, cx + r, hy + r), fill=pal["body"], outline=INK, width=lw)
        d.chord((cx - r * 1.04, hy - r * 1.06, cx + r * 1.04, hy + r * 0.7), 180, 360, fill=pal["hair"],
                outline=INK, width=lw)
        for ex in (-1, 1):
            e = r * 0.1
            d.ellipse((cx + ex * r * 0.36 - e, hy + r * 0.12 - e, cx + ex * r * 0.36 + e, hy + r * 0.12 + e), fill=INK)
        d.arc((cx - r * 0.35, hy + r * 0.15, cx + r * 0.35, hy + r * 0.6), 20, 160, fill=INK, width=lw)
    return img.resize((w, h), Image.LANCZOS) if s > 1 else img


def _back_of_head(face: Image.Image, color: RGB, lw: int) -> Image.Image:
    """The species' head shape (ears and all) as a plain outlined silhouette: no eyes or mouth."""
    solid = face.getchannel("A").point(lambda a: 255 if a > 100 else 0)
    ring = solid.filter(ImageFilter.MaxFilter(max(3, (lw // 2) * 2 + 1)))
    out = Image.new("RGBA", face.size, INK + (0,))
    out.putalpha(ring)
    fill = Image.new("RGBA", face.size, color + (255,))
    inner = solid.filter(ImageFilter.MinFilter(max(3, (lw // 2) * 2 + 1)))
    out.paste(fill, (0, 0), inner)
    return out


def draw_character(image: Image.Image, character: Character | None, cid: str,
                   box: tuple[int, int, int, int], view: str | None = None) -> bool:
    """Draw the figure of ``character`` (or a default one for ``cid``) into ``box``.

    Returns True if its head used OpenMoji art. The figure keeps its proportions and
    stands on the box's bottom edge, centred. ``view`` "back" draws it from behind (no face).
    """
    x0, y0, x1, y1 = box
    w, h = max(8, x1 - x0), max(16, y1 - y0)
    w = min(w, int(h * 0.62))
    fig = _figure(_key(character, cid), w, h, view == "back")
    image.paste(fig, ((x0 + x1 - w) // 2, y1 - h), fig)
    species = character.species if character else None
    return bool(species and clipart.lookup(species, face=True))
