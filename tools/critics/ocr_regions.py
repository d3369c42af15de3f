"""Where the OCR critic looks: the planned boxes of the texts, as pixel windows.

Two windows per planned text, both grown from its planned box:

- the **read window**, a little larger than the box (glyph outlines and shadows stay
  inside): the region the critic reads first, at its own pixels instead of the whole
  image scaled to the detector's limit. Texts whose read windows touch are read together.
- the **placement window**, more generous: a text found in the image counts as where it
  was planned when at least :data:`PLACEMENT_SHARE` of its box lies inside it. Every read
  window lies inside its text's placement window, so a text read there is placed.

Pure geometry on pixel rectangles; no engine needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from tools.critics.ocr_engines import Reading
from tools.scene import TextElement

Box4 = tuple[int, int, int, int]

READ_MARGIN = 0.1
"""Read window: the planned box grown by this share of its shorter side on every side…"""
READ_MARGIN_PX = 6
"""…plus this many pixels (small boxes keep room for a stroke's outline)."""
PLACEMENT_MARGIN = 0.25
"""Placement window: the planned box grown by this share of its shorter side on every side…"""
PLACEMENT_MARGIN_PX = 8
"""…plus this many pixels. A generator may set a text a little off its box; a text elsewhere
in the picture (another band, another corner) is misplaced."""
PLACEMENT_SHARE = 0.5
"""Least share of a found text's box that must lie inside its placement window."""


def _grown(box: Box4, share: float, pixels: int, size: tuple[int, int]) -> Box4:
    x0, y0, x1, y1 = box
    margin = round(share * min(x1 - x0, y1 - y0)) + pixels
    width, height = size
    return (max(0, x0 - margin), max(0, y0 - margin), min(width, x1 + margin), min(height, y1 + margin))


def planned_pixels(element: TextElement, size: tuple[int, int]) -> Box4 | None:
    """The planned box in pixels, or None when the text has no planned box."""
    return element.box.to_pixels(*size) if element.box is not None else None


def read_window(element: TextElement, size: tuple[int, int]) -> Box4 | None:
    box = planned_pixels(element, size)
    return None if box is None else _grown(box, READ_MARGIN, READ_MARGIN_PX, size)


def placement_window(element: TextElement, size: tuple[int, int]) -> Box4 | None:
    box = planned_pixels(element, size)
    return None if box is None else _grown(box, PLACEMENT_MARGIN, PLACEMENT_MARGIN_PX, size)


def _touch(a: Box4, b: Box4) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _union(a: Box4, b: Box4) -> Box4:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


@dataclass(frozen=True)
class Window:
    """One region to read and the planned texts (their indices) it should hold."""

    box: Box4
    texts: tuple[int, ...]


def read_windows(texts: Sequence[TextElement], size: tuple[int, int], only: Iterable[int] | None = None) -> list[Window]:
    """The regions to read for ``texts`` (those in ``only``, by index): one per planned box,
    merged where they touch, so overlapping or adjacent texts are read once, together."""
    chosen = range(len(texts)) if only is None else only
    windows: list[Window] = []
    for index in chosen:
        box = read_window(texts[index], size)
        if box is None:
            continue
        members = (index,)
        merged = True
        while merged:  # a union can reach windows it did not touch before
            merged = False
            for other in windows:
                if _touch(box, other.box):
                    windows.remove(other)
                    box, members = _union(box, other.box), other.texts + members
                    merged = True
                    break
        windows.append(Window(box, tuple(sorted(members))))
    return sorted(windows, key=lambda w: w.texts)


def shifted(readings: Iterable[Reading], offset: tuple[int, int]) -> list[Reading]:
    """Readings of a cropped region, moved back into the whole image's coordinates."""
    dx, dy = offset
    return [Reading(text=r.text, box=(r.box[0] + dx, r.box[1] + dy, r.box[2] + dx, r.box[3] + dy),
                    confidence=r.confidence) for r in readings]


def inside_share(box: Sequence[int], window: Box4) -> float:
    """Share of ``box``'s area that lies inside ``window``."""
    x0, y0, x1, y1 = box
    area = max(1, (x1 - x0) * (y1 - y0))
    shared_w = max(0, min(x1, window[2]) - max(x0, window[0]))
    shared_h = max(0, min(y1, window[3]) - max(y0, window[1]))
    return shared_w * shared_h / area


def placed(box: Sequence[int] | None, element: TextElement, size: tuple[int, int]) -> bool:
    """Whether a text found at ``box`` is where ``element`` planned it (always, when unplanned)."""
    window = placement_window(element, size)
    if window is None:
        return True
    return box is not None and inside_share(box, window) >= PLACEMENT_SHARE


def within(readings: Iterable[Reading], window: Box4) -> list[Reading]:
    """The readings mostly inside ``window``."""
    return [r for r in readings if inside_share(r.box, window) >= PLACEMENT_SHARE]
