"""Drawn props for rooms: kitchen appliances, furniture, household things OpenMoji lacks.

Each function draws one prop with a :class:`tools.props_paint.Painter` in unit coordinates;
``body`` is the colour of its main part (the asked colour, or the default in
:mod:`tools.props`). Front views, like OpenMoji's.
"""

from __future__ import annotations

from tools.colors import RGB
from tools.props_paint import (BLUE, DARK_GREY, GREY, LIGHT_BLUE, LIGHT_GREY, ORANGE, RED, WHITE, WOOD, YELLOW,
                               Painter, shade)

_GLASS: RGB = (70, 80, 92)
_TOAST: RGB = (226, 176, 104)


def microwave(p: Painter, body: RGB) -> None:
    p.rect(0.02, 0.06, 0.98, 0.9, body, radius=0.08)
    p.rect(0.08, 0.17, 0.68, 0.8, _GLASS, radius=0.04)
    p.line_([(0.16, 0.3), (0.3, 0.22)], 0.8, (140, 150, 160))
    p.rect(0.73, 0.17, 0.92, 0.8, shade(body, 0.12), radius=0.03, thin=True)
    p.circle(0.825, 0.34, 0.08, LIGHT_GREY, thin=True)
    for y in (0.55, 0.66):
        p.rect(0.77, y, 0.88, y + 0.06, DARK_GREY, thin=True)
    for x in (0.1, 0.8):
        p.rect(x, 0.9, x + 0.1, 0.97, DARK_GREY)


def stove(p: Painter, body: RGB) -> None:
    p.rect(0.02, 0.06, 0.98, 0.14, DARK_GREY, radius=0.02)
    for x in (0.25, 0.75):  # burners seen edge-on
        p.rect(x - 0.14, 0.02, x + 0.14, 0.07, GREY, thin=True)
    p.rect(0.05, 0.14, 0.95, 0.97, body, radius=0.03)
    p.rect(0.05, 0.14, 0.95, 0.28, shade(body, 0.15), radius=0.02)
    for x in (0.2, 0.4, 0.6, 0.8):
        p.circle(x, 0.21, 0.04, LIGHT_GREY, thin=True)
    p.rect(0.12, 0.34, 0.88, 0.92, shade(body, 0.05), radius=0.03)
    p.bar([(0.22, 0.4), (0.78, 0.4)], 0.8, LIGHT_GREY)
    p.rect(0.2, 0.48, 0.8, 0.84, _GLASS, radius=0.03)
    p.rect(0.28, 0.66, 0.72, 0.8, (255, 140, 60), radius=0.02, thin=True)  # the lit oven inside


def toaster(p: Painter, body: RGB) -> None:
    for x in (0.22, 0.55):
        p.rect(x, 0.04, x + 0.23, 0.45, _TOAST, radius=0.05)
    p.rect(0.04, 0.3, 0.96, 0.95, body, radius=0.16)
    for x in (0.22, 0.55):
        p.line_([(x + 0.02, 0.34), (x + 0.21, 0.34)], 1.0)
    p.rect(0.2, 0.62, 0.8, 0.7, shade(body, 0.15), radius=0.03, thin=True)
    p.rect(0.9, 0.46, 1.0, 0.56, DARK_GREY, radius=0.02)  # the lever


def sink(p: Painter, body: RGB) -> None:
    p.bar([(0.5, 0.36), (0.5, 0.1), (0.66, 0.1), (0.66, 0.2)], 1.4, LIGHT_GREY)  # the tap
    p.rect(0.43, 0.3, 0.57, 0.37, GREY, thin=True)
    p.line_([(0.66, 0.26), (0.66, 0.31)], 0.9, LIGHT_BLUE)
    p.chord(0.06, 0.06, 0.94, 0.68, 0, 180, body)  # the basin
    p.rect(0.02, 0.35, 0.98, 0.42, shade(body, 0.08), radius=0.02)
    p.poly([(0.4, 0.64), (0.6, 0.64), (0.62, 0.92), (0.38, 0.92)], shade(body, 0.06))
    p.rect(0.3, 0.91, 0.7, 0.97, shade(body, 0.12), radius=0.02)


