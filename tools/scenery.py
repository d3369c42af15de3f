"""Backgrounds for the sketch renderer: sky or wall, ground or floor, setting motifs.

A plan's setting and light decide the look (:func:`scene_look`), so every shot of a batch
shares it unless the request set a shot apart ("one in a storm and one on a sunny day": the
shot's own light and setting win); the seed only moves motifs around. Motifs are drawn faded and
small, never where text goes, and never of a noun the shot counts (a forest of
trees would spoil "three trees").

A shot's typed ``time_of_day`` and ``weather`` tell the story frame by frame: the time sets the
sky (a low pink sun at dawn, a high one at noon, a setting one at dusk, moon and stars at night,
the ground darker with it) and wins over a light word; the weather is drawn over the background
and under the characters, objects and text (rain streaks, storm clouds and lightning, snow on
the ground and in the air, a fog veil thickest at the horizon, clouds, wind lines). Interiors
show both through a window. With neither set, backgrounds are exactly what they always were.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tools import clipart
from tools.colors import (TIME_SKIES, RGB, darken, is_dark_light, light_gradient, lighten, luminance, mix,
                          parse_color, saturation, time_ground, weather_sky)
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
    time: str | None = None
    """The shot's typed time of day, when it has one (None: ``light`` alone set the sky)."""
    weather: str | None = None
    """The shot's typed weather, drawn over the background ("clear" adds nothing)."""
    outside: "Look | None" = None
    """For an interior with a time or weather: the view through its window."""

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


#: An open field for shots that have a time or weather but no setting: a sky to show them in.
_OPEN_GROUND: RGB = (128, 172, 104)
#: Weather that hides the sun (and, at night, the moon and stars).
_COVERED = ("rain", "storm", "snow", "fog")


def scene_look(plan: ScenePlan | None, shot: Shot | None = None) -> Look:
    """The look of a plan (None: a neutral studio backdrop), from setting, light and palette;
    ``shot``'s own light and setting, when it has them, win over the plan's, and its typed
    ``time_of_day`` wins over both lights. A shot with a time or weather but no setting is
    drawn outdoors (an open field) rather than on the studio backdrop, so the sky can show them."""
    # Without a planned setting, a place named in the request ("a bakery poster") still sets the scene.
    setting = ((plan.setting or plan.request) if plan else "").lower()
    light = plan.light if plan else None
    time = getattr(shot, "time_of_day", None)
    weather = getattr(shot, "weather", None)
    if shot is not None:
        setting = (shot.setting or setting).lower()
        light = shot.light or light
    palette = tuple(c for c in (parse_color(n) for n in (plan.palette if plan else [])) if c)
    kind, motifs, wall, ground = "studio", (), None, (214, 208, 198)
    for keys, k, m, w, g in _SETTINGS:
        if any(_matches(key, setting) for key in keys):
            kind, motifs, wall, ground = k, m, w, g
            break
    if kind == "space":  # no day, night or weather out there
        time = weather = None
    if kind == "studio" and (time or weather):
        kind, ground = "horizon", _OPEN_GROUND
    grad = light_gradient(light) if time is None else TIME_SKIES[time]
    night = is_dark_light(light) if time is None else time == "night"
    if kind in ("shelf", "studio"):
        base = wall or (238, 234, 228)
        if palette:
            base = mix(base, max(palette, key=luminance), 0.12)
        sky = (lighten(base, 0.25), base)
        if grad is not None:  # light tints an interior rather than replacing the wall
            sky = (mix(sky[0], grad[0], 0.25), mix(sky[1], grad[1], 0.25))
        if time == "night":  # a lamp-lit room: darker walls and floor
            sky, ground = (darken(sky[0], 0.42), darken(sky[1], 0.42)), darken(ground, 0.38)
        elif time == "dusk":
            sky, ground = (darken(sky[0], 0.12), darken(sky[1], 0.12)), darken(ground, 0.1)
        horizon = 0.68
    elif kind == "space":
        sky, horizon = ((6, 8, 26), (30, 36, 80)), 0.84
    elif kind == "water":
        sky, horizon = ((20, 70, 140), (90, 175, 215)), 0.82
        if time is not None:  # the surface light, seen from below
            sky = (mix(sky[0], grad[0], 0.3), mix(sky[1], grad[1], 0.3))
            if night:
                sky, ground = (darken(sky[0], 0.55), darken(sky[1], 0.55)), darken(ground, 0.5)
    else:
        sky, horizon = grad or ((125, 185, 235), (218, 236, 250)), 0.6
        if time is not None:
            ground = time_ground(ground, time)
        elif night:
            ground = darken(ground, 0.55)
        elif grad is not None:
            ground = mix(ground, grad[1], 0.2)
        sky = weather_sky(sky, weather, night)
        if weather == "snow":  # a white layer over whatever the ground was
            ground = mix(ground, (236, 240, 248) if not night else (150, 160, 186), 0.82)
        elif weather in ("rain", "storm", "cloudy"):  # wet or shaded
            ground = darken(ground, {"rain": 0.12, "storm": 0.25, "cloudy": 0.06}[weather])
    accent = max(palette, key=saturation) if palette else (196, 58, 66)
    light_pal = [c for c in palette if luminance(c) > 0.45]
    board = mix(light_pal[0], (255, 250, 240), 0.55) if light_pal else (250, 238, 206)
    if palette and not light_pal:
        board = mix(palette[0], (255, 250, 240), 0.8)
    if time is None:
        sun = kind == "horizon" and not night and bool(re.search(r"sun|day|noon|golden|warm|dawn|morning", light or "day"))
    else:
        sun = kind == "horizon" and not night
    sun = sun and weather not in _COVERED
    outside = None
    if kind == "shelf" and (time or weather):  # the time and weather show through a window
        outside = replace(scene_look(None, Shot(index=0, prompt="outside", setting="meadow", light=light,
                                                 time_of_day=time, weather=weather)),
                          motifs=(), horizon=0.8)
    counter = kind == "shelf" and bool(re.search(r"bakery|boulangerie|patisserie|pastry|caf|coffee|shop|store|"
                                                 r"grocer|market|restaurant|diner", setting))
    return Look(sky=sky, ground=ground, horizon=horizon, kind=kind, motifs=motifs,
                accent=accent, board=board, night=night or kind == "space", sun=sun, counter=counter,
                sea=kind == "horizon" and bool(re.search(r"beach|seaside|coast|island|\bsea\b|ocean|lake|shore", setting)),
                time=time, weather=weather if kind in ("horizon", "shelf") else None, outside=outside)


