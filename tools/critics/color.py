"""The ``color`` critic: is each planned object drawn in its planned colour, where it was planned?

For every object with a colour and a box, the pixels inside the box that differ from
the surroundings (a ring just outside the box) are the object; each such pixel is named
by its colour family (hue bands, with black/white/grey by lightness and saturation), and
the check passes when the planned colour's family — or a neighbouring one a viewer would
accept ("teal" ≈ cyan, green or blue) — holds a clear share of the object's pixels. A
wrong colour fails; so does a swapped layout, since the planned box then holds the other
object's colour.
"""

from __future__ import annotations

import colorsys
from functools import lru_cache

import numpy as np
from PIL import Image

from tools.colors import parse_color
from tools.scene import CheckResult, RepairAction, SceneObject

CHECK_NAME = "color"
FAMILIES = ("red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink", "brown", "black", "white", "grey")
# Families a viewer would still call by the planned name (named colours sit on band edges).
NEIGHBOURS: dict[str, set[str]] = {
    "red": {"red", "pink", "orange"},
    "orange": {"orange", "red", "yellow", "brown"},
    "yellow": {"yellow", "orange"},
    "green": {"green", "cyan"},
    "cyan": {"cyan", "green", "blue"},
    "blue": {"blue", "cyan", "purple"},
    "purple": {"purple", "blue", "pink"},
    "pink": {"pink", "red", "purple"},
    "brown": {"brown", "orange", "red"},
    "black": {"black"},
    "white": {"white"},
    "grey": {"grey", "white", "black"},
}
MIN_SHARE = 0.40
"""Share of the object's *chromatic* pixels that must be of the planned family. Measured on
sketch renders (tests/unit/test_color.py, evals/critics.py): right colours 59–100 %, wrong
colours 0–19 %; 0.40 sits between with room on both sides."""
MIN_CHROMATIC = 0.03
"""Least share of an object's pixels that must have a hue at all for a colour to be judged."""
BACKGROUND_DISTANCE = 40.0
"""RGB distance under which a pixel counts as the surrounding background."""
_MAX_SAMPLES = 40_000
ACHROMATIC: dict[str, tuple[float, float]] = {"white": (0.62, 1.0), "black": (0.0, 0.35), "grey": (0.25, 0.8)}
"""Median lightness range (0..1) of an object's pixels for the colourless families."""
OUTLINE_COVERAGE = 0.2
"""Below this share of its box, what differs from the background is an outline, not a body
(OpenMoji outlines cover ≈5–12 % of an object's box; a filled black body ≥ 30 %)."""


def family(rgb: tuple[float, float, float]) -> str:
    """Colour family of one RGB pixel (0..255)."""
    r, g, b = (c / 255.0 for c in rgb)
    hue, lightness, sat = colorsys.rgb_to_hls(r, g, b)
    value = max(r, g, b)
    if value < 0.2:
        return "black"
    if sat < 0.2 or (value - min(r, g, b)) < 0.12:
        return "white" if lightness > 0.82 else ("black" if lightness < 0.16 else "grey")
    degrees = hue * 360
    if 15 <= degrees < 45 and value < 0.62:
        return "brown"
    if degrees < 12 or degrees >= 340:
        return "pink" if lightness > 0.75 else "red"
    for limit, name in ((45, "orange"), (70, "yellow"), (160, "green"), (195, "cyan"), (255, "blue"), (290, "purple")):
        if degrees < limit:
            return name
    return "pink"


def planned_family(color_name: str) -> str | None:
    """Family of a planned colour name ("navy" → blue, "gold" → yellow); None if unknown."""
    rgb = parse_color(color_name)
    return family(rgb) if rgb is not None else None


@lru_cache(maxsize=None)
def _family_code(key: int) -> int:
    """Family (its index in FAMILIES) of a quantised colour ``key`` = r/8 << 10 | g/8 << 5 | b/8,
    named at the centre of its 8-level bin. Remembered: a process names each bin once."""
    return FAMILIES.index(family(((key >> 10) * 8 + 4, ((key >> 5) & 31) * 8 + 4, (key & 31) * 8 + 4)))


