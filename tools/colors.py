"""Colour names, contrast and light: the small colour science the sketch renderer needs.

Plans speak in colour *names* ("a blue cow", palette ["teal", "gold"]); drawing and the
colour critic need RGB. One table keeps both sides agreeing on what "teal" means.
"""

from __future__ import annotations

import re

RGB = tuple[int, int, int]

#: Common colour names. Values are recognisable rather than neon so drawings stay pleasant.
COLORS: dict[str, RGB] = {
    "red": (214, 40, 40), "crimson": (190, 24, 56), "scarlet": (235, 45, 30),
    "maroon": (128, 24, 36), "burgundy": (128, 0, 50), "pink": (244, 143, 177),
    "hot pink": (235, 64, 140), "magenta": (214, 40, 170), "rose": (232, 90, 120),
    "coral": (250, 120, 95), "salmon": (250, 140, 114), "orange": (245, 130, 32),
    "peach": (255, 190, 150), "amber": (255, 176, 0), "gold": (230, 180, 30),
    "golden": (230, 180, 30), "yellow": (250, 215, 40), "lemon": (255, 236, 80),
    "mustard": (205, 165, 40), "cream": (255, 246, 220), "beige": (230, 215, 180),
    "tan": (210, 180, 140), "khaki": (195, 176, 120), "brown": (130, 82, 45),
    "chocolate": (110, 60, 30), "bronze": (180, 115, 50), "copper": (190, 100, 50),
    "olive": (128, 128, 30), "lime": (150, 210, 40), "green": (46, 160, 67),
    "forest green": (34, 110, 50), "dark green": (25, 95, 45), "emerald": (30, 160, 100),
    "mint": (160, 230, 190), "sage": (160, 180, 140), "teal": (0, 128, 128),
    "turquoise": (50, 200, 200), "aqua": (60, 210, 220), "cyan": (0, 190, 220),
    "sky blue": (120, 190, 240), "light blue": (160, 205, 245), "blue": (35, 100, 220),
    "royal blue": (50, 80, 200), "cobalt": (0, 70, 170), "navy": (20, 35, 90),
    "indigo": (75, 40, 140), "violet": (140, 80, 200), "purple": (120, 50, 160),
    "lavender": (190, 170, 230), "lilac": (200, 160, 220), "plum": (130, 60, 110),
    "white": (250, 250, 250), "ivory": (255, 250, 235), "silver": (192, 192, 200),
    "grey": (128, 128, 128), "gray": (128, 128, 128), "light grey": (200, 200, 200),
    "charcoal": (60, 64, 70), "black": (25, 25, 28),
    # Materials and foods said as colours ("a chocolate cake", "a rusty bike", "a wooden table").
    "wooden": (150, 105, 60), "wood": (150, 105, 60), "rusty": (150, 72, 36), "rust": (150, 72, 36),
    "steel": (140, 150, 160), "metallic": (170, 175, 185), "chrome": (200, 205, 215), "brass": (190, 160, 70),
    "marble": (235, 232, 226), "caramel": (196, 130, 60), "honey": (230, 170, 50), "vanilla": (245, 232, 190),
    "strawberry": (230, 70, 90), "cherry": (200, 30, 50), "brick": (170, 70, 50), "leather": (120, 72, 40),
    "denim": (70, 100, 150), "sandy": (225, 200, 150), "ruby": (200, 20, 60), "sapphire": (30, 60, 170),
    "jade": (60, 160, 110), "pearl": (240, 236, 228), "ginger": (210, 120, 50), "stone": (150, 148, 140),
    "concrete": (170, 170, 165), "slate": (90, 100, 110), "ebony": (40, 32, 30),
}

_MODIFIERS = {"light": 0.45, "pale": 0.6, "pastel": 0.55, "dark": -0.4, "deep": -0.3, "bright": 0.0}
_HEX = re.compile(r"^#?([0-9a-f]{6}|[0-9a-f]{3})$")

