"""Relations between planned objects, as geometry: how contact relations are composed, in
which order things are drawn, and whether two boxes satisfy a relation.

Layout places every object in free room first; a *contact* relation then moves the subject
against its target, overlapping it the way the words say:

- "on": the subject rests on the target's top ("five candles on a cake"), narrower than it;
- "in": the subject sits in the target's opening, its lower part hidden by the target's front
  ("flowers in a vase", "a cat in a box"): drawn after the target, whose front is drawn again;
- "riding": the rider sits on the mount's back, over its middle ("an astronaut riding a horse");
- "holding": the held thing (the target) goes to the holder's hand, beside its body at waist height;
- "under": the subject stands in the lower part of the target, between its legs ("a cat under a
  table"), drawn after it so that it shows.

:func:`holds` is the one definition of each relation on boxes (x0, y0, x1, y1 in any unit,
y down), used by tests on the plan's boxes and on the drawn pixels alike.
"""

from __future__ import annotations

from typing import Sequence

from tools.geometry import Rect, overlaps
from tools.scene import SceneObject

CONTACT = ("on", "in", "riding", "holding", "under")


def _size(r: Rect) -> tuple[float, float]:
    return r[2] - r[0], r[3] - r[1]


def _fit(r: Rect, max_w: float, max_h: float) -> tuple[float, float]:
    """``r``'s size scaled down (never up) to fit max_w × max_h, aspect kept."""
    w, h = _size(r)
    scale = min(1.0, max_w / max(w, 1e-6), max_h / max(h, 1e-6))
    return w * scale, h * scale


def _clamped(x0: float, y0: float, w: float, h: float, bounds: Rect) -> Rect:
    x0 = min(max(x0, bounds[0]), bounds[2] - w)
    y0 = min(max(y0, bounds[1]), bounds[3] - h)
    return (x0, y0, x0 + w, y0 + h)


def contact_box(kind: str, subject: Rect, target: Rect, bounds: Rect = (0.0, 0.0, 1.0, 1.0)) -> Rect:
    """Where the subject goes for a contact relation to ``target`` (for "holding", where the
    *held* thing goes: ``subject`` is then the held thing's current box and ``target`` the holder)."""
    tw, th = _size(target)
    tcx = (target[0] + target[2]) / 2
    if kind == "on":  # resting on the top, sunk a little into it so it touches
        w, h = _fit(subject, tw * 0.85, th * 1.2)
        return _clamped(tcx - w / 2, target[1] + th * 0.18 - h, w, h, bounds)
    if kind == "in":  # in the opening, as a bunch as wide as it: its foot just below the rim
        w, h = tw * 0.85, th * 0.8
        return _clamped(tcx - w / 2, target[1] + th * 0.33 - h, w, h, bounds)
    if kind == "riding":  # seated on the back, a little behind the middle
        w, h = _fit(subject, tw * 0.6, th * 0.95)
        return _clamped(tcx - tw * 0.04 - w / 2, target[1] + th * 0.5 - h, w, h, bounds)
    if kind == "under":  # in the lower part, on the same ground
        w, h = _fit(subject, tw * 0.55, th * 0.5)
        return _clamped(tcx - w / 2, target[3] - h, w, h, bounds)
    if kind == "holding":  # in the hand: beside the body at waist height, partly over it
        w, h = _fit(subject, tw * 0.7, th * 0.38)
        hx, hy = target[2] - tw * 0.12, target[1] + th * 0.58
        return _clamped(hx - w * 0.3, hy - h / 2, w, h, bounds)
    return subject


def compose(objects: Sequence[SceneObject], placed: dict[str, Rect], bounds: Rect,
            keep_clear: Sequence[Rect] = ()) -> dict[int, Rect]:
    """New boxes for the objects in contact relations (index → box), from the boxes already
    ``placed`` (name or character id → box). A move that would cover ``keep_clear`` (text)
    is not made: the free placement stays."""
    moved: dict[int, Rect] = {}
    boxes = dict(placed)
    for i in draw_order(objects):  # what carries a thing is put in place before the thing
        obj = objects[i]
        relation = obj.relation
        if relation is None or relation.type not in CONTACT:
            continue
        me, other = obj.name.lower(), relation.target.lower()
        if me not in boxes or other not in boxes:
            continue
        if relation.type == "holding":  # the held thing moves to the holder
            j = next((k for k, o in enumerate(objects) if o.name.lower() == other), None)
            if j is None:
                continue
            new, index, name = contact_box("holding", boxes[other], boxes[me], bounds), j, other
        else:
            new, index, name = contact_box(relation.type, boxes[me], boxes[other], bounds), i, me
        if any(overlaps(new, r) for r in keep_clear):
            continue
        moved[index] = boxes[name] = new
    return moved


def draw_order(objects: Sequence[SceneObject]) -> list[int]:
    """Indices of ``objects`` in drawing order: what sits on, in or under something, rides it or is
    held is drawn after what carries it (the renderer draws a container's front again over what is in it)."""
    names = {o.name.lower(): i for i, o in enumerate(objects)}
    after: dict[int, set[int]] = {i: set() for i in range(len(objects))}  # i is drawn after these
    for i, obj in enumerate(objects):
        relation = obj.relation
        j = names.get(relation.target.lower()) if relation else None
        if relation is None or j is None or j == i:
            continue
        if relation.type == "holding":
            after[j].add(i)
        elif relation.type in ("on", "in", "riding", "under"):
            after[i].add(j)
    order: list[int] = []
    seen: set[int] = set()

    def visit(i: int, path: frozenset[int] = frozenset()) -> None:
        if i in seen or i in path:  # a cycle in the plan: plan order decides
            return
        for j in sorted(after[i]):
            visit(j, path | {i})
        if i not in seen:
            seen.add(i)
            order.append(i)

    for i in range(len(objects)):
        visit(i)
    return order


def holds(kind: str, subject: Rect, target: Rect) -> bool:
    """Does ``subject`` stand in relation ``kind`` to ``target``? Centres decide left/right/
    above/below (as GenEval judges them); contact relations need the boxes to touch."""
    sx, sy = (subject[0] + subject[2]) / 2, (subject[1] + subject[3]) / 2
    tx, ty = (target[0] + target[2]) / 2, (target[1] + target[3]) / 2
    tw, th = _size(target)
    inside_x = target[0] <= sx <= target[2]
    if kind == "left of":
        return sx < tx
    if kind == "right of":
        return sx > tx
    if kind == "above":
        return sy < ty
    if kind == "below":
        return sy > ty
    if kind == "under":  # lower than its middle, within its width
        return inside_x and sy > ty
    if kind == "next to":
        return abs(sy - ty) < max(_size(subject)[1], th) and (subject[2] <= target[0] + tw * 0.25 or subject[0] >= target[2] - tw * 0.25)
    if kind == "on":  # above the middle, over it, bottom touching its upper part
        return inside_x and sy < ty and target[1] - th * 0.1 <= subject[3] <= ty
    if kind == "in":  # over its opening, partly inside it
        return inside_x and subject[3] > target[1] and sy < ty
    if kind == "riding":  # over its back: centred over it, bottom inside its upper part
        return inside_x and sy < ty and target[1] < subject[3] <= target[3]
    if kind == "holding":  # here subject is the held thing and target the holder
        return overlaps(subject, target) and target[1] + th * 0.25 <= sy <= target[3] - th * 0.1
    if kind == "behind":
        return overlaps(subject, target)
    if kind == "in front of":
        return overlaps(subject, target) and subject[3] >= target[3]
    return False


__all__ = ["CONTACT", "compose", "contact_box", "draw_order", "holds"]