def _gradient(w: int, h: int, top: RGB, bottom: RGB) -> np.ndarray:
    t = np.linspace(0.0, 1.0, max(1, h))[:, None, None]
    col = np.array(top, float) * (1 - t) + np.array(bottom, float) * t
    return np.broadcast_to(col, (h, w, 3))


def draw_background(image: Image.Image, look: Look, rng: random.Random, *, text: list[PixelBox],
                    objects: list[PixelBox] = (), exclude: list[str] = (), figures: list[PixelBox] = ()) -> bool:
    """Paint the background into ``image``; return True if OpenMoji art was used.

    ``text`` and ``objects``: foreground boxes that motifs stay clear of (shelves only
    avoid text). ``exclude``: nouns of the shot's objects, never used as motifs. ``figures``:
    the characters' boxes, which the time of day's sun, moon and window keep clear of. The
    look's weather is drawn last, so the caller's characters, objects and text go over it.
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
    avoid = list(text) + list(objects)
    window = None
    if look.outside is not None:  # interiors show the time and weather through a window
        window = _window_box(image.size, look, hy, list(text), avoid + list(figures))
    if look.time is not None and look.sun and "sun" not in exclude:  # before hills and sea: they hide a low sun
        _time_sun(image, look, hy, avoid + list(figures), list(text))
    horizon_y = hy
    if look.sea:  # a band of sea between sky and sand
        sea_h = int(H * 0.07)
        band = _gradient(W, sea_h, *_sea_colors(look))
        image.paste(Image.fromarray(np.clip(band + 0.5, 0, 255).astype(np.uint8), "RGB"), (0, hy))
        draw.line((0, hy + sea_h, W, hy + sea_h), fill=(250, 250, 245), width=max(2, short // 120))
        hy += sea_h
    elif look.kind == "horizon" and not look.night:
        _hills(image, look, hy, rng)
    if look.night and look.weather not in _COVERED and (look.time is None or look.kind == "horizon"):
        _stars(draw, W, hy, rng, short)
        if look.time == "night" and look.kind == "horizon" and "moon" not in exclude:
            _moon(image, hy, avoid + list(figures), list(text))
    if look.time is None and look.sun and "sun" not in exclude:
        _sun(image, look, rng, avoid)
    banned = {clipart.lookup(n) for n in exclude} | set(exclude)
    motifs = [m for m in look.motifs if m not in banned and clipart.lookup(m) not in banned]
    used = False
    if not motifs:
        pass
    elif look.kind == "shelf":
        holes = [window] if window else []
        used = _shelves(image, look, motifs, hy, rng, list(text), holes)
        if look.counter:
            used |= _counter(image, look, motifs, hy, rng, list(text), holes)
    else:
        used = _row(image, look, motifs, hy, rng, avoid)
    if window is not None:
        _draw_window(image, look, window, rng)
    if look.kind == "horizon" and look.weather not in (None, "clear"):
        _weather(image, look, horizon_y, random.Random(rng.getrandbits(64)), avoid + list(figures), list(text))
    return used


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


# --- time of day and weather ----------------------------------------------------------

#: Where the sun stands at each time: (height as a fraction of the sky, x candidates, radius
#: as a fraction of the short side, disc colour, glow colour, glow strength).
_SUN_AT: dict[str, tuple[float, tuple[float, ...], float, RGB, RGB, int]] = {
    "dawn": (1.0, (0.22, 0.78, 0.5), 0.08, (255, 196, 122), (255, 184, 170), 130),
    "morning": (0.55, (0.2, 0.8, 0.35), 0.065, (255, 230, 130), (255, 248, 222), 100),
    "noon": (0.17, (0.5, 0.75, 0.25), 0.06, (255, 242, 150), (255, 252, 232), 120),
    "afternoon": (0.42, (0.8, 0.2, 0.65), 0.065, (255, 206, 96), (255, 232, 186), 100),
    "dusk": (1.0, (0.76, 0.24, 0.5), 0.1, (250, 112, 56), (255, 150, 96), 150),
}


def _sea_colors(look: Look) -> tuple[RGB, RGB]:
    top, bottom = (40, 150, 190), (90, 190, 205)
    if look.time is None and look.weather is None:
        return top, bottom
    if look.time is not None:
        top, bottom = mix(top, look.sky[1], 0.3), mix(bottom, look.sky[1], 0.3)
    if look.night:
        top, bottom = darken(top, 0.6), darken(bottom, 0.6)
    if look.weather in ("rain", "storm", "fog", "cloudy"):
        top, bottom = mix(top, look.sky[1], 0.4), mix(bottom, look.sky[1], 0.4)
    return top, bottom


_SWEEP = (0.1, 0.9, 0.35, 0.65, 0.5, 0.22, 0.78)


def _place(W: int, y: float, xs: tuple[float, ...], reach: float, prefer: list[PixelBox],
           must: list[PixelBox]) -> tuple[float, float] | None:
    """A spot at height ``y`` whose ``reach``-sized square misses ``prefer`` (the preferred x
    fractions of ``W`` first, then a sweep), else one that at least misses ``must`` (text)."""
    for avoid in (prefer, must):
        for fx in xs + _SWEEP:
            cx = W * fx
            box = (int(cx - reach), int(y - reach), int(cx + reach), int(y + reach))
            if not any(overlaps(box, a) for a in avoid):
                return cx, y
    return None


def _time_sun(image: Image.Image, look: Look, hy: int, avoid: list[PixelBox], text: list[PixelBox]) -> None:
    """The sun where the time puts it: low and pink at dawn, high at noon, half set at dusk.

    Clipped to the sky, so at dawn and dusk the horizon cuts it; paler behind clouds."""
    W, H = image.size
    height, xs, size, disc, halo, strength = _SUN_AT[look.time]
    r = min(W, H) * size
    # High suns by the sky's height; low ones sit just above the horizon, half behind the hills.
    cy = hy * height if height < 0.9 else hy - H * (0.1 if look.time == "dawn" else 0.06)
    spot = _place(W, cy, xs, r * 1.6, avoid, text)
    if spot is None:
        return
    cx, cy = spot
    if look.weather == "cloudy":  # a dimmer sun behind the cloud cover
        disc, halo, strength = mix(disc, (232, 232, 228), 0.55), mix(halo, (232, 232, 228), 0.5), strength // 2
    glow = Image.new("L", image.size, 0)
    g = 2.6 if look.time in ("dawn", "dusk") else 1.6
    ImageDraw.Draw(glow).ellipse((cx - r * g, cy - r * g, cx + r * g, cy + r * g), fill=strength)
    glow = glow.filter(ImageFilter.GaussianBlur(r * 0.5))
    glow.paste(0, (0, hy, W, H))
    image.paste(halo, (0, 0), glow)
    body = Image.new("L", image.size, 0)
    ImageDraw.Draw(body).ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    body.paste(0, (0, hy, W, H))
    image.paste(disc, (0, 0), body)


def _moon(image: Image.Image, hy: int, avoid: list[PixelBox], text: list[PixelBox]) -> None:
    """A pale crescent moon with a faint halo, high in the night sky."""
    W, H = image.size
    r = min(W, H) * 0.05
    spot = _place(W, hy * 0.24, (0.8, 0.2, 0.62, 0.38), r * 1.8, avoid, text)
    if spot is None:
        return
    cx, cy = spot
    glow = Image.new("L", image.size, 0)
    ImageDraw.Draw(glow).ellipse((cx - r * 2, cy - r * 2, cx + r * 2, cy + r * 2), fill=60)
    image.paste((150, 170, 220), (0, 0), glow.filter(ImageFilter.GaussianBlur(r * 0.6)))
    crescent = Image.new("L", image.size, 0)
    d = ImageDraw.Draw(crescent)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    ox, oy = r * 0.5, -r * 0.22
    d.ellipse((cx - r + ox, cy - r + oy, cx + r + ox, cy + r + oy), fill=0)
    image.paste((248, 242, 212), (0, 0), crescent)


def _cloud(draw: ImageDraw.ImageDraw, cx: float, cy: float, w: float, fill: tuple[int, ...],
           shade: tuple[int, ...], rng: random.Random) -> None:
    """A puffy cloud about ``w`` wide: a shaded underside, then bumps of overlapping discs."""
    puffs = []
    for k in range(5):
        t = (k - 2) / 2
        r = w * (0.26 - 0.08 * abs(t)) * rng.uniform(0.85, 1.15)
        puffs.append((cx + t * w * 0.34, cy - r * 0.35 + abs(t) * w * 0.06, r))
    base = (cx - w * 0.5, cy - w * 0.08, cx + w * 0.5, cy + w * 0.12)
    off = w * 0.04
    for px, py, r in puffs:
        draw.ellipse((px - r, py - r + off, px + r, py + r + off), fill=shade)
    draw.rounded_rectangle((base[0], base[1] + off, base[2], base[3] + off), radius=w * 0.1, fill=shade)
    for px, py, r in puffs:
        draw.ellipse((px - r, py - r, px + r, py + r), fill=fill)
    draw.rounded_rectangle(base, radius=w * 0.1, fill=fill)


def _rain(draw: ImageDraw.ImageDraw, W: int, H: int, rng: random.Random, heavy: bool, night: bool) -> None:
    """Thin diagonal streaks over the whole frame; a storm's are denser, longer and brighter."""
    short = min(W, H)
    n = int(W * H / (420 if heavy else 760))
    length = short * (0.055 if heavy else 0.038)
    width = max(1, round(short / 460))
    color = (226, 232, 244, 150 if heavy else 125) if not night else (170, 182, 210, 120)
    slant = 0.28
    for _ in range(n):
        x, y = rng.uniform(-slant * length, W), rng.uniform(-length, H)
        ln = length * rng.uniform(0.6, 1.3)
        draw.line((x, y, x + ln * slant, y + ln), fill=color, width=width)