#: Sky gradients (top, bottom) for light words a plan may carry.
_LIGHTS: dict[str, tuple[RGB, RGB]] = {
    "day": ((120, 180, 235), (215, 235, 250)),
    "sunset": ((85, 70, 150), (250, 170, 110)),
    "dusk": ((60, 60, 120), (220, 140, 130)),
    "dawn": ((150, 170, 220), (255, 205, 170)),
    "sunrise": ((140, 160, 220), (255, 190, 140)),
    "night": ((12, 18, 48), (45, 60, 110)),
    "moon": ((15, 22, 55), (60, 75, 125)),
    "overcast": ((165, 172, 182), (215, 218, 222)),
    "rain": ((120, 130, 145), (185, 192, 200)),
    "fog": ((200, 204, 208), (232, 234, 236)),
    "studio": ((238, 238, 240), (205, 207, 212)),
    "warm": ((250, 215, 160), (255, 240, 215)),
    "golden": ((245, 190, 110), (255, 230, 180)),
    "cool": ((170, 205, 230), (225, 240, 248)),
    "noon": ((90, 165, 235), (200, 228, 250)),
}
_LIGHT_SYNONYMS = {"evening": "dusk", "twilight": "dusk", "morning": "dawn", "midnight": "night",
                   "moonlight": "moon", "moonlit": "moon", "cloudy": "overcast", "grey": "overcast",
                   "rainy": "rain", "storm": "rain", "stormy": "rain", "thunderstorm": "rain", "foggy": "fog", "mist": "fog", "misty": "fog", "soft": "studio",
                   "daylight": "day", "sunny": "noon", "bright": "noon", "sunlit": "day",
                   "golden hour": "golden", "cold": "cool", "cozy": "warm", "cosy": "warm"}


def _clamp(v: float) -> int:
    return max(0, min(255, round(v)))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """``a`` moved a fraction ``t`` (0..1) toward ``b``."""
    return (_clamp(a[0] + (b[0] - a[0]) * t), _clamp(a[1] + (b[1] - a[1]) * t),
            _clamp(a[2] + (b[2] - a[2]) * t))


def lighten(c: RGB, t: float) -> RGB:
    """Toward white by ``t``; negative ``t`` darkens. Used for tints, shadows and outlines."""
    return mix(c, (255, 255, 255), t) if t >= 0 else mix(c, (0, 0, 0), -t)


def darken(c: RGB, t: float) -> RGB:
    """Toward black by ``t``."""
    return mix(c, (0, 0, 0), t)


def parse_color(name: str | None) -> RGB | None:
    """RGB for a colour name ("teal", "light blue", "dark-green", "#1e90ff"), else None.

    Unknown words return None rather than a guess, so callers can fall back to an object's
    natural colours instead of painting it an arbitrary grey.
    """
    if not name:
        return None
    key = re.sub(r"[\s_-]+", " ", name.strip().lower())
    hexm = _HEX.match(key.replace(" ", ""))
    if hexm:
        h = hexm.group(1)
        h = "".join(ch * 2 for ch in h) if len(h) == 3 else h
        return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
    if key not in COLORS and key.endswith("ish"):  # "reddish", "bluish", "greenish"
        stem = key[:-3]
        for cand in (stem, stem[:-1], stem + "e"):
            if cand in COLORS:
                key = cand
                break
    if key in COLORS:
        return COLORS[key]
    words = key.split()
    if len(words) >= 2 and words[0] in _MODIFIERS:
        base = parse_color(" ".join(words[1:]))
        return None if base is None else lighten(base, _MODIFIERS[words[0]])
    if len(words) >= 2:  # "navy blue", "blood red": the more specific word usually wins
        for word in words:
            if word in COLORS and word not in ("blue", "red", "green"):
                return COLORS[word]
        if words[-1] in COLORS:
            return COLORS[words[-1]]
    return None


#: The board colour of each text surface a plan may name (tools.scene.TextElement.surface);
#: the ink follows from it (chalk-white on a chalkboard, dark on a sticky note).
SURFACE_FILLS: dict[str, RGB] = {
    "chalkboard": (46, 60, 52), "whiteboard": (248, 248, 246), "neon": (28, 24, 40),
    "sticky note": (255, 236, 120), "wooden sign": (196, 150, 100), "metal sign": (206, 210, 214),
}


def surface_fill(surface: str | None) -> RGB | None:
    """The board colour for a text ``surface``, or None (the role's own panel)."""
    return SURFACE_FILLS.get(surface or "")


