"""Drawn props for outdoors: street furniture, farm buildings, water and land OpenMoji lacks.

Each function draws one prop with a :class:`tools.props_paint.Painter` in unit coordinates;
``body`` is the colour of its main part (the asked colour, or the default in
:mod:`tools.props`). Front views, like OpenMoji's.
"""

from __future__ import annotations

import math

from tools.colors import RGB
from tools.props_paint import (BLUE, DARK_GREY, GREEN, GREY, LIGHT_BLUE, LIGHT_GREEN, LIGHT_GREY, RED, WHITE, WOOD,
                               YELLOW, Painter, shade)

_IRON: RGB = (63, 63, 63)


def bench(p: Painter, body: RGB) -> None:
    for x in (0.1, 0.9):  # iron frame: back legs and arm rests
        p.bar([(x, 0.06), (x, 0.97)], 1.6, _IRON)
    for y0 in (0.06, 0.26):
        p.rect(0.03, y0, 0.97, y0 + 0.17, body, radius=0.03, thin=True)
    p.rect(0.01, 0.48, 0.99, 0.57, shade(body, -0.15), radius=0.02, thin=True)
    p.rect(0.01, 0.57, 0.99, 0.68, body, radius=0.02, thin=True)
    for x in (0.16, 0.84):
        p.bar([(x, 0.66), (x, 0.97)], 1.6, _IRON)
    for x0, x1 in ((0.04, 0.18), (0.82, 0.96)):
        p.bar([(x0, 0.44), (x1, 0.44)], 1.4, _IRON)


def parking_meter(p: Painter, body: RGB) -> None:
    p.bar([(0.5, 0.5), (0.5, 0.95)], 2.4, _IRON)
    p.rect(0.3, 0.94, 0.7, 1.0, _IRON)
    p.rect(0.12, 0.16, 0.88, 0.56, body, radius=0.08)
    p.chord(0.12, 0.0, 0.88, 0.36, 180, 360, body)
    p.chord(0.22, 0.06, 0.78, 0.38, 180, 360, LIGHT_BLUE)  # the dial window
    p.line_([(0.5, 0.22), (0.64, 0.12)], 0.8, RED)
    p.rect(0.28, 0.28, 0.72, 0.36, shade(body, 0.2), thin=True)
    p.rect(0.44, 0.42, 0.56, 0.5, DARK_GREY, thin=True)  # the coin slot


def fire_hydrant(p: Painter, body: RGB) -> None:
    p.rect(0.1, 0.88, 0.9, 0.98, shade(body, 0.2), radius=0.02)
    p.rect(0.02, 0.44, 0.98, 0.6, shade(body, 0.12), radius=0.04)  # side outlets
    p.rect(0.22, 0.3, 0.78, 0.9, body, radius=0.04)
    p.circle(0.5, 0.56, 0.12, shade(body, 0.18))
    p.rect(0.16, 0.26, 0.84, 0.34, shade(body, 0.12), radius=0.02)
    p.chord(0.24, 0.08, 0.76, 0.46, 180, 360, body)
    p.rect(0.44, 0.02, 0.56, 0.1, shade(body, 0.2), thin=True)


def street_lamp(p: Painter, body: RGB) -> None:
    p.bar([(0.5, 0.3), (0.5, 0.93)], 2.0, body)
    p.poly([(0.3, 1.0), (0.7, 1.0), (0.62, 0.9), (0.38, 0.9)], body)
    p.poly([(0.22, 0.08), (0.78, 0.08), (0.66, 0.32), (0.34, 0.32)], (255, 236, 140))  # the lantern glass
    p.line_([(0.5, 0.08), (0.5, 0.32)], 0.7)
    p.poly([(0.14, 0.1), (0.86, 0.1), (0.5, 0.0)], body)
    p.rect(0.32, 0.31, 0.68, 0.36, body, thin=True)


def fence(p: Painter, body: RGB) -> None:
    for y in (0.38, 0.72):
        p.rect(0.0, y, 1.0, y + 0.1, shade(body, 0.12))
    for k in range(6):
        x = 0.02 + k * 0.166
        p.poly([(x, 0.98), (x, 0.18), (x + 0.065, 0.04), (x + 0.13, 0.18), (x + 0.13, 0.98)], body)