def _lightning(image: Image.Image, hy: int, rng: random.Random, prefer: list[PixelBox], text: list[PixelBox]) -> None:
    """A jagged bolt from the clouds toward the horizon, with a glow, clear of the text (and of
    the characters and objects when it can be)."""
    W, H = image.size
    short = min(W, H)
    top, bottom = H * 0.12, hy * 0.92
    xs = [0.3, 0.7, 0.5, 0.2, 0.8]
    rng.shuffle(xs)
    def clear(f: float, avoid: list[PixelBox]) -> bool:
        strip = (int(W * f - short * 0.08), int(top), int(W * f + short * 0.08), int(bottom))
        return not any(overlaps(strip, a) for a in avoid)

    x = W * next((f for f in xs if clear(f, prefer)), next((f for f in xs if clear(f, text)), xs[0]))
    points, steps = [(x, top)], 6
    for k in range(1, steps + 1):
        x += (1 if k % 2 else -1) * short * rng.uniform(0.025, 0.06)
        points.append((x, top + (bottom - top) * k / steps))
    kx, ky = points[3]
    branch = [(kx, ky), (kx + short * rng.choice((-1, 1)) * 0.07, ky + (bottom - top) * 0.18)]
    glow = Image.new("L", image.size, 0)
    gd = ImageDraw.Draw(glow)
    gd.line(points, fill=170, width=max(4, round(short / 28)), joint="curve")
    gd.line(branch, fill=120, width=max(3, round(short / 40)))
    image.paste((255, 250, 210), (0, 0), glow.filter(ImageFilter.GaussianBlur(short / 60)))
    d = ImageDraw.Draw(image)
    d.line(points, fill=(255, 253, 228), width=max(2, round(short / 110)), joint="curve")
    d.line(branch, fill=(255, 253, 228), width=max(1, round(short / 200)))


