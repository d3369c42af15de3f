"""Character figures for the sketch renderer: the same person in every shot.

A figure is a function of the character's id, species, description and colours (never the
seed or the shot), so a batch reads as one cast: an animal's OpenMoji face as the head, a
drawn head for people; a body in the outfit colour with an accent scarf. A role (a chef, a
knight, an old man: :mod:`tools.roles`) adds its outfit, headwear (:mod:`tools.headwear`),
props and marks. What changes per shot is only how the figure is seen (``view``: front,
three-quarter, side, back) and its pose (:mod:`tools.poses`: standing, walking, sitting,
sleeping...). The pieces (limbs, props, torso marks, the head) are drawn by
:mod:`tools.figure_parts`. Figures are drawn at 3x and downsampled so their edges are as
smooth as the clip-art around them, and cached, since a cast repeats across shots.

For whoever places things around a figure: :func:`hand_point` (where a held object goes),
:func:`seat_point` (where a mount's back goes), :func:`figure_box` (what the figure covers).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from tools import clipart, figure_parts as parts, headwear, roles
from tools.colors import INK, RGB, darken, lighten, mix, parse_color
from tools.poses import pose_for, skeleton
from tools.scene import Character, ScenePlan, Shot

#: A figure's frame is this much as wide as it is tall.
ASPECT = 0.62
#: The canvas reaches this share of the frame's width past each side: room for props held
#: out, and a little for a runner's swinging hand.
_MARGIN, _PROP_MARGIN = 0.06, 0.3

_OUTFITS: list[RGB] = [(46, 125, 90), (52, 96, 170), (176, 60, 60), (120, 70, 150), (210, 140, 40),
                       (40, 130, 140), (150, 90, 60), (90, 110, 60)]
_SKIN: list[RGB] = [(255, 220, 185), (240, 195, 150), (205, 150, 110), (150, 100, 70), (110, 75, 55)]
_SLOTS = {"outfit": ("outfit", "coat", "clothes", "shirt", "jacket", "dress", "suit", "top", "cloak", "robe"),
          "body": ("body", "fur", "skin", "feathers"),
          "accent": ("accent", "scarf", "hat", "trim", "tie", "bow"),
          "pants": ("pants", "trousers", "legs", "skirt", "shorts"),
          "hair": ("hair",)}
_VIEWS = ("front", "side", "back", "three-quarter")


def _slot(colors: dict[str, str], slot: str) -> RGB | None:
    for key in _SLOTS[slot]:
        if key in colors and parse_color(colors[key]):
            return parse_color(colors[key])
    return None


@lru_cache(maxsize=64)
def _dominant(noun: str) -> RGB | None:
    """The main coloured tone of a species' face emoji (a fox's orange), for hands and ears."""
    art = clipart.draw(noun, 64, face=True)
    if art is None:
        return None
    arr = np.asarray(art.convert("RGBA")).reshape(-1, 4).astype(int)
    hi, lo = arr[:, :3].max(1), arr[:, :3].min(1)
    pick = arr[(arr[:, 3] > 200) & (hi > 70) & ((hi - lo) > 40)]
    if len(pick) < 20:
        pick = arr[(arr[:, 3] > 200) & (hi > 70)]
    if len(pick) == 0:
        return None
    return tuple(int(v) for v in np.median(pick[:, :3], axis=0))  # type: ignore[return-value]


def _animal_face(species: str | None) -> str | None:
    """The species whose OpenMoji face is the head (a fox, a robot); None for people, whose
    head is drawn (an emoji person is a bust, not a face)."""
    if not species or roles.is_person(species) or not clipart.lookup(species, face=True):
        return None
    return species


def look_of(character: Character | None) -> roles.Look:
    """The role look of ``character`` (from its species, description and attributes)."""
    if character is None:
        return roles.look_for(None)
    return roles.look_for(character.species, character.description or "", tuple(sorted(character.attributes.items())))


def palette_for(character: Character | None, cid: str) -> dict[str, RGB]:
    """Every colour of a figure: the character's own colour slots first, then colours its
    description names ("a yellow raincoat"), then its role's, else colours from its id."""
    h = hashlib.sha256(cid.encode("utf-8")).digest()
    colors = character.colors if character else {}
    species = (character.species if character else None) or ""
    look = look_of(character)
    role, said = look.style, look.colors
    metal = bool(re.search(r"robot|android|droid|cyborg|machine", species.lower()))
    outfit = _slot(colors, "outfit") or said.get("outfit") or role.outfit \
        or ((110, 130, 150) if metal else _OUTFITS[h[0] % len(_OUTFITS)])
    accent = _slot(colors, "accent") or said.get("accent") or role.accent \
        or mix(_OUTFITS[(h[0] + 3 + h[1] % 3) % len(_OUTFITS)], (250, 220, 90), 0.35)
    body = _slot(colors, "body") or said.get("body") or role.skin \
        or (_dominant(species) if _animal_face(species) else None) or _SKIN[h[2] % len(_SKIN)]
    pants = _slot(colors, "pants") or said.get("pants") or role.pants or mix(darken(outfit, 0.5), (50, 52, 60), 0.5)
    hair = _slot(colors, "hair") or said.get("hair") or role.hair \
        or [(60, 40, 30), (120, 80, 40), (30, 30, 35), (200, 160, 90)][h[3] % 4]
    return {"outfit": outfit, "accent": accent, "body": body, "pants": pants, "hair": hair}