def wall(p: Painter, body: RGB) -> None:
    """A stretch of brick (or stone) wall: courses of bricks in running bond, mortar lines between."""
    p.rect(0.0, 0.04, 1.0, 0.98, body)
    rows = 6
    for k in range(rows + 1):
        y = 0.04 + k * 0.94 / rows
        p.line_([(0.0, y), (1.0, y)], 0.6, shade(body, 0.35))
        if k == rows:
            break
        offset = 0.5 * (k % 2)
        for j in range(5):
            x = (j + offset) * 0.22
            if 0.02 < x < 0.98:
                p.line_([(x, y), (x, y + 0.94 / rows)], 0.6, shade(body, 0.35))


def well(p: Painter, body: RGB) -> None:
    for x in (0.16, 0.84):
        p.bar([(x, 0.6), (x, 0.2)], 1.6, WOOD)
    p.bar([(0.16, 0.3), (0.84, 0.3)], 1.2, shade(WOOD, 0.2))  # the winch
    p.line_([(0.5, 0.3), (0.5, 0.44)], 0.6)
    p.poly([(0.42, 0.44), (0.58, 0.44), (0.56, 0.56), (0.44, 0.56)], GREY, thin=True)  # the bucket
    p.poly([(0.0, 0.24), (1.0, 0.24), (0.5, 0.0)], body)  # the roof
    p.rect(0.06, 0.6, 0.94, 0.98, LIGHT_GREY)
    for k, y in enumerate((0.6, 0.72, 0.85)):  # stone courses
        p.line_([(0.06, y), (0.94, y)], 0.6)
        for j in range(4):
            x = 0.06 + (j + 0.5 * (k % 2) + 0.25) * 0.22
            if 0.08 < x < 0.92:
                p.line_([(x, y), (x, y + 0.12 if k < 2 else 0.98)], 0.6)
    p.ellipse(0.04, 0.55, 0.96, 0.65, shade(LIGHT_GREY, 0.25))


def barn(p: Painter, body: RGB) -> None:
    outline = [(0.04, 0.98), (0.04, 0.46), (0.18, 0.2), (0.5, 0.04), (0.82, 0.2), (0.96, 0.46), (0.96, 0.98)]
    p.poly(outline, body)
    p.line_([(0.04, 0.46), (0.18, 0.2), (0.5, 0.04), (0.82, 0.2), (0.96, 0.46)], 1.8, WHITE)
    p.line_([(0.02, 0.48), (0.18, 0.18), (0.5, 0.01), (0.82, 0.18), (0.98, 0.48)], 0.8)
    p.rect(0.42, 0.22, 0.58, 0.38, (60, 44, 36))  # the hayloft
    p.rect(0.28, 0.52, 0.72, 0.98, shade(body, 0.1))
    p.rect(0.28, 0.52, 0.72, 0.98, None)
    p.line_([(0.28, 0.52), (0.72, 0.98)], 1.4, WHITE)
    p.line_([(0.72, 0.52), (0.28, 0.98)], 1.4, WHITE)
    p.line_([(0.5, 0.52), (0.5, 0.98)], 1.0)


def windmill(p: Painter, body: RGB) -> None:
    p.poly([(0.34, 0.36), (0.66, 0.36), (0.74, 0.98), (0.26, 0.98)], body)
    p.chord(0.3, 0.22, 0.7, 0.5, 180, 360, shade(body, 0.25))
    p.chord(0.42, 0.78, 0.58, 1.06, 180, 360, DARK_GREY)
    p.rect(0.42, 0.92, 0.58, 0.98, DARK_GREY)
    p.rect(0.45, 0.56, 0.55, 0.66, LIGHT_BLUE, thin=True)
    hub = (0.5, 0.3)
    for angle in (35, 125, 215, 305):
        a = math.radians(angle)
        ux, uy, nx, ny = math.cos(a), math.sin(a), -math.sin(a), math.cos(a)

        def at(along: float, across: float) -> tuple[float, float]:
            return hub[0] + ux * along + nx * across, hub[1] + uy * along + ny * across

        p.poly([at(0.08, 0.0), at(0.42, 0.0), at(0.42, 0.1), at(0.1, 0.1)], WHITE)
        p.line_([at(0.1, 0.05), at(0.42, 0.05)], 0.5)
        p.line_([at(0.04, 0.0), at(0.44, 0.0)], 1.2, WOOD)
    p.circle(*hub, 0.05, DARK_GREY)


