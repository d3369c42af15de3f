"""The look of a plan's scenery: which backdrop, in which colours, at which time and weather.

A plan's setting and light decide the look (:func:`scene_look`), so every shot of a batch shares
it unless the request set a shot apart ("one in a storm and one on a sunny day": the shot's own
light and setting win). A shot's typed ``time_of_day`` sets the sky and wins over a light word;
its ``weather`` is drawn over the background. Interiors show both through a window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from tools.colors import (TIME_SKIES, RGB, darken, is_dark_light, light_gradient, lighten, luminance, mix,
                          parse_color, saturation, time_ground, weather_sky)
from tools.scene import ScenePlan, Shot
from tools.scenery.places import Place, find_place, resolve_place


@dataclass(frozen=True)
class Look:
    """The per-plan look shared by every shot: colours, horizon, setting motifs."""

    sky: tuple[RGB, RGB]
    ground: RGB
    horizon: float
    kind: str  # "studio", "shelf", "horizon", "space", "water", "plain" (one flat colour)
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
    """For an interior with a time or weather (or a window of its own): the view through its window."""
    setting: str | None = None
    """The canonical setting (:mod:`tools.scenery.places`) whose backdrop is drawn; None: a plain one."""

    def text_fill(self, role: str) -> RGB | None:
        """Panel colour for a text role: signs on a light board, titles on the accent."""
        return {"sign": self.board, "title": self.accent}.get(role)

    @property
    def dusk(self) -> bool:
        """Dusk or night: when windows and lamps are lit."""
        return self.night or self.time == "dusk"

    def lit(self, color: RGB, far: float = 0.0) -> RGB:
        """``color`` as this look's light shows it (darker and bluer at night, warm at dusk, dimmer
        in rain); ``far`` (0..1) fades it into the sky's horizon colour for depth."""
        if self.kind in ("shelf", "studio"):
            if self.time is not None:
                color = darken(color, {"night": 0.42, "dusk": 0.12}.get(self.time, 0.0))
            elif self.night:
                color = darken(color, 0.3)
        elif self.kind == "horizon" or self.setting == "mars":
            if self.time is not None:
                color = time_ground(color, self.time)
            elif self.night:
                color = darken(color, 0.55)
            if self.weather in _DAMP:
                color = darken(color, _DAMP[self.weather])
        elif self.kind == "water" and self.night:
            color = darken(color, 0.5)
        return mix(color, self.sky[1], far) if far else color

    def on_ground(self, color: RGB) -> RGB:
        """``color`` of something lying on the ground (a path, sand, cobbles), as :meth:`lit`
        shows it and under a layer of snow when it snows."""
        color = self.lit(color)
        if self.weather == "snow" and self.kind == "horizon":
            color = mix(color, (236, 240, 248) if not self.night else (150, 160, 186), 0.82)
        return color


#: An open field for shots that have a time or weather but no setting: a sky to show them in.
_OPEN_GROUND: RGB = (128, 172, 104)
#: Weather that hides the sun (and, at night, the moon and stars).
COVERED = ("rain", "storm", "snow", "fog")
#: How weather darkens what it falls on.
_DAMP = {"rain": 0.12, "storm": 0.25, "cloudy": 0.06}
#: Interiors drawn with a window of their own, and what it looks out on.
_WINDOW_VIEW = {"coffee shop": "city street", "kitchen": "meadow", "classroom": "park", "bedroom": "city street"}
#: Places with a shop counter across the floor line.
_COUNTERS = ("bakery", "coffee shop", "shop", "restaurant")


_BACKDROP_WORD = re.compile(r"\b(?:background|backdrop)\b")
_PLAIN_WORDS = {"plain", "solid", "blank", "pure", "flat", "simple", "clean", "empty", "uniform"}


def plain_backdrop(setting: str) -> RGB | None:
    """The colour of a flat backdrop a setting asks for ("white background", "plain light blue
    backdrop", "plain background" → off-white), or None (a place, or no such words)."""
    for match in _BACKDROP_WORD.finditer(setting.lower()):
        words = re.findall(r"[a-z]+", setting.lower()[max(0, match.start() - 40):match.start()])[-3:]
        for n in (2, 1):
            rgb = parse_color(" ".join(words[-n:])) if len(words) >= n else None
            if rgb is not None:
                return rgb
        if words and words[-1] in _PLAIN_WORDS:
            return (248, 248, 246)
    return None


