"""Painting a shot's background from its :class:`~tools.scenery.look.Look`.

A backdrop is built in layers. The fixed ones depend only on the look and the frame size and
are cached: the plain sky (or wall) and ground gradients, the same with stars, and the
setting's drawn structure on a transparent layer (:mod:`.rooms`, :mod:`.nature`,
:mod:`.towns`, :mod:`.worlds`). Per shot, the sun, moon or Earth go behind the structure,
clear of text and figures; under every text box the plain gradient shows again; the seed
scatters OpenMoji props on the ledges the painter reported, clear of text, objects and figures
and never of a noun the shot counts; an interior's window shows the time and weather outside;
the weather goes over it all, and the caller draws characters, objects and text on top.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tools import clipart
from tools.colors import darken, lighten
from tools.geometry import overlaps, stable_rng
from tools.scenery import nature, rooms, towns, worlds
from tools.scenery.interiors import counter, faded, paint_room, shelves, window_box, window_frame
from tools.scenery.look import COVERED, Look
from tools.scenery.paint import Ledge, Painter, Stage
from tools.scenery.sky import earth, gradient, moon, stars, sun, time_sun, weather

PixelBox = tuple[int, int, int, int]

PAINTERS: dict[str, Painter] = {**rooms.PAINTERS, **nature.PAINTERS, **towns.PAINTERS, **worlds.PAINTERS}
"""The drawn backdrop of each setting that has one of its own, by canonical name."""
_BY_KIND: dict[str, Painter] = {"shelf": paint_room, "studio": paint_room, "horizon": nature.paint_meadow,
                                "space": worlds.paint_space, "water": worlds.paint_underwater,
                                "plain": lambda layer, look, hy: Stage()}  # one flat colour, nothing drawn on it
_STAR_DENSITY = {"space": 3.0, "moon": 2.2, "mars": 1.2}


@dataclass(frozen=True)
class _Layers:
    plain: Image.Image
    """Sky (or wall) and ground gradients only: what shows under a text box."""
    sky: Image.Image
    """The plain layer with stars."""
    scenery: Image.Image
    """RGBA: the setting's fixed structure."""
    stage: Stage


class _LayerCache:
    """Built layers by (look, size), least recently used out first, within a byte budget."""

    def __init__(self, budget: int) -> None:
        self._budget = budget
        self._items: OrderedDict[tuple[Look, tuple[int, int]], _Layers] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, look: Look, size: tuple[int, int]) -> _Layers:
        key = (look, size)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        layers = _build(look, size)
        cost = size[0] * size[1] * 10  # two RGB layers and one RGBA
        with self._lock:
            if key not in self._items and cost <= self._budget:
                self._items[key] = layers
                self._bytes += cost
                while self._bytes > self._budget:
                    (_, (w, h)), _ = self._items.popitem(last=False)
                    self._bytes -= w * h * 10
        return layers


_CACHE = _LayerCache(64 << 20)


def painter_for(look: Look) -> Painter:
    """The painter of ``look``'s setting, else the generic one of its kind."""
    return PAINTERS.get(look.setting or "", _BY_KIND.get(look.kind, paint_room))


def _build(look: Look, size: tuple[int, int]) -> _Layers:
    W, H = size
    hy = int(H * look.horizon)
    arr = np.empty((H, W, 3))
    arr[:hy] = gradient(W, hy, *look.sky)
    arr[hy:] = gradient(W, H - hy, lighten(look.ground, 0.08), darken(look.ground, 0.12))
    if look.kind in ("shelf", "studio"):  # a soft pool of light on the back wall
        yy, xx = np.ogrid[0:H, 0:W]
        short = min(W, H)
        pool = np.exp(-(((xx - W * 0.5) / (0.55 * W)) ** 2 + ((yy - H * 0.3) / (0.5 * short)) ** 2))
        arr = arr + (22 * pool)[..., None] * (np.arange(H) < hy)[:, None, None]
    plain = Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB")
    sky = plain.copy()
    if look.night and look.weather not in COVERED and look.kind not in ("shelf", "studio") and \
            (look.time is None or look.kind != "water"):
        stars(ImageDraw.Draw(sky), W, hy, stable_rng("stars", look.setting, size), min(W, H),
              _STAR_DENSITY.get(look.setting or "", 1.0))
    scenery = Image.new("RGBA", size, (0, 0, 0, 0))
    stage = painter_for(look)(scenery, look, hy)
    return _Layers(plain=plain, sky=sky, scenery=scenery, stage=stage)