def submarine(p: Painter, body: RGB) -> None:
    p.bar([(0.46, 0.16), (0.46, 0.03), (0.55, 0.03)], 1.2, GREY)  # the periscope
    p.rect(0.34, 0.14, 0.6, 0.46, shade(body, 0.1), radius=0.05)
    p.poly([(0.86, 0.5), (0.98, 0.34), (0.98, 0.86), (0.86, 0.72)], shade(body, 0.2))  # the tail
    p.ellipse(0.02, 0.36, 0.92, 0.88, body)
    for x in (0.22, 0.42, 0.62):
        p.circle(x, 0.6, 0.07, LIGHT_BLUE, thin=True)


def waterfall(p: Painter, body: RGB) -> None:
    rock, dark_rock = GREY, shade(GREY, 0.25)
    p.poly([(0.0, 0.0), (0.34, 0.0), (0.32, 0.78), (0.0, 0.84)], rock)
    p.poly([(0.66, 0.0), (1.0, 0.0), (1.0, 0.84), (0.68, 0.78)], dark_rock)
    p.rect(0.3, 0.0, 0.7, 0.82, body)
    for x in (0.38, 0.47, 0.56, 0.64):
        p.line_([(x, 0.06), (x, 0.72)], 0.6, WHITE)
    p.ellipse(0.02, 0.7, 0.98, 0.99, shade(body, 0.25))
    for cx in (0.38, 0.5, 0.62):
        p.circle(cx, 0.78, 0.07, WHITE, thin=True)
    p.poly([(0.0, 0.0), (0.2, 0.0), (0.12, 0.08)], GREEN, thin=True)
    p.poly([(0.8, 0.0), (1.0, 0.0), (0.9, 0.1)], GREEN, thin=True)


def river(p: Painter, body: RGB) -> None:
    p.rect(0.0, 0.0, 1.0, 1.0, LIGHT_GREEN, radius=0.08)
    left = [(0.44, 0.0), (0.3, 0.3), (0.42, 0.6), (0.18, 1.0)]
    right = [(0.58, 0.0), (0.5, 0.3), (0.66, 0.6), (0.6, 1.0)]
    p.poly(left + right[::-1], body)
    for (x0, y0), (x1, y1) in (((0.38, 0.18), (0.44, 0.14)), ((0.46, 0.46), (0.53, 0.42)), ((0.36, 0.8), (0.45, 0.76))):
        p.line_([(x0, y0), (x1, y1)], 0.6, WHITE)
    for x, y in ((0.12, 0.3), (0.82, 0.22), (0.86, 0.78)):  # tufts of grass
        p.line_([(x, y), (x - 0.03, y - 0.08)], 0.6, GREEN)
        p.line_([(x, y), (x + 0.03, y - 0.08)], 0.6, GREEN)


def pond(p: Painter, body: RGB) -> None:
    p.ellipse(0.0, 0.12, 1.0, 1.0, LIGHT_GREEN)
    p.ellipse(0.1, 0.3, 0.9, 0.9, body)
    for y, (x0, x1) in ((0.5, (0.3, 0.5)), (0.66, (0.5, 0.72)), (0.78, (0.26, 0.4))):
        p.line_([(x0, y), (x1, y)], 0.6, WHITE)
    p.ellipse(0.58, 0.42, 0.74, 0.5, GREEN, thin=True)  # a lily pad
    for x, top in ((0.1, 0.0), (0.15, 0.06), (0.06, 0.1)):  # reeds
        p.bar([(x, 0.5), (x, top + 0.1)], 0.8, GREEN)
        p.rect(x - 0.02, top + 0.08, x + 0.02, top + 0.22, (130, 84, 50), radius=0.02, thin=True)


