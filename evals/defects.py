"""Defect sets for the critics eval: deterministic images with and without a defect.

Text drawn right or with a one-letter misspelling (substitution, drop, swap) or not at
all; objects in their planned colour or a clearly different one; two objects swapped.
On sketch renders and on noisy photo-like backgrounds. Used by ``evals/critics.py`` and
the held-out check test; the texts and seeds are used nowhere else.
"""

from __future__ import annotations

import colorsys
import math
import os
import random
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from evals.ocr_engines import FONT_DIR
from tools.colors import COLORS, contrast_ratio, parse_color, text_color_on
from tools.critics.ocr import normalise
from tools.layout import assign_layout
from tools.render import render_shot
from tools.scene import Box, Character, SceneObject, ScenePlan, Shot, TextElement

# ------------------------------------------------------------------ ingredients

FONTS: tuple[str, ...] = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf",
)
MISSPELLINGS: tuple[str, ...] = ("substitution", "drop", "swap")
HUE_CIRCLE: tuple[str, ...] = ("red", "orange", "yellow", "green", "teal", "blue", "purple", "pink")
"""Planned colours, in hue order: a wrong colour is at least two steps away, a colour a
viewer would call by another name (red vs yellow, not red vs orange)."""

# Texts held out from everything the OCR critic was developed on (evals/ocr_engines.py
# and the unit tests use other strings).
SKETCH_TEXTS: tuple[str, ...] = (
    "PINE RIDGE CAMP", "Harbour Lights", "MOONLIT BAZAAR", "Copper Kettle Inn", "ROUTE 9 DINER",
    "Amber Waves", "the painted door", "SILVER FERN", "Winter Garden Show", "Lucky Pebble",
)
PHOTO_TEXTS: tuple[str, ...] = (
    "VELVET THUNDER", "north station", "Saffron House", "BLUE HERON MOTEL", "Quarry Road",
    "marble & oak", "STARLIGHT CINEMA", "Orchid Bay", "Twelve Bridges", "GOLDEN HIVE",
)
SKETCH_SETTINGS: tuple[str, ...] = ("street", "park", "bakery", "beach", "kitchen", "forest", "library", "city")
OBJECTS: tuple[str, ...] = ("balloon", "car", "umbrella", "kite", "bicycle", "apple", "hat", "fish")
SUBSET_STRIDE: dict[str, int] = {"easyocr": 11}
"""Engines too slow for every image read every n-th text pair (rapidocr reads all)."""


def misspell(text: str, kind: str, rng: random.Random) -> str:
    """``text`` with one letter substituted, dropped, or swapped with its neighbour.

    The edit must survive the critic's normalisation (case and spaces do not count), and a
    substituted letter is never one of i, l, o, whose glyphs read as I, 1, 0 in some fonts:
    a defect no reader could see is not a defect of the image.
    """
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    for _ in range(200):
        i = rng.choice(letters)
        if kind == "substitution":
            pool = [c for c in "abcdefghjkmnpqrstuvwxyz" if c != text[i].lower()]
            new = rng.choice(pool)
            wrong = text[:i] + (new.upper() if text[i].isupper() else new) + text[i + 1:]
        elif kind == "drop":
            wrong = text[:i] + text[i + 1:]
        elif kind == "swap":
            if i + 1 >= len(text) or not text[i + 1].isalpha():
                continue
            wrong = text[:i] + text[i + 1] + text[i] + text[i + 2:]
        else:
            raise ValueError(f"unknown misspelling {kind!r}; choose one of {', '.join(MISSPELLINGS)}")
        if normalise(wrong) != normalise(text):
            return wrong
    raise ValueError(f"no {kind} misspelling of {text!r} changes its letters")


def wrong_colour(planned: str, rng: random.Random) -> str:
    """A colour at least two steps from ``planned`` on :data:`HUE_CIRCLE`."""
    k = HUE_CIRCLE.index(planned)
    n = len(HUE_CIRCLE)
    return rng.choice([c for j, c in enumerate(HUE_CIRCLE) if min((j - k) % n, (k - j) % n) >= 2])


# -------------------------------------------------------------- photo-like images


def _random_rgb(rng: random.Random) -> tuple[int, int, int]:
    """A colour as photographs have them: any hue, rarely fully saturated."""
    r, g, b = colorsys.hsv_to_rgb(rng.random(), rng.uniform(0.05, 0.75), rng.uniform(0.15, 0.95))
    return round(r * 255), round(g * 255), round(b * 255)


