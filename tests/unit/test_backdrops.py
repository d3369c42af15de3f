"""Drawn backdrops (tools.scenery): setting detection, every backdrop, time, weather, text clear."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PIL import Image

from tools.geometry import stable_rng
from tools.scene import ScenePlan, Shot
from tools.scenery import (PAINTERS, PLACES, detect_setting, draw_background, names_setting, plain_background,
                           resolve_place, scene_look, setting_words)

SIZE = (192, 192)
OUTDOORS = [name for name, place in PLACES.items() if place.kind == "horizon"]
TIMED = [name for name in PLACES if name not in ("moon", "space")]  # the rest have a day and a night


def look_of(setting: str | None, **fields):
    shot = Shot(index=0, prompt="p", **fields)
    return scene_look(ScenePlan(request="a picture", setting=setting, shots=[shot]), shot)


def backdrop(setting: str | None, seed: int = 1, text: list | None = None, exclude: tuple = (), **fields) -> Image.Image:
    image = Image.new("RGB", SIZE)
    draw_background(image, look_of(setting, **fields), stable_rng("test", seed), text=text or [], exclude=list(exclude))
    return image


def luma(image: Image.Image) -> np.ndarray:
    return np.asarray(image).astype(float) @ np.array([0.2126, 0.7152, 0.0722])


# --- which setting a text names -------------------------------------------------------------

@pytest.mark.parametrize("text, setting", [
    ("an astronaut riding a horse on the moon", "moon"),
    ("a rover on the lunar surface", "moon"),
    ("footprints on the surface of the moon", "moon"),
    ("the Apollo 11 moon landing", "moon"),
    ("an astronaut planting a flag on Mars", "mars"),
    ("a cat floating in space", "space"),
    ("a crew aboard a space station", "space"),
    ("fish underwater", "underwater"),
    ("a turtle under the sea", "underwater"),
    ("a fox in the woods", "forest"),
    ("a fox in a forest at dusk", "forest"),
    ("a picnic at the beach", "beach"),
    ("a desert island", "beach"),
    ("camels crossing the desert", "desert"),
    ("a cozy coffee shop interior at night", "coffee shop"),
    ("the same beach cafe at noon", "coffee shop"),
    ("a chef in the kitchen", "kitchen"),
    ("a teacher in a classroom", "classroom"),
    ("asleep at her desk in math class", "classroom"),
    ("waking up in her messy bed", "bedroom"),
    ("a knight in a castle courtyard", "castle courtyard"),
    ("a princess inside the castle", "castle courtyard"),
    ("a city street in the rain at night", "city street"),
    ("a farm with a red barn", "farm"),
    ("a goat climbing a mountain", "mountains"),
    ("the same mountain cabin in summer", "mountains"),
    ("a red canoe on the same mountain lake", "lake"),
    ("a snowman in the snow", "snow"),
    ("a dog in the park", "park"),
    ("a bakery poster with three red balloons", "bakery"),
])
def test_detect_setting_finds_places_in_phrases(text: str, setting: str) -> None:
    assert detect_setting(text) == setting


@pytest.mark.parametrize("text", [
    "a brown moon",  # the moon is a thing to draw...
    "the full moon rising",
    "a wolf howling at the moon",
    "the cow jumped over the moon",
    "a mars bar on a plate",
    "a poster with copy space for the headline",
    "leave space for a caption",
    "a sandcastle",
    "a photo of a skis",  # GenEval's wording: skis, not a ski resort
    "shallow depth of field",
    "a poster for our school bake sale",
    "riding her skateboard to school",
    "three red balloons on a seat",  # "sea" is a whole word
    "a flower bed",
    "no snow",
    "a mountain",
    "a parking lot",
    "an empty interior scene",  # "interior" and "scene" are never objects, nor places
])
def test_detect_setting_leaves_things_alone(text: str) -> None:
    assert detect_setting(text) is None


def test_a_thing_next_to_a_place_stays_a_thing() -> None:
    assert detect_setting("the moon above a lake") == "lake"  # the lake is the place; the moon is drawn
    assert detect_setting("a castle on a hill") == "meadow"
    assert detect_setting("swans in front of a castle on the lake") == "lake"


def test_the_first_place_named_wins_and_the_longest_at_a_tie() -> None:
    assert detect_setting("a coffee shop on a city street") == "coffee shop"
    assert detect_setting("a city street outside a coffee shop") == "city street"
    assert detect_setting("stranded on a desert island") == "beach"  # not the desert


def test_setting_words_keep_the_requests_own_words() -> None:
    assert setting_words("a fox in the woods") == "woods"
    assert setting_words("a cat on the moon") == "moon"
    assert setting_words("the same mountain lake at dawn") == "lake"
    assert setting_words("a cabin in the snow") == "snow"
    assert setting_words("a brown moon") is None
    for text in ("a fox in the woods", "a cat on the moon", "in math class", "the same beach cafe", "a cabin in the snow"):
        assert resolve_place(setting_words(text)).name == detect_setting(text)  # the renderer reads them back


def test_names_setting_is_for_bare_place_nouns() -> None:
    assert all(names_setting(n) for n in ("woods", "forest", "kitchen", "cafe", "coffee shop", "courtyard", "streets"))
    assert not any(names_setting(n) for n in ("moon", "castle", "mountain", "snow", "lighthouse", "bakery poster", "table"))


def test_resolve_place_reads_a_plans_setting() -> None:
    assert resolve_place("moon").name == "moon"  # the plan already calls it the setting
    assert resolve_place("castle").name == "castle courtyard"
    assert resolve_place("snowy street").name == "city street"
    assert resolve_place("coffee shop").name == "coffee shop"
    assert resolve_place("dim subway station") is None


def test_scene_look_picks_the_backdrop() -> None:
    assert look_of("woods").setting == "forest"
    unplanned = ScenePlan(request="an astronaut riding a horse on the moon", shots=[Shot(index=0, prompt="p")])
    assert scene_look(unplanned).setting == "moon" and scene_look(unplanned).night
    thing = ScenePlan(request="a brown moon", shots=[Shot(index=0, prompt="p")])
    assert scene_look(thing).kind == "studio"
    storm = ScenePlan(request="a lighthouse in a storm", shots=[Shot(index=0, prompt="p")])
    assert scene_look(storm).setting == "beach" and detect_setting("a lighthouse in a storm") is None  # a hint only


# --- every backdrop ---------------------------------------------------------------------------

def test_every_place_has_a_painter_and_every_painter_a_place() -> None:
    assert set(PAINTERS) <= set(PLACES)
    assert {"moon", "space", "underwater", "forest", "coffee shop", "kitchen", "classroom", "city street", "beach",
            "mountains", "desert", "farm", "castle courtyard", "park", "bedroom", "snow"} <= set(PAINTERS)


@pytest.mark.parametrize("setting", list(PLACES))
def test_each_backdrop_renders_deterministically(setting: str) -> None:
    a, b = backdrop(setting, time_of_day="noon"), backdrop(setting, time_of_day="noon")
    assert np.array_equal(np.asarray(a), np.asarray(b))
    assert luma(a).std() > 8  # a drawn scene, not a flat fill
    other = np.asarray(backdrop(setting, seed=2, time_of_day="noon"))
    moved = (np.abs(other.astype(int) - np.asarray(a).astype(int)).sum(-1) > 0).mean()
    assert moved < 0.15  # the seed only moves the props


def test_backdrops_differ_from_each_other() -> None:
    names = [*PLACES, None]
    images = {n: np.asarray(backdrop(n, time_of_day="noon") if n else backdrop(n)).astype(float) for n in names}
    for a, b in itertools.combinations(names, 2):
        assert np.abs(images[a] - images[b]).mean() > 10, (a, b)


@pytest.mark.parametrize("setting", TIMED)
def test_night_is_darker_than_noon(setting: str) -> None:
    noon, night = luma(backdrop(setting, time_of_day="noon")).mean(), luma(backdrop(setting, time_of_day="night")).mean()
    limit = 0.75 if PLACES[setting].kind == "shelf" else 0.45  # a lamp-lit room keeps some light
    assert night < limit * noon


def test_lit_windows_and_lamps_at_night() -> None:
    warm = {}
    for time in ("noon", "night"):
        rgb = np.asarray(backdrop("city street", time_of_day=time)).astype(int)[int(SIZE[1] * 0.3):]  # below the sun
        warm[time] = ((rgb[..., 0] > 230) & (rgb[..., 1] > 180) & (rgb[..., 2] < 170)).mean()
    assert warm["night"] > 0.02 and warm["night"] > 5 * warm["noon"]


@pytest.mark.parametrize("setting", OUTDOORS)
def test_a_storm_shows_rain_and_lightning(setting: str) -> None:
    calm, storm = backdrop(setting, time_of_day="noon"), backdrop(setting, time_of_day="noon", weather="storm")
    assert luma(storm).mean() < 0.85 * luma(calm).mean()
    rgb = np.asarray(storm).astype(int)
    bolt = (rgb.min(-1) > 225) & (rgb[..., 2] < rgb[..., 0] - 8)  # pale yellow-white
    assert bolt.sum() > 30
    lum = luma(storm)
    mid = lum[:, 2:-2]
    streaks = (mid > lum[:, :-4] + 10) & (mid > lum[:, 4:] + 10)
    assert streaks.mean() > 0.01


def test_interiors_show_the_storm_through_the_window() -> None:
    calm = np.asarray(backdrop("coffee shop", time_of_day="night")).astype(int)
    storm = np.asarray(backdrop("coffee shop", time_of_day="night", weather="storm")).astype(int)
    changed = np.abs(storm - calm).sum(-1) > 30
    ys, xs = np.nonzero(changed)
    assert changed.mean() > 0.005 and ys.max() < SIZE[1] * 0.6  # only the window on the wall


@pytest.mark.parametrize("setting", [*PLACES, None])
@pytest.mark.parametrize("time", ["noon", "night"])
def test_text_boxes_show_the_plain_backdrop(setting: str | None, time: str) -> None:
    boxes = [(30, 6, 160, 40), (20, 150, 120, 182)]  # a sign up top, a caption on the ground or floor
    look = look_of(setting, time_of_day=time)
    image = Image.new("RGB", SIZE)
    draw_background(image, look, stable_rng("test", 1), text=boxes)
    plain = plain_background(look, SIZE)
    for box in boxes:
        assert np.array_equal(np.asarray(image.crop(box)), np.asarray(plain.crop(box))), (setting, box)


def test_props_of_a_counted_noun_are_left_out() -> None:
    image = Image.new("RGB", SIZE)
    look = look_of("forest", time_of_day="noon")
    assert draw_background(image, look, stable_rng("test", 1), text=[])  # mushrooms and herbs by default
    assert not draw_background(image, look, stable_rng("test", 1), text=[], exclude=["mushroom", "herb"])


def test_the_moon_has_the_earth_in_its_black_sky() -> None:
    rgb = np.asarray(backdrop("moon")).astype(int)
    sky = rgb[: int(SIZE[1] * 0.5)]
    assert luma(Image.fromarray(sky.astype(np.uint8))).mean() < 30  # black sky
    blue = (sky[..., 2] > 150) & (sky[..., 2] > sky[..., 0] + 60)
    assert blue.sum() > 40  # the Earth
    ground = rgb[int(SIZE[1] * 0.75):]
    assert 90 < ground.mean() < 200 and np.abs(ground[..., 0] - ground[..., 2]).mean() < 12  # grey regolith