def refrigerator(p: Painter, body: RGB) -> None:
    p.rect(0.06, 0.0, 0.94, 0.95, body, radius=0.08)
    p.line_([(0.06, 0.34), (0.94, 0.34)], 1.0)
    p.bar([(0.8, 0.12), (0.8, 0.26)], 1.2, LIGHT_GREY)
    p.bar([(0.8, 0.42), (0.8, 0.62)], 1.2, LIGHT_GREY)
    for x in (0.14, 0.76):
        p.rect(x, 0.95, x + 0.1, 1.0, DARK_GREY)


def dishwasher(p: Painter, body: RGB) -> None:
    p.rect(0.04, 0.02, 0.96, 0.97, body, radius=0.05)
    p.rect(0.04, 0.02, 0.96, 0.2, shade(body, 0.18), radius=0.04)
    p.rect(0.12, 0.08, 0.36, 0.14, (120, 220, 140), thin=True)  # the display
    for x in (0.5, 0.62, 0.74, 0.86):
        p.circle(x, 0.11, 0.03, LIGHT_GREY, thin=True)
    p.bar([(0.25, 0.28), (0.75, 0.28)], 1.0, LIGHT_GREY)
    p.rect(0.12, 0.36, 0.88, 0.9, shade(body, 0.05), radius=0.03, thin=True)


def hair_drier(p: Painter, body: RGB) -> None:
    for y in (0.2, 0.31, 0.42):  # warm air
        p.line_([(0.86, y), (0.98, y)], 0.7, (200, 120, 80))
    p.poly([(0.3, 0.42), (0.5, 0.42), (0.46, 0.95), (0.28, 0.95)], shade(body, 0.12))  # the handle
    p.rect(0.66, 0.18, 0.84, 0.44, shade(body, 0.25), radius=0.03)  # the nozzle
    p.rect(0.04, 0.08, 0.72, 0.54, body, radius=0.22)
    p.circle(0.17, 0.31, 0.13, shade(body, 0.15), thin=True)
    p.line_([(0.12, 0.31), (0.22, 0.31)], 0.6)
    p.line_([(0.17, 0.26), (0.17, 0.36)], 0.6)
    p.rect(0.33, 0.58, 0.4, 0.72, RED, thin=True)  # the switch
    p.line_([(0.37, 0.95), (0.4, 1.0), (0.55, 0.98)], 0.7, DARK_GREY)


def remote(p: Painter, body: RGB) -> None:
    p.rect(0.1, 0.0, 0.9, 1.0, body, radius=0.2)
    p.circle(0.5, 0.09, 0.13, RED, thin=True)
    p.circle(0.5, 0.32, 0.22, shade(body, -0.3), thin=True)
    p.circle(0.5, 0.32, 0.08, LIGHT_GREY, thin=True)
    for row in range(4):
        for col in range(3):
            x, y = 0.24 + col * 0.2, 0.52 + row * 0.1
            p.rect(x, y, x + 0.13, y + 0.06, LIGHT_GREY, radius=0.05, thin=True)


def table_lamp(p: Painter, body: RGB) -> None:
    p.bar([(0.5, 0.45), (0.5, 0.86)], 1.2, GREY)
    p.rect(0.24, 0.85, 0.76, 0.97, shade(body, 0.3), radius=0.04)
    p.poly([(0.3, 0.04), (0.7, 0.04), (0.9, 0.48), (0.1, 0.48)], body)
    p.line_([(0.14, 0.4), (0.86, 0.4)], 0.7)


def floor_lamp(p: Painter, body: RGB) -> None:
    p.bar([(0.5, 0.24), (0.5, 0.94)], 1.2, GREY)
    p.rect(0.22, 0.93, 0.78, 0.99, shade(body, 0.3), radius=0.04)
    p.poly([(0.3, 0.02), (0.7, 0.02), (0.88, 0.26), (0.12, 0.26)], body)


