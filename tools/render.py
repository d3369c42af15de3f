"""The storyboard renderer: a scene plan's shot drawn as a clean, legible frame.

What the plan fixes (palette, light, setting, characters) looks the same in every shot;
the seed only moves things around. Text is typeset with real fonts, objects are OpenMoji
clip-art in exactly ``count`` copies and the requested colour, characters are simple
figures built from their id, species and colours. The drawing steps live in
:mod:`tools.scenery` (background) and :mod:`tools.figures` (characters); this module
composes them.
"""

from __future__ import annotations

import colorsys

import random
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from tools import clipart
from tools.art import draw as draw_art, uses_openmoji
from tools.critics.coverage import INFO_KEY as DRAWING_KEY, Drawing, DrawnObject
from tools.colors import INK, darken, lighten, parse_color, surface_fill
from tools.typeset import carrier_text, fit_text, typeset
from tools.figures import draw_character, draw_person, head_point, is_person
from tools.geometry import grid_shape, stable_rng
from tools.layout import assign_layout, character_boxes, is_airborne
from tools.poses import pose_of
from tools.relations import CONTACT, contact_box, draw_order
from tools.scene import SceneObject, ScenePlan, Shot
from tools.scenery import Look, draw_background, draw_raw_background, scene_look


PixelBox = tuple[int, int, int, int]


class RenderSizeError(ValueError):
    """The requested size cannot be rendered. The message says which sizes can."""


@dataclass(frozen=True)
class Placement:
    """One drawn copy of an object: what, where (pixels), whether it is real art (not a
    labelled placeholder), and whether that art is OpenMoji's (it needs the credit line)."""

    name: str
    box: tuple[int, int, int, int]
    clipart: bool
    openmoji: bool = False
    art: Image.Image | None = field(default=None, repr=False, compare=False)
    """The pasted RGBA art (at ``box``), kept to draw a container's front over its contents."""


@dataclass
class RenderResult:
    """A rendered frame together with the layout that was actually used."""

    image: Image.Image
    layout: Shot
    used_openmoji: bool
    placements: list[Placement] = field(default_factory=list)
    characters: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    """Pixel box of each character figure drawn."""


def check_size(size: tuple[int, int]) -> None:
    """Raise :class:`RenderSizeError` unless both sides are multiples of 8 in 64..2048."""
    for side in size:
        if not (isinstance(side, int) and 64 <= side <= 2048 and side % 8 == 0):
            raise RenderSizeError(f"size {size[0]}x{size[1]} is not supported: use sides that are "
                                  "multiples of 8 between 64 and 2048 (e.g. 512x512, 768x512)")


def _needs_layout(shot: Shot) -> bool:
    return any(t.box is None for t in shot.texts) or any(o.box is None for o in shot.objects)


def render_shot(shot: Shot, plan: ScenePlan | None, size: tuple[int, int], seed: int) -> RenderResult:
    """Draw ``shot`` at ``size`` (width, height). Same inputs give byte-identical images.

    A shot with a setting and nothing else ("a quiet lake at sunset") is its backdrop. A
    prompt-only shot without one is raw mode: the sketch backend cannot interpret prose, so
    it honestly shows a background (neutral from the seed when ``plan`` is None) and the
    prompt on a caption card.

    The shot's ``time_of_day`` and ``weather`` (see :mod:`tools.scenery`) are drawn in the
    background, under everything else; with neither set the frame is as it always was.
    """
    # 1. Check inputs and decide the mode.
    check_size(size)
    W, H = size
    place = shot.setting or (plan.setting if plan else None)
    if not (shot.objects or shot.texts or shot.characters or place):  # "a quiet lake at sunset" is its backdrop
        return _render_raw(shot, size, seed, plan)
    layout = assign_layout(shot, plan, seed, aspect=W / H) if _needs_layout(shot) else shot
    look = scene_look(plan, shot)
    rng = stable_rng("render", seed, layout.index)

    # 2. Background: sky or wall, ground or floor, setting motifs clear of the foreground.
    text_px = [t.box.to_pixels(W, H) for t in layout.texts if t.box]
    chars = {cid: b.to_pixels(W, H) for cid, b in character_boxes(layout, plan, W / H).items()}
    object_px = [o.box.to_pixels(W, H) for o in layout.objects if o.box]
    image = Image.new("RGB", size)
    used = draw_background(image, look, rng, text=text_px, objects=object_px,
                           exclude=[o.name for o in layout.objects], figures=list(chars.values()))

    # 3. Characters, then objects, then text on top (all over the background's weather).
    for cid, box in chars.items():
        used |= draw_character(image, plan.character(cid) if plan else None, cid, box, view=layout.view,
                               shot=layout, plan=plan)
    placements: list[Placement] = []
    for obj in (layout.objects[i] for i in draw_order(layout.objects)):  # a vase in front of its flowers
        board = carrier_text(obj.name, obj.count, layout.texts)
        if board is not None and obj.box is not None:  # drawn as the text's panel below
            placements.append(Placement(obj.name, obj.box.to_pixels(W, H), True))
            continue
        if obj.box is not None:
            box = _against_drawn(obj, obj.box.to_pixels(W, H), layout.objects, placements, size)
            placements += _draw_object(image, obj.name, obj.count, obj.color, box, look, rng, view=layout.view,
                                       pose=_object_pose(obj, layout))
            if obj.relation is not None and obj.relation.type == "in":  # the container's front over the stems
                _front_again(image, [p for p in placements if p.name.lower() == obj.relation.target.lower()])
    used |= any(p.openmoji for p in placements)
    for text in layout.texts:
        if text.box is None:
            continue
        box = text.box.to_pixels(W, H)
        point = None
        if text.role == "bubble":
            target = chars.get(text.speaker or "") or next(iter(chars.values()), None)
            point = head_point(target) if target else None
        surface = text.surface or next((o.name for o in layout.objects if carrier_text(o.name, o.count, [text])
                                        and surface_fill(o.name)), None)  # "a chalkboard with 'X' written"
        fill = surface_fill(surface) or look.text_fill(text.role)
        image = typeset(image, text.text, box, text.role, background=fill, point=point)

    # 4. A thin storyboard frame.
    _border(image)
    if used:
        image.info[clipart.INFO_KEY] = True
    image.info[DRAWING_KEY] = Drawing(  # what was drawn where, for the coverage check and the colour check's boxes
        objects=[DrawnObject(name=p.name, art=p.clipart, box=list(p.box)) for p in placements],
        characters=list(chars))
    return RenderResult(image=image, layout=layout, used_openmoji=used, placements=placements, characters=chars)