def _fog(image: Image.Image, look: Look, hy: int, rng: random.Random) -> None:
    """A pale veil, thickest at the horizon and thinner above and below, plus a few low banks."""
    W, H = image.size
    y = np.arange(H, dtype=float)[:, None]
    spread = np.where(y < hy, 0.3 * H, 0.45 * H)
    alpha = 0.3 + 0.5 * np.exp(-(((y - hy) / spread) ** 2))
    banks = np.zeros((H, W))
    xx = np.arange(W, dtype=float)[None, :]
    for _ in range(3):
        cx, cy = rng.uniform(0, W), hy + rng.uniform(-0.08, 0.1) * H
        banks += 0.16 * np.exp(-(((xx - cx) / (rng.uniform(0.25, 0.5) * W)) ** 2 + ((y - cy) / (0.05 * H)) ** 2))
    alpha = np.clip(alpha + banks, 0, 0.85)[..., None]
    color = np.array((226, 229, 233) if not look.night else (72, 80, 100), float)
    arr = np.asarray(image, dtype=float) * (1 - alpha) + color * alpha
    image.paste(Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB"))


def _wind(draw: ImageDraw.ImageDraw, W: int, H: int, hy: int, rng: random.Random, night: bool) -> None:
    """Gusts as curling motion lines, and a few leaves blown along."""
    short = min(W, H)
    color = (255, 255, 255, 190) if not night else (190, 200, 230, 150)
    width = max(1, round(short / 180))
    for _ in range(max(6, round(W / short * 7))):
        x0, y0 = rng.uniform(-0.1, 0.8) * W, rng.uniform(0.08, 0.95) * H
        length, amp = rng.uniform(0.18, 0.36) * W, rng.uniform(0.01, 0.025) * short
        pts = [(x0 + length * t / 24, y0 + amp * math.sin(t / 24 * math.pi * 1.5)) for t in range(25)]
        ex, ey = pts[-1]
        r = amp * 1.4  # the gust curls at its tip
        pts += [(ex + r * math.sin(a), ey - r + r * math.cos(a)) for a in np.linspace(0.3, 5.0, 12)]
        draw.line(pts, fill=color, width=width, joint="curve")
    for _ in range(5):
        cx, cy = rng.uniform(0.05, 0.95) * W, rng.uniform(0.15, 0.9) * hy
        s, a = short * rng.uniform(0.012, 0.02), rng.uniform(0, math.pi)
        leaf = [(cx + s * math.cos(a + k * math.pi / 2) * (1.0 if k % 2 == 0 else 0.45),
                 cy + s * math.sin(a + k * math.pi / 2) * (1.0 if k % 2 == 0 else 0.45)) for k in range(4)]
        draw.polygon(leaf, fill=rng.choice([(96, 150, 60, 235), (206, 140, 50, 235), (180, 90, 40, 235)]))


def _weather(image: Image.Image, look: Look, hy: int, rng: random.Random, prefer: list[PixelBox],
             text: list[PixelBox]) -> None:
    """The look's weather over the finished background (the caller draws the foreground after).

    ``prefer``: boxes the lightning keeps clear of if it can; ``text``: boxes it always does."""
    W, H = image.size
    short = min(W, H)
    if look.weather == "fog":
        _fog(image, look, hy, rng)
        return
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    if look.weather in ("cloudy", "storm"):
        storm = look.weather == "storm"
        fill, shade = ((72, 76, 90, 240), (48, 50, 62, 240)) if storm else ((226, 229, 235, 235), (182, 188, 200, 235))
        if look.night:
            fill, shade = (darken(fill[:3], 0.5) + (fill[3],), darken(shade[:3], 0.5) + (shade[3],))
        n = max(5, round(W / short * 6)) if storm else max(3, round(W / short * 3))
        for i in range(n):
            w = short * (rng.uniform(0.35, 0.55) if storm else rng.uniform(0.22, 0.34))
            cx = (i + 0.5 + rng.uniform(-0.3, 0.3)) * W / n
            cy = (rng.uniform(0.04, 0.16) if storm else rng.uniform(0.1, 0.32)) * H
            _cloud(d, cx, cy, w, fill, shade, rng)
        image.paste(Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB"))
        if not storm:
            return
        _lightning(image, hy, rng, prefer, text)
        layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
        d = ImageDraw.Draw(layer)
    if look.weather in ("rain", "storm"):
        _rain(d, W, H, rng, heavy=look.weather == "storm", night=look.night)
    elif look.weather == "snow":
        for _ in range(int(W * H / 1300)):
            x, y = rng.uniform(0, W), rng.uniform(0, H)
            r = short / 512 * rng.choice((1.0, 1.4, 1.8, 2.6))
            d.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, 230))
    elif look.weather == "wind":
        _wind(d, W, H, hy, rng, look.night)
    image.paste(Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB"))


def _window_box(size: tuple[int, int], look: Look, hy: int, text: list[PixelBox],
                prefer_clear: list[PixelBox]) -> PixelBox | None:
    """Where a window goes on the back wall: high up (or just under a sign), never behind text,
    clear of the counter's wares, and clear of the characters and objects when it can be."""
    W, H = size
    short = min(W, H)
    ww = int(min(W * 0.34, short * 0.44))
    bottom = hy - (H * 0.17 if look.counter else H * 0.06)
    tops = [H * 0.07] + sorted(t[3] + H * 0.03 for t in text if t[3] < bottom)
    for avoid in (prefer_clear, text):
        for top in tops:
            wh = min(short * 0.27, bottom - top)
            if wh < short * 0.16:
                continue
            for fx in (0.76, 0.24, 0.5):
                box = (int(W * fx - ww / 2), int(top), int(W * fx + ww / 2), int(top + wh))
                if not any(overlaps(box, a) for a in avoid):
                    return box
    return None


def _draw_window(image: Image.Image, look: Look, box: PixelBox, rng: random.Random) -> None:
    """A wooden window frame in ``box`` showing ``look.outside``: its sky, sun or moon, weather."""
    short = min(image.size)
    frame = max(3, short // 70)
    inner = (box[0] + frame, box[1] + frame, box[2] - frame, box[3] - frame)
    view = Image.new("RGB", (inner[2] - inner[0], inner[3] - inner[1]))
    draw_background(view, look.outside, random.Random(rng.getrandbits(64)), text=[])
    d = ImageDraw.Draw(image)
    wood = lighten(_WOOD, 0.35) if look.time != "night" else darken(_WOOD, 0.2)
    d.rectangle((box[0] + frame, box[1] + frame * 2, box[2] + frame, box[3] + frame), fill=darken(look.sky[1], 0.2))
    d.rectangle(box, fill=wood)
    image.paste(view, inner[:2])
    mx, my = (inner[0] + inner[2]) // 2, (inner[1] + inner[3]) // 2
    bar = max(2, frame // 2)
    d.rectangle((mx - bar // 2, inner[1], mx + bar // 2, inner[3]), fill=wood)
    d.rectangle((inner[0], my - bar // 2, inner[2], my + bar // 2), fill=wood)
    d.rectangle(box, outline=darken(wood, 0.35), width=max(1, frame // 3))
    d.rectangle((box[0] - frame, box[3] - frame // 2, box[2] + frame, box[3] + frame), fill=darken(wood, 0.1))  # sill


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
        art = _faded(noun, size, look.sky[1], 0.35 if look.time != "night" else 0.5)
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
             text: list[PixelBox], holes: list[PixelBox] = ()) -> bool:
    """Interior: wooden shelves on the back wall holding the setting's items (bread in a bakery).

    ``holes``: where a window will go; no item stands there (the window covers the plank)."""
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
            if not any(overlaps(box, a) for a in text) and not any(overlaps(box, a) for a in holes):
                image.paste(art, box[:2], art)
                used = True
            x += art.width + item * rng.uniform(0.5, 1.3)
    return used


def _counter(image: Image.Image, look: Look, motifs: list[str], hy: int, rng: random.Random,
             text: list[PixelBox], holes: list[PixelBox] = ()) -> bool:
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
        if not any(overlaps(box, t) for t in text) and not any(overlaps(box, t) for t in holes):
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