def _place(plan: ScenePlan | None, shot: Shot | None) -> Place | None:
    """The shot's own setting, else the plan's, else a place the request names ("a bakery poster")."""
    for declared in (getattr(shot, "setting", None), plan.setting if plan else None):
        if declared:
            place = resolve_place(declared)
            if place is not None:
                return place
    return find_place(plan.request, hints=True) if plan else None


def scene_look(plan: ScenePlan | None, shot: Shot | None = None) -> Look:
    """The look of a plan (None: a neutral studio backdrop), from setting, light and palette;
    ``shot``'s own light and setting, when it has them, win over the plan's, and its typed
    ``time_of_day`` wins over both lights. A shot with a time or weather but no setting is
    drawn outdoors (an open field) rather than on the studio backdrop, so the sky can show them."""
    light = plan.light if plan else None
    time = getattr(shot, "time_of_day", None)
    weather = getattr(shot, "weather", None)
    if shot is not None:
        light = shot.light or light
    backdrop = plain_backdrop(getattr(shot, "setting", None) or (plan.setting if plan else None) or "")
    if backdrop is not None:  # "on a white background": that colour, flat; no sky, ground, props or weather
        return Look(sky=(backdrop, backdrop), ground=backdrop, horizon=1.0, kind="plain")
    place = _place(plan, shot)
    palette = tuple(c for c in (parse_color(n) for n in (plan.palette if plan else [])) if c)
    kind, motifs, wall, ground = "studio", (), None, (214, 208, 198)
    name = place.name if place else None
    if place is not None:
        kind, motifs, wall, ground = place.kind, place.motifs, place.wall, place.ground
    if kind == "space" and name != "mars":  # no day, night or weather out there
        time = weather = None
    if name == "mars":
        weather = weather if weather in ("wind", "fog") else None
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
    elif kind == "space" and name == "mars":
        sky = (darken(wall, 0.2), wall)
        if night:
            sky, ground = ((8, 6, 14), (40, 26, 30)), darken(ground, 0.6)
        elif time in ("dawn", "dusk"):  # Martian twilight is blue near the sun
            sky, ground = (darken(wall, 0.45), mix(wall, (120, 150, 200), 0.5)), darken(ground, 0.25)
        horizon = 0.62
    elif kind == "space":
        sky, horizon = (((2, 2, 8), (16, 16, 26)) if name == "moon" else ((6, 8, 26), (30, 36, 80))), 0.84
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
        if weather == "snow" or name == "snow":  # a white layer over whatever the ground was
            ground = mix(ground, (236, 240, 248) if not night else (150, 160, 186), 0.82)
        elif weather in _DAMP:  # wet or shaded
            ground = darken(ground, _DAMP[weather])
    if place is not None and place.horizon is not None and kind not in ("shelf", "studio"):
        horizon = place.horizon
    accent = max(palette, key=saturation) if palette else (196, 58, 66)
    light_pal = [c for c in palette if luminance(c) > 0.45]
    board = mix(light_pal[0], (255, 250, 240), 0.55) if light_pal else (250, 238, 206)
    if palette and not light_pal:
        board = mix(palette[0], (255, 250, 240), 0.8)
    if time is None:
        sun = kind == "horizon" and not night and bool(re.search(r"sun|day|noon|golden|warm|dawn|morning", light or "day"))
    else:
        sun = kind == "horizon" and not night
    sun = sun and weather not in COVERED
    outside = None
    view = _WINDOW_VIEW.get(name or "")
    if kind == "shelf" and (time or weather or view):  # the time and weather show through a window
        outside = replace(scene_look(None, Shot(index=0, prompt="outside", setting=view or "meadow", light=light,
                                                 time_of_day=time, weather=weather)),
                          motifs=(), horizon=0.8)
    return Look(sky=sky, ground=ground, horizon=horizon, kind=kind, motifs=motifs,
                accent=accent, board=board, night=night or (kind == "space" and name != "mars"), sun=sun,
                counter=name in _COUNTERS, sea=name == "beach", time=time,
                weather=weather if kind in ("horizon", "shelf") or name == "mars" else None, outside=outside,
                setting=name)