def bookshelf(p: Painter, body: RGB) -> None:
    p.rect(0.04, 0.0, 0.96, 1.0, body, radius=0.02)
    book_colors = (RED, BLUE, YELLOW, (92, 158, 49), ORANGE, (180, 120, 200), WHITE)
    for shelf in range(3):
        top, bottom = 0.06 + shelf * 0.31, 0.31 + shelf * 0.31
        p.rect(0.1, top, 0.9, bottom, shade(body, 0.35))
        x, k = 0.13, shelf * 3
        while x < 0.8:
            width = (0.07, 0.09, 0.06, 0.1)[k % 4]
            height = (0.2, 0.17, 0.22, 0.15)[(k + shelf) % 4]
            if k % 5 == 4:  # a leaning book now and then
                p.poly([(x, bottom), (x + 0.07, bottom), (x + 0.16, bottom - 0.15), (x + 0.1, bottom - 0.17)],
                       book_colors[k % 7], thin=True)
                x += 0.17
            else:
                p.rect(x, bottom - height, x + width, bottom, book_colors[k % 7], thin=True)
                x += width + 0.005
            k += 1


def desk(p: Painter, body: RGB) -> None:
    p.rect(0.0, 0.28, 1.0, 0.38, shade(body, -0.12), radius=0.02)
    p.rect(0.05, 0.38, 0.42, 0.98, body)
    for y in (0.38, 0.58, 0.78):
        p.rect(0.09, y + 0.04, 0.38, y + 0.17, shade(body, 0.08), thin=True)
        p.rect(0.2, y + 0.09, 0.27, y + 0.12, DARK_GREY, thin=True)
    p.rect(0.86, 0.38, 0.94, 0.98, body)


def wardrobe(p: Painter, body: RGB) -> None:
    p.rect(0.02, 0.0, 0.98, 0.06, shade(body, 0.2))
    p.rect(0.05, 0.06, 0.95, 0.94, body)
    p.line_([(0.5, 0.06), (0.5, 0.94)], 1.0)
    for x0, x1 in ((0.1, 0.45), (0.55, 0.9)):
        p.rect(x0, 0.12, x1, 0.88, shade(body, 0.07), thin=True)
    for x in (0.43, 0.57):
        p.circle(x, 0.5, 0.03, LIGHT_GREY, thin=True)
    for x in (0.08, 0.82):
        p.rect(x, 0.94, x + 0.1, 1.0, shade(body, 0.3))


def dresser(p: Painter, body: RGB) -> None:
    p.rect(0.0, 0.06, 1.0, 0.15, shade(body, -0.12), radius=0.02)
    p.rect(0.04, 0.15, 0.96, 0.88, body)
    for k in range(3):
        y = 0.19 + k * 0.23
        p.rect(0.09, y, 0.91, y + 0.19, shade(body, 0.07), thin=True)
        for x in (0.3, 0.7):
            p.circle(x, y + 0.095, 0.035, LIGHT_GREY, thin=True)
    for x in (0.07, 0.83):
        p.rect(x, 0.88, x + 0.1, 0.97, shade(body, 0.3))


def stool(p: Painter, body: RGB) -> None:
    legs = shade(body, 0.2)
    p.bar([(0.3, 0.2), (0.16, 0.97)], 1.6, legs)
    p.bar([(0.7, 0.2), (0.84, 0.97)], 1.6, legs)
    p.bar([(0.5, 0.2), (0.5, 0.93)], 1.6, shade(body, 0.35))
    p.bar([(0.24, 0.62), (0.76, 0.62)], 1.0, legs)
    p.ellipse(0.08, 0.04, 0.92, 0.26, body)
    p.rect(0.08, 0.14, 0.92, 0.2, body, thin=True)
    p.ellipse(0.08, 0.02, 0.92, 0.2, shade(body, -0.15))


