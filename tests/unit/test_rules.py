"""The rule-based extractor: counts, quoted text and roles, colours bound to nouns, negatives."""

from __future__ import annotations

import pytest

from agent.planning.rules import extract, extract_image_count, extract_negatives, extract_texts


@pytest.mark.parametrize(
    ("prompt", "count"),
    [
        ("four panels of a fox", 4),
        ("a four-panel comic about a fox", 4),
        ("8 variations of a logo", 8),
        ("three product shots of a sneaker", 3),
        ("two images of a lighthouse", 2),
        ("4 different directions from one prompt", 4),
        ("three red balloons", None),
        ("a poster for a bakery", None),
    ],
)
def test_image_count(prompt: str, count: int | None) -> None:
    assert extract_image_count(prompt) == count


@pytest.mark.parametrize(
    ("prompt", "text", "role"),
    [
        ("A poster for a bakery that says 'FRESH BREAD DAILY'", "FRESH BREAD DAILY", "title"),
        ('a shop sign that reads "OPEN"', "OPEN", "sign"),
        ("a fox named Mira who says “Where is the map?”", "Where is the map?", "bubble"),
        ("a jar with a label 「お茶」", "お茶", "label"),
        ("a photo with the caption 'Summer 2026'", "Summer 2026", "caption"),
        ("a café sign “Café Été”", "Café Été", "sign"),
    ],
)
def test_quoted_text_kept_exactly_with_role(prompt: str, text: str, role: str) -> None:
    texts, _ = extract_texts(prompt)
    assert [(t.text, t.role) for t in texts] == [(text, role)]


def test_apostrophes_are_not_quotes() -> None:
    texts, _ = extract_texts("the baker's shop and the fox's tail")
    assert texts == []


def test_quoted_text_is_not_parsed_as_objects() -> None:
    constraints = extract("a sign that says 'THREE RED CATS' next to two dogs")
    assert [(o.name, o.count) for o in constraints.objects] == [("dog", 2)]
    assert constraints.texts[0].text == "THREE RED CATS"


def test_bakery_poster() -> None:
    constraints = extract("A poster for a bakery that says 'FRESH BREAD DAILY' with three red balloons")
    assert [(o.name, o.count, o.color) for o in constraints.objects] == [("balloon", 3, "red")]
    assert constraints.style == "poster"
    assert constraints.setting == "bakery"
    assert constraints.image_count is None


def test_colours_bind_to_their_nouns() -> None:
    constraints = extract("a blue cow next to a yellow bicycle and two green apples")
    found = {(o.name, o.count, o.color) for o in constraints.objects}
    assert found == {("cow", 1, "blue"), ("bicycle", 1, "yellow"), ("apple", 2, "green")}


def test_negatives() -> None:
    assert extract_negatives("a beach at dawn, no people, without text") == ["people", "text"]
    constraints = extract("a quiet street with no cars")
    assert constraints.negatives == ["cars"]
    assert all(o.name != "car" for o in constraints.objects)


def test_characters_by_name() -> None:
    constraints = extract("a fox named Mira reads a map")
    assert [(c.id, c.name, c.species) for c in constraints.characters] == [("mira", "Mira", "fox")]
    assert all(o.name != "fox" for o in constraints.objects)


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("a single red kite", [("kite", 1, "red")]),
        ("a pair of brown boots", [("boot", 2, "brown")]),
        ("twelve cupcakes", [("cupcake", 12, None)]),
        ("20 stars and 3 moons", [("star", 20, None), ("moon", 3, None)]),
        ("an orange orange", [("orange", 1, "orange")]),
        ("a photo of an orange", [("orange", 1, None)]),
        ("a photo of three teddy bears", [("teddy bear", 3, None)]),
        ("four people and two mice", [("person", 4, None), ("mouse", 2, None)]),
        ("a red car and a blue bench", [("car", 1, "red"), ("bench", 1, "blue")]),
    ],
)
def test_counts_compounds_and_colours(prompt: str, expected: list) -> None:
    assert [(o.name, o.count, o.color) for o in extract(prompt).objects] == expected


@pytest.mark.parametrize(
    ("prompt", "subject", "kind", "target"),
    [
        ("a photo of a laptop left of a cow", "laptop", "left of", "cow"),
        ("a dog to the right of a teddy bear", "dog", "right of", "teddy bear"),
        ("a wine glass above a kite", "wine glass", "above", "kite"),
        ("an umbrella below a kite", "umbrella", "below", "kite"),
        ("a cat in front of a red door", "cat", "in front of", "door"),
        ("a dog behind a white fence", "dog", "behind", "fence"),
        ("a red car parked next to a blue bench", "car", "next to", "bench"),
        ("a yellow duck on top of a pink box", "duck", "on", "box"),
        ("a pair of boots under a chair", "boot", "under", "chair"),
    ],
)
def test_relation_sits_on_the_subject(prompt: str, subject: str, kind: str, target: str) -> None:
    objects = {o.name: o for o in extract(prompt).objects}
    relation = objects[subject].relation
    assert relation is not None and (relation.type, relation.target) == (kind, target)
    assert objects.get(target) is None or objects[target].relation is None


def test_negative_forms_and_not_objects() -> None:
    constraints = extract("a forest without any people, no birds, not blurry")
    assert constraints.negatives == ["people", "birds", "blurry"]
    assert constraints.objects == []