def plain_background(look: Look, size: tuple[int, int]) -> Image.Image:
    """The backdrop's plain sky (or wall) and ground gradients at ``size``, without scenery:
    what :func:`draw_background` leaves under every text box."""
    return _CACHE.get(look, size).plain.copy()


def draw_background(image: Image.Image, look: Look, rng: random.Random, *, text: list[PixelBox],
                    objects: Sequence[PixelBox] = (), exclude: Sequence[str] = (),
                    figures: Sequence[PixelBox] = ()) -> bool:
    """Paint the background into ``image``; return True if OpenMoji art was used.

    ``text`` and ``objects``: foreground boxes that props stay clear of (the plain backdrop
    shows under text). ``exclude``: nouns of the shot's objects, never used as props.
    ``figures``: the characters' boxes, which props, the sun, moon and window keep clear of.
    The look's weather is drawn last, so the caller's characters, objects and text go over it.
    """
    W, H = image.size
    if look.kind == "plain":  # a flat backdrop of one colour ("on a white background")
        image.paste(look.ground, (0, 0, W, H))
        return False
    hy = int(H * look.horizon)
    layers = _CACHE.get(look, (W, H))
    image.paste(layers.sky)
    text = [tuple(int(v) for v in t) for t in text]
    avoid = list(text) + [tuple(int(v) for v in o) for o in objects]
    clear_of = avoid + [tuple(int(v) for v in f) for f in figures]
    window = None
    if look.outside is not None:  # interiors show the time and weather through a window
        window = window_box(image.size, look, hy, list(text), clear_of, layers.stage)
    # 1. Sun, moon and Earth, behind the scenery (hills hide a low sun).
    if look.sun and "sun" not in exclude:
        if look.time is not None:
            time_sun(image, look, hy, clear_of, list(text))
        else:
            sun(image, look, rng, avoid)
    if look.time == "night" and look.kind == "horizon" and look.weather not in COVERED and "moon" not in exclude:
        moon(image, hy, clear_of, list(text))
    if look.setting == "moon" and "earth" not in exclude:
        earth(image, hy, clear_of, list(text))
    # 2. The setting's fixed structure, then the plain backdrop again under every text box.
    image.paste(layers.scenery, (0, 0), layers.scenery)
    _clear(image, layers.plain, text)
    # 3. Props from the seed.
    banned = {clipart.lookup(n) for n in exclude} | set(exclude)
    motifs = [m for m in look.motifs if m not in banned and clipart.lookup(m) not in banned]
    if look.kind == "shelf" and look.setting not in PAINTERS:
        used = False
        if motifs:
            holes = [window] if window else []
            used = shelves(image, look, motifs, hy, rng, list(text), holes)
            if look.counter:
                used |= counter(image, look, motifs, hy, rng, list(text), holes)
    else:
        used = _props(image, look, layers.stage.ledges, motifs, banned, rng, clear_of + ([window] if window else []))
    # 4. The window, then the weather over everything.
    if window is not None:
        _window(image, look, window, rng, layers.stage)
    if look.weather not in (None, "clear") and (look.kind == "horizon" or look.setting == "mars"):
        weather(image, look, hy, random.Random(rng.getrandbits(64)), clear_of, list(text))
    return used


