"""Composition: where each text, object and character of a shot goes.

The planner calls :func:`assign_layout` to put boxes into a plan; the renderer calls it
for shots that arrive without boxes. Rules, in order of strength:

1. Boxes a shot already has are kept.
2. Text never overlaps an object and never leaves the frame.
3. Text goes where its role says (title on top, sign on an upper board, caption at the
   bottom, bubble above its speaker, label beside its object).
4. Objects get non-overlapping room for ``count`` copies, clear of characters.

Characters are placed from the shot's *content* only (never the seed), so that a figure
stands in the same place whether the planner or the renderer asks; the seed varies the
rest a little so that four shots of one request are four compositions.

All coordinates are normalised (0..1). Sizes that should look the same on any frame are
computed in "units" of the short side and converted with ``ux``/``uy``.
"""

from __future__ import annotations

import math
import random
import re

from tools.fonts import font
from tools.geometry import GAP, Frame, Rect, free_spot, overlaps, stable_rng
from tools.relations import compose, holds
from tools.typeset import carrier_text
from tools.scene import Box, SceneObject, ScenePlan, Shot, TextElement

#: Things that float or fly: placed in the upper part of the stage, not on the ground.
AIRBORNE = {"balloon", "kite", "bird", "plane", "airplane", "cloud", "sun", "moon", "star",
            "butterfly", "bee", "rocket", "helicopter", "ufo", "bat", "dove", "eagle", "owl",
            "parrot", "lantern", "snowflake", "rainbow", "planet", "comet", "firework", "drone",
            "fish", "whale", "dolphin", "shark", "jellyfish", "ghost", "fairy"}

#: Names whose head word flies but which do not ("a baseball bat" is no bat).
GROUNDED = {"baseball bat", "cricket bat", "baseball bats", "fishing kite", "star fruit", "starfish", "sun hat",
            "moon boot", "paper plane"}


def is_airborne(name: str) -> bool:
    """Whether ``name`` (singular or plural) floats or flies rather than standing on the ground."""
    words = name.lower().split()
    if not words or " ".join(words) in GROUNDED:
        return False
    head = words[-1]  # "hot air balloons" -> balloons
    return any(form in AIRBORNE for form in (head, head[:-1] if head.endswith("s") else head, " ".join(words)))


# Per role: font size and padding in short-side units, default width as a frame fraction.
_ROLE = {"title": (0.085, 0.03, 0.84), "sign": (0.078, 0.045, 0.74), "caption": (0.05, 0.022, 0.92),
         "bubble": (0.055, 0.05, 0.5), "label": (0.042, 0.014, 0.3)}


def _rect(box: Box) -> Rect:
    return (box.x0, box.y0, box.x1, box.y1)


def _box(r: Rect) -> Box:
    c = [min(1.0, max(0.0, v)) for v in r]
    return Box(x0=c[0], y0=c[1], x1=max(c[2], c[0] + 1e-4), y1=max(c[3], c[1] + 1e-4))


def text_height_units(text: str, width_units: float, role: str) -> float:
    """Height (short-side units) a text of this role needs at its nominal size and width.

    Words are measured with the real font (at 100 px, scaled), so the estimate agrees with
    what :func:`tools.typeset.typeset` will fit.
    """
    size, pad, _ = _ROLE[role]
    ref = font(100)
    avail = (width_units - 2 * pad) * 100 / size  # line width in px at the 100 px reference
    space = ref.getlength(" ")
    lines, line = 1, 0.0
    for word in text.split():
        w = ref.getlength(word)
        if line and line + space + w > avail:
            lines, line = lines + 1, w
        else:
            line += (space if line else 0.0) + w
    lines = min(lines, 4) + max(0, lines - 4) // 2  # beyond 4 lines the font shrinks
    return lines * size * 1.2 + 2 * pad


