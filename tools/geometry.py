"""Plane geometry for layout: frames, rectangles, seeded randomness, free-space search.

Everything is in normalised coordinates (0..1 of the frame). Sizes that should look the
same on any frame are given in "units" of the frame's short side and converted with
``Frame.ux``/``Frame.uy``.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass

import numpy as np

Rect = tuple[float, float, float, float]
GAP = 0.018
"""Clearance kept between things, in short-side units."""


@dataclass(frozen=True)
class Frame:
    """Frame geometry: margins and the short-side unit in normalised coordinates."""

    aspect: float  # width / height

    @property
    def ux(self) -> float:
        return min(1.0, 1.0 / self.aspect)

    @property
    def uy(self) -> float:
        return min(1.0, self.aspect)

    @property
    def mx(self) -> float:
        return 0.035 * self.ux

    @property
    def my(self) -> float:
        return 0.035 * self.uy


def stable_rng(*parts: object) -> random.Random:
    """A ``Random`` seeded from ``parts`` by SHA-256: same inputs, same draws, in any process."""
    digest = hashlib.sha256(repr(parts).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def overlaps(a: Rect, b: Rect, gap_x: float = 0.0, gap_y: float = 0.0) -> bool:
    """True when ``a`` and ``b`` intersect once ``b`` is grown by the gaps."""
    return a[0] < b[2] + gap_x and b[0] - gap_x < a[2] and a[1] < b[3] + gap_y and b[1] - gap_y < a[3]


def free_spot(w: float, h: float, frame: Frame, hard: list[Rect], soft: list[Rect],
               pref: tuple[float, float], allow_soft: bool = False, min_bottom: float = 0.0) -> Rect | None:
    """Best (nearest to ``pref`` centre) rectangle of size w×h clear of obstacles.

    ``hard`` obstacles are never touched; ``soft`` ones only when ``allow_soft`` (and then
    as few as possible). ``min_bottom`` keeps the rectangle's bottom at or below that line
    (things that stand need ground under them). Candidates form a 33×33 grid over the
    frame, scored all at once with numpy.
    """
    gx, gy = GAP * frame.ux, GAP * frame.uy
    xs, ys = _steps(frame.mx, 1 - frame.mx - w), _steps(frame.my, 1 - frame.my - h)
    if xs.size == 0 or ys.size == 0:
        return None
    x0, y0 = np.meshgrid(xs, ys)

    def hits(obstacles: list[Rect]) -> np.ndarray:
        count = np.zeros(x0.shape)
        for o in obstacles:
            count += (x0 < o[2] + gx) & (o[0] - gx < x0 + w) & (y0 < o[3] + gy) & (o[1] - gy < y0 + h)
        return count

    blocked = (hits(hard) > 0) | (y0 + h < min_bottom)
    penalty = hits(soft)
    if not allow_soft:
        blocked |= penalty > 0
    score = penalty * 10 + ((x0 + w / 2 - pref[0]) / frame.ux) ** 2 + ((y0 + h / 2 - pref[1]) / frame.uy) ** 2
    score[blocked] = np.inf
    k = int(np.argmin(score))
    if not np.isfinite(score.flat[k]):
        return None
    bx, by = float(x0.flat[k]), float(y0.flat[k])
    return (bx, by, bx + w, by + h)


def _steps(lo: float, hi: float, n: int = 33) -> np.ndarray:
    if hi < lo:
        return np.empty(0)
    return np.linspace(lo, hi, n) if hi > lo else np.array([lo])


def grid_shape(count: int, box_w: float, box_h: float) -> tuple[int, int]:
    """(cols, rows) that give ``count`` items in a box the largest size; shared with the renderer."""
    best, best_size = (count, 1), -1.0
    for cols in range(1, count + 1):
        rows = math.ceil(count / cols)
        size = min(box_w / cols, box_h / rows)
        if size > best_size + 1e-9:
            best, best_size = (cols, rows), size
    return best
