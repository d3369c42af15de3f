"""Typesetting, masks and blending: how exact text gets into an image.

Diffusion models misspell; the repair node and the sketch renderer both put text in with
real fonts instead. :func:`typeset` draws a string exactly (no case changes, accents and
punctuation kept) inside a pixel box, styled by its role; ``emphasis=True`` is the repair
mode used when OCR could not read the text: bigger type, an opaque high-contrast panel.
"""

from __future__ import annotations

from typing import Sequence

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from tools.colors import INK, PAPER, RGB, darken, luminance, mix, parse_color, text_color_on
from tools.fonts import font
from tools.scene import TextElement

PixelBox = tuple[int, int, int, int]
_WOOD: RGB = (128, 86, 52)

# Role defaults: panel fill, padding (fraction of the box's short side), type size cap
# (fraction of the image's short side).
_STYLE: dict[str, tuple[RGB, float, float]] = {
    "sign": ((250, 236, 200), 0.13, 0.1),
    "title": ((200, 50, 60), 0.17, 0.1),
    "bubble": (PAPER, 0.2, 0.07),
    "caption": ((30, 32, 40), 0.16, 0.055),
    "label": (PAPER, 0.14, 0.05),
}


def _wrap(text: str, fnt: ImageFont.FreeTypeFont, width: float) -> tuple[list[str], bool]:
    """Greedy word wrap to ``width`` px, and whether a word had to be split by characters."""
    lines: list[str] = []
    broken = False
    for para in text.split("\n"):
        line = ""
        for word in para.split():
            cand = f"{line} {word}" if line else word
            if fnt.getlength(cand) <= width:
                line = cand
                continue
            if line:
                lines.append(line)
            while fnt.getlength(word) > width and len(word) > 1:
                cut = next((i for i in range(len(word) - 1, 0, -1) if fnt.getlength(word[:i]) <= width), 1)
                lines.append(word[:cut])
                word, broken = word[cut:], True
            line = word
        lines.append(line)
    return lines, broken


def _line_height(fnt: ImageFont.FreeTypeFont) -> int:
    ascent, descent = fnt.getmetrics()
    return round((ascent + descent) * 1.02)


def fit_text(text: str, box_px: PixelBox, max_size: int, min_size: int = 8,
             *, bold: bool = True, fewer_lines: bool = False) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font (``min_size``..``max_size`` px) whose word-wrapped lines fill the box.

    Lines are balanced (the narrowest wrap with the same number of lines), so a sign reads
    "FRESH BREAD / DAILY" as evenly as the words allow instead of a long line and a widow.
    ``fewer_lines`` trades up to 20% of size for a line less (speech reads better unbroken).
    """
    width, height = max(1, box_px[2] - box_px[0]), max(1, box_px[3] - box_px[1])
    min_size = max(1, min(min_size, max_size))

    def fits(size: int) -> bool:
        fnt = font(size, bold)
        lines, broken = _wrap(text, fnt, width)
        return not broken and len(lines) * _line_height(fnt) <= height

    lo, hi = min_size, max(min_size, max_size)
    if not fits(lo):  # too long even at the smallest size: break words, let it overflow
        return font(lo, bold), _wrap(text, font(lo, bold), width)[0]
    while lo < hi:  # largest size that fits
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid - 1)
    count = len(_wrap(text, font(lo, bold), width)[0])
    for size in range(lo - 1, max(min_size, int(lo * 0.8)) - 1, -1) if fewer_lines else ():
        fewer, broken = _wrap(text, font(size, bold), width)
        if len(fewer) < count and not broken:
            lo, count = size, len(fewer)
            break
    fnt = font(lo, bold)
    narrow, wide = 1.0, float(width)
    while wide - narrow > 2:  # balance: narrowest width keeping the same line count, unbroken
        mid = (narrow + wide) / 2
        lines, broken = _wrap(text, fnt, mid)
        if len(lines) <= count and not broken:
            wide = mid
        else:
            narrow = mid
    return fnt, _wrap(text, fnt, wide)[0]


def _to_rgb(color: str | RGB | None) -> RGB | None:
    if color is None or isinstance(color, tuple):
        return color
    return parse_color(color)


def _rounded(draw: ImageDraw.ImageDraw, box: PixelBox, radius: float, fill: int = 255) -> None:
    draw.rounded_rectangle(box, radius=max(0, int(radius)), fill=fill)


def _tail(box: PixelBox, point: tuple[int, int]) -> list[tuple[float, float]]:
    """A speech-bubble tail from the side of ``box`` nearest ``point`` toward it."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    base = max(4.0, min(w, h) * 0.3)
    px, py = point
    if py > y1 or py < y0:
        edge = y1 - 2 if py > y1 else y0 + 2
        cx = (x0 + x1) / 2
        bx = min(max(cx + (px - cx) * 0.5, x0 + w * 0.2), x1 - w * 0.2)
        length = min(abs(py - edge), h * 0.55)
        tip = (bx + (px - bx) * 0.6, edge + length * (1 if py > y1 else -1))
        return [(bx - base / 2, edge), (bx + base / 2, edge), tip]
    edge = x0 + 2 if px < x0 else x1 - 2
    by = min(max(py, y0 + h * 0.3), y1 - h * 0.3)
    length = min(abs(px - edge), w * 0.4)
    tip = (edge + length * (-1 if px < x0 else 1), by + h * 0.25)
    return [(edge, by - base / 2), (edge, by + base / 2), tip]


