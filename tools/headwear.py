"""Hats, helmets and hoods for the sketch figures, drawn for the view they are seen from.

Each kind is drawn around the head (centre ``hx, hy``, radius ``r`` in canvas pixels) in the
figures' style: flat colour, dark outline. From behind a helmet has no visor and a cap no
badge; from the side brims and visors stick out forward (to the right). A kind may also be
an OpenMoji drawing ("emoji:crown"). :data:`HEADROOM` says how far above the head each kind
reaches, so the figure can leave room for it.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from tools import clipart
from tools.colors import INK, RGB, darken, lighten

#: How far each kind reaches above the top of the head, in head radii.
HEADROOM: dict[str, float] = {
    "toque": 1.05, "knight": 0.3, "space": 0.3, "tricorn": 0.3, "fire_helmet": 0.25, "peaked_cap": 0.25,
    "pointed": 1.35, "wide_brim": 0.5, "fedora": 0.45, "beret": 0.3, "hood": 0.1, "nurse_cap": 0.3,
    "hard_hat": 0.25, "army": 0.25, "tiara": 0.35, "emoji:crown": 0.9, "emoji:military helmet": 0.65,
    "emoji:top hat": 1.1,
}

#: Kinds that cover the face: the figure draws no eyes of its own under them.
COVERS_FACE = frozenset({"knight", "hood"})


def headroom(kind: str | None) -> float:
    """Head radii above the head that ``kind`` needs (0 for none)."""
    return HEADROOM.get(kind or "", 0.25 if kind and kind.startswith("emoji:") else 0.0)


def draw(canvas: Image.Image, kind: str, hx: float, hy: float, r: float, view: str, color: RGB | None,
         accent: RGB, skin: RGB, lw: int) -> bool:
    """Draw ``kind`` on ``canvas`` (RGBA); True when it used OpenMoji art."""
    if kind.startswith("emoji:"):
        return _emoji(canvas, kind[6:], hx, hy, r, view)
    d = ImageDraw.Draw(canvas)
    side, back = view == "side", view == "back"
    fx = 0.35 * r if side else 0.12 * r if view == "three-quarter" else 0.0  # where the face looks
    c = color or (240, 240, 240)
    if kind == "toque":
        x = hx - (0.1 * r if side else 0.0)
        for dx, dy, rr in ((-0.45, -1.25, 0.45), (0.45, -1.25, 0.45), (0.0, -1.45, 0.55)):
            d.ellipse((x + dx * r - rr * r, hy + dy * r - rr * r, x + dx * r + rr * r, hy + dy * r + rr * r),
                      fill=c, outline=INK, width=lw)
        d.rounded_rectangle((x - 0.66 * r, hy - 1.05 * r, x + 0.66 * r, hy - 0.6 * r), radius=0.1 * r, fill=c,
                            outline=INK, width=lw)
    elif kind == "knight":
        d.ellipse((hx - 1.08 * r, hy - 1.08 * r, hx + 1.08 * r, hy + 1.05 * r), fill=c, outline=INK, width=lw)
        d.chord((hx - 0.3 * r, hy - 1.38 * r, hx + 0.3 * r, hy - 0.7 * r), 180, 360, fill=accent, outline=INK, width=lw)
        if not back:  # the visor: a dark slit and a nose guard
            x0, x1 = (hx + 0.05 * r, hx + 1.0 * r) if side else (hx - 0.68 * r + fx, hx + 0.68 * r + fx)
            d.rounded_rectangle((x0, hy - 0.02 * r, x1, hy + 0.2 * r), radius=0.08 * r, fill=INK)
            nx = (x0 + x1) / 2 + (0.2 * r if side else 0.0)
            d.line((nx, hy - 0.5 * r, nx, hy + 0.62 * r), fill=darken(c, 0.25), width=max(2, int(0.14 * r)))
        else:
            d.line((hx, hy - 1.0 * r, hx, hy + 0.95 * r), fill=darken(c, 0.2), width=max(1, lw // 2))
    elif kind == "space":
        R = 1.24 * r
        if back:
            d.ellipse((hx - R, hy - R + 0.05 * r, hx + R, hy + R + 0.05 * r), fill=c, outline=INK, width=lw)
            for k in (-1, 0, 1):
                d.line((hx + k * 0.3 * r, hy + 0.45 * r, hx + k * 0.3 * r, hy + 0.75 * r), fill=darken(c, 0.35),
                       width=max(1, lw // 2))
        else:
            glass = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
            g = ImageDraw.Draw(glass)
            g.ellipse((hx - R, hy - R + 0.05 * r, hx + R, hy + R + 0.05 * r), fill=(190, 225, 255, 70))
            g.arc((hx - R * 0.78, hy - R * 0.78, hx + R * 0.78, hy + R * 0.78), 200, 250, fill=(255, 255, 255, 220),
                  width=max(2, int(0.12 * r)))
            canvas.alpha_composite(glass)
            d.ellipse((hx - R, hy - R + 0.05 * r, hx + R, hy + R + 0.05 * r), outline=INK, width=lw)
            d.ellipse((hx - R + lw, hy - R + 0.05 * r + lw, hx + R - lw, hy + R + 0.05 * r - lw), outline=c,
                      width=max(2, int(0.1 * r)))
    elif kind == "tricorn":
        sx = 0.72 if side else 1.0
        x = hx - (0.1 * r if side else 0.0)
        pts = [(-1.25, -0.55), (-0.6, -1.3), (0.0, -1.05), (0.6, -1.3), (1.25, -0.55), (0.0, -0.72)]
        d.polygon([(x + px * r * sx, hy + py * r) for px, py in pts], fill=c, outline=INK, width=lw)
        if not back and not side:
            _emoji(canvas, "skull and crossbones", hx + fx, hy - 0.66 * r, r * 0.3, "front", bottom=True)
    elif kind == "army":
        d.chord((hx - 1.12 * r, hy - 1.3 * r, hx + 1.12 * r, hy + 0.3 * r), 180, 360, fill=c, outline=INK, width=lw)
        for sx, sy in ((-0.5, -0.75), (0.15, -0.95), (0.6, -0.6), (-0.1, -0.6)):
            d.ellipse((hx + (sx - 0.17) * r, hy + (sy - 0.1) * r, hx + (sx + 0.17) * r, hy + (sy + 0.1) * r),
                      fill=darken(c, 0.3))
        d.line((hx - 1.12 * r, hy - 0.5 * r, hx + 1.12 * r, hy - 0.5 * r), fill=INK, width=lw)
    elif kind in ("fire_helmet", "hard_hat"):
        brim_l, brim_r = ((1.5, 1.05) if side else (1.3, 1.3)) if kind == "fire_helmet" else (1.15, 1.15)
        d.ellipse((hx - brim_l * r, hy - 0.62 * r, hx + brim_r * r, hy - 0.32 * r), fill=darken(c, 0.12), outline=INK,
                  width=lw)
        d.chord((hx - 1.02 * r, hy - 1.3 * r, hx + 1.02 * r, hy + 0.1 * r), 180, 360, fill=c, outline=INK, width=lw)
        d.line((hx, hy - 1.28 * r, hx, hy - 0.62 * r), fill=lighten(c, 0.35), width=max(2, int(0.16 * r)))
        if kind == "fire_helmet" and not back:
            sx = hx + (0.55 * r if side else fx)
            d.rounded_rectangle((sx - 0.28 * r, hy - 1.05 * r, sx + 0.28 * r, hy - 0.62 * r), radius=0.08 * r,
                                fill=(250, 215, 40), outline=INK, width=max(1, lw // 2))
    elif kind == "peaked_cap":
        d.rounded_rectangle((hx - 1.0 * r, hy - 1.22 * r, hx + 1.0 * r, hy - 0.62 * r), radius=0.25 * r, fill=c,
                            outline=INK, width=lw)
        d.rectangle((hx - 0.92 * r, hy - 0.78 * r, hx + 0.92 * r, hy - 0.58 * r), fill=darken(c, 0.45))
        if side:
            d.chord((hx + 0.35 * r, hy - 0.78 * r, hx + 1.4 * r, hy - 0.38 * r), 180, 360, fill=INK)
        elif not back:
            d.chord((hx - 0.75 * r + fx, hy - 0.8 * r, hx + 0.75 * r + fx, hy - 0.32 * r), 0, 180, fill=INK)
            b = 0.16 * r
            d.ellipse((hx + fx - b, hy - 1.02 * r - b, hx + fx + b, hy - 1.02 * r + b), fill=(235, 195, 50),
                      outline=INK, width=max(1, lw // 2))
    elif kind == "pointed":
        tip = (hx - 0.55 * r, hy - 2.35 * r) if side else (hx + 0.2 * r, hy - 2.35 * r)
        d.ellipse((hx - 1.4 * r, hy - 0.85 * r, hx + 1.4 * r, hy - 0.5 * r), fill=darken(c, 0.1), outline=INK, width=lw)
        d.polygon([(hx - 0.72 * r, hy - 0.7 * r), (hx + 0.72 * r, hy - 0.7 * r), tip], fill=c, outline=INK, width=lw)
        d.line((hx - 0.66 * r, hy - 0.86 * r, hx + 0.66 * r, hy - 0.86 * r), fill=accent, width=max(2, int(0.16 * r)))
    elif kind in ("wide_brim", "fedora"):
        brim = 1.5 if kind == "wide_brim" else 1.2
        top = 1.45 if kind == "wide_brim" else 1.38
        d.ellipse((hx - brim * r, hy - 0.92 * r, hx + brim * r, hy - 0.55 * r), fill=darken(c, 0.08), outline=INK,
                  width=lw)
        d.rounded_rectangle((hx - 0.66 * r, hy - top * r, hx + 0.66 * r, hy - 0.7 * r), radius=0.22 * r, fill=c,
                            outline=INK, width=lw)
        d.rectangle((hx - 0.62 * r, hy - 0.92 * r, hx + 0.62 * r, hy - 0.76 * r), fill=darken(c, 0.4))
        if kind == "fedora":
            d.line((hx - 0.15 * r, hy - top * r + lw, hx, hy - 1.15 * r), fill=INK, width=max(1, lw // 2))
    elif kind == "beret":
        x = hx - (0.15 * r if side else -0.08 * r)
        d.ellipse((x - 1.02 * r, hy - 1.3 * r, x + 1.02 * r, hy - 0.55 * r), fill=c, outline=INK, width=lw)
        d.ellipse((x - 0.12 * r, hy - 1.5 * r, x + 0.12 * r, hy - 1.22 * r), fill=c, outline=INK, width=max(1, lw // 2))
    elif kind == "hood":
        d.ellipse((hx - 1.07 * r, hy - 1.07 * r, hx + 1.07 * r, hy + 1.07 * r), fill=c, outline=INK, width=lw)
        if back:
            for k in (-1, 1):
                d.line((hx + 0.2 * r * k, hy + 0.1 * r, hx + 0.7 * r * k, hy + 0.9 * r), fill=accent,
                       width=max(2, int(0.16 * r)))
        else:
            x0, x1 = (hx + 0.05 * r, hx + 1.0 * r) if side else (hx - 0.72 * r + fx, hx + 0.72 * r + fx)
            d.rounded_rectangle((x0, hy - 0.12 * r, x1, hy + 0.32 * r), radius=0.15 * r, fill=skin, outline=INK,
                                width=max(1, lw // 2))
            e = 0.11 * r
            eyes = (hx + 0.45 * r,) if side else (hx - 0.34 * r + fx, hx + 0.34 * r + fx)
            for ex in eyes:
                d.ellipse((ex - e, hy + 0.1 * r - e, ex + e, hy + 0.1 * r + e), fill=INK)
    elif kind == "nurse_cap":
        d.polygon([(hx - 0.6 * r, hy - 0.78 * r), (hx + 0.6 * r, hy - 0.78 * r), (hx + 0.45 * r, hy - 1.3 * r),
                   (hx - 0.45 * r, hy - 1.3 * r)], fill=c, outline=INK, width=lw)
        if not back:
            k, t = 0.2 * r, max(2, int(0.1 * r))
            d.line((hx + fx - k, hy - 1.04 * r, hx + fx + k, hy - 1.04 * r), fill=(214, 40, 40), width=t)
            d.line((hx + fx, hy - 1.04 * r - k, hx + fx, hy - 1.04 * r + k), fill=(214, 40, 40), width=t)
    elif kind == "tiara":
        return _emoji(canvas, "crown", hx, hy - 0.78 * r, r * 0.6, view, bottom=True)
    return False


_EMOJI_FIT: dict[str, tuple[float, float]] = {"military helmet": (2.4, 0.8), "top hat": (1.9, -0.55),
                                               "crown": (1.5, -0.7)}


def _emoji(canvas: Image.Image, name: str, hx: float, hy: float, r: float, view: str, bottom: bool = False) -> bool:
    """OpenMoji headwear: a crown sits on the head (its bottom at ``hy`` when ``bottom``), a
    helmet covers its top. From the side it is narrowed, as a turned object is."""
    if bottom:
        size, y_bottom = 2 * r, hy
    else:  # (longer side, bottom edge) in head radii, measured on the OpenMoji drawings
        size_r, bottom_r = _EMOJI_FIT.get(name, (1.5, -0.7))
        size, y_bottom = size_r * r, hy + bottom_r * r
    art = clipart.draw(name, max(2, int(size)))
    if art is None:
        return False
    if view == "side":
        art = art.resize((max(2, int(art.width * 0.8)), art.height), Image.LANCZOS)
    canvas.alpha_composite(art, (int(hx - art.width / 2), max(0, int(y_bottom - art.height))))
    return True


__all__ = ["COVERS_FACE", "HEADROOM", "draw", "headroom"]