def _against_drawn(obj: SceneObject, box: PixelBox, objects: list[SceneObject], placements: list[Placement],
                   size: tuple[int, int]) -> PixelBox:
    """``obj``'s box moved against the *drawn* pixels of what it rests on, sits in, rides or is
    held by (art rarely fills its planned box, so the plan's contact is made good here)."""
    drawn = {p.name.lower(): p.box for p in placements}

    def ink(name: str) -> tuple[int, int, int, int] | None:
        boxes = [p.box for p in placements if p.name.lower() == name]
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                max(b[3] for b in boxes)) if boxes else None

    relation = obj.relation
    kind, anchor = None, None
    if relation is not None and relation.type in CONTACT and relation.type != "holding" and relation.target.lower() in drawn:
        kind, anchor = relation.type, ink(relation.target.lower())
    else:
        holder = next((o for o in objects if o.relation is not None and o.relation.type == "holding"
                       and o.relation.target.lower() == obj.name.lower() and o.name.lower() in drawn), None)
        if holder is not None:
            kind, anchor = "holding", ink(holder.name.lower())
    if kind is None or anchor is None:
        return box
    moved = contact_box(kind, box, anchor, (0, 0, size[0], size[1]))
    return tuple(round(v) for v in moved)  # type: ignore[return-value]


def _object_pose(obj: SceneObject, shot: Shot) -> str:
    """How a person drawn as an object stands: as its relation says (a rider sits astride, a
    holder holds), else as the shot's action says ("a chef cooking" holds a pan)."""
    by_relation = {"riding": "ride", "holding": "hold"}
    if obj.relation is not None and obj.relation.type in by_relation:
        return by_relation[obj.relation.type]
    return pose_of(shot.action or shot.beat or shot.prompt)


def _draw_object(image: Image.Image, name: str, count: int, color: str | None,
                 box: tuple[int, int, int, int], look: Look, rng: random.Random,
                 view: str | None = None, pose: str = "stand") -> list[Placement]:
    """``count`` copies of ``name`` in a grid filling ``box``; clip-art or a labelled shape.

    Things on the ground stand on the bottom of their cell with a soft shadow; things that
    float (balloons) bunch toward the middle with a little vertical play.
    """
    x0, y0, x1, y1 = box
    bw, bh = max(1, x1 - x0), max(1, y1 - y0)
    cols, rows = grid_shape(count, bw, bh)
    cell = min(bw / cols, bh / rows)
    item = max(4, int(cell * 0.9))
    gx, gy = x0 + (bw - cols * cell) / 2, y0 + (bh - rows * cell) / 2
    floats = is_airborne(name)
    out: list[Placement] = []
    for k in range(count):
        row, col = divmod(k, cols)
        if row == rows - 1 and count % cols:  # centre an incomplete last row
            col += (cols - count % cols) / 2
        cx = gx + (col + 0.5) * cell + rng.uniform(-0.04, 0.04) * cell
        cy = gy + (row + 0.5) * cell + (rng.uniform(-0.1, 0.1) * cell if floats else 0.0)
        if floats and count > 1:  # a bunch, not a grid
            cx += ((x0 + x1) / 2 - cx) * 0.12
            cy += ((y0 + y1) / 2 - cy) * 0.12
        art = draw_person(name, item, color, view, pose) if is_person(name) else draw_art(name, item, color, view)
        ink = art.getchannel("A").getbbox() if art is not None else None
        if ink:  # stand the drawn pixels, not the glyph's empty margin, on the ground
            art = art.crop(ink)
        if art is None:
            r = (round(cx - item / 2), round(cy - item / 2), round(cx + item / 2), round(cy + item / 2))
            _labelled_shape(image, name, color, r, look)
            out.append(Placement(name, r, False))
            continue
        px = min(max(round(cx - art.width / 2), x0), x1 - art.width)
        py = round(cy - art.height / 2) if floats else round(cy + item / 2 - art.height)
        py = min(max(py, y0), y1 - art.height)
        if not floats:
            _shadow(image, (px + art.width * 0.1, py + art.height - item * 0.05,
                            px + art.width * 0.9, py + art.height + item * 0.04))
        image.paste(art, (px, py), art)
        out.append(Placement(name, (px, py, px + art.width, py + art.height), True, uses_openmoji(name), art))
    return out