def luminance(c: RGB) -> float:
    """WCAG relative luminance (0 black .. 1 white)."""
    def chan(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    return 0.2126 * chan(c[0]) + 0.7152 * chan(c[1]) + 0.0722 * chan(c[2])


def contrast_ratio(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio, 1..21; text wants at least 4.5."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


INK: RGB = (28, 28, 32)
PAPER: RGB = (255, 255, 255)


def text_color_on(background: RGB, dark: RGB = INK, light: RGB = PAPER) -> RGB:
    """Whichever of ``dark``/``light`` reads better on ``background``."""
    return dark if contrast_ratio(dark, background) >= contrast_ratio(light, background) else light


def saturation(c: RGB) -> float:
    """HSV saturation 0..1: how far from grey a colour is."""
    hi, lo = max(c), min(c)
    return 0.0 if hi == 0 else (hi - lo) / hi


def light_gradient(light: str | None) -> tuple[RGB, RGB] | None:
    """(top, bottom) sky colours for a light description ("warm sunset"), or None if unknown."""
    if not light:
        return None
    text = light.lower()
    for phrase, key in _LIGHT_SYNONYMS.items():
        if " " in phrase and phrase in text:
            return _LIGHTS[key]
    found = [(_LIGHTS[w], w) for w in re.findall(r"[a-z]+", text) if w in _LIGHTS]
    found += [(_LIGHTS[_LIGHT_SYNONYMS[w]], w) for w in re.findall(r"[a-z]+", text) if w in _LIGHT_SYNONYMS]
    if not found:
        return None
    # The most specific word wins: "warm sunset" is a sunset, tinted warm.
    order = ["night", "moon", "sunset", "dusk", "dawn", "sunrise", "golden", "overcast", "rain",
             "fog", "studio", "noon", "day", "warm", "cool"]
    words = {w if w in _LIGHTS else _LIGHT_SYNONYMS[w] for _, w in found}
    primary = next(k for k in order if k in words)
    top, bottom = _LIGHTS[primary]
    if primary not in ("warm", "cool"):
        for tint in ("warm", "cool"):
            if tint in words:
                top, bottom = mix(top, _LIGHTS[tint][0], 0.25), mix(bottom, _LIGHTS[tint][1], 0.25)
    return top, bottom


#: Sky gradients (top, bottom) for a shot's typed ``time_of_day``; it wins over a light word.
TIME_SKIES: dict[str, tuple[RGB, RGB]] = {
    "dawn": ((116, 118, 186), (255, 176, 148)),      # lavender above, pink-orange at the horizon
    "morning": ((136, 194, 240), (222, 240, 252)),   # fresh light blue
    "noon": ((48, 134, 230), (172, 214, 250)),       # bright, deep blue
    "afternoon": ((92, 150, 220), (240, 222, 188)),  # blue warming toward the horizon
    "dusk": ((60, 42, 116), (246, 126, 70)),         # purple over orange
    "night": ((6, 10, 32), (26, 36, 74)),            # dark navy
}

#: How a time of day shades the ground: (tint, tint amount, darkening).
_TIME_GROUND: dict[str, tuple[RGB, float, float]] = {
    "dawn": ((255, 170, 150), 0.14, 0.12), "morning": ((225, 240, 255), 0.05, 0.0),
    "noon": ((255, 252, 235), 0.05, 0.0), "afternoon": ((255, 206, 150), 0.12, 0.04),
    "dusk": ((236, 116, 76), 0.18, 0.3), "night": ((20, 30, 70), 0.3, 0.6),
}

#: How weather greys a sky: (colour, amount) by day; night skies take a dark version.
_WEATHER_SKY: dict[str, tuple[RGB, float]] = {
    "rain": ((126, 134, 146), 0.6), "storm": ((46, 50, 64), 0.75), "snow": ((206, 212, 222), 0.5),
    "fog": ((214, 218, 222), 0.45), "cloudy": ((166, 172, 184), 0.4),
}


def time_ground(ground: RGB, time: str | None) -> RGB:
    """``ground`` as it looks at ``time`` of day (darker at dusk and night); unchanged for None."""
    if time not in _TIME_GROUND:
        return ground
    tint, amount, dark = _TIME_GROUND[time]
    return darken(mix(ground, tint, amount), dark)


def weather_sky(sky: tuple[RGB, RGB], weather: str | None, night: bool = False) -> tuple[RGB, RGB]:
    """``sky`` (top, bottom) greyed by ``weather``; a night sky stays dark. Unchanged for None/clear/wind."""
    if weather not in _WEATHER_SKY:
        return sky
    color, amount = _WEATHER_SKY[weather]
    if night:
        color, amount = darken(color, 0.75), amount * 0.6
    return mix(sky[0], color, amount), mix(sky[1], color, amount * 0.85)


def is_dark_light(light: str | None) -> bool:
    """True for night-like light, where the scene wants lit windows and a darker ground."""
    grad = light_gradient(light)
    return grad is not None and luminance(grad[1]) < 0.2