def _bubble_size(text: str, frame: Frame) -> tuple[float, float]:
    """(width, height) normalised of a speech bubble holding ``text``."""
    natural = max(0.085 * math.sqrt(len(text)) + 0.12, min(0.5, 0.036 * len(text) + 0.16))
    w_units = min(0.62 * frame.aspect if frame.aspect < 1 else 0.62, max(0.3, natural))
    return w_units * frame.ux, text_height_units(text, w_units, "bubble") * frame.uy


def _top_band_bottom(shot: Shot, frame: Frame) -> float:
    """Lowest edge of the title/sign area, from nominal sizes so it does not depend on the seed."""
    bottom = frame.my
    for t in shot.texts:
        if t.role in ("title", "sign") and t.box is None:
            w_units = _top_width(t.role, frame, -0.05) / frame.ux  # the narrowest the seed can make it
            bottom += text_height_units(t.text, w_units, t.role) * frame.uy + GAP * frame.uy
        if t.box is not None and t.role in ("title", "sign"):
            bottom = max(bottom, t.box.y1 + GAP * frame.uy)
    return bottom


def _bottom_band_top(shot: Shot, frame: Frame) -> float:
    top = 1.0 - frame.my
    for t in shot.texts:
        if t.role == "caption":
            w_units = _ROLE["caption"][2] / frame.ux
            top -= text_height_units(t.text, w_units, "caption") * frame.uy + GAP * frame.uy
            if t.box is not None:
                top = min(top, t.box.y0 - GAP * frame.uy)
    return top


def character_boxes(shot: Shot, plan: ScenePlan | None = None, aspect: float = 1.0) -> dict[str, Box]:
    """Where each character of ``shot`` stands: a function of the shot's content, not the seed.

    Figures stand on the ground above any caption, leave room overhead for their speech
    bubbles, and are spread evenly; a close-up makes them larger, a wide shot smaller.
    """
    frame = Frame(aspect)
    ids = list(dict.fromkeys(shot.characters))
    if not ids:
        return {}
    camera = (shot.camera or "").lower()
    n = len(ids)
    height = {1: 0.56, 2: 0.52, 3: 0.44}.get(n, 0.36)
    if re.search(r"close|portrait|medium", camera):
        height *= 1.3
    elif re.search(r"wide|long|establishing|aerial", camera):
        height *= 0.75
    bottom = _bottom_band_top(shot, frame) - 0.01
    ceiling = _top_band_bottom(shot, frame)
    bubble = max((_bubble_size(t.text, frame)[1] for t in shot.texts if t.role == "bubble"), default=0.0)
    room = bottom - ceiling - (bubble + 2 * GAP * frame.uy if bubble else 0.0)
    height = max(0.22, min(height, room, 0.9))
    width = min(height * 0.62 / frame.aspect, 0.9 / n)  # figures are ~0.62 as wide as tall in pixels
    if n == 1:
        centers = [0.34 if shot.index % 2 == 0 else 0.66]
    elif n == 2:
        centers = [0.27, 0.73]
    else:
        centers = [0.12 + 0.76 * i / (n - 1) for i in range(n)]
    boxes = {}
    for cid, cx in zip(ids, centers):
        x0 = min(max(frame.mx, cx - width / 2), 1 - frame.mx - width)
        boxes[cid] = _box((x0, bottom - height, x0 + width, bottom))
    return boxes


def _top_width(role: str, frame: Frame, jitter: float) -> float:
    """Width of a title or sign: a fraction of the frame, signs no wider than ~1.2 short sides."""
    frac = _ROLE[role][2] + jitter
    if role == "sign":
        frac = min(frac, 1.2 * frame.ux)
    return min(frac, 1 - 2 * frame.mx)


