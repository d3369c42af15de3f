"""Words the storyboard must read as what they are: places are backdrops, boards carry text,
materials are colours, occasions and clothes are not objects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agent.planning.planner import make_plan
from agent.request import RunRequest
from tools.colors import parse_color
from tools.critics.color import check_colors, planned_family
from tools.generators.sketch import SketchGenerator


def _plan(prompt: str, tmp_path: Path):
    return make_plan(RunRequest(prompt=prompt, seed=5, out_dir=tmp_path / "run"))


def _objects(plan) -> dict[str, object]:
    return {o.name: o for o in plan.shots[0].objects}


@pytest.mark.parametrize("prompt,setting,absent", [
    ("an astronaut riding a horse on the moon", "moon", {"moon"}),
    ("a dog in the park", "park", {"park"}),
    ("a cozy coffee shop interior at night", "coffee shop", {"coffee", "shop", "interior"}),
])
def test_a_place_is_the_backdrop_not_an_object(prompt, setting, absent, tmp_path):
    plan = _plan(prompt, tmp_path)
    assert setting in plan.setting
    objects = _objects(plan)
    assert not absent & set(objects), objects
    assert all(o.relation is None or o.relation.target not in absent for o in objects.values())


@pytest.mark.parametrize("prompt", ["a brown moon and a star", "a wolf howling at the moon"])
def test_a_moon_in_the_sky_stays_an_object(prompt, tmp_path):
    plan = _plan(prompt, tmp_path)
    assert plan.setting is None and "moon" in _objects(plan)


def test_clothes_and_weather_are_not_containers(tmp_path):
    man = _objects(_plan("a man in a red coat", tmp_path))["man"]
    assert man.relation is None
    bird = _objects(_plan("a bird in the sky", tmp_path))["bird"]
    assert bird.relation is None


def test_an_occasion_is_not_an_object(tmp_path):
    objects = _objects(_plan("a birthday card with five candles on a chocolate cake", tmp_path))
    assert set(objects) == {"candle", "cake"}
    assert objects["candle"].count == 5 and objects["cake"].color == "chocolate"


@pytest.mark.parametrize("word,family", [("chocolate", "brown"), ("wooden", "brown"), ("rusty", "brown"),
                                         ("golden", "yellow"), ("silver", "grey"), ("denim", "blue"),
                                         ("marble", "white"), ("ruby", "red")])
def test_materials_are_colours_the_colour_critic_knows(word, family):
    assert parse_color(word) is not None
    assert planned_family(word) == family


def test_a_chocolate_cake_is_drawn_brown_and_passes_the_colour_check(tmp_path):
    plan = _plan("a chocolate cake on a table", tmp_path)
    (image,) = SketchGenerator().generate(plan.shots, (512, 512), [5], plan)
    cake = [o for o in plan.shots[0].objects if o.name == "cake"]
    (check,) = check_colors(image, cake)
    assert check.status == "pass", check


def test_a_chalkboard_menu_is_the_texts_board(tmp_path):
    plan = _plan("a cozy coffee shop interior at night with a chalkboard menu that says 'LATTE 4.50'", tmp_path)
    shot = plan.shots[0]
    (text,) = shot.texts
    assert text.surface == "chalkboard"
    (image,) = SketchGenerator().generate([shot], (512, 512), [5], plan)
    x0, y0, x1, y1 = text.box.to_pixels(512, 512)
    board = np.asarray(image.convert("L"))[y0:y1, x0:x1]
    # a dark board with light chalk letters: mostly dark, some light
    assert np.median(board) < 90 and (board > 200).mean() > 0.02
    drawing = image.info["drawing"]
    assert not drawing.placeholders, drawing.placeholders


def test_a_sign_that_carries_a_text_is_not_drawn_twice(tmp_path):
    plan = _plan("a wooden sign that says 'OPEN' next to a door", tmp_path)
    (image,) = SketchGenerator().generate(plan.shots, (512, 512), [5], plan)
    sign = [o for o in image.info["drawing"].objects if o.name == "sign"]
    (text,) = plan.shots[0].texts
    assert text.surface == "wooden sign"
    assert len(sign) <= 1 and all(o.art for o in sign)