def _line_width(role: str, short: int, emphasis: bool) -> int:
    if role == "sign" and not emphasis:
        return max(2, round(short * 0.05))
    return max(1, round(short * (0.05 if role == "label" else 0.035)))


def _body(box: PixelBox, role: str, lw: int) -> PixelBox:
    """The panel's main shape, inset so that its outline stays inside ``box``.

    A title's banner leaves room at the sides and below for the ribbon's folded tails.
    """
    x0, y0, x1, y1 = box
    if role == "title":
        short = min(x1 - x0, y1 - y0)
        notch, drop = max(2, int(short * 0.35)), max(1, int(short * 0.16))
        return (x0 + notch, y0 + lw, x1 - notch, y1 - drop - lw)
    return (x0 + lw, y0 + lw, x1 - lw, y1 - lw)


def _shape_mask(size: tuple[int, int], body: PixelBox, role: str, point: tuple[int, int] | None) -> Image.Image:
    """Silhouette of the role's panel (an "L" mask of the given size)."""
    mask = Image.new("L", size, 0)
    d = ImageDraw.Draw(mask)
    x0, y0, x1, y1 = body
    short = min(x1 - x0, y1 - y0)
    if role == "bubble":
        _rounded(d, body, min(short * 0.5, (x1 - x0) * 0.25))
        if point is not None:
            d.polygon(_tail(body, point), fill=255)
    elif role == "title":
        d.rectangle(body, fill=255)
    else:
        _rounded(d, body, short * {"sign": 0.12, "caption": 0.18}.get(role, 0.25))
    return mask


def _paint(image: Image.Image, mask: Image.Image, color: RGB, alpha: float = 1.0) -> None:
    layer = Image.new("RGB", image.size, color)
    image.paste(layer, (0, 0), mask if alpha >= 1 else mask.point(lambda v: int(v * alpha)))