def _clear(image: Image.Image, plain: Image.Image, text: list[PixelBox]) -> None:
    """Show the plain backdrop under each text box, fading into the scenery just outside it."""
    W, H = image.size
    pad = max(2, min(W, H) // 50)
    for x0, y0, x1, y1 in text:
        a, b, c, d = max(0, x0 - pad), max(0, y0 - pad), min(W, x1 + pad), min(H, y1 + pad)
        if c <= a or d <= b:
            continue
        mask = Image.new("L", (c - a, d - b), 0)
        ImageDraw.Draw(mask).rectangle((x0 - a, y0 - b, x1 - a - 1, y1 - b - 1), fill=255)
        soft = mask.filter(ImageFilter.GaussianBlur(pad / 2))
        mask = Image.fromarray(np.maximum(np.asarray(mask), np.asarray(soft)))
        image.paste(plain.crop((a, b, c, d)), (a, b), mask)


def _props(image: Image.Image, look: Look, ledges: Sequence[Ledge], motifs: list[str], banned: set,
           rng: random.Random, avoid: list[PixelBox]) -> bool:
    """OpenMoji props on the painter's ledges, faded toward the backdrop, clear of ``avoid``."""
    short = min(image.size)
    used = False
    for ledge in ledges:
        nouns = [n for n in ledge.nouns if n not in banned and clipart.lookup(n) not in banned] if ledge.nouns else motifs
        if not nouns:
            continue
        fade = ledge.fade + (0.15 if look.night else 0.0)
        span = ledge.x1 - ledge.x0
        if ledge.count:
            slots = [ledge.x0 + (i + 0.5 + rng.uniform(-0.3, 0.3)) * span / ledge.count for i in range(ledge.count)]
        else:
            slots = [ledge.x0 + short * ledge.size * (0.5 + 1.6 * i) for i in range(max(1, int(span / (short * ledge.size * 1.6))))]
        for i, cx in enumerate(slots):
            noun = nouns[(i + rng.randrange(len(nouns))) % len(nouns)]
            art = faded(noun, int(short * ledge.size * rng.uniform(0.8, 1.2)), look.sky[1], fade)
            if art is None:
                continue
            x = int(cx - art.width / 2)
            y = int(ledge.y - art.height - (rng.uniform(0, ledge.lift) if ledge.lift else 0))
            box = (x, y, x + art.width, y + art.height)
            if any(overlaps(box, a) for a in avoid):
                continue
            image.paste(art, (x, y), art)
            used = True
    return used


def _window(image: Image.Image, look: Look, box: PixelBox, rng: random.Random, stage: Stage) -> None:
    """The outside (``look.outside``, drawn as a backdrop of its own) framed in ``box``."""
    frame = max(3, min(image.size) // 70)
    view = Image.new("RGB", (box[2] - box[0] - 2 * frame, box[3] - box[1] - 2 * frame))
    draw_background(view, look.outside, random.Random(rng.getrandbits(64)), text=[])
    window_frame(image, look, box, view, stage.curtains)


_RAW_PAIRS = [((236, 232, 244), (206, 214, 236)), ((244, 236, 226), (226, 210, 196)),
              ((230, 240, 236), (200, 222, 214)), ((240, 240, 236), (214, 216, 206)),
              ((246, 232, 232), (228, 206, 212)), ((232, 238, 246), (208, 220, 236))]


def draw_raw_background(image: Image.Image, seed: int) -> None:
    """A quiet backdrop from the seed alone: a soft diagonal gradient and a few discs."""
    rng = stable_rng("raw", seed)
    W, H = image.size
    a, b = rng.choice(_RAW_PAIRS)
    yy, xx = np.mgrid[0:H, 0:W]
    t = ((xx / W) * rng.uniform(0.2, 0.8) + (yy / H))[..., None] / 1.8
    arr = np.array(a, float) * (1 - t) + np.array(b, float) * t
    image.paste(Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB"))
    layer = Image.new("L", image.size, 0)
    d = ImageDraw.Draw(layer)
    short = min(W, H)
    for _ in range(3):
        cx, cy, r = rng.uniform(0, W), rng.uniform(0, H * 0.7), rng.uniform(0.15, 0.35) * short
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=rng.randint(28, 50))
    image.paste(lighten(b, 0.6), (0, 0), layer)
