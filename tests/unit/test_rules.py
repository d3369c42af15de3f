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
