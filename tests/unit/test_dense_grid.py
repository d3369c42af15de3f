"""Dense compositions (issue 16, item 6): layout words are directives, shapes are drawn as
shapes, and every listed item gets its own cell in the stated order."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from agent.context import Settings
from agent.planning.arrangement import plain_backdrop, read_arrangement
from agent.planning.planner import make_plan
from agent.request import build_request
from tools import art, shapes
from tools.colors import parse_color
from tools.critics.color import ACHROMATIC, NEIGHBOURS, check_colors, family, planned_family
from tools.critics.coverage import INFO_KEY, Drawing, check_coverage
from tools.generators.sketch import SketchGenerator
from tools.scene import ScenePlan, Shot
from tools.scenery import scene_look

GRID_PROMPT = (
    "A square image with a 4 by 4 grid of 16 objects on a white background. From left to right, top to "
    "bottom: a blue star, a red triangle, a green square, a pink circle, an orange heart, a purple arrow, a "
    "yellow infinity symbol, a black lightning bolt, a brown moon, a white cloud, a cyan diamond, a gray "
    "hexagon, a red cross, a blue crescent, a green leaf, a rainbow lightning bolt"
)
LISTED = [("star", "blue"), ("triangle", "red"), ("square", "green"), ("circle", "pink"), ("heart", "orange"),
          ("arrow", "purple"), ("infinity symbol", "yellow"), ("lightning bolt", "black"), ("moon", "brown"),
          ("cloud", "white"), ("diamond", "cyan"), ("hexagon", "gray"), ("cross", "red"), ("crescent", "blue"),
          ("leaf", "green"), ("lightning bolt", "rainbow")]
LAYOUT_WORDS = {"object", "grid", "item", "thing", "shape", "icon", "symbol", "row", "column"}
SIZE = (512, 512)


@pytest.fixture()
def plan_of(tmp_path: Path):
    settings = Settings(home=tmp_path / "home", out_dir=tmp_path / "out", planner_model=None)

    def plan(prompt: str) -> ScenePlan:
        return make_plan(build_request(prompt, settings=settings, seed=0), settings)

    return plan


@pytest.fixture()
def grid(plan_of) -> tuple[ScenePlan, Image.Image]:
    plan = plan_of(GRID_PROMPT)
    image = SketchGenerator().generate(plan.shots, SIZE, [7], plan=plan)[0]
    return plan, image


def _centre(obj) -> tuple[float, float]:
    return (obj.box.x0 + obj.box.x1) / 2, (obj.box.y0 + obj.box.y1) / 2


# ---- the plan ---------------------------------------------------------------------------

def test_the_grid_prompt_plans_sixteen_items_in_a_four_by_four_grid_in_the_listed_order(plan_of) -> None:
    plan = plan_of(GRID_PROMPT)
    assert len(plan.shots) == 1
    objects = plan.shots[0].objects
    assert [(o.name, o.color) for o in objects] == LISTED
    assert all(o.count == 1 for o in objects)
    assert not {o.name for o in objects} & LAYOUT_WORDS
    centres = [_centre(o) for o in objects]
    xs, ys = sorted({round(x, 3) for x, _ in centres}), sorted({round(y, 3) for _, y in centres})
    assert (len(xs), len(ys)) == (4, 4)
    # Row-major: item k is in row k // 4 and column k % 4, left to right, top to bottom.
    for k, (x, y) in enumerate(centres):
        assert (ys.index(round(y, 3)), xs.index(round(x, 3))) == divmod(k, 4), objects[k].name
    # Cells do not overlap.
    for i, a in enumerate(objects):
        for b in objects[i + 1:]:
            assert a.box.x1 <= b.box.x0 or b.box.x1 <= a.box.x0 or a.box.y1 <= b.box.y0 or b.box.y1 <= a.box.y0


def test_the_grid_prompt_has_a_plain_white_backdrop_and_no_storm(plan_of) -> None:
    plan = plan_of(GRID_PROMPT)
    shot = plan.shots[0]
    assert plan.setting == "white background"
    assert shot.weather is None and shot.time_of_day is None
    look = scene_look(plan, shot)
    assert look.kind == "plain" and look.ground == parse_color("white")
    assert plan.aspect == "1:1"


def test_a_plain_backdrop_is_read_from_its_words() -> None:
    assert plain_backdrop("a red apple on a white background") == "white background"
    assert plain_backdrop("icons against a plain light blue backdrop") == "light blue background"
    assert plain_backdrop("a mug on a plain background") == "plain background"
    assert plain_backdrop("a lake with mountains in the background") is None
    assert plain_backdrop("a cat with a blurry background") is None


# ---- the picture ------------------------------------------------------------------------

def test_every_listed_item_is_drawn_with_art(grid) -> None:
    plan, image = grid
    drawing = image.info[INFO_KEY]
    assert [o.name for o in drawing.objects] == [name for name, _ in LISTED]
    assert all(o.art for o in drawing.objects)


def _object_pixels(image: Image.Image, box: list[int], background: tuple[int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    pixels = np.asarray(image.convert("RGB"))[y0:y1, x0:x1].reshape(-1, 3).astype(float)
    return pixels[np.linalg.norm(pixels - np.array(background, float), axis=1) > 40]


def test_each_cell_shows_its_colour(grid) -> None:
    plan, image = grid
    background = scene_look(plan, plan.shots[0]).ground
    drawing = image.info[INFO_KEY]
    for obj, drawn in zip(plan.shots[0].objects, drawing.objects):
        pixels = _object_pixels(image, drawn.box, background)
        assert len(pixels) > 50, obj.name
        families = Counter(family(tuple(p)) for p in pixels)
        if obj.color == "rainbow":  # several hues, each a clear share
            hues = [f for f, n in families.items() if f not in ACHROMATIC and n > 0.05 * len(pixels)]
            assert len(hues) >= 4, (obj.name, families)
            continue
        target = planned_family(obj.color)
        if target == "white":  # white on white: its outline stands out, its body is the backdrop's colour
            x0, y0, x1, y1 = drawn.box
            middle = np.asarray(image.convert("RGB"))[(y0 + y1) // 2, (x0 + x1) // 2]
            assert family(tuple(float(v) for v in middle)) == "white" and families["black"] > 20, families
            continue
        if target in ACHROMATIC:  # black and grey bodies: the outline is black too
            assert families.most_common(1)[0][0] in NEIGHBOURS[target], (obj.name, families)
            continue
        chromatic = Counter({f: n for f, n in families.items() if f not in ACHROMATIC})
        assert chromatic.most_common(1)[0][0] in NEIGHBOURS[target], (obj.name, obj.color, chromatic)


def test_the_colour_critic_passes_every_cell_and_skips_the_rainbow_with_a_reason(grid) -> None:
    plan, image = grid
    checks = check_colors(image, plan.shots[0].objects)
    by_item = list(zip(plan.shots[0].objects, checks))
    assert all(c.status == "pass" for o, c in by_item if o.color != "rainbow"), [
        (o.name, c.reason) for o, c in by_item if c.status != "pass"]
    rainbow = [c for o, c in by_item if o.color == "rainbow"]
    assert rainbow[0].status == "skipped" and "rainbow" in rainbow[0].reason


# ---- coverage ---------------------------------------------------------------------------

def test_coverage_passes_only_when_all_sixteen_are_drawn(grid) -> None:
    plan, image = grid
    shot, drawing = plan.shots[0], image.info[INFO_KEY]
    assert check_coverage(shot, drawing).status == "pass"
    assert check_coverage(shot, drawing).score == 1.0
    for k, gone in enumerate(drawing.objects):  # take away each one in turn
        fewer = Drawing(objects=drawing.objects[:k] + drawing.objects[k + 1:])
        result = check_coverage(shot, fewer)
        assert result.status == "fail", (gone.name, result.reason)
        assert gone.name in result.reason


def test_a_placeholder_in_the_grid_lowers_coverage_and_is_named(grid) -> None:
    """The coverage policy (tests/unit/test_coverage.py): one uncounted placeholder passes with a
    lower score, named; here, where every cell is a shape, it would show."""
    plan, image = grid
    shot, drawing = plan.shots[0], image.info[INFO_KEY]
    objects = [o.model_copy(update={"art": o.name != "triangle"}) for o in drawing.objects]
    result = check_coverage(shot, Drawing(objects=objects))
    assert result.score == round(15 / 16, 4) and result.found == "triangle"
    assert "placeholder: triangle" in result.reason


# ---- smaller variants --------------------------------------------------------------------

def test_three_red_stars_in_a_row(plan_of) -> None:
    shot = plan_of("three red stars in a row").shots[0]
    assert [(o.name, o.count, o.color) for o in shot.objects] == [("star", 3, "red")]
    box = shot.objects[0].box
    assert box.width > 2.5 * box.height  # a row, not a bunch
    image = SketchGenerator().generate([shot], SIZE, [3])[0]
    copies = image.info[INFO_KEY].objects
    assert len(copies) == 3 and all(c.art for c in copies)
    tops = [c.box[1] for c in copies]  # one row (floating things bob a little), left to right
    assert max(tops) - min(tops) < 0.1 * (copies[0].box[3] - copies[0].box[1])
    assert [c.box[0] for c in copies] == sorted(c.box[0] for c in copies)


def test_a_two_by_three_grid_of_icons(plan_of) -> None:
    plan = plan_of("a 2x3 grid of icons: a sun, a moon, a star, a cloud, a heart and an umbrella")
    assert len(plan.shots) == 1 and plan.aspect is None  # "2x3" is the grid, not six images nor a ratio
    objects = plan.shots[0].objects
    assert [o.name for o in objects] == ["sun", "moon", "star", "cloud", "heart", "umbrella"]
    centres = [_centre(o) for o in objects]
    xs, ys = sorted({round(x, 3) for x, _ in centres}), sorted({round(y, 3) for _, y in centres})
    assert (len(xs), len(ys)) == (2, 3)  # two across, three down
    assert [(ys.index(round(y, 3)), xs.index(round(x, 3))) for x, y in centres] == [divmod(k, 2) for k in range(6)]


@pytest.mark.parametrize("prompt", [
    "a grid of six icons: sun, moon, star, cloud, heart, umbrella",
    "six icons in a row: sun, moon, star, cloud, heart, umbrella",
    "a 2 by 3 grid of icons: a sun, a moon, a star, a cloud, a heart and an umbrella",
])
def test_counting_the_listed_items_asks_for_one_image(plan_of, prompt: str) -> None:
    plan = plan_of(prompt)
    assert len(plan.shots) == 1
    assert [o.name for o in plan.shots[0].objects] == ["sun", "moon", "star", "cloud", "heart", "umbrella"]


def test_a_listed_enumeration_in_a_grid_is_one_picture_not_a_shot_each(plan_of) -> None:
    plan = plan_of("a 3x3 grid of 9 stickers: a cat, a dog, a fox, an owl, a frog, a bee, a fish, a bird, a duck")
    assert len(plan.shots) == 1
    objects = plan.shots[0].objects
    assert [o.name for o in objects] == ["cat", "dog", "fox", "owl", "frog", "bee", "fish", "bird", "duck"]
    assert len({round(_centre(o)[1], 3) for o in objects}) == 3


def test_a_title_keeps_its_band_above_the_grid(plan_of) -> None:
    shot = plan_of('a poster titled "SHAPES" with a 2x2 grid: a red star, a blue circle, a green square, '
                   'a yellow heart').shots[0]
    assert [(o.name, o.color) for o in shot.objects] == [("star", "red"), ("circle", "blue"), ("square", "green"),
                                                         ("heart", "yellow")]
    title = shot.texts[0].box
    assert title.height > 0.1 and all(title.y1 <= o.box.y0 for o in shot.objects)


def test_relations_are_unaffected(plan_of) -> None:
    shot = plan_of("a blue triangle above a yellow circle").shots[0]
    assert read_arrangement("a blue triangle above a yellow circle") is None
    by_name = {o.name: o for o in shot.objects}
    assert by_name["triangle"].relation is not None and by_name["triangle"].relation.type == "above"
    assert by_name["triangle"].box.y1 <= by_name["circle"].box.y0 + 0.02


def test_a_relation_to_a_listed_thing_wins_over_a_bare_row(plan_of) -> None:
    shot = plan_of("Seven green glass bottles lined up on a bar shelf").shots[0]
    bottle = next(o for o in shot.objects if o.name == "bottle")
    assert bottle.relation is not None and bottle.relation.target == "shelf"


@pytest.mark.parametrize(("text", "kind", "items"), [
    ("three red stars in a row", "row", [("star", 3, "red")]),
    ("a red apple, a green pear and a yellow banana side by side", "row",
     [("apple", 1, "red"), ("pear", 1, "green"), ("banana", 1, "yellow")]),
    ("a row of five houses along a street", "row", [("house", 5, None)]),
    ("in a column: a red and white striped ball, a polka-dot heart", "column",
     [("ball", 1, "red and white striped"), ("heart", 1, "polka-dot")]),
    ("a grid of icons: sun, moon and star", "grid", [("sun", 1, None), ("moon", 1, None), ("star", 1, None)]),
    ("a red circle, a blue square and a green triangle arranged in a circle", "circle",
     [("circle", 1, "red"), ("square", 1, "blue"), ("triangle", 1, "green")]),
])
def test_directives_and_their_lists_are_read(text: str, kind: str, items: list) -> None:
    arrangement = read_arrangement(text)
    assert arrangement is not None and arrangement.kind == kind
    assert [(i.name, i.count, i.color) for i in arrangement.items] == items


@pytest.mark.parametrize("text", ["a cat on a mat", "a grid of streets at night", "people sitting in a circle",
                                  "a blue triangle above a yellow circle", "a row of houses"])
def test_no_arrangement_without_a_list(text: str) -> None:
    assert read_arrangement(text) is None


def test_a_lightning_bolt_is_a_thing_not_the_weather(plan_of) -> None:
    assert plan_of("a black lightning bolt and a red heart").shots[0].weather is None
    assert plan_of("a lighthouse in a storm with lightning").shots[0].weather == "storm"


# ---- shapes -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", shapes.names())
def test_every_shape_name_draws_a_non_empty_image_in_its_colour(name: str) -> None:
    image = shapes.draw(name, 96, "red")
    assert image is not None and image.mode == "RGBA" and max(image.size) == 96
    pixels = np.asarray(image)
    body = pixels[pixels[..., 3] > 250][:, :3]
    assert len(body) > 0.04 * 96 * 96, name
    reds = sum(family(tuple(float(v) for v in p)) == "red" for p in body)
    assert reds > 0.3 * len(body), name


@pytest.mark.parametrize("name", ["lightning bolt", "infinity symbol", "infinity sign", "plus sign", "star shape",
                                  "check mark", "heart icon"])
def test_multi_word_shape_names_are_covered_and_come_first_in_the_art_chain(name: str) -> None:
    assert shapes.covers(name)
    assert art.source_for(name).name == "shapes"


@pytest.mark.parametrize("name", ["moon", "cloud", "sun", "umbrella", "ring", "ball", "ice cream cone", "town square"])
def test_things_stay_with_clip_art(name: str) -> None:
    assert not shapes.covers(name)


def test_patterns() -> None:
    assert shapes.paint("rainbow").pattern == "rainbow" and len(shapes.paint("rainbow").colors) == 6
    striped = shapes.paint("red and white striped")
    assert striped.pattern == "striped" and striped.colors == ((214, 40, 40), (250, 250, 250))
    assert shapes.paint("light blue").pattern == "solid"
    assert shapes.paint("polka-dot").pattern == "dotted"
    rainbow = np.asarray(shapes.draw("square", 120, "rainbow"))
    body = rainbow[rainbow[..., 3] > 250][:, :3]
    hues = Counter(family(tuple(float(v) for v in p)) for p in body)
    assert {"red", "orange", "yellow", "green", "blue", "purple"} <= {h for h, n in hues.items() if n > 0.05 * len(body)}


def test_an_unknown_shape_is_not_drawn() -> None:
    assert shapes.draw("zorblax", 64, "red") is None and not shapes.covers("zorblax")


def test_drawing_is_fast_enough_for_a_grid() -> None:
    import time

    start = time.perf_counter()
    for k, name in enumerate(["star", "triangle", "hexagon", "heart", "infinity", "lightning", "leaf", "cube"]):
        shapes.draw(name, 100 + k, "green")  # sizes differ: no cache hits
    assert time.perf_counter() - start < 2.0


def test_a_shot_without_a_plan_still_draws_shapes() -> None:
    shot = Shot(index=0, prompt="x", objects=[{"name": "hexagon", "color": "teal"}])
    image = SketchGenerator().generate([shot], (256, 256), [1])[0]
    assert image.info[INFO_KEY].objects[0].art
