"""The pieces of a sketch figure: limbs, held props, what is on the torso, and the head.

:mod:`tools.figures` composes them into a posed figure seen from a view; each piece here
draws onto the figure's RGBA canvas in canvas pixels, in the figures' style (flat colour, dark
outline), and knows how it looks from the front, the side (facing right) and behind.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tools import clipart, headwear, roles
from tools.colors import INK, RGB, darken, lighten

#: Where a prop is gripped, as a fraction of its drawing (x, y); the rest is its centre.
_GRIP: dict[str, tuple[float, float]] = {
    "dagger": (0.25, 0.75), "magic wand": (0.25, 0.78), "broom": (0.62, 0.3), "paintbrush": (0.25, 0.75),
    "cooking": (0.88, 0.18), "magnifying glass": (0.8, 0.8), "fire extinguisher": (0.5, 0.18),
    "test tube": (0.5, 0.75), "fishing pole": (0.2, 0.8), "guitar": (0.45, 0.55),
}
_PROP_SIZE: dict[str, float] = {"shield": 0.5, "guitar": 0.62, "broom": 0.62, "fishing pole": 0.6, "test tube": 0.3,
                                "closed book": 0.32, "clipboard": 0.36, "baby bottle": 0.26, "envelope": 0.3}


def limb(d: ImageDraw.ImageDraw, pts: list[tuple[float, float]], width: float, fill: RGB, lw: int) -> None:
    """An outlined, round-jointed limb through ``pts``."""
    for color, wd in ((INK, width + 2 * lw), (fill, width)):
        d.line(pts, fill=color, width=max(1, int(wd)), joint="curve")
        for x, y in pts:
            rr = wd / 2
            d.ellipse((x - rr, y - rr, x + rr, y + rr), fill=color)


def clipped(img: Image.Image, poly: list[tuple[float, float]],
            paint: Callable[[ImageDraw.ImageDraw], object]) -> None:
    """Run ``paint(draw)`` on a layer and keep only what falls inside ``poly`` (stripes on a coat)."""
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    paint(ImageDraw.Draw(layer))
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).polygon(poly, fill=255)
    alpha = Image.fromarray(np.minimum(np.asarray(layer.getchannel("A")), np.asarray(mask)))
    layer.putalpha(alpha)
    img.alpha_composite(layer)


def prop(img: Image.Image, d: ImageDraw.ImageDraw, name: str, hand: tuple[float, float], W: float, H: float,
         ground: float, lw: int, mirror: bool) -> bool:
    """A held thing at ``hand``: OpenMoji art gripped where its handle is, or a drawn stick
    (a cane, a pitchfork) reaching the ground. True when it used OpenMoji art."""
    x, y = hand
    if name in ("cane", "pitchfork"):
        wood = (150, 105, 60)
        top = y - (0.04 * H if name == "cane" else 0.22 * H)
        d.line((x, top, x, ground), fill=INK, width=int(0.045 * W + 2 * lw))
        d.line((x, top, x, ground), fill=wood, width=int(0.045 * W))
        if name == "cane":
            d.arc((x - 0.12 * W, top - 0.05 * H, x + 0.02 * W, top + 0.05 * H), 180, 360, fill=INK, width=int(0.05 * W))
        else:
            for k in (-1, 0, 1):
                tx = x + k * 0.07 * W
                d.line((tx, top - 0.08 * H, tx, top), fill=(140, 140, 150), width=max(2, int(0.025 * W)))
            d.line((x - 0.07 * W, top, x + 0.07 * W, top), fill=(140, 140, 150), width=max(2, int(0.025 * W)))
        return False
    art = clipart.draw(name, max(2, int(W * _PROP_SIZE.get(name, 0.42))))
    if art is None:
        return False
    gx, gy = _GRIP.get(name, (0.5, 0.55))
    if mirror:
        art, gx = art.transpose(Image.FLIP_LEFT_RIGHT), 1 - gx
    img.alpha_composite(art, (max(0, int(x - gx * art.width)), max(0, int(y - gy * art.height))))
    return True


def torso_marks(img: Image.Image, d: ImageDraw.ImageDraw, marks: frozenset[str], torso: list[tuple[float, float]],
                 cx: float, top: float, bot: float, W: float, H: float, lw: int, pal: dict[str, RGB], view: str,
                 st: roles.Role) -> None:
    """Buttons, plates, stripes, lapels: what tells a coat from armour, front or back."""
    side, back = view == "side", view == "back"
    thin = max(1, lw // 2)
    if not side:
        d.line((cx, top + H * 0.06, cx, bot - lw), fill=darken(pal["outfit"], 0.3), width=thin)
    if "stripes" in marks:
        clipped(img, torso, lambda g: [g.rectangle((0, top + H * (0.08 + 0.07 * k), img.width,
                                                     top + H * (0.11 + 0.07 * k)), fill=(245, 245, 240))
                                        for k in range(4)])
    if "stripes_hi" in marks:
        clipped(img, torso, lambda g: [g.rectangle((0, y, img.width, y + H * 0.03), fill=(250, 215, 40))
                                        for y in (top + H * 0.15, bot - H * 0.07)])
    if "dots" in marks:
        spots = ((-0.15, 0.1), (0.12, 0.14), (-0.05, 0.22), (0.2, 0.25), (-0.2, 0.26))
        dot = W * 0.04
        clipped(img, torso, lambda g: [g.ellipse((cx + dx * W - dot, top + dyy * H - dot, cx + dx * W + dot,
                                                   top + dyy * H + dot), fill=pal["accent"]) for dx, dyy in spots])
    if "armor" in marks:
        for k in (0.13, 0.21):
            d.line((cx - W * 0.3, top + H * k, cx + W * 0.3, top + H * k), fill=darken(pal["outfit"], 0.35), width=thin)
        if not back:
            clipped(img, torso, lambda g: g.ellipse((cx - W * 0.22, top + H * 0.03, cx - W * 0.02, top + H * 0.1),
                                                     fill=lighten(pal["outfit"], 0.5) + (200,)))
    if "belt" in marks:
        clipped(img, torso, lambda g: g.rectangle((0, bot - H * 0.05, img.width, bot - H * 0.015), fill=(60, 45, 35)))
        if not back:
            b = W * 0.05
            bx = cx + (W * 0.1 if side else 0.0)
            d.rectangle((bx - b, bot - H * 0.05, bx + b, bot - H * 0.015), outline=(230, 190, 60), width=max(2, lw))
    if "overalls" in marks:
        if not back:
            x0, x1 = (cx - W * 0.08, cx + W * 0.16) if side else (cx - W * 0.18, cx + W * 0.18)
            d.rectangle((x0, top + H * 0.1, x1, bot), fill=pal["pants"], outline=INK, width=thin)
            for x in (x0 + W * 0.03, x1 - W * 0.03):
                d.line((x, top + H * 0.1, x, top), fill=pal["pants"], width=max(2, int(W * 0.05)))
                d.ellipse((x - W * 0.02, top + H * 0.11, x + W * 0.02, top + H * 0.13), fill=(240, 200, 60))
        else:
            d.line((cx - W * 0.18, top, cx + W * 0.18, bot - H * 0.08), fill=pal["pants"], width=max(2, int(W * 0.05)))
            d.line((cx + W * 0.18, top, cx - W * 0.18, bot - H * 0.08), fill=pal["pants"], width=max(2, int(W * 0.05)))
    if back:
        if "apron" in marks:
            for k in (-1, 1):
                d.line((cx, bot - H * 0.09, cx + k * W * 0.1, bot - H * 0.03), fill=(250, 248, 240), width=max(2, lw))
        return
    if "vest" in marks:
        vest = darken(pal["outfit"], 0.55)
        if side:
            d.polygon([(cx - W * 0.14, top), (cx + W * 0.05, top), (cx + W * 0.06, bot), (cx - W * 0.18, bot)],
                      fill=vest, outline=INK, width=thin)
        else:
            for k in (-1, 1):
                d.polygon([(cx + k * W * 0.24, top), (cx + k * W * 0.07, top + H * 0.04), (cx + k * W * 0.07, bot),
                           (cx + k * W * 0.31, bot)], fill=vest, outline=INK, width=thin)
    if "labcoat" in marks and not side:
        d.polygon([(cx - W * 0.1, top), (cx + W * 0.1, top), (cx, top + H * 0.14)], fill=pal["accent"])
        for k in (-1, 1):
            d.line((cx + k * W * 0.13, top, cx, top + H * 0.15), fill=INK, width=thin)
        d.rectangle((cx - W * 0.2, top + H * 0.17, cx - W * 0.09, top + H * 0.21), outline=darken(pal["outfit"], 0.3),
                    width=thin)
    if "apron" in marks:
        x0, x1 = (cx + W * 0.02, cx + W * 0.2) if side else (cx - W * 0.2, cx + W * 0.2)
        d.rounded_rectangle((x0, top + H * 0.09, x1, bot + H * 0.07), radius=W * 0.04, fill=(250, 248, 240),
                            outline=INK, width=thin)
    if "badge" in marks:
        bx, by, b = (cx + W * 0.06 if side else cx - W * 0.13), top + H * 0.1, W * 0.045
        d.ellipse((bx - b, by - b, bx + b, by + b), fill=(235, 195, 50), outline=INK, width=thin)
    if "emblem" in marks and not side:
        b = W * 0.09
        d.ellipse((cx - b, top + H * 0.13 - b, cx + b, top + H * 0.13 + b), fill=lighten(pal["accent"], 0.2),
                  outline=INK, width=thin)
    if "stethoscope" in marks and not side:
        d.arc((cx - W * 0.17, top - H * 0.05, cx + W * 0.17, top + H * 0.17), 20, 160, fill=(90, 90, 100),
              width=max(2, lw))
        b = W * 0.04
        d.ellipse((cx + W * 0.1 - b, top + H * 0.16 - b, cx + W * 0.1 + b, top + H * 0.16 + b), fill=(170, 170, 180),
                  outline=INK, width=thin)
    if "backpack" in marks and not side:
        for k in (-1, 1):
            d.line((cx + k * W * 0.17, top, cx + k * W * 0.2, top + H * 0.2), fill=darken(pal["accent"], 0.25),
                   width=max(2, int(W * 0.04)))
    if "bow_tie" in marks:
        b, by = W * 0.07, top + H * 0.05
        bx = cx + (W * 0.12 if side else 0.0)
        for k in (-1, 1):
            wing = [(bx, by), (bx + k * b, by - b * 0.6), (bx + k * b, by + b * 0.6)]
            d.polygon(wing, fill=pal["accent"], outline=INK, width=thin)
    plain = not marks & {"armor", "labcoat", "apron", "overalls", "vest", "stripes", "stripes_hi", "emblem", "dots",
                         "badge", "stethoscope"}
    if plain and not side:
        for k in range(3):
            by = top + H * (0.1 + 0.07 * k)
            r = W * 0.025
            bx = cx + W * 0.05
            d.ellipse((bx - r, by - r, bx + r, by + r), fill=lighten(pal["outfit"], 0.45))


def draw_head(img: Image.Image, d: ImageDraw.ImageDraw, face_noun: str | None, st: roles.Role, pal: dict[str, RGB],
              hx: float, hy: float, head: float, view: str, lw: int, asleep: bool, recolor: bool) -> bool:
    """The head seen from ``view``: an animal's OpenMoji face (its silhouette from behind) or a
    drawn one with hair, face and role marks, then the headwear. True if it used OpenMoji."""
    marks = st.marks
    side, back, tq = view == "side", view == "back", view == "three-quarter"
    r = head * 0.46
    thin = max(1, lw // 2)
    fx = 0.38 * r if side else 0.15 * r if tq else 0.0  # where the face looks
    used = False
    hair = pal["hair"]
    covered = st.headwear in headwear.COVERS_FACE
    style = st.hair_style or ("bald" if "bald" in marks else "long" if "long_hair" in marks else "short")
    if face_noun is not None:
        face = clipart.draw(face_noun, int(head), None, face=True)
        if face is not None:
            used = True
            if recolor:
                face = clipart.recolor(face, pal["body"])
            if back:
                face = back_of_head(face, pal["body"], lw)
            elif side or tq:
                face = face.resize((max(2, int(face.width * (0.8 if side else 0.9))), face.height), Image.LANCZOS)
            img.alpha_composite(face, (int(hx + fx * 0.5 - face.width / 2),
                                       int(max(0, hy + 0.48 * head - face.height))))
    else:
        if style == "long" and not back:  # long hair falls behind the head to the shoulders
            x0, x1 = (hx - 1.05 * r, hx + 0.2 * r) if side else (hx - 1.06 * r, hx + 1.06 * r)
            d.rounded_rectangle((x0, hy - 0.4 * r, x1, hy + 1.3 * r), radius=0.45 * r, fill=hair, outline=INK, width=lw)
        if side and not covered:  # the nose, as a bump on the profile
            n = 0.16 * r
            d.ellipse((hx + 0.95 * r - n, hy + 0.22 * r - n, hx + 0.95 * r + n, hy + 0.22 * r + n), fill=pal["body"],
                      outline=INK, width=lw)
        if back and style != "bald":
            d.ellipse((hx - r, hy - r, hx + r, hy + r), fill=hair, outline=INK, width=lw)
            if style == "long":
                d.rounded_rectangle((hx - 1.04 * r, hy - 0.1 * r, hx + 1.04 * r, hy + 1.3 * r), radius=0.45 * r,
                                    fill=hair, outline=INK, width=lw)
                d.ellipse((hx - r + lw, hy - r + lw, hx + r - lw, hy + r - lw), fill=hair)
            else:
                for ex in (-1, 1):  # ears peeking out
                    e = r * 0.16
                    ex0 = hx + ex * r * 0.98
                    d.ellipse((ex0 - e, hy + r * 0.05 - e * 1.3, ex0 + e, hy + r * 0.05 + e * 1.3), fill=pal["body"],
                              outline=INK, width=thin)
        else:
            d.ellipse((hx - r, hy - r, hx + r, hy + r), fill=pal["body"], outline=INK, width=lw)
            draw_hair(d, style, hair, hx, hy, r, view, lw)
            if side:  # an ear at the hairline
                e = 0.14 * r
                d.ellipse((hx - 0.22 * r - e, hy + 0.16 * r - e * 1.25, hx - 0.22 * r + e, hy + 0.16 * r + e * 1.25),
                          fill=darken(pal["body"], 0.08), outline=INK, width=thin)
            if not back and not covered:
                draw_face(d, marks, pal, hx, hy, r, fx, view, lw, asleep)
        if "bun" in marks:
            bx, by = (hx - 0.75 * r, hy - 0.8 * r) if side else (hx, hy - 1.05 * r)
            b = 0.34 * r
            d.ellipse((bx - b, by - b, bx + b, by + b), fill=hair, outline=INK, width=lw)
        if "hair_bow" in marks:
            bx, by = (hx - 0.6 * r, hy - 0.85 * r) if side else (hx + (-0.62 if back else 0.62) * r, hy - 0.78 * r)
            b = 0.26 * r
            for k in (-1, 1):
                d.polygon([(bx, by), (bx + k * b, by - b * 0.7), (bx + k * b, by + b * 0.7)], fill=pal["accent"],
                          outline=INK, width=thin)
        if "eyepatch" in marks:  # its strap shows from every side
            d.line((hx - 0.98 * r, hy - 0.3 * r, hx + 0.98 * r, hy - 0.45 * r), fill=INK, width=max(2, lw))
            if not back:
                ex = hx + 0.45 * r if side else hx - 0.36 * r + fx
                d.ellipse((ex - 0.2 * r, hy - 0.05 * r, ex + 0.2 * r, hy + 0.3 * r), fill=INK)
    if st.headwear:
        used |= headwear.draw(img, st.headwear, hx, hy, r, view, st.headwear_color, pal["accent"], pal["body"], lw)
    return used


def draw_hair(d: ImageDraw.ImageDraw, style: str, hair: RGB, hx: float, hy: float, r: float, view: str,
              lw: int) -> None:
    """The hair on a face-on or profile head: a fringe cap, curls, or tufts round a bald crown."""
    side, tq = view == "side", view == "three-quarter"
    if style == "bald":
        for k in ((-1,) if side else (-1, 1)):
            tx = hx + k * 0.92 * r
            d.ellipse((tx - 0.2 * r, hy - 0.3 * r, tx + 0.2 * r, hy + 0.25 * r), fill=hair, outline=INK,
                      width=max(1, lw // 2))
        return
    if style == "curly":
        for a in range(190, 360, 30):
            ang = np.deg2rad(a)
            px, py = hx + np.cos(ang) * r * 0.95, hy + np.sin(ang) * r * 0.95
            d.ellipse((px - 0.32 * r, py - 0.32 * r, px + 0.32 * r, py + 0.32 * r), fill=hair, outline=INK, width=lw)
        return
    box = (hx - r * 1.04, hy - r * 1.06, hx + r * 1.04, hy + r * (1.04 if side else 0.7))
    if side:  # the top and the back of the head; the face is the front half
        d.chord(box, 150, 335, fill=hair, outline=INK, width=lw)
    elif tq:
        d.chord((box[0] - 0.08 * r, box[1], box[2] - 0.08 * r, box[3]), 170, 355, fill=hair, outline=INK, width=lw)
    else:
        d.chord(box, 180, 360, fill=hair, outline=INK, width=lw)


def draw_face(d: ImageDraw.ImageDraw, marks: frozenset[str], pal: dict[str, RGB], hx: float, hy: float, r: float,
              fx: float, view: str, lw: int, asleep: bool) -> None:
    """Eyes, mouth and the role's face marks: two eyes face-on, one in profile."""
    side = view == "side"
    thin = max(1, lw // 2)
    eyes = [hx + 0.5 * r] if side else [hx + fx - 0.33 * r, hx + fx + 0.33 * r] if view == "three-quarter" \
        else [hx - 0.36 * r, hx + 0.36 * r]
    ey = hy + 0.12 * r
    if "mask" in marks:
        x0, x1 = (hx + 0.1 * r, hx + 0.95 * r) if side else (eyes[0] - 0.3 * r, eyes[-1] + 0.3 * r)
        d.rounded_rectangle((x0, ey - 0.2 * r, x1, ey + 0.18 * r), radius=0.15 * r, fill=pal["accent"], outline=INK,
                            width=thin)
    if "beard" in marks:
        x0, x1 = (hx - 0.2 * r, hx + 1.0 * r) if side else (hx - 0.92 * r + fx, hx + 0.92 * r + fx)
        d.chord((x0, hy - 0.25 * r, x1, hy + 1.25 * r), 0, 180, fill=pal["hair"], outline=INK, width=lw)
    e = r * 0.1
    for i, ex in enumerate(eyes):
        if "eyepatch" in marks and ((side and i == 0) or (not side and i == 0)):
            continue
        if asleep:
            d.arc((ex - 1.6 * e, ey - 1.2 * e, ex + 1.6 * e, ey + 1.2 * e), 20, 160, fill=INK, width=thin + 1)
        else:
            d.ellipse((ex - e, ey - e, ex + e, ey + e), fill=INK)
    if "glasses" in marks:
        g = 0.22 * r
        for ex in eyes:
            d.ellipse((ex - g, ey - g, ex + g, ey + g), outline=INK, width=thin)
        if side:
            d.line((eyes[0] - g, ey, hx - 0.1 * r, ey - 0.05 * r), fill=INK, width=thin)
        else:
            d.line((eyes[0] + g, ey, eyes[1] - g, ey), fill=INK, width=thin)
    mx = hx + (0.6 * r if side else fx)
    if side:
        d.line((mx - 0.05 * r, hy + 0.55 * r, mx + 0.22 * r, hy + 0.5 * r), fill=INK, width=lw)
    else:
        d.arc((mx - r * 0.35, hy + r * 0.15, mx + r * 0.35, hy + r * 0.6), 20, 160, fill=INK, width=lw)
    if view == "three-quarter":
        d.arc((hx + fx + 0.05 * r, hy + 0.05 * r, hx + fx + 0.3 * r, hy + 0.38 * r), 300, 90, fill=INK, width=thin)
    if "moustache" in marks:
        for k in ((1,) if side else (-1, 1)):
            m = hx + (0.72 * r if side else fx + k * 0.14 * r)
            d.ellipse((m - 0.17 * r, hy + 0.32 * r, m + 0.17 * r, hy + 0.46 * r), fill=darken(pal["hair"], 0.2))
    if "nose" in marks:
        nx = hx + (0.98 * r if side else fx)
        n = 0.18 * r
        d.ellipse((nx - n, hy + 0.3 * r - n, nx + n, hy + 0.3 * r + n), fill=(225, 30, 40), outline=INK, width=thin)


def back_of_head(face: Image.Image, color: RGB, lw: int) -> Image.Image:
    """The species' head shape (ears and all) as a plain outlined silhouette: no eyes or mouth."""
    solid = face.getchannel("A").point(lambda a: 255 if a > 100 else 0)
    ring = solid.filter(ImageFilter.MaxFilter(max(3, (lw // 2) * 2 + 1)))
    out = Image.new("RGBA", face.size, INK + (0,))
    out.putalpha(ring)
    fill = Image.new("RGBA", face.size, color + (255,))
    inner = solid.filter(ImageFilter.MinFilter(max(3, (lw // 2) * 2 + 1)))
    out.paste(fill, (0, 0), inner)
    return out


def zzz(image: Image.Image, at: tuple[float, float], size: float) -> None:
    """Three little Z's rising from a sleeper's head."""
    d = ImageDraw.Draw(image)
    for k in range(3):
        s = size * (0.6 + 0.25 * k)
        x, y = at[0] + k * size * 0.8, at[1] - k * size * 1.0
        d.line([(x, y), (x + s, y), (x, y + s), (x + s, y + s)], fill=(60, 70, 110), width=max(1, round(size / 6)))


__all__ = ["back_of_head", "clipped", "draw_face", "draw_hair", "draw_head", "limb", "prop", "torso_marks", "zzz"]