def _family_counts(pixels: np.ndarray) -> np.ndarray:
    """Pixels per family (indexed like FAMILIES). Colours are quantised first: a few hundred
    distinct bins to name instead of tens of thousands of pixels."""
    quantised = pixels.astype(np.int32) // 8
    keys = (quantised[:, 0] << 10) | (quantised[:, 1] << 5) | quantised[:, 2]
    bins = np.bincount(keys, minlength=1 << 15)
    used = np.flatnonzero(bins)
    codes = np.fromiter((_family_code(int(k)) for k in used), dtype=np.int64, count=len(used))
    return np.bincount(codes, weights=bins[used], minlength=len(FAMILIES)).astype(np.int64)


def _families(pixels: np.ndarray) -> np.ndarray:
    """Family name of every pixel."""
    quantised = pixels.astype(np.int32) // 8
    keys = (quantised[:, 0] << 10) | (quantised[:, 1] << 5) | quantised[:, 2]
    unique, inverse = np.unique(keys, return_inverse=True)
    names = np.array([FAMILIES[_family_code(int(k))] for k in unique])
    return names[inverse.reshape(-1)]


def _object_pixels(array: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Pixels inside ``box`` that differ from the ring of background around it."""
    height, width, _ = array.shape
    x0, y0, x1, y1 = box
    margin = max(2, round(0.08 * max(x1 - x0, y1 - y0)))
    ring_box = (max(0, x0 - margin), max(0, y0 - margin), min(width, x1 + margin), min(height, y1 + margin))
    outer = array[ring_box[1]:ring_box[3], ring_box[0]:ring_box[2]].reshape(-1, 3).astype(np.float32)
    inside = array[y0:y1, x0:x1].reshape(-1, 3).astype(np.float32)
    if inside.size == 0:
        return inside
    ring_mask = np.ones((ring_box[3] - ring_box[1], ring_box[2] - ring_box[0]), dtype=bool)
    ring_mask[y0 - ring_box[1]:y1 - ring_box[1], x0 - ring_box[0]:x1 - ring_box[0]] = False
    ring = outer[ring_mask.reshape(-1)]
    if len(ring):
        # Up to three background colours (walls, shelves, sky and ground): their medians by brightness.
        order = np.argsort(ring.sum(axis=1))
        backgrounds = [np.median(part, axis=0) for part in np.array_split(ring[order], 3) if len(part)]
        distance = np.min([np.linalg.norm(inside - bg, axis=1) for bg in backgrounds], axis=0)
        # And, row by row, the background beside the box: a landscape's bands (sea, horizon, a
        # tree line) cross the box at the height they have on its left and right.
        sides = [array[y0:y1, max(0, x0 - margin):x0], array[y0:y1, x1:min(width, x1 + margin)]]
        sides = [side for side in sides if side.shape[1]]
        if sides:
            row_bg = np.median(np.concatenate(sides, axis=1).astype(np.float32), axis=1)  # (rows, 3)
            per_row = np.linalg.norm(array[y0:y1, x0:x1].astype(np.float32) - row_bg[:, None, :], axis=2)
            distance = np.minimum(distance, per_row.reshape(-1))
        inside = inside[distance > BACKGROUND_DISTANCE]
    if len(inside) > _MAX_SAMPLES:
        inside = inside[np.linspace(0, len(inside) - 1, _MAX_SAMPLES).astype(int)]
    return inside


def check_color(array: np.ndarray, obj: SceneObject) -> CheckResult:
    """One object's colour check on an RGB array."""
    expected = f"{obj.color} {obj.name}"
    target = planned_family(obj.color or "")
    if target is None:
        return CheckResult(name=CHECK_NAME, status="skipped", expected=expected, reason=f"unknown colour name {obj.color!r}")
    if obj.box is None:
        return CheckResult(name=CHECK_NAME, status="skipped", expected=expected, reason="no planned box to look in")
    height, width, _ = array.shape
    box = obj.box.to_pixels(width, height)
    pixels = _object_pixels(array, box)
    if len(pixels) < 16:
        return CheckResult(name=CHECK_NAME, status="fail", score=0.0, expected=expected, found="nothing",
                           box=list(box), reason=f"nothing but background where the {obj.name} should be")
    if target in ACHROMATIC:
        box_area = max(1, (box[2] - box[0]) * (box[3] - box[1]))
        return _check_achromatic(pixels, len(pixels) / box_area, obj, target, expected, box)
    counts = _family_counts(pixels)
    # Outlines, shading, wheels and highlights are black, grey or white in any colour of
    # object (a teal bicycle is mostly grey wheels): only chromatic pixels are evidence.
    chromatic = {name: int(counts[i]) for i, name in enumerate(FAMILIES) if name not in ACHROMATIC and counts[i]}
    if sum(chromatic.values()) < max(16, MIN_CHROMATIC * int(counts.sum())):
        return CheckResult(name=CHECK_NAME, status="fail", score=0.0, expected=expected, found=f"colourless {obj.name}",
                           box=list(box), reason=f"{obj.name}: no {target} found, only white, grey or black")
    families = sorted(chromatic)  # by name, so that a tie for the dominant family breaks alike everywhere
    present = np.array([chromatic[name] for name in families])
    shares = dict(zip(families, (present / present.sum()).tolist()))
    accepted = NEIGHBOURS.get(target, {target})
    # The planned family itself, or the best neighbour (one pixel cannot be two families).
    share = max(shares.get(name, 0.0) for name in accepted)
    dominant = max(shares, key=shares.get)
    passed = share >= MIN_SHARE
    reason = (
        f"{obj.name}: {share:.0%} {target}-ish pixels"
        + ("" if passed else f" (needs {MIN_SHARE:.0%}); mostly {dominant}")
    )
    return CheckResult(
        name=CHECK_NAME, status="pass" if passed else "fail", score=round(share, 4), expected=expected,
        found=f"{dominant} {obj.name}", box=list(box), reason=reason,
    )


def _check_achromatic(
    pixels: np.ndarray, coverage: float, obj: SceneObject, target: str, expected: str, box: tuple[int, int, int, int]
) -> CheckResult:
    """White, black and grey are judged by lightness, not by hue: outlines are black in any
    colour, so shares of a hue family say little here. The object's median lightness (and
    little chroma) decides. A white object on a light background leaves only its outline
    after the background is removed (``coverage`` small, pixels dark): that is what white
    looks like there, while a black object covers its box with dark pixels."""
    lightness = pixels.mean(axis=1) / 255.0
    chroma = (pixels.max(axis=1) - pixels.min(axis=1)) / 255.0
    body = float(np.median(lightness))
    colourless = float((chroma < 0.2).mean())
    low, high = ACHROMATIC[target]
    outline_only = coverage < OUTLINE_COVERAGE
    if target == "white" and outline_only and body < low:
        passed = colourless >= 0.6  # the body matches the light surroundings: white there
        reason = f"{obj.name}: only its outline stands out from the light background ({coverage:.0%} of the box)"
    else:
        passed = low <= body <= high and colourless >= 0.6 and not (target == "black" and outline_only)
        reason = (f"{obj.name}: median lightness {body:.2f}, {colourless:.0%} colourless, "
                  f"{coverage:.0%} of the box (wanted {target})")
    found = "white" if body > 0.7 else ("black" if body < 0.3 and not outline_only else "grey")
    if passed:
        found = target
    elif colourless < 0.6:
        found = max(zip(*np.unique(_families(pixels), return_counts=True)), key=lambda item: item[1])[0]
    return CheckResult(
        name=CHECK_NAME, status="pass" if passed else "fail", score=round(colourless if passed else 0.0, 4),
        expected=expected, found=f"{found} {obj.name}", box=list(box), reason=reason,
    )


def check_colors(image: Image.Image, objects: list[SceneObject]) -> list[CheckResult]:
    """One ``color`` check per object that has a planned colour."""
    coloured = [o for o in objects if o.color]
    if not coloured:
        return [CheckResult(name=CHECK_NAME, status="skipped", reason="no colours planned")]
    array = np.asarray(image.convert("RGB"))
    return [check_color(array, obj) for obj in coloured]


def suggest_repairs(checks: list[CheckResult]) -> list[RepairAction]:
    """A wrong colour is repainted in its box (inpaint; regenerate where the backend cannot edit)."""
    return [
        RepairAction(kind="inpaint", check=CHECK_NAME, target=check.expected, box=check.box)
        for check in checks
        if check.name == CHECK_NAME and check.status == "fail"
    ]