def _pattern(size: tuple[int, int], kind: str, rng: random.Random) -> Image.Image:
    """A glyph-free texture (stripes, checks, dots, hatching), as in fabric, tiles, foliage."""
    w, h = size
    tile = Image.new("RGB", size, _random_rgb(rng))
    draw = ImageDraw.Draw(tile)
    ink = _random_rgb(rng)
    step = rng.randrange(6, 18)
    if kind == "stripes":
        for k in range(-h, w + h, step):
            draw.line((k, 0, k + h, h), fill=ink, width=max(1, step // 3))
    elif kind == "checks":
        for y in range(0, h, step):
            for x in range((y // step) % 2 * step, w, 2 * step):
                draw.rectangle((x, y, x + step - 1, y + step - 1), fill=ink)
    elif kind == "dots":
        for y in range(0, h, step):
            for x in range(0, w, step):
                r = rng.uniform(1, step / 3)
                draw.ellipse((x - r, y - r, x + r, y + r), fill=ink)
    else:  # hatching: short strokes in random directions, like grass or bark
        for _ in range(w * h // (step * step) * 2):
            x, y, a = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0, math.pi)
            length = rng.uniform(step / 2, step * 1.5)
            draw.line((x, y, x + length * math.cos(a), y + length * math.sin(a)), fill=ink, width=1)
    return tile


def photo_background(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A noisy photo-like backdrop without any text: what generated images put text on.

    Light (a two-colour gradient at a random angle), out-of-focus shapes (blurred blobs),
    in-focus clutter (translucent patches of stripes, checks, dots, hatching) and sensor
    noise, so a check meets texture and colour variation rather than a flat panel.
    """
    w, h = size
    noise = np.random.default_rng(rng.getrandbits(32))
    # 1. Light: a gradient between two colours.
    angle = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:h, 0:w] / max(w, h)
    t = np.cos(angle) * xs + np.sin(angle) * ys
    t = ((t - t.min()) / max(1e-6, float(np.ptp(t))))[..., None]
    a, b = np.array(_random_rgb(rng), float), np.array(_random_rgb(rng), float)
    image = Image.fromarray((a * (1 - t) + b * t).astype(np.uint8))
    # 2. Out-of-focus shapes.
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(6, 12)):
        x, y = rng.uniform(-0.1, 1.0) * w, rng.uniform(-0.1, 1.0) * h
        bw, bh = rng.uniform(0.1, 0.45) * w, rng.uniform(0.1, 0.45) * h
        shape = draw.ellipse if rng.random() < 0.6 else draw.rectangle
        shape((x, y, x + bw, y + bh), fill=_random_rgb(rng))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.012, 0.03) * max(w, h)))
    # 3. In-focus clutter: translucent textured patches.
    for _ in range(rng.randint(2, 4)):
        pw, ph = int(rng.uniform(0.15, 0.4) * w), int(rng.uniform(0.15, 0.4) * h)
        x, y = rng.randrange(0, w - pw), rng.randrange(0, h - ph)
        patch = _pattern((pw, ph), rng.choice(("stripes", "checks", "dots", "hatching")), rng)
        mask = Image.new("L", (pw, ph), int(rng.uniform(0.25, 0.55) * 255))
        image.paste(patch, (x, y), mask)
    # 4. Sensor noise.
    pixels = np.asarray(image, float) + noise.normal(0.0, rng.uniform(4, 12), (h, w, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


@dataclass(frozen=True)
class TextStyle:
    """How a text is drawn on a photo-like image: decided once, shared by a defect and its twin."""

    font: str
    font_px: int
    fill: tuple[int, int, int]
    xy: tuple[int, int]
    """Top-left of the text's bounding box, pixels."""
    effect: str
    """``plain``, ``outline`` (a contrasting stroke) or ``shadow`` (a soft drop shadow)."""


def text_style(background: Image.Image, text: str, font: str, rng: random.Random,
               min_px: int = 22, max_px: int = 64) -> TextStyle:
    """Size, place and colour for ``text``: as large as drawn (``min_px``..``max_px``) fits 90 %
    of the width, and a colour with WCAG contrast ≥ 4.5 to the mean of what lies beneath
    (legible to a person, so a miss is the critic's fault, not the picture's)."""
    w, h = background.size
    px = rng.randint(min_px, max_px)
    while px > min_px and _text_box(text, font, px)[2] > 0.9 * w:
        px -= 2
    _, _, tw, th = _text_box(text, font, px)
    x = rng.randint(int(0.04 * w), max(int(0.04 * w), int(w - tw - 0.04 * w)))
    y = rng.randint(int(0.05 * h), max(int(0.05 * h), int(h - th - 0.05 * h)))
    under = np.asarray(background.crop((x, y, x + tw, y + th)), float).reshape(-1, 3).mean(axis=0)
    under_rgb = tuple(int(v) for v in under)
    candidates = [COLORS[n] for n in ("white", "black", "yellow", "red", "navy", "cream", "lime", "cyan",
                                      "magenta", "orange", "charcoal", "pink")]
    rng.shuffle(candidates)
    fill = next((c for c in candidates if contrast_ratio(c, under_rgb) >= 4.5), text_color_on(under_rgb))
    return TextStyle(font=font, font_px=px, fill=fill, xy=(x, y),
                     effect=rng.choice(("plain", "plain", "outline", "shadow")))


def _text_box(text: str, font: str, px: int) -> tuple[int, int, int, int]:
    """(left, top, width, height) of ``text`` drawn at the origin."""
    fnt = ImageFont.truetype(os.path.join(FONT_DIR, font), px)
    x0, y0, x1, y1 = fnt.getbbox(text)
    return x0, y0, x1 - x0, y1 - y0


def draw_text(background: Image.Image, text: str | None, style: TextStyle) -> Image.Image:
    """A copy of ``background`` with ``text`` drawn in ``style`` (None draws nothing: missing text)."""
    image = background.copy()
    if text is None:
        return image
    fnt = ImageFont.truetype(os.path.join(FONT_DIR, style.font), style.font_px)
    left, top, _, _ = _text_box(text, style.font, style.font_px)
    xy = (style.xy[0] - left, style.xy[1] - top)
    contrast = text_color_on(style.fill)
    if style.effect == "shadow":
        layer = Image.new("L", image.size, 0)
        offset = max(1, style.font_px // 16)
        ImageDraw.Draw(layer).text((xy[0] + offset, xy[1] + offset), text, font=fnt, fill=170)
        image.paste(contrast, (0, 0), layer.filter(ImageFilter.GaussianBlur(offset)))
    stroke = max(1, style.font_px // 18) if style.effect == "outline" else 0
    ImageDraw.Draw(image).text(xy, text, font=fnt, fill=style.fill, stroke_width=stroke, stroke_fill=contrast)
    return image


def photo_text_pair(text: str, wrong: str | None, *, size: tuple[int, int], font: str,
                    seed: int) -> tuple[Image.Image, Image.Image, TextStyle]:
    """``text`` and its defect (``wrong``; None: text missing) on the same photo-like image."""
    rng = random.Random(seed)
    background = photo_background(size, rng)
    style = text_style(background, text, font, rng)
    return draw_text(background, text, style), draw_text(background, wrong, style), style


def draw_object(image: Image.Image, box: tuple[int, int, int, int], colour: str, rng: random.Random) -> None:
    """A shaded, outlined shape in ``colour`` filling most of ``box`` (a stand-in for a photographed thing)."""
    rgb = np.array(parse_color(colour), float)
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    inset = (rng.uniform(0.02, 0.12) * w, rng.uniform(0.02, 0.12) * h)
    shape = Image.new("L", (w, h), 0)
    body = (inset[0], inset[1], w - inset[0], h - inset[1])
    kind = rng.choice(("ellipse", "rounded", "blob"))
    drawer = ImageDraw.Draw(shape)
    if kind == "ellipse":
        drawer.ellipse(body, fill=255)
    elif kind == "rounded":
        drawer.rounded_rectangle(body, radius=min(w, h) * 0.2, fill=255)
    else:
        cx, cy = w / 2, h / 2
        points = []
        for k in range(12):
            a = 2 * math.pi * k / 12
            r = rng.uniform(0.75, 1.0)
            points.append((cx + math.cos(a) * r * (w / 2 - inset[0]), cy + math.sin(a) * r * (h / 2 - inset[1])))
        drawer.polygon(points, fill=255)
        shape = shape.filter(ImageFilter.GaussianBlur(2)).point(lambda v: 255 if v > 128 else 0)
    # Light from the top left: brighter there, darker toward the bottom right, plus grain.
    ys, xs = np.mgrid[0:h, 0:w]
    shade = 1.15 - 0.35 * ((xs / max(1, w) + ys / max(1, h)) / 2)
    jitter = np.array([rng.uniform(-10, 10) for _ in range(3)])
    grain = np.random.default_rng(rng.getrandbits(32)).normal(0, 5, (h, w, 3))
    body_rgb = np.clip((rgb + jitter) * shade[..., None] + grain, 0, 255).astype(np.uint8)
    outline = shape.filter(ImageFilter.MaxFilter(5))
    image.paste(tuple(int(v * 0.45) for v in rgb), (x0, y0), outline)
    image.paste(Image.fromarray(body_rgb), (x0, y0), shape)


# ------------------------------------------------------------------- defect sets

TEXT_DEFECTS: tuple[str, ...] = (*MISSPELLINGS, "missing")
SKETCH_SIZES: tuple[tuple[int, int], ...] = ((512, 512), (768, 512), (512, 640))
PHOTO_SIZES: tuple[tuple[int, int], ...] = ((512, 512), (640, 480), (768, 512), (480, 640))
_FOX = Character(id="mira", name="Mira", species="fox", colors={"body": "orange"})


@dataclass(frozen=True)
class Case:
    """One image, the shot it is checked against, and whether it has a defect."""

    name: str
    check: str
    """The check the set is for: ``ocr`` or ``color``."""
    defect: str
    """``none`` (the clean twin) or the defect drawn: substitution, drop, swap, missing,
    wrong colour, swapped."""
    background: str
    """``sketch`` or ``photo``."""
    pair: int
    """Index of the defect/clean pair; subsets take whole pairs."""
    image: Image.Image = field(repr=False, compare=False)
    shot: Shot = field(repr=False, compare=False)
    drawn: str = ""
    """What the image shows, for the report ("Harbour Ligths", "blue kite")."""

    @property
    def positive(self) -> bool:
        return self.defect != "none"


def _sketch_text_pair(text: str, wrong: str | None, k: int) -> tuple[Shot, Image.Image, Image.Image]:
    """Planned shot, clean render and defect render of a sketch frame whose text is ``text``.

    The layout is fixed from the correct plan and the defect only changes the string (or
    drops the text), as a generator that misspells would: same box, same scene.
    """
    role = ("sign", "title", "caption", "bubble", "label")[k % 5]
    setting = SKETCH_SETTINGS[k % len(SKETCH_SETTINGS)]
    size = SKETCH_SIZES[k % len(SKETCH_SIZES)]
    bubble = role == "bubble"
    obj = SceneObject(name=OBJECTS[k % len(OBJECTS)], count=1 + k % 3, color=HUE_CIRCLE[k % len(HUE_CIRCLE)])
    shot = Shot(index=0, prompt=f"{setting} scene", characters=["mira"] if bubble else [], objects=[obj],
                texts=[TextElement(text=text, role=role, speaker="mira" if bubble else None)])
    plan = ScenePlan(request=f"a {setting} scene", setting=setting, characters=[_FOX] if bubble else [], shots=[shot])
    seed = 7000 + k
    layout = assign_layout(shot, plan, seed, aspect=size[0] / size[1])
    defect_texts = [] if wrong is None else [layout.texts[0].model_copy(update={"text": wrong})]
    broken = layout.model_copy(update={"texts": defect_texts})
    return layout, render_shot(layout, plan, size, seed).image, render_shot(broken, plan, size, seed).image


def text_cases() -> list[Case]:
    """Text defect pairs: every text × every kind of defect, on sketch and photo images."""
    cases: list[Case] = []
    for background, texts in (("sketch", SKETCH_TEXTS), ("photo", PHOTO_TEXTS)):
        for i, text in enumerate(texts):
            for j, defect in enumerate(TEXT_DEFECTS):
                k = i * len(TEXT_DEFECTS) + j
                pair = len(cases) // 2
                rng = random.Random(f"critics-eval:{background}:{k}")
                wrong = None if defect == "missing" else misspell(text, defect, rng)
                if background == "sketch":
                    shot, clean, bad = _sketch_text_pair(text, wrong, k)
                else:
                    font = FONTS[k % len(FONTS)]
                    clean, bad, _ = photo_text_pair(text, wrong, size=PHOTO_SIZES[k % len(PHOTO_SIZES)],
                                                    font=font, seed=rng.getrandbits(32))
                    shot = Shot(index=0, prompt="photo", texts=[TextElement(text=text)])
                name = f"{background}-text-{k:02d}"
                cases.append(Case(f"{name}-clean", "ocr", "none", background, pair, clean, shot, text))
                cases.append(Case(f"{name}-{defect}", "ocr", defect, background, pair, bad, shot,
                                  "(no text)" if wrong is None else wrong))
    return cases


def _random_box(rng: random.Random, side: tuple[float, float] = (0.22, 0.36)) -> Box:
    w, h = rng.uniform(*side), rng.uniform(*side)
    x, y = rng.uniform(0.05, 0.95 - w), rng.uniform(0.3, 0.95 - h)
    return Box(x0=x, y0=y, x1=x + w, y1=y + h)


def _side_by_side(rng: random.Random) -> tuple[Box, Box]:
    """Two equal boxes left and right, so that swapping them moves whole objects."""
    w = rng.uniform(0.26, 0.34)
    h = rng.uniform(0.24, 0.32)
    y = rng.uniform(0.35, 0.95 - h)
    x = rng.uniform(0.04, 0.12)
    x2 = rng.uniform(0.55, 0.95 - w)
    return Box(x0=x, y0=y, x1=x + w, y1=y + h), Box(x0=x2, y0=y, x1=x2 + w, y1=y + h)


def _draw_objects(objects: Sequence[SceneObject], background: str, k: int, size: tuple[int, int]) -> Image.Image:
    """``objects`` at their boxes: clip-art in a sketch scene, or shaded shapes on a photo-like image."""
    if background == "sketch":
        setting = SKETCH_SETTINGS[k % len(SKETCH_SETTINGS)]
        shot = Shot(index=0, prompt=f"{setting} scene", objects=list(objects))
        plan = ScenePlan(request=f"a {setting} scene", setting=setting, shots=[shot])
        return render_shot(shot, plan, size, 8000 + k).image
    rng = random.Random(f"critics-eval:objects:{k}")
    image = photo_background(size, rng)
    for obj in objects:
        draw_object(image, obj.box.to_pixels(*size), obj.color or "grey", random.Random(f"{k}:{obj.name}"))
    return image


def colour_cases(pairs: int = 12, swaps: int = 8) -> list[Case]:
    """Wrong-colour pairs and swapped-position pairs, on sketch and photo images."""
    cases: list[Case] = []
    for background in ("sketch", "photo"):
        for k in range(pairs + swaps):
            rng = random.Random(f"critics-eval:colour:{background}:{k}")
            size = (512, 512) if k % 2 == 0 else (768, 512)
            pair = len(cases) // 2
            planned_colour = HUE_CIRCLE[k % len(HUE_CIRCLE)]
            name = OBJECTS[k % len(OBJECTS)]
            if k < pairs:
                planned = [SceneObject(name=name, color=planned_colour, box=_random_box(rng))]
                drawn = [planned[0].model_copy(update={"color": wrong_colour(planned_colour, rng)})]
                defect, label = "wrong colour", f"{drawn[0].color} {name} (planned {planned_colour})"
            else:
                left, right = _side_by_side(rng)
                other = OBJECTS[(k + 3) % len(OBJECTS)]
                planned = [SceneObject(name=name, color=planned_colour, box=left),
                           SceneObject(name=other, color=wrong_colour(planned_colour, rng), box=right)]
                drawn = [planned[0].model_copy(update={"box": right}), planned[1].model_copy(update={"box": left})]
                defect, label = "swapped", f"{planned[1].color} {other} | {planned_colour} {name} (planned the other way)"
            shot = Shot(index=0, prompt="objects", objects=planned)
            prefix = f"{background}-colour-{k:02d}"
            cases.append(Case(f"{prefix}-clean", "color", "none", background, pair,
                              _draw_objects(planned, background, k, size), shot,
                              ", ".join(f"{o.color} {o.name}" for o in planned)))
            cases.append(Case(f"{prefix}-{defect.replace(' ', '-')}", "color", defect, background, pair,
                              _draw_objects(drawn, background, k, size), shot, label))
    return cases