def hill(p: Painter, body: RGB) -> None:
    p.chord(-0.1, 0.04, 1.1, 1.9, 180, 360, body)
    p.chord(0.3, 0.42, 1.2, 1.6, 180, 360, shade(body, 0.15))
    p.line_([(0.0, 0.96), (1.0, 0.96)], 1.0)
    p.bar([(0.3, 0.2), (0.3, 0.1)], 0.8, WOOD)  # a small tree on top
    p.circle(0.3, 0.07, 0.07, GREEN, thin=True)


def igloo(p: Painter, body: RGB) -> None:
    p.chord(0.02, 0.04, 0.98, 1.9, 180, 360, body)
    line = shade(body, 0.3)
    for y, half in ((0.3, 0.36), (0.52, 0.44), (0.74, 0.47)):
        p.line_([(0.5 - half, y), (0.5 + half, y)], 0.6, line)
    for y0, y1, xs in ((0.12, 0.3, (0.38, 0.62)), (0.3, 0.52, (0.25, 0.5, 0.75)), (0.52, 0.74, (0.14, 0.38, 0.86))):
        for x in xs:
            p.line_([(x, y0), (x, y1)], 0.6, line)
    p.chord(0.34, 0.5, 0.8, 1.44, 180, 360, shade(body, 0.06))
    p.chord(0.44, 0.68, 0.7, 1.26, 180, 360, (40, 50, 70))
    p.line_([(0.0, 0.97), (1.0, 0.97)], 1.0)


def shed(p: Painter, body: RGB) -> None:
    p.rect(0.1, 0.38, 0.9, 0.98, body)
    for x in (0.26, 0.42, 0.58, 0.74):  # planks
        p.line_([(x, 0.4), (x, 0.96)], 0.5, shade(body, 0.3))
    p.rect(0.36, 0.56, 0.64, 0.98, shade(body, 0.15))
    p.circle(0.59, 0.78, 0.025, DARK_GREY, thin=True)
    p.poly([(0.02, 0.42), (0.5, 0.04), (0.98, 0.42)], DARK_GREY)
    p.rect(0.16, 0.46, 0.3, 0.56, LIGHT_BLUE, thin=True)


def surfboard(p: Painter, body: RGB) -> None:
    p.poly([(0.5, 0.0), (0.86, 0.1), (1.0, 0.4), (0.94, 0.82), (0.66, 0.98), (0.34, 0.98), (0.06, 0.82),
            (0.0, 0.4), (0.14, 0.1)], body)
    p.line_([(0.5, 0.06), (0.5, 0.94)], 0.8, WHITE)
    p.poly([(0.44, 0.8), (0.56, 0.8), (0.5, 0.95)], shade(body, 0.3), thin=True)  # the fin's edge


def snowboard(p: Painter, body: RGB) -> None:
    p.rect(0.12, 0.0, 0.88, 1.0, body, radius=0.35)
    p.line_([(0.3, 0.12), (0.7, 0.2)], 0.7, WHITE)
    for y in (0.3, 0.62):  # bindings
        p.rect(0.06, y, 0.94, y + 0.08, DARK_GREY, radius=0.03)
        p.rect(0.24, y - 0.05, 0.76, y + 0.13, None, radius=0.05, thin=True)


DEFAULTS: dict[str, RGB] = {
    "bench": WOOD, "parking meter": (120, 130, 140), "fire hydrant": RED, "street lamp": (40, 60, 52),
    "fence": (196, 150, 100), "well": RED, "barn": RED, "windmill": (236, 222, 196), "submarine": YELLOW,
    "waterfall": (120, 190, 240), "river": BLUE, "pond": BLUE, "hill": LIGHT_GREEN, "igloo": (232, 244, 250),
    "surfboard": (92, 190, 230), "snowboard": (244, 130, 32), "shed": WOOD, "wall": (170, 70, 50),
}
"""The body colour of each prop when no colour is asked."""
