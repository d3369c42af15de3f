"""People, roles, poses and views of the sketch figures (tools/figures.py, roles.py, poses.py).

"Differs visibly" is measured as the mean absolute difference (grey levels, 0..255, over the
three channels) between two drawings over the figure's box. Each threshold is set against a
control measured in the same test, so it says what it means rather than being a bare number:
a role must differ from another role more than twice as much as the same figure does with
only its hair recoloured, and a back view must differ from the front at least twice as much
as the front differs from its own mirror image (the "same front-facing figure, flipped" that
a naive back view would be), both after a 2 px blur so that outlines a fraction of a pixel
apart do not count, and by at least 5 grey levels.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PIL import Image, ImageFilter

from agent.planning.planner import make_plan
from agent.request import build_request
from agent.run import run
from tools import art
from tools.figures import draw_character, draw_person, figure_box, hand_point, look_of, seat_point
from tools.generators.sketch import SketchGenerator
from tools.layout import character_boxes
from tools.poses import pose_for, pose_of
from tools.render import render_shot
from tools.roles import ROLES, described_colors, is_person, person_noun
from tools.scene import Character, SceneObject, ScenePlan, Shot

BOX = (100, 40, 212, 220)
CANVAS = (312, 260)
MIRA = Character(id="mira", name="Mira", description="a girl in a yellow raincoat", colors={"hair": "brown"})


def drawn(character: Character | None, view: str | None = None, pose: str | None = None, cid: str = "x",
          box: tuple[int, int, int, int] = BOX) -> np.ndarray:
    image = Image.new("RGB", CANVAS, (255, 255, 255))
    draw_character(image, character, character.id if character else cid, box, view=view, pose=pose)
    return np.asarray(image).astype(int)


def mad(a: np.ndarray, b: np.ndarray, box: tuple[int, int, int, int] = BOX) -> float:
    x0, y0, x1, y1 = box
    return float(np.abs(a[y0:y1, x0:x1] - b[y0:y1, x0:x1]).mean())


def mirrored(a: np.ndarray, dx: int = 0) -> np.ndarray:
    """``a`` with its drawing flipped left to right about the drawing's own centre line, moved ``dx``."""
    x0, _, x1, _ = ink_box(a)
    out = a.copy()
    out[:, x0:x1] = 255
    out[:, x0 + dx:x1 + dx] = a[:, x0:x1][:, ::-1]
    return out


def soft(a: np.ndarray) -> np.ndarray:
    """A 2 px box blur: outlines a fraction of a pixel apart should not count as a difference."""
    return np.asarray(Image.fromarray(a.astype(np.uint8)).filter(ImageFilter.BoxBlur(2))).astype(int)


def flip_distance(a: np.ndarray) -> float:
    """How far the drawing is from its own mirror image, aligned as well as whole pixels go."""
    return min(mad(soft(a), soft(mirrored(a, dx))) for dx in (-2, -1, 0, 1, 2))