def head_point(box: tuple[int, int, int, int]) -> tuple[int, int]:
    """Where a speech bubble's tail should point: just above the figure's head."""
    return ((box[0] + box[2]) // 2, box[1] + (box[3] - box[1]) // 30)


FigureKey = tuple[str, str, str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]


def _key(character: Character | None, cid: str) -> FigureKey:
    if character is None:
        return (cid, "", "", (), ())
    return (cid, character.species or "", character.description or "", tuple(sorted(character.colors.items())),
            tuple(sorted(character.attributes.items())))


def _character(key: FigureKey) -> Character:
    cid, species, description, colors, attributes = key
    return Character(id=cid, name=cid, species=species or None, description=description, colors=dict(colors),
                     attributes=dict(attributes))


def _view(view: str | None) -> str:
    return view if view in _VIEWS else "front"


# --- fitting: where the frame sits in the box ------------------------------------------

def _margin(style: roles.Role) -> float:
    return _PROP_MARGIN if style.prop or style.prop_left else _MARGIN


def _extra(style: roles.Role, w: float, h: float) -> float:
    """Room above the head (pixels of an h-tall frame) that the headwear or hair needs."""
    head = min(h * 0.42, w * 0.96)
    r = head * 0.46
    need = max(headwear.headroom(style.headwear) * r, 0.4 * r if "bun" in style.marks else 0.0)
    return max(0.0, need - 0.06 * head)  # the head's top is 0.06 head below the frame's top


def _fit(look: roles.Look, box: tuple[int, int, int, int]) -> tuple[int, int]:
    """(w, h) of the frame drawn for a figure in ``box``: ``ASPECT`` wide, a child shorter."""
    x0, y0, x1, y1 = box
    h = max(16, round((y1 - y0) * look.style.scale))
    return max(8, min(x1 - x0, int(h * ASPECT))), h


def _frame_point(style: roles.Role, w: int, h: int, pt: tuple[float, float], lying: bool) -> tuple[float, float]:
    """A frame point (fractions, x from the centre line) in pixels of the figure's image."""
    extra = _extra(style, w, h)
    f = h / (h + extra)  # the frame is shrunk so that the headwear fits
    if not lying:
        width = round((w + 2 * w * _margin(style)) * f)
        return width / 2 + pt[0] * w * f, (extra + pt[1] * h) * f
    # Laid down: the standing frame (without its margins) turned a quarter left, at 0.92 size.
    fx, fy = (0.5 + pt[0]) * w * f, (extra + pt[1] * h) * f
    return fy * 0.92, (w * f - fx) * 0.92


def _placed(image_size: tuple[int, int], box: tuple[int, int, int, int]) -> tuple[int, int]:
    """Top-left corner of a figure image standing centred on the box's bottom edge."""
    return (box[0] + box[2] - image_size[0]) // 2, box[3] - image_size[1]


def _to_pixels(character: Character | None, box: tuple[int, int, int, int], pose: str, view: str | None,
               pt: tuple[float, float]) -> tuple[int, int]:
    look = look_of(character)
    w, h = _fit(look, box)
    lying = pose == "sleep"
    size = _image_size(look.style, w, h, lying)
    px, py = _frame_point(look.style, w, h, pt, lying)
    left, top = _placed(size, box)
    return round(left + px), round(top + py)


def _image_size(style: roles.Role, w: int, h: int, lying: bool) -> tuple[int, int]:
    extra = _extra(style, w, h)
    f = h / (h + extra)
    if lying:
        return max(1, round(h * 0.92)), max(1, round(w * f * 0.92))
    return max(1, round((w + 2 * w * _margin(style)) * f)), h


def hand_point(box: tuple[int, int, int, int], pose: str = "hold", view: str | None = None,
               character: Character | None = None) -> tuple[int, int]:
    """Pixel point of the figure's holding hand (its right hand in the picture; seen from the
    side, the near one) when it is drawn in ``box`` with ``pose``: centre a held object here."""
    sk = skeleton(pose, _view(view))
    return _to_pixels(character, box, pose, view, sk.hands[1])


def seat_point(box: tuple[int, int, int, int], pose: str = "ride", view: str | None = None,
               character: Character | None = None) -> tuple[int, int]:
    """Pixel point of the figure's seat (between its hips) in ``box``: a mount's back or a
    bench's seat goes here; a rider's legs hang down from it to the box's bottom."""
    sk = skeleton(pose, _view(view))
    mid = ((sk.hips[0][0] + sk.hips[1][0]) / 2, (sk.hips[0][1] + sk.hips[1][1]) / 2)
    return _to_pixels(character, box, pose, view, mid)


def figure_box(box: tuple[int, int, int, int], pose: str = "stand", view: str | None = None,
               character: Character | None = None) -> tuple[int, int, int, int]:
    """The pixel rectangle a figure's image covers in ``box`` (a sleeping figure is wider
    than its box, a child lower; props may reach past the frame's sides)."""
    look = look_of(character)
    w, h = _fit(look, box)
    size = _image_size(look.style, w, h, pose == "sleep")
    left, top = _placed(size, box)
    return left, top, left + size[0], top + size[1]


@lru_cache(maxsize=256)
def _figure(key: FigureKey, w: int, h: int, view: str = "front", pose: str = "stand") -> tuple[Image.Image, bool]:
    """The figure as RGBA (its frame ``w`` x ``h`` plus margins for props, or laid down) and
    whether it used OpenMoji art; cached because a cast repeats across shots."""
    character = _character(key)
    look = look_of(character)
    st, marks = look.style, look.style.marks
    pal = palette_for(character, key[0])
    face_noun = _animal_face(character.species)
    sk = skeleton(pose, view)
    side, back, tq = view == "side", view == "back", view == "three-quarter"
    s = 3 if max(w, h) <= 700 else 1
    W, H = w * s, h * s
    M, E = round(W * _margin(st)), round(_extra(st, w, h) * s)
    img = Image.new("RGBA", (W + 2 * M, H + E), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    lw = max(2, round(W * 0.03))
    used = False

    def P(pt: tuple[float, float]) -> tuple[float, float]:
        return M + W / 2 + pt[0] * W, E + pt[1] * H

    dy = sk.dy * H
    cx = M + W / 2 + (0.01 * W if side else 0.02 * W if tq else 0.0)
    head = min(H * 0.42, W * 0.96)
    torso_top, torso_bot = E + head * 0.86 + dy, E + head * 0.86 + H * 0.3 + dy
    ground = E + H - H * 0.035
    top_w, bot_w = (W * 0.32, W * 0.4) if side else (W * 0.44, W * 0.56) if tq else (W * 0.5, W * 0.64)
    torso = [(cx - top_w / 2, torso_top), (cx + top_w / 2, torso_top), (cx + bot_w / 2, torso_bot),
             (cx - bot_w / 2, torso_bot)]
    arm_w = max(lw * 2, W * 0.12)
    leg_w = W * 0.15
    sleeve = darken(pal["outfit"], 0.12)
    far = lambda c: darken(c, 0.22)  # noqa: E731 - limbs on the far side, seen from the side

    # 1. Ground shadow, then what hangs behind the body: a cape, wings, a backpack seen from the side.
    if sk.grounded and not sk.lying:
        d.ellipse((cx - W * 0.36, ground - H * 0.02, cx + W * 0.36, E + H), fill=(0, 0, 0, 50))
    elif pose == "jump":
        d.ellipse((cx - W * 0.24, ground - H * 0.012, cx + W * 0.24, ground + H * 0.02), fill=(0, 0, 0, 40))
    hem = min(ground - H * 0.02, torso_bot + H * 0.2)
    cape = [(cx - W * 0.25, torso_top + H * 0.01), (cx + W * 0.25, torso_top + H * 0.01), (cx + W * 0.43, hem),
            (cx - W * 0.43, hem)]
    if side:
        cape = [(cx - W * 0.1, torso_top), (cx + W * 0.08, torso_top), (cx - W * 0.05, hem), (cx - W * 0.4, hem)]
    if "cape" in marks and not back:
        d.polygon(cape, fill=pal["accent"], outline=INK, width=lw)
    wings = [(cx + k * W * 0.27, torso_top + H * 0.06) for k in ((-1,) if side else (-1, 1))]
    if "wings" in marks and not back:
        for wx, wy in wings:
            d.ellipse((wx - W * 0.2, wy - H * 0.1, wx + W * 0.2, wy + H * 0.1), fill=(215, 235, 255, 220),
                      outline=INK, width=max(1, lw // 2))
    pack = pal["accent"] if st.headwear != "space" else (225, 225, 232)
    if "backpack" in marks and side:
        d.rounded_rectangle((cx - W * 0.36, torso_top + H * 0.02, cx - W * 0.12, torso_top + H * 0.22),
                            radius=W * 0.05, fill=pack, outline=INK, width=lw)

    # 2. Arms behind the torso (a side view's far arm among them), and props seen from behind.
    def arm(i: int, colour: RGB) -> None:
        parts.limb(d, [P(sk.shoulders[i]), P(sk.elbows[i]), P(sk.hands[i])], arm_w, colour, lw)

    def hand(i: int) -> None:
        hx, hy = P(sk.hands[i])
        r = arm_w * 0.62
        d.ellipse((hx - r, hy - r, hx + r, hy + r), fill=pal["body"], outline=INK, width=lw)

    props = [] if sk.lying else [(i, name) for i, name in ((1, st.prop), (0, st.prop_left)) if name]
    if pose == "wave" and props == [(1, st.prop)]:  # the free hand waves
        props = [(0, st.prop)]
    for i in (0, 1):
        if i not in sk.over:
            arm(i, far(sleeve) if side and i == 0 else sleeve)
            hand(i)
    behind = [(i, n) for i, n in props if back or (side and i == 0)]
    for i, name in behind:
        used |= parts.prop(img, d, name, P(sk.hands[i]), W, H, ground, lw, mirror=back)

    # 3. Legs (or a tail) and feet; a dress or a coat's tails over the thighs.
    if "tail" in marks:
        fx = (P(sk.feet[0])[0] + P(sk.feet[1])[0]) / 2
        fy = max(P(sk.feet[0])[1], P(sk.feet[1])[1]) - H * 0.04
        hip_y = torso_bot - H * 0.04
        d.polygon([(cx - bot_w * 0.42, hip_y), (cx + bot_w * 0.42, hip_y), (fx + W * 0.06, fy), (fx - W * 0.06, fy)],
                  fill=pal["pants"], outline=INK, width=lw)
        d.polygon([(fx, fy - H * 0.02), (fx - W * 0.22, fy + H * 0.04), (fx + W * 0.22, fy + H * 0.04)],
                  fill=lighten(pal["pants"], 0.15), outline=INK, width=lw)
    else:
        for i in (0, 1):
            hip, knee, foot = P(sk.hips[i]), P(sk.knees[i]), P(sk.feet[i])
            colour = far(pal["pants"]) if side and i == 0 else pal["pants"]
            parts.limb(d, [hip, knee, foot], leg_w, colour, lw)
            out = (leg_w * 0.45) if side else (-1 if i == 0 else 1) * leg_w * 0.2 * (-1 if back else 1)
            fw, fh = leg_w * (0.85 if side else 0.75), H * 0.033
            d.ellipse((foot[0] - fw + out, foot[1] - fh, foot[0] + fw + out, foot[1] + fh * 1.2),
                      fill=(48, 44, 48), outline=INK, width=lw)
    knee_y = max(P(sk.knees[0])[1], P(sk.knees[1])[1])
    if "dress" in marks or "labcoat" in marks:
        skirt_bot = min(knee_y + H * 0.03, ground - H * 0.05) if pose != "sit" else knee_y + H * 0.01
        if "labcoat" in marks:
            skirt_bot = min(skirt_bot, torso_bot + H * 0.1)
        half = bot_w / 2 * (1.3 if "dress" in marks else 1.05)
        x0, x1 = (cx - half * 0.75, cx + half * 0.95) if side else (cx - half, cx + half)
        fill = pal["outfit"]
        d.polygon([(cx - bot_w * 0.45, torso_bot - H * 0.04), (cx + bot_w * 0.45, torso_bot - H * 0.04),
                   (x1, skirt_bot), (x0, skirt_bot)], fill=fill, outline=INK, width=lw)
        if "labcoat" in marks and not side:
            d.line((cx, torso_bot - H * 0.02, cx, skirt_bot - lw), fill=darken(fill, 0.3), width=max(1, lw // 2))

    # 4. The torso, its collar (an accent scarf) and what is on it.
    d.polygon(torso, fill=pal["outfit"], outline=INK, width=lw)
    collar_w = top_w * (0.75 if side else 0.55)
    d.rounded_rectangle((cx - collar_w, torso_top - H * 0.01, cx + collar_w, torso_top + H * 0.06),
                        radius=H * 0.03, fill=pal["accent"], outline=INK, width=lw)
    parts.torso_marks(img, d, marks, torso, cx, torso_top, torso_bot, W, H, lw, pal, view, st)
    if "cape" in marks and back:
        d.polygon(cape, fill=pal["accent"], outline=INK, width=lw)
    if "wings" in marks and back:
        for wx, wy in wings:
            d.ellipse((wx - W * 0.2, wy - H * 0.1, wx + W * 0.2, wy + H * 0.1), fill=(215, 235, 255, 230),
                      outline=INK, width=max(1, lw // 2))
    if "backpack" in marks and back:
        d.rounded_rectangle((cx - W * 0.2, torso_top + H * 0.04, cx + W * 0.2, torso_top + H * 0.24),
                            radius=W * 0.06, fill=pack, outline=INK, width=lw)

    # 5. Props in front, the arms over the torso, and hands gripping what they hold.
    for i, name in props:
        if (i, name) in behind:
            continue
        used |= parts.prop(img, d, name, P(sk.hands[i]), W, H, ground, lw, mirror=i == 0)
    for i in (0, 1):
        if i in sk.over:
            arm(i, sleeve)
        if i in sk.over or any(j == i for j, _ in props):
            hand(i)

    # 6. The head.
    hy = E + head * 0.52 + dy
    hx = M + W / 2 + (0.04 * W if side else 0.03 * W if tq else 0.0)
    used |= parts.draw_head(img, d, face_noun, st, pal, hx, hy, head, view, lw, asleep=sk.lying,
                            recolor=bool(face_noun and any(k in character.colors for k in _SLOTS["body"])))

    if sk.lying:  # laid down: the frame alone (no prop margins), turned a quarter left
        img = img.crop((M, 0, M + W, H + E)).rotate(90, expand=True)
    size = _image_size(st, w, h, sk.lying)
    if s > 1:  # a box filter from 3x: smooth edges at a fraction of a full resample's cost
        img = img.reduce(s)
    return (img if img.size == size else img.resize(size, Image.LANCZOS)), used


def draw_character(image: Image.Image, character: Character | None, cid: str,
                   box: tuple[int, int, int, int], view: str | None = None, *, pose: str | None = None,
                   shot: Shot | None = None, plan: ScenePlan | None = None) -> bool:
    """Draw the figure of ``character`` (or a default one for ``cid``) into ``box``.

    Returns True if it used OpenMoji art. The figure keeps its proportions and stands on the
    box's bottom edge, centred. ``view`` "back" draws it from behind (no face), "side" in
    profile, "three-quarter" half turned. ``pose`` (or else the pose ``shot``'s action gives
    this character: :func:`tools.poses.pose_for`) moves its limbs; a sleeper lies along the
    bottom of the box, wider than it.
    """
    if pose is None:
        pose = pose_for(shot, cid, plan) if shot is not None else "stand"
    look = look_of(character)
    w, h = _fit(look, box)
    fig, used = _figure(_key(character, cid), w, h, _view(view), pose)
    left, top = _placed(fig.size, box)
    image.paste(fig, (left, top), fig)
    if pose == "sleep":
        parts.zzz(image, (left + fig.width * 0.12, top - h * 0.06), max(4.0, h * 0.06))
    return used


@lru_cache(maxsize=256)
def _person(noun: str, size_px: int, color: str | None, view: str, pose: str) -> Image.Image | None:
    key = roles.person_noun(noun)
    if key is None or size_px < 8:
        return None
    colors = {"outfit": color} if color and parse_color(color) else {}
    character = Character(id=key, name=key, species=key, colors=colors)
    look = look_of(character)
    w, h = _fit(look, (0, 0, int(size_px * ASPECT), size_px))
    fig, used = _figure(_key(character, key), w, h, view, pose)
    if used:
        fig.info[clipart.INFO_KEY] = True
    return fig


is_person = roles.is_person


def draw_person(noun: str, size_px: int, color: str | None = None, view: str | None = None,
                pose: str = "stand") -> Image.Image | None:
    """A planned object that is a person ("chef", "old man", "astronaut") as the same kind of
    figure a character is: ``size_px`` tall, its outfit in ``color``, seen from ``view``.
    None when the noun is no person. Cached: treat the image as read-only."""
    return _person(noun, int(size_px), color, _view(view), pose)


__all__ = ["ASPECT", "draw_character", "draw_person", "figure_box", "hand_point", "head_point", "is_person", "look_of",
           "palette_for", "seat_point"]