def test_style_light_camera_aspect() -> None:
    constraints = extract("a watercolor close-up of a fox at golden hour, widescreen")
    assert (constraints.style, constraints.light, constraints.camera, constraints.aspect) == (
        "watercolor", "golden hour", "close-up", "16:9"
    )
    assert extract("a poster, 9:16").aspect == "9:16"
    assert extract("a square icon of a cat").aspect == "1:1"


def test_non_latin_quotes_kept() -> None:
    texts, _ = extract_texts("a taverna sign 'Ταβέρνα' and a shop «Ouvert» and 『東京』")
    assert [t.text for t in texts] == ["Ταβέρνα", "Ouvert", "東京"]


def test_multi_shot_split() -> None:
    constraints = extract("two images of a lighthouse: one in a storm and one on a calm sunny day")
    assert constraints.image_count == 2
    assert constraints.shots == ["in a storm", "on a calm sunny day"]
    assert [o.name for o in constraints.objects] == ["lighthouse"]


def test_split_gives_different_shot_prompts() -> None:
    from agent.context import Settings
    from agent.planning.planner import make_plan
    from agent.request import build_request

    request = build_request("two images of a lighthouse: one in a storm and one on a calm sunny day",
                            settings=Settings(), seed=0)
    plan = make_plan(request)
    assert [s.prompt for s in plan.shots] == ["a lighthouse, in a storm", "a lighthouse, on a calm sunny day"]
    # Each shot's light is its own; the batch gets none of them.
    assert [s.light for s in plan.shots] == ["storm", "sunny"] and plan.light is None
    assert len(make_plan(request.model_copy(update={"n": 3})).shots) == 3  # -n wins


def test_split_shots_get_their_own_look() -> None:
    from agent.context import Settings
    from agent.planning.planner import make_plan
    from agent.request import build_request
    from tools.scenery import scene_look

    request = build_request("two images of a meadow at golden hour: one at night and one in a forest", settings=Settings(), seed=0)
    plan = make_plan(request)
    assert plan.light == "golden hour"
    assert [(s.light, s.setting) for s in plan.shots] == [("night", None), (None, "forest")]
    night, forest = (scene_look(plan, s) for s in plan.shots)
    assert night.night and not forest.night and forest.motifs != night.motifs


@pytest.mark.parametrize(
    "prompt, expected",
    [
        ("Stock photo of a kitchen without people or clutter", ["people", "clutter"]),
        ("Forest path in autumn, don't include animals", ["animals"]),
        ("Subject: a red car. Avoid: people, other dogs.", ["people", "other dogs"]),
        ("a portrait, no hat, no beard", ["hat", "beard"]),
        ("no people, three red balloons", ["people"]),  # a comma without a colon ends the list
        ("a pizza with no olives and no mushrooms", ["olives", "mushrooms"]),
    ],
)
def test_negation_lists(prompt: str, expected: list[str]) -> None:
    constraints = extract(prompt)
    assert constraints.negatives == expected
    excluded = {w.rstrip("s") for thing in expected for w in thing.split()} | {"person"}
    assert not any(o.name in excluded for o in constraints.objects)


@pytest.mark.parametrize(
    "prompt, expected",
    [
        # modifiers before the noun, the colour bound past them
        ("a white ceramic bowl of fruit", [("bowl", 1, "white")]),
        ("Seven green glass bottles lined up on a bar shelf", [("bottle", 7, "green"), ("shelf", 1, None)]),
        # verbs and prepositions end a phrase
        ("a tiny rusty robot holding a lantern", [("robot", 1, "rusty"), ("lantern", 1, None)]),
        ("three white delivery vans stuck in traffic", [("delivery van", 3, "white")]),
        ("4 white chairs around a round wooden table", [("chair", 4, "white"), ("table", 1, "wooden")]),
        ("a robot and a small girl meet in the park", [("robot", 1, None), ("girl", 1, None)]),
        # a colour that is part of a name is not a colour
        ("a golden retriever on a blue blanket", [("golden retriever", 1, None), ("blanket", 1, "blue")]),
        # same noun, two colours: two objects
        ("Nine white sailboats and one red sailboat out on the bay",
         [("sailboat", 9, "white"), ("sailboat", 1, "red"), ("bay", 1, None)]),
        # a bare unknown noun is an object only when a relation ties it in
        ("a calm day", []),
    ],
)
def test_noun_phrases(prompt: str, expected: list[tuple[str, int, str | None]]) -> None:
    assert [(o.name, o.count, o.color) for o in extract(prompt).objects] == expected


def test_relations_through_verbs_and_conjoined_subjects() -> None:
    objects = {o.name: o for o in extract("a black cat and a white dog napping together on a gray rug").objects}
    assert objects["cat"].relation and objects["cat"].relation.model_dump() == {"type": "on", "target": "rug"}
    assert objects["dog"].relation and objects["dog"].relation.model_dump() == {"type": "on", "target": "rug"}
    owl = extract("an owl sits quietly on a branch").objects[0]
    assert (owl.name, owl.relation.type, owl.relation.target) == ("owl", "on", "branch")
    robot = extract("a robot standing to the right of a vending machine").objects[0]
    assert robot.relation and (robot.relation.type, robot.relation.target) == ("right of", "vending machine")
    # A noun phrase in the gap breaks the relation: the donuts are not said to be on the sprinkles.
    donut = extract("eight pink donuts with sprinkles on a white plate").objects[0]
    assert donut.relation is None
