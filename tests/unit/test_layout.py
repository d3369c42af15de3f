"""Layout: every text and object gets a box; text never overlaps objects or leaves the frame."""

from __future__ import annotations

import itertools

import pytest

from tools.geometry import overlaps
from tools.layout import assign_layout, character_boxes
from tools.scene import Box, Character, SceneObject, ScenePlan, Shot, TextElement

PLAN = ScenePlan(
    request="test",
    characters=[Character(id="mira", name="Mira", species="fox"), Character(id="bolt", name="Bolt", species="robot"),
                Character(id="ana", name="Ana", species="woman")],
    shots=[Shot(index=0, prompt="p")],
)


def busy_shot(chars: list[str], counts: tuple[int, ...] = (3, 1, 7)) -> Shot:
    names = ["balloon", "cow", "apple", "zorblax"]
    return Shot(
        index=0, prompt="busy", characters=chars,
        objects=[SceneObject(name=names[i], count=c) for i, c in enumerate(counts)],
        texts=[TextElement(text="The Big Parade", role="title"), TextElement(text="FRESH BREAD DAILY", role="sign"),
               TextElement(text="Chapter 3: everyone is late for the parade again.", role="caption"),
               TextElement(text="Where is the map?", role="bubble", speaker=chars[0] if chars else None),
               TextElement(text="Apples", role="label")],
    )


def rect(box: Box) -> tuple[float, float, float, float]:
    return (box.x0, box.y0, box.x1, box.y1)


def assert_valid(shot: Shot) -> None:
    texts = [rect(t.box) for t in shot.texts]
    objects = [rect(o.box) for o in shot.objects]
    assert all(t.box is not None for t in shot.texts) and all(o.box is not None for o in shot.objects)
    for r in texts + objects:
        assert 0.0 <= r[0] < r[2] <= 1.0 and 0.0 <= r[1] < r[3] <= 1.0
    for t, o in itertools.product(texts, objects):
        assert not overlaps(t, o), f"text {t} overlaps object {o}"
    for a, b in itertools.combinations(texts, 2):
        assert not overlaps(a, b), f"texts {a} and {b} overlap"


SIZES = [(64, 64), (512, 512), (768, 512), (2048, 768), (512, 1024), (1024, 768), (72, 2048)]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("chars", [[], ["mira"], ["mira", "bolt"], ["mira", "bolt", "ana"]])
def test_text_never_overlaps_objects_and_stays_in_frame(size: tuple[int, int], chars: list[str]) -> None:
    for seed in range(8):
        assert_valid(assign_layout(busy_shot(chars), PLAN, seed, aspect=size[0] / size[1]))


@pytest.mark.parametrize("counts", [(1,), (2, 2), (20,), (5, 9, 12)])
def test_objects_fit_without_overlapping_each_other(counts: tuple[int, ...]) -> None:
    shot = Shot(index=0, prompt="p", objects=[SceneObject(name=f"thing{i}", count=c) for i, c in enumerate(counts)])
    for seed in range(8):
        laid = assign_layout(shot, None, seed)
        boxes = [rect(o.box) for o in laid.objects]
        assert not any(overlaps(a, b) for a, b in itertools.combinations(boxes, 2))


def test_deterministic_and_seed_varies_composition() -> None:
    shot = busy_shot(["mira"])
    assert assign_layout(shot, PLAN, 5) == assign_layout(shot, PLAN, 5)
    layouts = {assign_layout(shot, PLAN, s).model_dump_json() for s in range(4)}
    assert len(layouts) == 4


def test_existing_boxes_are_kept() -> None:
    fixed = Box(x0=0.1, y0=0.1, x1=0.3, y1=0.3)
    shot = Shot(index=0, prompt="p", objects=[SceneObject(name="cow", box=fixed), SceneObject(name="bicycle")],
                texts=[TextElement(text="MOO", role="sign", box=Box(x0=0.5, y0=0.05, x1=0.95, y1=0.2))])
    laid = assign_layout(shot, None, 3)
    assert laid.objects[0].box == fixed and laid.texts[0].box == shot.texts[0].box
    assert not overlaps(rect(laid.objects[1].box), rect(laid.texts[0].box))
    assert shot.objects[1].box is None  # the input is not modified


def test_roles_go_where_they_belong() -> None:
    shot = busy_shot(["mira", "bolt"], counts=(2, 1, 3))
    for seed in range(6):
        by_role = {t.role: t.box for t in assign_layout(shot, PLAN, seed).texts}
        assert by_role["title"].y1 < 0.3
        assert (by_role["sign"].y0 + by_role["sign"].y1) / 2 < 0.5
        assert by_role["caption"].y0 > 0.7
    # Without a title there is room for the bubble above its speaker's head.
    shot = shot.model_copy(update={"texts": [t for t in shot.texts if t.role != "title"]})
    for seed in range(6):
        laid = assign_layout(shot, PLAN, seed)
        by_role = {t.role: t.box for t in laid.texts}
        assert by_role["caption"].y0 > 0.7
        speaker = character_boxes(laid, PLAN)["mira"]
        bubble = by_role["bubble"]
        assert bubble.y1 <= speaker.y0 + 0.05 and abs((bubble.x0 + bubble.x1) / 2 - (speaker.x0 + speaker.x1) / 2) < 0.35
        label, apples = by_role["label"], laid.objects[2].box
        assert abs(label.y0 - apples.y1) < 0.02 and label.x0 < apples.x1 and apples.x0 < label.x1


def test_character_boxes_depend_on_content_not_seed() -> None:
    shot = busy_shot(["mira", "bolt", "ana"])
    boxes = character_boxes(shot, PLAN)
    assert list(boxes) == ["mira", "bolt", "ana"]
    assert character_boxes(assign_layout(shot, PLAN, 1), PLAN) == character_boxes(assign_layout(shot, PLAN, 2), PLAN)
    assert not any(overlaps(rect(a), rect(b)) for a, b in itertools.combinations(boxes.values(), 2))
    for b in boxes.values():
        assert 0 <= b.x0 < b.x1 <= 1 and 0 <= b.y0 < b.y1 <= 1