def _place_top_texts(texts: list[TextElement], frame: Frame, rng: random.Random, taken: list[Rect]) -> list[Rect]:
    """Titles then signs, stacked from the top; the seed nudges width and alignment."""
    out: list[Rect] = []
    y = frame.my
    for t in sorted(texts, key=lambda t: t.role != "title"):
        w = _top_width(t.role, frame, rng.uniform(-0.05, 0.04))
        h = text_height_units(t.text, w / frame.ux, t.role) * frame.uy
        slack = (1 - 2 * frame.mx - w)
        align = rng.choice([0.5, 0.5, 0.3, 0.7]) if t.role == "sign" else rng.uniform(0.42, 0.58)
        x0 = frame.mx + slack * align
        while any(overlaps((x0, y, x0 + w, y + h), r, GAP * frame.ux, GAP * frame.uy) for r in taken) and y < 0.5:
            y += 0.01
        r = (x0, y, x0 + w, min(y + h, 1 - frame.my))
        out.append(r)
        taken.append(r)
        y = r[3] + GAP * frame.uy
    return out


def _place_captions(texts: list[TextElement], frame: Frame, rng: random.Random) -> list[Rect]:
    out: list[Rect] = []
    y1 = 1 - frame.my
    for t in texts:
        w = _ROLE["caption"][2] - rng.uniform(0.0, 0.06)
        h = text_height_units(t.text, w / frame.ux, "caption") * frame.uy
        x0 = (1 - w) / 2
        out.append((x0, max(frame.my, y1 - h), x0 + w, y1))
        y1 -= h + GAP * frame.uy
    return out


def _object_shape(count: int, item: float, frame: Frame, cluster: bool = False) -> tuple[float, float]:
    """Normalised (w, h) of a group of ``count`` items: a row, a grid, or a bunch (balloons)."""
    if cluster:
        cols = math.ceil(math.sqrt(count))
    else:
        cols = count if count <= 4 else math.ceil(math.sqrt(count * 1.6))
    rows = math.ceil(count / cols)
    return cols * item * 1.08 * frame.ux, rows * item * 1.08 * frame.uy


#: Where the *target* of a directional relation should stand so that its subject has room on
#: the named side: the thing a cup is "left of" goes right, the thing a couch is "below" goes up.
_TARGET_SPOT = {"left of": (0.7, None), "right of": (0.3, None), "below": (None, 0.3), "under": (None, 0.3)}


def _target_pref(name: str, objects: list[SceneObject]) -> tuple[float | None, float | None]:
    """(x, y) preference for object ``name`` as the target of others' relations (None: no say)."""
    for other in objects:
        if other.relation is not None and other.relation.target.lower() == name.lower():
            if other.relation.type in _TARGET_SPOT:
                return _TARGET_SPOT[other.relation.type]
    return None, None


def _honours(obj: SceneObject, r: Rect, placed: dict[str, Rect]) -> bool:
    """Does the spot ``r`` put ``obj`` on the side its relation names (True when it has none)?"""
    relation = obj.relation
    target = placed.get(relation.target.lower()) if relation is not None else None
    if relation is None or target is None or relation.type not in ("left of", "right of", "above", "below"):
        return True
    # Clearly on that side: the centres a quarter of the target apart, not a hair (art rarely fills its box).
    horizontal = relation.type in ("left of", "right of")
    axis, size = (0, target[2] - target[0]) if horizontal else (1, target[3] - target[1])
    gap = (r[axis] + r[axis + 2]) / 2 - (target[axis] + target[axis + 2]) / 2
    return holds(relation.type, r, target) and abs(gap) >= size * 0.25


def _relation_pref(obj: SceneObject, placed: dict[str, Rect], default: tuple[float, float],
                   size: tuple[float, float] = (0.4, 0.4)) -> tuple[float, float]:
    """Preferred centre for ``obj`` (of ``size``) from its typed relation to an already placed target."""
    relation = obj.relation
    target = relation.target.lower() if relation is not None else ""
    if relation is None or target not in placed:
        return default
    r = placed[target]
    cx, cy = (r[0] + r[2]) / 2, (r[1] + r[3]) / 2
    w, h = size
    kind = relation.type
    if kind == "left of":
        return (r[0] - w / 2 - GAP, cy)
    if kind == "right of":
        return (r[2] + w / 2 + GAP, cy)
    if kind == "next to":
        return (r[2] + w / 2 + GAP, cy) if cx < 0.6 else (r[0] - w / 2 - GAP, cy)
    if kind in ("above", "on"):
        return (cx, r[1] - h / 2 - GAP)
    if kind in ("below", "under"):
        return (cx, r[3] + h / 2 + GAP)
    if kind == "behind":
        return (cx + 0.1, cy - 0.1)
    return (cx + 0.1, cy + 0.1)  # in front of: lower in the frame reads as nearer


