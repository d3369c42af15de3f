"""Backgrounds for the sketch renderer: drawn backdrops of the plan's setting, in its light.

A plan's setting (:mod:`.places`: "moon", "coffee shop", "city street"…) picks a drawn
backdrop, and its light, the shot's ``time_of_day`` and ``weather`` colour it (:mod:`.look`):
night is dark with lit windows and lamps, a storm dark with rain and lightning, interiors show
both through a window. Every shot of a batch shares the backdrop unless the request set a shot
apart; the seed only moves the OpenMoji props, which never stand where text, objects or figures
go and are never of a noun the shot counts (a forest of trees would spoil "three trees").

Modules: :mod:`.places` (the settings and how text names them), :mod:`.look` (colours and
light), :mod:`.sky` (sun, moon, stars, weather), :mod:`.backdrop` (layers, cache, props),
and the painters :mod:`.interiors` (the generic room, windows), :mod:`.rooms`, :mod:`.nature`,
:mod:`.towns`, :mod:`.worlds`; :mod:`.paint` holds what they share.
"""

from tools.scenery.backdrop import PAINTERS, PixelBox, draw_background, draw_raw_background, plain_background
from tools.scenery.look import Look, scene_look
from tools.scenery.places import PLACES, Place, detect_setting, names_setting, resolve_place, setting_words

__all__ = ["Look", "scene_look", "detect_setting", "names_setting", "resolve_place", "setting_words", "Place", "PLACES", "PAINTERS",
           "PixelBox", "draw_background", "draw_raw_background", "plain_background"]