#: How much of a container's top stays behind what is in it ("flowers in a vase": the rim and
#: the opening); the rest, its front, is drawn again over the contents.
_OPENING = 0.25


def _front_again(image: Image.Image, containers: list[Placement]) -> None:
    for placement in containers:
        if placement.art is None:
            continue
        art = placement.art
        top = round(art.height * _OPENING)
        front = art.crop((0, top, art.width, art.height))
        image.paste(front, (placement.box[0], placement.box[1] + top), front)


def _shadow(image: Image.Image, ellipse: tuple[float, float, float, float]) -> None:
    """A translucent contact shadow: reads on grass, floorboards and sky alike."""
    x0, y0, x1, y1 = (int(v) for v in ellipse)
    if x1 - x0 < 2 or y1 - y0 < 1:
        return
    mask = Image.new("L", (x1 - x0 + 1, y1 - y0 + 1), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, x1 - x0, y1 - y0), fill=60)
    image.paste((0, 0, 0), (x0, y0), mask)


def _muted(name: str) -> tuple[int, int, int]:
    hue = stable_rng("muted", name).random()
    r, g, b = colorsys.hls_to_rgb(hue, 0.6, 0.22)
    return round(r * 255), round(g * 255), round(b * 255)


def _labelled_shape(image: Image.Image, name: str, color: str | None, box: tuple[int, int, int, int],
                    look: Look) -> None:
    """Fallback for nouns without clip-art: a rounded tile in the object's colour, named.

    Without a planned colour the tile is a muted tone of its own (from the name), never the
    palette's accent: an uncoloured table must not look red because the apples are."""
    fill = parse_color(color) or _muted(name)
    short = min(box[2] - box[0], box[3] - box[1])
    lw = max(1, short // 28)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(box, radius=short // 4, fill=fill, outline=darken(fill, 0.55), width=lw)
    if short < 16:  # too small for a highlight or a readable name
        return
    hi = (box[0] + lw * 2, box[1] + lw * 2, box[2] - lw * 2, box[1] + short // 3)
    draw.rounded_rectangle(hi, radius=short // 6, fill=lighten(fill, 0.18))
    pad = max(2, short // 8)
    inner = (box[0] + pad, box[1] + pad, box[2] - pad, box[3] - pad)
    fnt, lines = fit_text(name, inner, max(6, short // 4), 6)
    ink = (255, 255, 255) if sum(fill) < 400 else INK
    lh = fnt.getmetrics()[0] + fnt.getmetrics()[1]
    top = (box[1] + box[3]) / 2 - lh * len(lines) / 2
    for i, line in enumerate(lines):
        draw.text(((box[0] + box[2]) / 2, top + i * lh + fnt.getmetrics()[0]), line, font=fnt, fill=ink, anchor="ms")


def _border(image: Image.Image) -> None:
    W, H = image.size
    lw = max(1, min(W, H) // 256)
    ImageDraw.Draw(image).rectangle((0, 0, W - 1, H - 1), outline=(40, 40, 46), width=lw)


def _render_raw(shot: Shot, size: tuple[int, int], seed: int, plan: ScenePlan | None) -> RenderResult:
    """Nothing drawable, only prose: a background (neutral from the seed, or the plan's
    setting) and the prompt on a caption card, rather than a silently empty frame."""
    W, H = size
    image = Image.new("RGB", size)
    used = False
    if plan is None and (shot.time_of_day or shot.weather):  # the time and weather still show (seed only)
        used = draw_background(image, scene_look(None, shot), stable_rng("raw", seed, "scene"), text=[])
    elif plan is None:
        draw_raw_background(image, seed)
    else:
        used = draw_background(image, scene_look(plan, shot), stable_rng("render", seed, shot.index), text=[])
    prompt = shot.prompt if len(shot.prompt) <= 200 else shot.prompt[:199].rstrip() + "…"
    short = min(W, H)
    margin = max(4, round(short * 0.05))
    lines = max(1, min(4, len(prompt) // 42 + 1))
    card_h = round(min(H * 0.3, short * (0.05 + 0.062 * lines)))
    box = (margin, H - margin - card_h, W - margin, H - margin)
    image = typeset(image, prompt, box, "label", background=(255, 255, 255))
    _border(image)
    if used:
        image.info[clipart.INFO_KEY] = True
    return RenderResult(image=image, layout=shot, used_openmoji=used)


__all__ = ["RenderResult", "Placement", "RenderSizeError", "render_shot", "check_size"]