def _label_for(obj_index: int, objects: list[SceneObject], labels: list[TextElement]) -> TextElement | None:
    """The label that names object ``obj_index`` (by its noun), else the i-th unclaimed label."""
    name = objects[obj_index].name.lower()
    for t in labels:
        if name in t.text.lower():
            return t
    unnamed = [t for t in labels if not any(o.name.lower() in t.text.lower() for o in objects)]
    return unnamed[obj_index] if obj_index < len(unnamed) else None


def assign_layout(shot: Shot, plan: ScenePlan | None = None, seed: int = 0, *, aspect: float = 1.0) -> Shot:
    """A copy of ``shot`` in which every text and object has a box (existing boxes are kept).

    ``aspect`` is the frame's width/height, so that sizes stay square on wide frames; the
    planner may omit it (square). Deterministic in (shot, plan, seed, aspect).
    """
    frame = Frame(aspect)
    rng = stable_rng("layout", shot.model_dump_json(exclude={"prompt"}), seed, round(aspect, 4))
    texts = [t.model_copy() for t in shot.texts]
    objects = [o.model_copy() for o in shot.objects]
    hard: list[Rect] = [_rect(t.box) for t in texts if t.box]  # text: objects must never touch
    things: list[Rect] = [_rect(o.box) for o in objects if o.box]  # objects: text must never touch
    chars = character_boxes(shot, plan, aspect)
    figures: list[Rect] = [_rect(b) for b in chars.values()]  # characters: avoided when possible

    # 1. Titles and signs at the top, captions at the bottom.
    top = [t for t in texts if t.box is None and t.role in ("title", "sign")]
    for t, r in zip(top, _place_top_texts(top, frame, rng, hard + things)):
        t.box = _box(r)
        hard.append(r)
    captions = [t for t in texts if t.box is None and t.role == "caption"]
    for t, r in zip(captions, _place_captions(captions, frame, rng)):
        t.box = _box(r)
        hard.append(r)

    # 2. Speech bubbles above (or beside) their speakers.
    for t in (t for t in texts if t.box is None and t.role == "bubble"):
        w, h = _bubble_size(t.text, frame)
        speaker = chars.get(t.speaker or "") or (next(iter(chars.values())) if chars else None)
        if speaker is not None:
            sx = (speaker.x0 + speaker.x1) / 2
            pref = (sx + (0.5 - sx) * 0.35 + rng.uniform(-0.03, 0.03), speaker.y0 - h / 2 - GAP * frame.uy)
        else:
            pref = (rng.uniform(0.3, 0.7), 0.3)
        t.box = _box(_text_spot(w, h, frame, hard + things, figures, pref))
        hard.append(_rect(t.box))

    # 3. Objects (with their labels underneath) in the space that is left. A sign or menu that
    # carries a text is that text's board: it takes the text's box.
    for obj in objects:
        board = carrier_text(obj.name, obj.count, texts) if obj.box is None else None
        if board is not None and board.box is not None:
            obj.box = board.box

    labels = [t for t in texts if t.box is None and t.role == "label"]
    placed: dict[str, Rect] = {o.name.lower(): _rect(o.box) for o in objects if o.box}
    placed.update({cid: _rect(b) for cid, b in chars.items()})
    free = [i for i, o in enumerate(objects) if o.box is None]
    free.sort(key=lambda i: (objects[i].relation is not None, i))
    base = (0.6 if not chars else 0.32) / max(1, len(free)) ** 0.4
    slots = [(k + 0.5) / len(free) for k in range(len(free))]
    rng.shuffle(slots)  # objects spread across the frame; the seed decides who goes where
    xs = [min(0.8, max(0.2, 0.2 + 0.6 * x + rng.uniform(-0.08, 0.08))) for x in slots]
    for k, i in enumerate(free):
        obj = objects[i]
        label = _label_for(i, objects, labels)
        air = is_airborne(obj.name)
        item = max(0.05, base * 1.15 / math.sqrt(obj.count)) if obj.count > 1 else base
        r, start = None, item
        for attempt in range(20):
            if attempt == 8:  # nothing fits on the ground: try anywhere, from a moderate size
                item = start * 0.85
            w, h = _object_shape(obj.count, item, frame, cluster=air)
            lh = text_height_units(label.text, w / frame.ux, "label") * frame.uy if label else 0.0
            x_pref = (0.28 if xs[k] < 0.5 else 0.72) if air and len(free) == 1 else xs[k]
            tx, ty = _target_pref(obj.name, objects) if obj.relation is None else (None, None)
            default = (x_pref if tx is None else tx, ty if ty is not None else 0.36 if air else 0.86 - (h + lh) / 2)
            pref = _relation_pref(obj, placed, default, (w, h + lh))
            relaxed = attempt >= 15
            floor = 0.6 if not air and attempt < 8 and not obj.relation and ty is None else 0.0
            # A labelled footprint must clear other objects too: the label is text.
            r = free_spot(w, h + lh, frame, hard + (things if label else []),
                          figures + ([] if label else things), pref, allow_soft=relaxed, min_bottom=floor)
            if r is not None and (relaxed or _honours(obj, r, placed)):
                break
            r = None  # no room, or room only on the wrong side: smaller, and try again
            item *= 0.85
        if r is None:  # frame crowded with text: shrink until something fits clear of it
            while r is None and w > 0.004:
                w, h, lh = w * 0.7, h * 0.7, lh * 0.7
                r = free_spot(w, h + lh, frame, hard + (things if label else []), figures, pref, True)
            r = r or (frame.mx, 1 - frame.my - h - lh, frame.mx + w, 1 - frame.my)
        obj_r = (r[0], r[1], r[2], r[3] - lh)
        obj.box = _box(obj_r)
        placed[obj.name.lower()] = obj_r
        things.append(obj_r)
        if label is not None:
            label.box = _box((r[0], obj_r[3], r[2], r[3]))
            hard.append(_rect(label.box))
            labels.remove(label)

    # 3b. Contact relations ("candles on a cake", "an astronaut riding a horse"): the subject
    # moves against its target, overlapping it as the words say; boxes given in the plan stay.
    bounds = (frame.mx, frame.my, 1 - frame.mx, 1 - frame.my)
    for i, r in compose(objects, placed, bounds, keep_clear=hard).items():
        if i in free:
            objects[i].box = _box(r)

    # 4. Labels with no object of their own (and any other text), anywhere free.
    for t in labels + [t for t in texts if t.box is None]:
        w = min(0.4, 0.3 * frame.ux + 0.02 * len(t.text) * frame.ux)
        h = text_height_units(t.text, w / frame.ux, t.role if t.role in _ROLE else "label") * frame.uy
        t.box = _box(_text_spot(w, h, frame, hard + things, figures, (0.5, 0.5)))
        hard.append(_rect(t.box))
    return shot.model_copy(update={"texts": texts, "objects": objects})


def _text_spot(w: float, h: float, frame: Frame, hard: list[Rect], soft: list[Rect],
               pref: tuple[float, float]) -> Rect:
    """A place for text: clear of ``hard`` always, of ``soft`` if possible, shrinking if needed."""
    for _ in range(12):
        r = free_spot(w, h, frame, hard, soft, pref) or free_spot(w, h, frame, hard, soft, pref, True)
        if r is not None:
            return r
        w, h = w * 0.85, h * 0.85
    return (frame.mx, frame.my, frame.mx + w, frame.my + h)