def _panel(image: Image.Image, box: PixelBox, role: str, fill: RGB, *, emphasis: bool,
           point: tuple[int, int] | None) -> None:
    """Draw the role's panel: soft shadow, outline, fill, and the role's ornaments."""
    x0, y0, x1, y1 = box
    short = min(x1 - x0, y1 - y0)
    lw = _line_width(role, short, emphasis)
    body = _body(box, role, lw)
    mask = _shape_mask(image.size, body, role, point)
    if role in ("sign", "title", "bubble") and not emphasis and short >= 12:
        shadow = Image.new("L", image.size, 0)
        off = max(2, round(short * 0.035))
        shadow.paste(mask, (off // 2, off))
        _paint(image, shadow.filter(ImageFilter.GaussianBlur(max(1, off * 0.6))), (0, 0, 0), 0.2)
    if role == "title":  # ribbon tails behind the banner, in a darker shade
        notch = body[0] - x0
        d = ImageDraw.Draw(image)
        top, bottom, mid = body[1] + (y1 - lw - body[3]), y1 - lw, (body[1] + y1) / 2
        for sx, ex, ix in ((x0 + lw, x0 + notch * 2, x0 + notch * 0.8), (x1 - lw, x1 - notch * 2, x1 - notch * 0.8)):
            d.polygon([(sx, top), (ex, top), (ex, bottom), (sx, bottom), (ix, mid)], fill=darken(fill, 0.3),
                      outline=darken(fill, 0.5))
    outline = INK if role in ("bubble", "label") or emphasis else darken(fill, 0.45)
    if role == "sign" and not emphasis:  # a painted board in a wooden frame
        outline = mix(_WOOD, darken(fill, 0.5), 0.25)
    if role == "caption" and not emphasis:
        _paint(image, mask, fill, 0.86)
        return
    # Outline = the silhouette grown by ~lw (blur + steep ramp: a fast, anti-aliased dilation).
    lut = [min(255, v * 9) for v in range(256)]
    grown = mask.filter(ImageFilter.GaussianBlur(lw * 0.75)).point(lut)
    _paint(image, grown, outline)
    _paint(image, mask, fill)
    if role == "sign" and not emphasis and short >= 24:  # painted board: an inset line
        inset = lw * 3
        d = ImageDraw.Draw(image)
        d.rounded_rectangle((x0 + inset, y0 + inset, x1 - inset, y1 - inset), radius=max(1, int(short * 0.08)),
                            outline=mix(fill, outline, 0.45), width=max(1, lw // 2))


#: Nouns for the thing a text is written on: when a shot has such an object and a board text,
#: the text's panel *is* that object ("a chalkboard menu that says 'LATTE 4.50'").
TEXT_CARRIERS = frozenset(
    "menu sign signboard board chalkboard blackboard whiteboard banner placard plaque billboard note "
    "sticky note post-it label tag sticker marquee notice signpost".split()
)
_BOARD_ROLES = ("sign", "title", "label")


def carrier_text(name: str, count: int, texts: Sequence[TextElement]) -> TextElement | None:
    """The text whose panel draws the object ``name`` (a single sign, menu, chalkboard…), or None."""
    if count != 1 or name.lower().split()[-1] not in TEXT_CARRIERS:  # "neon sign", "chalkboard menu"
        return None
    return next((t for t in texts if t.role in _BOARD_ROLES), None)


def typeset(image: Image.Image, text: str, box_px: PixelBox, role: str = "sign", *, emphasis: bool = False,
            background: str | RGB | None = None, point: tuple[int, int] | None = None) -> Image.Image:
    """A copy of ``image`` with ``text`` drawn exactly inside ``box_px`` in the role's style.

    Roles: sign (painted board), title (ribbon banner), bubble (speech bubble whose tail
    points at ``point``), caption (strip), label (small tag). ``background`` overrides the
    panel colour. ``emphasis`` (repair mode) uses bigger type and black on an opaque white
    panel (white on black when ``background`` is dark) for maximum legibility.
    """
    out = image.convert("RGB") if image.mode != "RGB" else image.copy()
    W, H = out.size
    box = (max(0, min(W, box_px[0])), max(0, min(H, box_px[1])), max(0, min(W, box_px[2])), max(0, min(H, box_px[3])))
    if box[2] - box[0] < 2 or box[3] - box[1] < 2:
        return out
    # 1. Colours and spacing for the role (repair mode: maximum contrast, bigger type).
    default_fill, pad_frac, cap = _STYLE.get(role, _STYLE["label"])
    fill = _to_rgb(background) or default_fill
    ink = text_color_on(fill)
    if emphasis:
        dark = background is not None and luminance(fill) < 0.18
        fill, ink = ((0, 0, 0), (255, 255, 255)) if dark else ((255, 255, 255), (0, 0, 0))
        pad_frac, cap = pad_frac * 0.45, cap * 1.6
    # 2. The panel, then the text fitted to the panel's inner area.
    _draw_panel(out, box, role, fill, emphasis=emphasis, point=point)
    inner = _text_area(box, role, pad_frac, emphasis)
    max_size = max(6, min(round(min(W, H) * cap), inner[3] - inner[1]))
    fnt, lines = fit_text(text, inner, max_size, min(10 if emphasis else 8, max_size),
                          fewer_lines=role in ("bubble", "caption", "label"))
    _draw_lines(out, box, inner, fnt, lines, ink)
    return out


def _draw_panel(out: Image.Image, box: PixelBox, role: str, fill: RGB, *, emphasis: bool,
                point: tuple[int, int] | None) -> None:
    """Draw the panel on a crop around it (filters on the whole frame would be slow)."""
    W, H = out.size
    x0, y0, x1, y1 = box
    short = min(x1 - x0, y1 - y0)
    margin = max(4, short // 4)
    xs, ys = [x0, x1], [y0, y1]
    if role == "bubble" and point is not None:
        tail = _tail(_body(box, role, _line_width(role, short, emphasis)), point)
        xs += [p[0] for p in tail]
        ys += [p[1] for p in tail]
    hanging = role == "sign" and not emphasis and 2 < y0 <= H * 0.15  # a board near the top hangs
    if hanging:
        ys.append(0)
    region = (max(0, int(min(xs)) - margin), max(0, int(min(ys)) - margin),
              min(W, int(max(xs)) + margin + 1), min(H, int(max(ys)) + margin + 1))
    ox, oy = region[0], region[1]
    crop = out.crop(region)
    local = (x0 - ox, y0 - oy, x1 - ox, y1 - oy)
    d = ImageDraw.Draw(crop)
    cords = [local[0] + (x1 - x0) * fx for fx in (0.2, 0.8)]
    if hanging:
        for cx in cords:
            d.line((cx, 0, cx, local[1] + short * 0.08), fill=(92, 64, 44), width=max(1, round(short * 0.025)))
    _panel(crop, local, role, fill, emphasis=emphasis, point=None if point is None else (point[0] - ox, point[1] - oy))
    if hanging:  # nail heads where the cords meet the board
        r = max(2, round(short * 0.035))
        for cx in cords:
            d.ellipse((cx - r, local[1] + r * 0.2, cx + r, local[1] + r * 2.2), fill=(70, 70, 76))
    out.paste(crop, region[:2])


def _text_area(box: PixelBox, role: str, pad_frac: float, emphasis: bool) -> PixelBox:
    """Where the letters may go inside the panel: its body minus padding."""
    short = min(box[2] - box[0], box[3] - box[1])
    bx0, by0, bx1, by1 = _body(box, role, _line_width(role, short, emphasis))
    pad = max(1, round(short * pad_frac))
    padx = pad + (round((bx1 - bx0) * 0.06) if role == "bubble" else 0) - (pad // 2 if role == "title" else 0)
    return (bx0 + padx, by0 + pad - (pad // 3 if role == "title" else 0), bx1 - padx, by1 - pad // (3 if role == "title" else 1))


def _draw_lines(out: Image.Image, box: PixelBox, inner: PixelBox, fnt: ImageFont.FreeTypeFont,
                lines: list[str], ink: RGB) -> None:
    """Centred lines, drawn on a crop of ``box`` so that text too long for a tiny box is
    clipped by the box instead of spilling over its neighbours."""
    lh = _line_height(fnt)
    ascent, _ = fnt.getmetrics()
    cx = (inner[0] + inner[2]) / 2 - box[0]
    top = (inner[1] + inner[3]) / 2 - lh * len(lines) / 2 - box[1]
    clip = out.crop(box)
    d = ImageDraw.Draw(clip)
    for i, line in enumerate(lines):
        d.text((cx, top + i * lh + ascent), line, font=fnt, fill=ink, anchor="ms")
    out.paste(clip, box[:2])


def box_mask(size: tuple[int, int], box_px: PixelBox, feather_px: int = 0) -> Image.Image:
    """An "L" mask, white inside ``box_px``, fading over ``feather_px`` across its edge."""
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rectangle(box_px, fill=255)
    if feather_px > 0:
        mask = mask.filter(ImageFilter.GaussianBlur(feather_px / 2))
    return mask


def paste_feathered(base: Image.Image, patch: Image.Image, mask: Image.Image) -> Image.Image:
    """``patch`` blended over ``base`` through ``mask`` (same size), so repairs leave no seams."""
    if patch.size != base.size or mask.size != base.size:
        raise ValueError(f"base {base.size}, patch {patch.size} and mask {mask.size} must be the same size; "
                         "crop or pad the patch onto a full-size canvas first")
    return Image.composite(patch.convert(base.mode), base, mask.convert("L"))


def match_colors(patch: Image.Image, base: Image.Image, mask: Image.Image, ring_px: int = 12) -> Image.Image:
    """``patch`` with its colours shifted so that, in a ring just outside ``mask``, it has the
    per-channel mean and spread of ``base``: a repainted region then meets its surroundings
    without a colour step (inpainting models drift in tone through the VAE)."""
    import numpy as np

    inside = np.asarray(mask.convert("L"), dtype=np.float32) > 8
    grown = np.asarray(mask.convert("L").filter(ImageFilter.MaxFilter(2 * ring_px + 1)), dtype=np.float32) > 8
    ring = grown & ~inside
    if ring.sum() < 16:  # the mask covers (almost) everything: nothing to match against
        return patch
    src = np.asarray(patch.convert("RGB"), dtype=np.float32)
    ref = np.asarray(base.convert("RGB"), dtype=np.float32)
    out = src.copy()
    for channel in range(3):
        s, r = src[..., channel][ring], ref[..., channel][ring]
        scale = float(np.clip((r.std() + 1.0) / (s.std() + 1.0), 0.5, 2.0))
        out[..., channel] = (src[..., channel] - s.mean()) * scale + r.mean()
    return Image.fromarray(np.clip(out, 0, 255).round().astype(np.uint8), "RGB")


__all__ = ["fit_text", "typeset", "box_mask", "paste_feathered", "match_colors"]
