"""Multi-image requests planned as stories: beats, carried time and weather, per-shot text."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.context import Settings
from agent.planning.planner import make_plan
from agent.request import build_request


@pytest.fixture()
def plan_of(tmp_path: Path):
    settings = Settings(home=tmp_path / "home", out_dir=tmp_path / "out", planner_model=None)

    def plan(prompt: str, n: int | None = None):
        return make_plan(build_request(prompt, settings=settings, seed=0, n=n), settings)

    return plan


def test_miras_comic_four_moments_text_in_the_last_panel_rain_throughout(plan_of) -> None:
    plan = plan_of("a four-panel comic of a fox named Mira who finds a lost umbrella in the rain, "
                   "and in the last panel she says 'THANK YOU!'")
    assert len(plan.shots) == 4 and len({s.prompt for s in plan.shots}) == 4
    assert [[t.text for t in s.texts] for s in plan.shots] == [[], [], [], ["THANK YOU!"]]
    bubble = plan.shots[3].texts[0]
    assert bubble.role == "bubble" and bubble.speaker == "mira"
    assert [s.weather for s in plan.shots] == ["rain"] * 4
    assert all("mira" in s.characters for s in plan.shots)


def test_the_knights_day_keeps_props_in_their_own_shots(plan_of) -> None:
    plan = plan_of("A storyboard in 3 shots: a knight rides toward a castle at dawn; he fights a green dragon "
                   "at noon; he sleeps by a campfire at night")
    assert [s.time_of_day for s in plan.shots] == ["dawn", "noon", "night"]
    names = [{o.name for o in s.objects} for s in plan.shots]
    assert "castle" in names[0] and "dragon" in names[1] and "campfire" in names[2]
    assert "dragon" not in names[0] | names[2] and "campfire" not in names[0] | names[1]
    knight = plan.characters[0]
    assert knight.name == "knight" and all(knight.id in s.characters for s in plan.shots)


def test_product_views_and_two_lighthouses(plan_of) -> None:
    backpack = plan_of("Product shots of a red backpack: front, side, and back")
    assert [s.view for s in backpack.shots] == ["front", "side", "back"]
    assert all("red backpack" in s.prompt for s in backpack.shots)
    lighthouse = plan_of("one image of a lighthouse in a storm at night and one of the same lighthouse on a calm "
                         "sunny morning")
    assert [(s.time_of_day, s.weather) for s in lighthouse.shots] == [("night", "storm"), ("morning", "clear")]


@pytest.mark.parametrize(("prompt", "count", "first_words"), [
    ("4 images: 1. a girl wakes up 2. she rides a bike 3. she eats lunch 4. she sleeps", 4, "a girl wakes up"),
    ("Panel 1: a cat sees a bird. Panel 2: the cat jumps. Panel 3: the bird flies away.", 3, "a cat sees a bird"),
    ("first a seed in the soil, then a sprout, finally a tall oak tree", 3, "a seed in the soil"),
    ("a boy builds a sandcastle; a wave washes it away; he laughs", 3, "a boy builds a sandcastle"),
    ("two images: one of a cabin in summer and another of the same cabin in winter", 2, "a cabin in summer"),
    ("before and after of a garden: before overgrown with weeds, after neat with roses", 2, "overgrown"),
    ("the same beach cafe at morning, noon and night", 3, "the same beach cafe"),
    ("the four seasons as seen through one apple tree", 4, "apple tree"),
    ("3 slides for my deck: a title slide that says 'GO', a slide with a chart, and a closing slide", 3, "title slide"),
    ("a teapot from four angles", 4, "teapot"),
])
def test_beat_shapes(plan_of, prompt: str, count: int, first_words: str) -> None:
    plan = plan_of(prompt)
    assert len(plan.shots) == count
    assert first_words in plan.shots[0].prompt
    assert len({s.prompt for s in plan.shots}) == count  # distinct moments, never copies


def test_time_and_weather_carry_until_a_beat_changes_them(plan_of) -> None:
    plan = plan_of("Tom waits at a bus stop in the rain at dusk; a bus splashes him; the rain stops and he "
                   "walks home; the next morning he sleeps in")
    assert [s.weather for s in plan.shots] == ["rain", "rain", "clear", "clear"]
    assert [s.time_of_day for s in plan.shots] == ["dusk", "dusk", "dusk", "morning"]


def test_pronouns_go_to_the_named_character_and_the_look_is_carried(plan_of) -> None:
    plan = plan_of("Juno, a girl with short pink hair, wakes up; she skates to school; she eats pizza at sunset")
    juno = next(c for c in plan.characters if c.name == "Juno")
    assert all(juno.id in s.characters and "pink hair" in s.prompt for s in plan.shots)


def test_text_stays_in_its_slide(plan_of) -> None:
    plan = plan_of("3 slides: 1. a title slide that says 'GreenLoop' 2. a recycling diagram "
                   "3. a closing slide that says 'Thank you!'")
    assert [[t.text for t in s.texts] for s in plan.shots] == [["GreenLoop"], [], ["Thank you!"]]


def test_more_than_eight_is_eight_with_a_note(plan_of) -> None:
    plan = plan_of("draw all 12 zodiac signs as animals in one consistent style")
    assert len(plan.shots) == 8 and any("dropped" in note for note in plan.notes)
    assert len({s.prompt for s in plan.shots}) == 8


def test_a_count_with_fewer_beats_continues_them_without_copies(plan_of) -> None:
    plan = plan_of("a cat sleeps; the cat wakes up", n=4)
    assert len(plan.shots) == 4 and len({s.prompt for s in plan.shots}) == 4


@pytest.mark.parametrize(("prompt", "needs"), [
    ("the Eiffel Tower at sunset with a 2026 Tesla Cybertruck parked in front", True),
    ("the logo of FC St. Pauli on a flag", True),
    ("a fox named Mira reading a map", False),
    ("a shop sign that says 'OPEN' on a Monday morning", False),
])
def test_the_rules_decide_a_search(plan_of, prompt: str, needs: bool) -> None:
    plan = plan_of(prompt)
    assert plan.needs_search is needs and bool(plan.queries) is needs


def _objects(plan) -> list[set[str]]:
    return [{o.name for o in s.objects} for s in plan.shots]


@pytest.mark.parametrize("prompt, count", [
    ("3 pics of a haunted bakery, spooky but kinda cute", 3),
    ("Make a 3-slide app onboarding for a hiking app", 3),
    ("six colour variants of a minimalist armchair: mustard, teal, blush, charcoal, olive, cream", 6),
    ("4 different logo concepts for a small coffee roastery", 4),
    ("illustrate each of the three little pigs' houses, one picture per house", 3),
    ("draw the three states of water, each in its own image", 3),
])
def test_counts_people_write(plan_of, prompt: str, count: int) -> None:
    plan = plan_of(prompt)
    assert len(plan.shots) == count and len({s.prompt for s in plan.shots}) == count


def test_a_first_sentence_that_only_asks_is_not_a_beat(plan_of) -> None:
    plan = plan_of("Three images please. A lighthouse keeper with a white beard and a yellow oilskin coat climbs the "
                   "tower staircase during a violent storm. He relights the great lamp. Then the ship in the distance "
                   "turns away from the rocks.")
    assert len(plan.shots) == 3 and [c.name for c in plan.characters] == ["keeper"]
    assert "please" not in str(plan.shots[0].prompt).lower()
    assert "staircase" in _objects(plan)[0] and "lamp" in _objects(plan)[1] and "ship" in _objects(plan)[2]
    assert [s.weather for s in plan.shots] == ["storm"] * 3


def test_a_view_list_with_words_between_the_views(plan_of) -> None:
    plan = plan_of("Product listing photos for a leather backpack with brass buckles: front view, back view showing "
                   "the shoulder straps, side view, and a close-up of one buckle.")
    assert [s.view for s in plan.shots] == ["front", "back", "side", "close-up"]
    assert all("backpack" in names for names in _objects(plan))


def test_a_listed_text_per_shot_goes_one_to_each(plan_of) -> None:
    plan = plan_of("each day of the work week as a mood of my coworker Gary (bald, thick glasses), with a sticky note "
                   "on his monitor showing the day: 'MON', 'TUE', 'WED', 'THU', 'FRI'")
    assert [[t.text for t in s.texts] for s in plan.shots] == [["MON"], ["TUE"], ["WED"], ["THU"], ["FRI"]]


def test_it_carries_the_prop_of_the_shot_before(plan_of) -> None:
    plan = plan_of("pictures of a hot air balloon flight: first the balloon being inflated in a field at dawn, next it "
                   "lifts off, then it drifts over a river valley, finally it lands in a vineyard")
    assert all("balloon" in names for names in _objects(plan))
    assert "vineyard" in _objects(plan)[3] and "vineyard" not in _objects(plan)[0]


@pytest.mark.parametrize("prompt, names", [
    ("a four-panel comic where Captain Zorg, a green alien in a silver jumpsuit, tries earth food. panel 1: he stares "
     "at a hot dog. panel 2: he takes a bite.", ["Captain Zorg"]),
    ("Six panel comic about Dr. Ada Vance, a scientist in a white lab coat. Panel 1 she mixes potions. Panel 2 the "
     "lab explodes.", ["Ada"]),
    ("comic strip, 3 panels. panel one: two pigeons, Gus and Marge, argue over a fry. panel two: a seagull steals it. "
     "panel three: Gus and Marge stare at each other", ["Gus", "Marge"]),
    ("character turnaround for my OC Vex: a lanky elf rogue with silver hair. front, side and back please", ["Vex"]),
    ("4 illustrations about Otto the octopus (purple, wears a tiny top hat): 1. Otto juggling shells 2. Otto meeting "
     "a crab 3. Otto hiding 4. Otto dancing", ["Otto"]),
])
def test_characters_people_name(plan_of, prompt: str, names: list[str]) -> None:
    plan = plan_of(prompt)
    assert sorted(c.name for c in plan.characters) == sorted(names)
    assert any(c.id in plan.shots[0].characters for c in plan.characters)


def test_a_characters_look_is_in_every_shot_and_is_not_a_prop(plan_of) -> None:
    plan = plan_of("Draw my corgi Waffles (tan and white, wearing a green bandana) at the dog park: he steals a "
                   "frisbee; the other dogs chase him; he leaps into the pond")
    assert all("corgi" in s.prompt and "bandana" in s.prompt for s in plan.shots)
    assert not any("bandana" in names for names in _objects(plan))
    assert "frisbee" in _objects(plan)[0] and "pond" in _objects(plan)[2]


def test_a_numbered_list_wins_over_asides_and_keeps_quotes_with_apostrophes(plan_of) -> None:
    plan = plan_of("Make a 3-slide app onboarding: slide 1 says 'Welcome to Pebble', slide 2 shows a phone with a map "
                   "on it, slide 3 says 'Let's go!' with a big green button")
    assert [[t.text for t in s.texts] for s in plan.shots] == [["Welcome to Pebble"], [], ["Let's go!"]]
    assert {"phone", "map"} <= _objects(plan)[1]


def test_the_last_panels_clause_completes_a_list_one_beat_short(plan_of) -> None:
    plan = plan_of("Can you make a comic with 5 panels about my dog Biscuit (a chubby corgi) trying to catch the "
                   "mailman? He hides behind the couch, he waits by the door, the mailman arrives, Biscuit gets "
                   "tangled in his own leash, and in the final panel he's asleep next to the dropped letters.")
    objects = _objects(plan)
    assert "couch" in objects[0] and "door" in objects[1] and "leash" in objects[3] and "letter" in objects[4]


def test_scene_nouns_read_props_without_articles() -> None:
    from agent.planning.nouns import scene_nouns

    assert scene_nouns("Otto juggling shells on the seabed", {"otto"}) == ["shell", "seabed"]
    assert scene_nouns("the bottle on wet black rocks at dusk") == ["bottle", "rock"]
    assert scene_nouns("she plants a tree by the temple gate") == ["tree", "temple", "gate"]
    assert scene_nouns("extreme close up of a single drop sliding down the glass") == ["drop", "glass"]
    assert scene_nouns("a calm sunny morning, everywhere quiet") == []


def test_beats_labelled_by_times(plan_of) -> None:
    plan = plan_of("a day in the life of an old lighthouse keeper with a white beard and a yellow raincoat. dawn: he "
                   "climbs the spiral stairs carrying a lantern. noon: eating a sandwich on the rocks. dusk: he lights "
                   "the great lamp. night: the beam sweeps over a stormy sea")
    assert [s.time_of_day for s in plan.shots] == ["dawn", "noon", "dusk", "night"]
    assert "sandwich" in _objects(plan)[1] and all("yellow raincoat" in s.prompt for s in plan.shots)


def test_numbers_without_dots_and_slash_lists(plan_of) -> None:
    plan = plan_of("1 a viking longship in a fjord 2 the vikings landing on a beach 3 a big feast in the longhouse")
    assert len(plan.shots) == 3 and "fjord" in _objects(plan)[0] and "longhouse" in _objects(plan)[2]
    plan = plan_of("turn my pancake recipe into step cards, one card per step, headed 'Step 1', 'Step 2' and "
                   "'Step 3' in order: whisk flour and milk in a bowl / melt butter in a pan / stack the pancakes")
    assert [[t.text for t in s.texts] for s in plan.shots] == [["Step 1"], ["Step 2"], ["Step 3"]]


def test_weather_said_for_the_whole_story_holds_in_every_shot(plan_of) -> None:
    plan = plan_of("gimme 3 pics of a skater doing a kickflip off a ledge then grinding down a handrail then wiping "
                   "out into a huge puddle lol. its pouring rain the whole time")
    assert [s.weather for s in plan.shots] == ["rain"] * 3
    assert all("skater" in s.characters for s in plan.shots) and "gimme" not in plan.shots[0].prompt


def test_layout_and_framing_words_are_not_objects(plan_of) -> None:
    plan = plan_of("A square image with a 4 by 4 grid of 16 objects on a white background. From left to right: "
                   "a blue star, a red triangle, a green square, a pink circle")
    names = {o.name for s in plan.shots for o in s.objects}
    assert not names & {"grid", "object", "background"} and {"star", "triangle"} <= names
    plan = plan_of("a cozy coffee shop interior at night with a chalkboard menu that says 'LATTE 4.50'")
    assert "interior" not in {o.name for s in plan.shots for o in s.objects}