def fireplace(p: Painter, body: RGB) -> None:
    p.rect(0.04, 0.12, 0.96, 1.0, body)
    for y in (0.3, 0.5, 0.7, 0.9):  # brick courses
        p.line_([(0.04, y), (0.96, y)], 0.5, shade(body, 0.35))
    p.rect(0.0, 0.06, 1.0, 0.16, WOOD, radius=0.02)
    p.chord(0.2, 0.32, 0.8, 1.6, 180, 360, (40, 34, 34))
    p.rect(0.2, 0.62, 0.8, 1.0, (40, 34, 34))
    p.line_([(0.2, 1.0), (0.8, 1.0)], 1.0)
    p.bar([(0.3, 0.93), (0.7, 0.89)], 1.8, WOOD)
    p.poly([(0.32, 0.9), (0.38, 0.66), (0.46, 0.78), (0.52, 0.58), (0.6, 0.76), (0.66, 0.68), (0.68, 0.9)], ORANGE)
    p.poly([(0.42, 0.9), (0.47, 0.78), (0.52, 0.72), (0.58, 0.82), (0.6, 0.9)], YELLOW, thin=True)


def baseball_glove(p: Painter, body: RGB) -> None:
    lace = shade(body, 0.35)
    for k, x in enumerate((0.12, 0.3, 0.48, 0.64)):  # fingers
        top = 0.06 + 0.04 * abs(1.5 - k)
        p.rect(x, top, x + 0.18, 0.6, body, radius=0.09)
    p.poly([(0.72, 0.62), (0.86, 0.34), (0.98, 0.4), (0.9, 0.72)], body)  # the thumb
    p.ellipse(0.1, 0.36, 0.88, 0.98, body)
    p.line_([(0.74, 0.5), (0.86, 0.42)], 0.7, lace)
    p.line_([(0.76, 0.6), (0.9, 0.52)], 0.7, lace)
    p.circle(0.46, 0.66, 0.18, WHITE)  # the ball in its pocket
    p.line_([(0.36, 0.56), (0.4, 0.66), (0.36, 0.76)], 0.6, RED)
    p.line_([(0.56, 0.56), (0.52, 0.66), (0.56, 0.76)], 0.6, RED)


def pillow(p: Painter, body: RGB) -> None:
    p.rect(0.03, 0.1, 0.97, 0.9, body, radius=0.3)
    p.line_([(0.2, 0.3), (0.3, 0.5), (0.2, 0.7)], 0.5, shade(body, 0.25))  # creases
    p.line_([(0.8, 0.3), (0.7, 0.5), (0.8, 0.7)], 0.5, shade(body, 0.25))
    p.line_([(0.42, 0.34), (0.58, 0.3)], 0.5, shade(body, -0.5))


def rug(p: Painter, body: RGB) -> None:
    for k in range(9):  # fringes
        x = 0.14 + k * 0.09
        p.line_([(x, 0.0), (x - 0.02, 0.12)], 0.5)
        p.line_([(x - 0.06, 0.88), (x - 0.08, 1.0)], 0.5)
    p.poly([(0.1, 0.1), (0.96, 0.1), (0.9, 0.9), (0.04, 0.9)], body)
    p.poly([(0.2, 0.24), (0.84, 0.24), (0.8, 0.76), (0.16, 0.76)], None, thin=True)
    p.poly([(0.5, 0.34), (0.64, 0.5), (0.5, 0.66), (0.36, 0.5)], YELLOW, thin=True)


DEFAULTS: dict[str, RGB] = {
    "microwave": LIGHT_GREY, "stove": WHITE, "toaster": LIGHT_GREY, "sink": WHITE, "refrigerator": (236, 240, 242),
    "dishwasher": LIGHT_GREY, "hair drier": (244, 143, 177), "remote": DARK_GREY, "table lamp": (255, 214, 130),
    "floor lamp": (255, 214, 130), "bookshelf": WOOD, "desk": WOOD, "wardrobe": WOOD, "dresser": WOOD,
    "stool": WOOD, "fireplace": (170, 70, 50), "baseball glove": (176, 108, 56), "pillow": LIGHT_BLUE, "rug": RED,
}
"""The body colour of each prop when no colour is asked."""
