"""Backgrounds for the sketch renderer: sky or wall, ground or floor, setting motifs.

A plan's setting and light decide the look (:func:`scene_look`), so every shot of a batch
shares it unless the request set a shot apart ("one in a storm and one on a sunny day": the
shot's own light and setting win); the seed only moves motifs around. Motifs are drawn faded and
small, never where text goes, and never of a noun the shot counts (a forest of
trees would spoil "three trees").
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tools import clipart
from tools.colors import RGB, darken, is_dark_light, light_gradient, lighten, luminance, mix, parse_color, saturation
from tools.geometry import overlaps, stable_rng
from tools.scene import ScenePlan, Shot

PixelBox = tuple[int, int, int, int]

# keywords -> (kind, motifs, wall/sky override, ground/floor colour)
_SETTINGS: list[tuple[tuple[str, ...], str, tuple[str, ...], RGB | None, RGB]] = [
    (("bakery", "boulangerie", "patisserie", "pastry"), "shelf",
     ("baguette bread", "croissant", "pretzel", "bagel", "croissant"), (247, 232, 208), (190, 142, 100)),
    (("cafe", "café", "coffee shop", "coffeehouse"), "shelf", ("hot beverage", "croissant", "shortcake", "teacup without handle"),
     (240, 226, 206), (160, 115, 80)),
    (("kitchen", "restaurant", "diner"), "shelf", ("cooking", "teapot", "red apple", "cheese wedge"),
     (236, 236, 228), (180, 170, 160)),
    (("library", "bookstore", "bookshop", "study"), "shelf", ("books", "closed book", "books", "notebook"),
     (236, 226, 210), (150, 105, 75)),
    (("shop", "store", "market", "supermarket", "grocer", "grocery"), "shelf", ("red apple", "banana", "grapes", "tangerine"),
     (240, 236, 226), (190, 185, 175)),
    (("classroom", "school", "office", "room", "bedroom", "living room", "lab", "laboratory"), "shelf",
     ("potted plant", "books", "alarm clock"), (236, 232, 224), (185, 160, 135)),
    (("forest", "woods", "jungle", "woodland"), "horizon",
     ("evergreen tree", "deciduous tree", "evergreen tree", "deciduous tree"), None, (96, 160, 80)),
    (("park", "garden", "meadow", "field", "countryside", "farm", "picnic"), "horizon",
     ("deciduous tree", "tulip", "herb", "deciduous tree"), None, (120, 180, 90)),
    (("beach", "seaside", "coast", "island", "tropical", "sea", "ocean", "lake", "shore"), "horizon", ("palm tree", "palm tree", "spiral shell"),
     None, (236, 214, 160)),
    (("desert", "dune"), "horizon", ("cactus", "cactus", "rock"), None, (230, 196, 140)),
    (("snow", "winter", "arctic", "ski"), "horizon", ("evergreen tree", "evergreen tree"), None, (238, 242, 248)),
    (("mountain", "hill", "alps", "valley"), "horizon", ("snow capped mountain", "evergreen tree"), None, (120, 170, 95)),
    (("city", "street", "town", "downtown", "village"), "horizon",
     ("office building", "house building", "house with garden", "office building"), None, (170, 170, 175)),
    (("space", "galaxy", "orbit", "planet", "cosmos"), "space", ("ringed planet",), (10, 14, 40), (90, 90, 100)),
    (("underwater", "under water", "under the sea", "reef", "seabed", "aquarium"), "water", ("coral", "spiral shell", "coral"), (40, 120, 180), (220, 200, 150)),
]


@dataclass(frozen=True)
class Look:
    """The per-plan look shared by every shot: colours, horizon, setting motifs."""

    sky: tuple[RGB, RGB]
    ground: RGB
    horizon: float
    kind: str  # "studio", "shelf", "horizon", "space", "water"
    motifs: tuple[str, ...] = ()
    accent: RGB = (200, 64, 70)
    board: RGB = (250, 238, 206)
    night: bool = False
    sun: bool = False
    counter: bool = False
    sea: bool = False

    def text_fill(self, role: str) -> RGB | None:
        """Panel colour for a text role: signs on a light board, titles on the accent."""
        return {"sign": self.board, "title": self.accent}.get(role)


def _matches(key: str, text: str) -> bool:
    return re.search(rf"\b{re.escape(key)}(s|es)?\b", text) is not None


def detect_setting(text: str) -> str | None:
    """The first place word of ``text`` the renderer has scenery for ("bakery", "forest").

    For planners: a noun found here is a setting, not an object to count.
    """
    lowered = text.lower()
    for keys, *_ in _SETTINGS:
        for key in keys:
            if _matches(key, lowered):
                return key
    return None


def scene_look(plan: ScenePlan | None, shot: Shot | None = None) -> Look:
    """The look of a plan (None: a neutral studio backdrop), from setting, light and palette;
    ``shot``'s own light and setting, when it has them, win over the plan's."""
    # Without a planned setting, a place named in the request ("a bakery poster") still sets the scene.
    setting = ((plan.setting or plan.request) if plan else "").lower()
    light = plan.light if plan else None
    if shot is not None:
        setting = (shot.setting or setting).lower()
        light = shot.light or light
    palette = tuple(c for c in (parse_color(n) for n in (plan.palette if plan else [])) if c)
    kind, motifs, wall, ground = "studio", (), None, (214, 208, 198)
    for keys, k, m, w, g in _SETTINGS:
        if any(_matches(key, setting) for key in keys):
            kind, motifs, wall, ground = k, m, w, g
            break
    grad = light_gradient(light)
    night = is_dark_light(light)
    if kind in ("shelf", "studio"):
        base = wall or (238, 234, 228)
        if palette:
            base = mix(base, max(palette, key=luminance), 0.12)
        sky = (lighten(base, 0.25), base)
        if grad is not None:  # light tints an interior rather than replacing the wall
            sky = (mix(sky[0], grad[0], 0.25), mix(sky[1], grad[1], 0.25))
        horizon = 0.68
    elif kind == "space":
        sky, horizon = ((6, 8, 26), (30, 36, 80)), 0.84
    elif kind == "water":
        sky, horizon = ((20, 70, 140), (90, 175, 215)), 0.82
    else:
        sky, horizon = grad or ((125, 185, 235), (218, 236, 250)), 0.6
        if night:
            ground = darken(ground, 0.55)
        elif grad is not None:
            ground = mix(ground, grad[1], 0.2)
    accent = max(palette, key=saturation) if palette else (196, 58, 66)
    light_pal = [c for c in palette if luminance(c) > 0.45]
    board = mix(light_pal[0], (255, 250, 240), 0.55) if light_pal else (250, 238, 206)
    if palette and not light_pal:
        board = mix(palette[0], (255, 250, 240), 0.8)
    sun = kind == "horizon" and not night and bool(re.search(r"sun|day|noon|golden|warm|dawn|morning", light or "day"))
    counter = kind == "shelf" and bool(re.search(r"bakery|boulangerie|patisserie|pastry|caf|coffee|shop|store|"
                                                 r"grocer|market|restaurant|diner", setting))
    return Look(sky=sky, ground=ground, horizon=horizon, kind=kind, motifs=motifs,
                accent=accent, board=board, night=night or kind == "space", sun=sun, counter=counter,
                sea=kind == "horizon" and bool(re.search(r"beach|seaside|coast|island|\bsea\b|ocean|lake|shore", setting)))


def _gradient(w: int, h: int, top: RGB, bottom: RGB) -> np.ndarray:
    t = np.linspace(0.0, 1.0, max(1, h))[:, None, None]
    col = np.array(top, float) * (1 - t) + np.array(bottom, float) * t
    return np.broadcast_to(col, (h, w, 3))


def draw_background(image: Image.Image, look: Look, rng: random.Random, *, text: list[PixelBox],
                    objects: list[PixelBox] = (), exclude: list[str] = ()) -> bool:
    """Paint the background into ``image``; return True if OpenMoji art was used.

    ``text`` and ``objects``: foreground boxes that motifs stay clear of (shelves only
    avoid text). ``exclude``: nouns of the shot's objects, never used as motifs.
    """
    W, H = image.size
    hy = int(H * (look.horizon + rng.uniform(-0.02, 0.02)))
    arr = np.empty((H, W, 3))
    arr[:hy] = _gradient(W, hy, *look.sky)
    arr[hy:] = _gradient(W, H - hy, lighten(look.ground, 0.08), darken(look.ground, 0.12))
    if look.kind in ("shelf", "studio"):  # a soft pool of light on the back wall
        yy, xx = np.ogrid[0:H, 0:W]
        short = min(W, H)
        glow = np.exp(-(((xx - W * 0.5) / (0.55 * W)) ** 2 + ((yy - H * 0.3) / (0.5 * short)) ** 2))
        arr = arr + (22 * glow)[..., None] * (np.arange(H) < hy)[:, None, None]
    image.paste(Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB"))
    draw = ImageDraw.Draw(image)
    short = min(W, H)
    if look.kind in ("shelf", "studio"):
        draw.rectangle((0, hy - max(2, short // 90), W, hy), fill=darken(look.sky[1], 0.18))
        if look.kind == "shelf":  # floorboards, closer together toward the back
            for f in (0.1, 0.24, 0.42, 0.66):
                y = hy + (H - hy) * f
                draw.line((0, y, W, y), fill=darken(look.ground, 0.1), width=max(1, short // 300))
    else:
        draw.line((0, hy, W, hy), fill=darken(look.ground, 0.15), width=max(1, short // 256))
    if look.sea:  # a band of sea between sky and sand
        sea_h = int(H * 0.07)
        band = _gradient(W, sea_h, (40, 150, 190), (90, 190, 205))
        image.paste(Image.fromarray(np.clip(band + 0.5, 0, 255).astype(np.uint8), "RGB"), (0, hy))
        draw.line((0, hy + sea_h, W, hy + sea_h), fill=(250, 250, 245), width=max(2, short // 120))
        hy += sea_h
    elif look.kind == "horizon" and not look.night:
        _hills(image, look, hy, rng)
    if look.night:
        _stars(draw, W, hy, rng, short)
    avoid = list(text) + list(objects)
    if look.sun and "sun" not in exclude:
        _sun(image, look, rng, avoid)
    banned = {clipart.lookup(n) for n in exclude} | set(exclude)
    motifs = [m for m in look.motifs if m not in banned and clipart.lookup(m) not in banned]
    if not motifs:
        return False
    if look.kind == "shelf":
        used = _shelves(image, look, motifs, hy, rng, list(text))
        if look.counter:
            used |= _counter(image, look, motifs, hy, rng, list(text))
        return used
    return _row(image, look, motifs, hy, rng, avoid)


def _hills(image: Image.Image, look: Look, hy: int, rng: random.Random) -> None:
    W, H = image.size
    draw = ImageDraw.Draw(image)
    color = mix(look.ground, look.sky[1], 0.4)
    for _ in range(2):
        cx, rx = rng.uniform(0, W), rng.uniform(0.35, 0.6) * W
        ry = rng.uniform(0.06, 0.1) * H
        draw.ellipse((cx - rx, hy - ry, cx + rx, hy + ry), fill=color)
    arr = _gradient(W, H - hy, lighten(look.ground, 0.08), darken(look.ground, 0.12))
    image.paste(Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB"), (0, hy))


def _stars(draw: ImageDraw.ImageDraw, W: int, hy: int, rng: random.Random, short: int) -> None:
    for _ in range(max(12, W * hy // 9000)):
        x, y = rng.uniform(0, W), rng.uniform(0, hy * 0.9)
        r = rng.choice([0.6, 0.8, 1.2]) * max(1, short / 400)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(235, 235, 255))


def _sun(image: Image.Image, look: Look, rng: random.Random, avoid: list[PixelBox]) -> None:
    W, H = image.size
    r = min(W, H) * 0.07
    for cx, cy in ((W * 0.85, H * 0.13), (W * 0.15, H * 0.13), (W * 0.85, H * 0.42), (W * 0.12, H * 0.42)):
        box = (int(cx - r * 1.6), int(cy - r * 1.6), int(cx + r * 1.6), int(cy + r * 1.6))
        if not any(overlaps(box, a) for a in avoid):
            glow = Image.new("L", image.size, 0)
            ImageDraw.Draw(glow).ellipse((cx - r * 1.5, cy - r * 1.5, cx + r * 1.5, cy + r * 1.5), fill=90)
            image.paste((255, 244, 200), (0, 0), glow.filter(ImageFilter.GaussianBlur(r * 0.4)))
            ImageDraw.Draw(image).ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 214, 90))
            return


def _faded(noun: str, size: int, toward: RGB, amount: float) -> Image.Image | None:
    art = clipart.draw(noun, size)
    if art is None:
        return None
    rgb = Image.blend(art.convert("RGB"), Image.new("RGB", art.size, toward), amount)
    rgb.putalpha(art.getchannel("A"))
    return rgb


def _row(image: Image.Image, look: Look, motifs: list[str], hy: int, rng: random.Random,
         avoid: list[PixelBox]) -> bool:
    """Motifs standing along the horizon (trees, houses), faded for depth."""
    W, H = image.size
    short = min(W, H)
    used = False
    n = max(3, round(W / short * 4))
    for i in range(n):
        noun = motifs[(i + rng.randrange(len(motifs))) % len(motifs)]
        size = int(short * rng.uniform(0.13, 0.2))
        art = _faded(noun, size, look.sky[1], 0.35)
        if art is None:
            continue
        cx = (i + 0.5 + rng.uniform(-0.3, 0.3)) * W / n
        x, y = int(cx - art.width / 2), int(hy - art.height * 0.92)
        if look.kind == "space":
            y = int(rng.uniform(0.12, 0.6) * hy)
        box = (x, y, x + art.width, y + art.height)
        if any(overlaps(box, a) for a in avoid):
            continue
        image.paste(art, (x, y), art)
        used = True
    return used


def _shelves(image: Image.Image, look: Look, motifs: list[str], hy: int, rng: random.Random,
             text: list[PixelBox]) -> bool:
    """Interior: wooden shelves on the back wall holding the setting's items (bread in a bakery)."""
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
        draw.rectangle((0, y, W, y + plank), fill=_WOOD)
        draw.line((0, y, W, y), fill=lighten(_WOOD, 0.25), width=max(1, plank // 3))
        x = rng.uniform(0.0, item)
        while x < W - item:
            art = _faded(motifs[k % len(motifs)], item, look.sky[1], 0.3)
            k += 1
            if art is None:
                break
            box = (int(x), y - art.height, int(x) + art.width, y)
            if not any(overlaps(box, a) for a in text):
                image.paste(art, box[:2], art)
                used = True
            x += art.width + item * rng.uniform(0.5, 1.3)
    return used


def _counter(image: Image.Image, look: Look, motifs: list[str], hy: int, rng: random.Random,
             text: list[PixelBox]) -> bool:
    """A shop counter across the floor line, a few wares on top (bakery, cafe, shop)."""
    W, H = image.size
    short = min(W, H)
    top, bottom = hy - int(H * 0.03), hy + int(H * 0.15)
    if any(overlaps((0, top - int(short * 0.1), W, bottom), t) for t in text):
        return False
    draw = ImageDraw.Draw(image)
    lw = max(1, short // 200)
    front = darken(_WOOD, 0.08)
    draw.rectangle((0, top, W, bottom), fill=front)
    panels = max(3, round(W / short * 4))
    for i in range(panels):
        x0, x1 = W * i / panels + short * 0.02, W * (i + 1) / panels - short * 0.02
        draw.rectangle((x0, top + short * 0.045, x1, bottom - short * 0.025), outline=darken(front, 0.2), width=lw)
    draw.rectangle((0, top, W, top + max(3, short // 45)), fill=lighten(_WOOD, 0.3))
    draw.rectangle((0, bottom, W, bottom + max(2, short // 80)), fill=darken(look.ground, 0.25))
    used = False
    size = int(short * 0.1)
    for i in range(max(2, round(W / short * 3))):
        art = _faded(motifs[(i + rng.randrange(3)) % len(motifs)], size, look.sky[1], 0.2)
        if art is None:
            continue
        x = int(W * (i + 0.5) / max(2, round(W / short * 3)) + rng.uniform(-0.05, 0.05) * W - art.width / 2)
        box = (x, top - art.height + lw * 2, x + art.width, top + lw * 2)
        if not any(overlaps(box, t) for t in text):
            image.paste(art, box[:2], art)
            used = True
    return used


_WOOD: RGB = (168, 118, 78)
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