def ink_box(a: np.ndarray, alpha_like: int = 240) -> tuple[int, int, int, int]:
    """Bounding box of the drawn (non-white, non-shadow) pixels."""
    ys, xs = np.nonzero(a.min(-1) < alpha_like)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def eye_blobs(a: np.ndarray, box: tuple[int, int, int, int], solid: np.ndarray | None = None) -> int:
    """Small, round, filled near-black blobs in the head band of the figure drawn in ``box``:
    eyes (outlines, mouths and hair strokes are long or hollow and do not count). The figure's
    top is its first drawn row on white, or the first row of ``solid`` (its pixels) in a scene."""
    x0, y0, x1, y1 = box
    top = (int(np.nonzero(solid[y0:y1, x0:x1].any(1))[0].min()) if solid is not None
           else ink_box(a[y0:y1, x0:x1])[1]) + y0
    r = 0.46 * 0.42 * (y1 - top)  # head radius: the frame's proportions
    dark = a[top:top + int(0.9 * (y1 - top) * 0.42), x0:x1].max(-1) < 80
    seen = np.zeros_like(dark)
    blobs = 0
    for sy, sx in zip(*np.nonzero(dark)):
        if seen[sy, sx]:
            continue
        stack, pts = [(sy, sx)], []
        seen[sy, sx] = True
        while stack:
            y, x = stack.pop()
            pts.append((y, x))
            for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if 0 <= ny < dark.shape[0] and 0 <= nx < dark.shape[1] and dark[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    stack.append((ny, nx))
        ys, xs = zip(*pts)
        h, w = max(ys) - min(ys) + 1, max(xs) - min(xs) + 1
        if max(h, w) <= 0.35 * r and len(pts) >= 0.02 * r * r and len(pts) >= 0.5 * h * w:
            blobs += 1
    return blobs


# --- roles ------------------------------------------------------------------------------

@pytest.mark.parametrize("noun, key", [
    ("chef", "chef"), ("cook", "chef"), ("old man", "old man"), ("police officers", "police officer"),
    ("a red knight", "knight"), ("children", "child"), ("grandma", "old woman"), ("astronaut", "astronaut"),
    ("pirate ship", None), ("gingerbread man", None), ("snowman", None), ("chef hat", None), ("umbrella", None),
])
def test_person_nouns_are_read_from_the_head_noun(noun: str, key: str | None) -> None:
    assert person_noun(noun) == key and is_person(noun) == (key is not None)


def test_a_character_s_role_and_colours_come_from_its_species_or_description() -> None:
    assert look_of(MIRA).role == "girl" and described_colors(MIRA.description) == {"outfit": (250, 215, 40)}
    knight = look_of(Character(id="r", name="Sir Roland", species="human", description="A knight in silver armour"))
    assert knight.role == "knight" and knight.colors["outfit"] == (192, 192, 200)  # a job beats "human"
    assert look_of(Character(id="f", name="Fen", species="fox", description="a fox chef")).role == "chef"
    assert look_of(Character(id="g", name="Gran", species="woman", description="an elderly woman")).role == "old woman"
    assert look_of(Character(id="m", name="Mira", species="fox")).role is None
    # What it is, not whom it meets: the first clause, or an apposition.
    fox = Character(id="m", name="Mira", species="fox", description="a fox who loves her grandma")
    assert look_of(fox).role is None
    assert look_of(Character(id="j", name="Jo", description="a girl who helps a doctor")).role == "girl"
    assert look_of(Character(id="a", name="Ada", description="Dr. Ada Vance, a scientist")).role == "scientist"
    assert described_colors("curly black hair, a green hoodie and red boots") == {"hair": (25, 25, 28),
                                                                                  "outfit": (46, 160, 67)}


def test_role_figures_differ_from_a_plain_person_and_from_each_other() -> None:
    figures = {role: drawn(Character(id="same", name="x", species=role)) for role in ROLES}
    person = drawn(Character(id="same", name="x", species="person"))
    control = mad(person, drawn(Character(id="same", name="x", species="person", colors={"hair": "yellow"})))
    assert 1 < control < 6  # a hair recolour: a small but visible change
    for role, figure in figures.items():
        assert mad(figure, person) > 2 * control, role
    closest = min((mad(figures[a], figures[b]), a, b) for a, b in itertools.combinations(figures, 2))
    assert closest[0] > 2 * control, closest


def test_age_and_sex_change_the_figure() -> None:
    man, woman, girl, old = (drawn(Character(id="p", name="p", species=kind))
                             for kind in ("man", "woman", "girl", "old man"))
    assert mad(man, woman) > 1 and mad(man, old) > 1
    assert ink_box(girl)[1] > ink_box(man)[1] + 20  # a girl is shorter
    x0, y0, x1, y1 = ink_box(old)
    head = old[y0:y0 + (y1 - y0) // 4, x0:x1]
    grey = (np.abs(head - head.mean(-1, keepdims=True)).max(-1) < 8) & (head.min(-1) > 180) & (head.max(-1) < 240)
    assert grey.sum() > 30  # grey hair


def test_the_same_character_is_pixel_identical_across_shots() -> None:
    calm = Shot(index=0, prompt="Mira waits", characters=["mira"])
    rain = Shot(index=0, prompt="Mira waits", characters=["mira"], weather="rain", time_of_day="dusk")
    a, b = (render_shot(shot, ScenePlan(request="x", setting=place, characters=[MIRA], shots=[shot]), (512, 512), seed)
            for shot, seed, place in ((calm, 1, "park"), (rain, 99, "beach")))
    assert a.characters["mira"] == b.characters["mira"]
    alone = Image.new("RGBA", (512, 512), (0, 0, 0, 0))
    draw_character(alone, MIRA, "mira", a.characters["mira"])
    solid = np.asarray(alone)[..., 3] == 255
    pa, pb = np.asarray(a.image), np.asarray(b.image)
    assert solid.sum() > 3000 and (pa[solid] == pb[solid]).all()
    assert (pa[~solid] != pb[~solid]).any(-1).mean() > 0.5  # while the scene around it changed


# --- views ------------------------------------------------------------------------------

@pytest.mark.parametrize("character", [MIRA, Character(id="p", name="p", species="person"),
                                       Character(id="fox", name="Mira", species="fox", colors={"outfit": "green"}),
                                       Character(id="w", name="w", species="woman")])
def test_back_and_side_views_differ_visibly_from_the_front(character: Character) -> None:
    front, back, side = drawn(character), drawn(character, "back"), drawn(character, "side")
    flip = flip_distance(front)  # the naive back view: the same front-facing figure, flipped
    assert mad(soft(front), soft(back)) > max(2 * flip, 5.0) and mad(mirrored(front), back) > 5.0
    assert mad(soft(front), soft(side)) > max(3 * flip, 10.0)
    assert ink_box(side)[2] - ink_box(side)[0] < ink_box(front)[2] - ink_box(front)[0]  # a profile is narrower


@pytest.mark.parametrize("character", [MIRA, Character(id="p", name="p", species="old man"),
                                       Character(id="c", name="c", species="chef")])
def test_eyes_two_from_the_front_one_in_profile_none_from_behind(character: Character) -> None:
    assert [eye_blobs(drawn(character, view), BOX) for view in ("front", "side", "back")] == [2, 1, 0]


def test_a_knight_s_visor_shows_only_from_the_front() -> None:
    knight = Character(id="k", name="k", species="knight")
    front, back = drawn(knight), drawn(knight, "back")
    assert eye_blobs(front, BOX) == 0  # the visor hides the face; its slit is a long dark bar
    x0, y0, x1, y1 = ink_box(front)
    r = 0.46 * 0.42 * (BOX[3] - BOX[1])  # the head's radius

    def widest_dark_row(a: np.ndarray) -> int:  # the visor slit: a row of ink across the helmet
        return int((a[y0:y0 + (y1 - y0) // 3, x0:x1].max(-1) < 60).sum(1).max())

    assert widest_dark_row(front) > 1.1 * r and widest_dark_row(back) < 0.75 * r  # an outline crosses a row twice
    assert mad(mirrored(front), back) > 3  # the back is not the front flipped: no visor, no shield face


# --- poses ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, pose", [
    ("she sleeps under a tree", "sleep"), ("he runs away", "run"), ("Mira walks in the rain", "walk"),
    ("he sits down", "sit"), ("she waves goodbye", "wave"), ("she gives it to an old man", "hold"),
    ("an astronaut riding a horse", "ride"), ("they jump for joy", "jump"), ("Mira in a yellow raincoat", "stand"),
    ("the beginning: Mira walks in, then sits", "walk"), ("a fox napping by the fire", "sleep"),
])
def test_pose_words(text: str, pose: str) -> None:
    assert pose_of(text) == pose


def test_the_pose_goes_to_the_characters_the_action_names() -> None:
    plan = ScenePlan(request="x", characters=[MIRA, Character(id="tom", name="Tom", species="boy")],
                     shots=[Shot(index=0, prompt="p", characters=["mira", "tom"], action="Tom waves at her")])
    shot = plan.shots[0]
    assert (pose_for(shot, "tom", plan), pose_for(shot, "mira", plan)) == ("wave", "stand")
    they = shot.model_copy(update={"action": "they run home"})
    assert pose_for(they, "tom", plan) == pose_for(they, "mira", plan) == "run"
    pronoun = shot.model_copy(update={"action": "she sleeps"})  # the subject: the shot's first character
    assert (pose_for(pronoun, "mira", plan), pose_for(pronoun, "tom", plan)) == ("sleep", "stand")


def test_poses_change_the_silhouette() -> None:
    box = (110, 40, 200, 220)
    stand, sleep = drawn(MIRA, pose="stand", box=box), drawn(MIRA, pose="sleep", box=box)
    fx0, fy0, fx1, fy1 = figure_box(box, "sleep", None, MIRA)  # the figure's image, under its Z's
    sx0, sy0, sx1, sy1 = ink_box(sleep[fy0:fy1, fx0:fx1])
    assert sx1 - sx0 > 1.5 * (sy1 - sy0)  # lying down: wider than tall
    assert (sleep[:fy0, fx0:fx1].min(-1) < 200).any()  # and its Z's above
    tx0, ty0, tx1, ty1 = ink_box(stand)
    assert ty1 - ty0 > 1.5 * (tx1 - tx0)
    sit = drawn(MIRA, pose="sit", box=box)
    assert ink_box(sit)[1] > ty0 + 10  # a seated figure's head is lower
    for pose in ("walk", "run", "hold", "wave", "jump", "ride"):
        assert mad(stand, drawn(MIRA, pose=pose, box=box), box) > 2, pose
    jump = drawn(MIRA, pose="jump", box=box)
    feet = lambda a: np.nonzero((a[:, box[0]:box[2]].max(-1) < 70).any(1))[0].max()  # noqa: E731 - lowest outline
    assert feet(jump) < feet(stand) - 10  # off the ground


@pytest.mark.parametrize("view", [None, "side"])
def test_hand_point_is_on_the_holding_hand(view: str | None) -> None:
    blue = Character(id="b", name="b", species="person", colors={"skin": "blue", "outfit": "white", "scarf": "white"})
    box = (100, 30, 220, 230)
    image = drawn(blue, view=view, pose="hold", box=box)
    x, y = hand_point(box, "hold", view, blue)
    patch = image[y - 1:y + 2, x - 1:x + 2].reshape(-1, 3)
    assert (np.abs(patch - (35, 100, 220)).max(-1) < 40).mean() > 0.5  # the blue hand, not the white coat
    fx0, fy0, fx1, fy1 = figure_box(box, "hold", view, blue)
    assert fx0 <= x <= fx1 and fy0 <= y <= fy1


def test_a_rider_sits_on_the_seat_point() -> None:
    box = (100, 30, 220, 230)
    image = drawn(MIRA, pose="ride", box=box)
    x, y = seat_point(box, "ride", None, MIRA)
    x0, y0, x1, y1 = ink_box(image)
    assert x0 < x < x1 and y0 + (y1 - y0) // 2 < y < y1  # between the hips, in the lower half
    assert abs(x - (box[0] + box[2]) / 2) < 3
    stand_seat = seat_point(box, "stand", None, MIRA)[1]
    assert y > stand_seat  # seated lower than standing hips


def test_sketch_frame_draws_poses_from_the_plan() -> None:
    def frame(action: str):
        shot = Shot(index=0, prompt=action, action=action, characters=["mira"])
        return render_shot(shot, ScenePlan(request=action, characters=[MIRA], shots=[shot]), (512, 384), 3)

    def shows(result, pose: str) -> bool:  # the frame holds exactly that figure's opaque pixels
        alone = Image.new("RGBA", result.image.size, (0, 0, 0, 0))
        draw_character(alone, MIRA, "mira", result.characters["mira"], pose=pose)
        solid = np.asarray(alone)[..., 3] == 255
        return bool((np.asarray(result.image)[solid] == np.asarray(alone)[..., :3][solid]).all())

    walk, sleep = frame("Mira walks in the park"), frame("Mira sleeps on the grass")
    assert shows(walk, "walk") and not shows(walk, "stand")
    assert shows(sleep, "sleep") and not shows(sleep, "stand")
    box = sleep.characters["mira"]
    fx0, fy0, fx1, fy1 = figure_box(box, "sleep", None, MIRA)
    assert fx1 - fx0 > box[2] - box[0] and fx1 - fx0 > 1.5 * (fy1 - fy0)


# --- planned people drawn as figures ----------------------------------------------------

def test_planned_people_are_figures_in_the_art_chain() -> None:
    for noun in ("chef", "knight", "old man", "pirate", "doctor", "astronaut", "girl"):
        assert art.source_for(noun).name == "roles" and art.has_art(noun), noun
    assert getattr(art.source_for("pirate ship"), "name", None) != "roles"
    chef = draw_person("chef", 200)
    assert chef.height == 200 and chef.mode == "RGBA"
    back, red = draw_person("chef", 200, view="back"), draw_person("knight", 200, "red")
    assert np.abs(np.asarray(chef).astype(int) - np.asarray(back).astype(int)).mean() > 5
    assert draw_person("umbrella", 200) is None and red is not None


def test_a_planned_chef_object_is_drawn_as_a_figure_with_a_toque() -> None:
    shot = Shot(index=0, prompt="a chef and a bowl", objects=[SceneObject(name="chef"), SceneObject(name="bowl")])
    image = SketchGenerator().generate([shot], (512, 512), [4], ScenePlan(request="x", shots=[shot]))[0]
    drawing = image.info["drawing"]
    chef = next(o for o in drawing.objects if o.name == "chef")
    assert chef.art
    x0, y0, x1, y1 = chef.box
    crop = np.asarray(image)[y0:y1, x0:x1].astype(int)
    top = crop[: (y1 - y0) // 5]
    assert ((top.min(-1) > 235).mean()) > 0.15  # the white chef's hat on top
    assert y1 - y0 > 1.3 * (x1 - x0)  # a standing figure, not a square glyph


# --- end to end: a turnaround and a "from behind" follow-up ---------------------------------

def test_a_three_shot_character_turnaround_differs_per_view() -> None:
    shots = [Shot(index=i, prompt=f"Mira, {v} view", characters=["mira"], view=v)
             for i, v in enumerate(("front", "side", "back"))]
    plan = ScenePlan(request="a turnaround of Mira: front, side and back", characters=[MIRA], shots=shots)
    images = SketchGenerator().generate(shots, (512, 512), [7, 7, 7], plan)
    boxes = [character_boxes(s, plan, 1.0)["mira"].to_pixels(512, 512) for s in shots]
    crops = []
    for image, (x0, y0, x1, y1) in zip(images, boxes):
        crops.append(np.asarray(image).astype(int)[y0:y1, x0 - 20:x1 + 20])
        assert image.info["drawing"].characters == ["mira"]
    shape = min(c.shape[1] for c in crops)
    crops = [c[:, :shape] for c in crops]
    full = (0, 0, shape, crops[0].shape[0])
    front, side, back = crops
    assert mad(front, side, full) > 10 and mad(front, back, full) > 5 and mad(side, back, full) > 10
    assert [eye_blobs(c, full) for c in (front, side, back)] == [2, 1, 0]


def test_a_product_turnaround_turns_the_object(settings) -> None:
    plan = make_plan(build_request("a product turnaround of a red backpack: front, side and back", settings=settings,
                                   seed=3))
    assert [s.view for s in plan.shots] == ["front", "side", "back"]
    images = SketchGenerator().generate(plan.shots, (512, 512), [3, 4, 5], plan)
    boxes = [next(o for o in im.info["drawing"].objects if o.name == "backpack").box for im in images]
    widths = [b[2] - b[0] for b in boxes]
    assert widths[1] < 0.6 * widths[0]  # the side is the pack turned: narrower
    (a0, a1, a2, a3), (b0, b1, b2, b3) = boxes[0], boxes[2]
    w, h = min(a2 - a0, b2 - b0), min(a3 - a1, b3 - b1)
    front = np.asarray(images[0]).astype(int)[a1:a1 + h, a0:a0 + w]
    back = np.asarray(images[2]).astype(int)[b1:b1 + h, b0:b0 + w]
    assert mad(front, back, (0, 0, w, h)) > 5  # the back has none of the front's pockets and straps


def test_show_her_from_behind_redraws_the_figure_from_behind(settings) -> None:
    comic = ("a comic of Mira, a girl in a yellow raincoat, walks in the rain, finds a lost umbrella, gives it to an "
             "old man, 3 panels")
    first = run(build_request(comic, settings=settings, seed=3, thread_id="mira"), settings=settings)
    second = run(build_request("now show her from behind", settings=settings, thread_id="mira"), settings=settings)
    assert second["revision"] is not None and second["revision"]["changed_shots"]
    assert all(s["view"] == "back" for s in second["plan"]["shots"])
    before_plan, after_plan = (ScenePlan.model_validate(r["plan"]) for r in (first, second))
    for index in second["revision"]["changed_shots"]:
        shot = after_plan.shots[index]
        box = character_boxes(shot, after_plan, 1.0)["mira"]
        assert box == character_boxes(before_plan.shots[index], before_plan, 1.0)["mira"]
        a, b = (np.asarray(Image.open(r["images"][index]["path"]).convert("RGB")).astype(int) for r in (first, second))
        px = box.to_pixels(a.shape[1], a.shape[0])
        alone = Image.new("RGBA", (a.shape[1], a.shape[0]), (0, 0, 0, 0))  # the figure's own pixels
        draw_character(alone, after_plan.character("mira"), "mira", px, shot=before_plan.shots[index], plan=before_plan)
        solid = np.asarray(alone)[..., 3] == 255
        changed = np.abs(a[solid] - b[solid]).mean()
        # Hair instead of a face alone is about a fifth of the figure moving by ~100 grey levels.
        assert changed > 15, changed
        assert eye_blobs(a, px, solid) == 2 and eye_blobs(b, px, solid) == 0
