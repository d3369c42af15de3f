"""Relations are composed: the plan's boxes and the drawn pixels both satisfy what the words say.

GenEval's position prompts (left of / right of / above / below, when the shared GenEval copy is
there) and contact cases written for this test (on, in, riding, holding, under) are planned by
the rule planner and drawn by the sketch backend; :func:`tools.relations.holds` is checked on the
plan's boxes and on the tight boxes of the drawn art (``image.info["drawing"]``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.planning.planner import make_plan
from agent.request import RunRequest
from tools.critics.coverage import INFO_KEY
from tools.generators.sketch import SketchGenerator
from tools.relations import contact_box, draw_order, holds
from tools.scene import Relation, SceneObject

GENEVAL = Path(__file__).resolve().parents[3] / "shared" / "evals" / "geneval" / "evaluation_metadata.jsonl"

CONTACT_CASES = [
    ("five candles on a chocolate cake", "candle", "on", "cake"),
    ("a golden crown on a silver plate", "crown", "on", "plate"),
    ("a cat sitting on a red chair", "cat", "on", "chair"),
    ("an apple on top of a book", "apple", "on", "book"),
    ("three roses in a vase", "rose", "in", "vase"),
    ("a bunch of red flowers in a blue vase", "flower", "in", "vase"),
    ("a cat in a box", "cat", "in", "box"),
    ("a puppy inside a basket", "puppy", "in", "basket"),
    ("an astronaut riding a horse on the moon", "astronaut", "riding", "horse"),
    ("a knight riding a white horse", "knight", "riding", "horse"),
    ("a monkey riding an elephant", "monkey", "riding", "elephant"),
    ("a girl holding a red umbrella", "girl", "holding", "umbrella"),
    ("a robot holding a flower", "robot", "holding", "flower"),
    ("a chef holding a frying pan", "chef", "holding", "frying pan"),
    ("a cat sleeping under a table", "cat", "under", "table"),
    ("a dog under an umbrella", "dog", "under", "umbrella"),
]


def _plan(prompt: str, tmp_path: Path, seed: int = 3):
    return make_plan(RunRequest(prompt=prompt, seed=seed, out_dir=tmp_path / "run"))


def _object(shot, name):
    return next(o for o in shot.objects if o.name == name)


def _drawn(image, name: str) -> tuple[int, int, int, int]:
    """The union of the tight boxes of every drawn copy of ``name``."""
    boxes = [o.box for o in image.info[INFO_KEY].objects if o.name == name]
    assert boxes, f"{name} was not drawn"
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _rect(obj):
    return (obj.box.x0, obj.box.y0, obj.box.x1, obj.box.y1)


def _check(kind: str, subject, target) -> bool:
    """``holds`` speaks of the held thing for "holding": swap the roles."""
    return holds(kind, target, subject) if kind == "holding" else holds(kind, subject, target)


@pytest.mark.parametrize("prompt,subject,kind,target", CONTACT_CASES, ids=[c[0] for c in CONTACT_CASES])
def test_contact_relations_hold_in_the_plan_and_in_the_pixels(prompt, subject, kind, target, tmp_path):
    plan = _plan(prompt, tmp_path)
    shot = plan.shots[0]
    sub, tgt = _object(shot, subject), _object(shot, target)
    assert sub.relation == Relation(type=kind, target=target), (prompt, sub.relation)
    assert _check(kind, _rect(sub), _rect(tgt)), (prompt, _rect(sub), _rect(tgt))
    (image,) = SketchGenerator().generate([shot], (512, 512), [3], plan)
    assert _check(kind, _drawn(image, subject), _drawn(image, target)), (
        prompt, _drawn(image, subject), _drawn(image, target))


def _geneval_positions() -> list[dict]:
    if not GENEVAL.is_file():
        return []
    return [item for line in GENEVAL.read_text().splitlines() if line.strip()
            for item in [json.loads(line)] if item["tag"] == "position"]


def test_geneval_position_prompts_hold_in_the_plan_and_in_the_pixels(tmp_path):
    items = _geneval_positions()
    if not items:
        pytest.skip(f"GenEval's metadata is not at {GENEVAL} (it comes with the project's shared/ folder)")
    generator = SketchGenerator()
    failures = []
    for k, item in enumerate(items):
        plan = _plan(item["prompt"], tmp_path, seed=k)
        shot = plan.shots[0]
        target_class = item["include"][0]["class"]
        subject = item["include"][1]
        kind = subject["position"][0]
        names = {o.name for o in shot.objects}
        if subject["class"] not in names or target_class not in names:
            failures.append((item["prompt"], "planned", sorted(names)))
            continue
        sub, tgt = _object(shot, subject["class"]), _object(shot, target_class)
        if not holds(kind, _rect(sub), _rect(tgt)):
            failures.append((item["prompt"], "plan boxes", _rect(sub), _rect(tgt)))
        (image,) = generator.generate([shot], (512, 512), [k], plan)
        if not holds(kind, _drawn(image, subject["class"]), _drawn(image, target_class)):
            failures.append((item["prompt"], "pixels", _drawn(image, subject["class"]), _drawn(image, target_class)))
    assert not failures, f"{len(failures)}/{len(items)}: {failures[:5]}"


def test_holds_is_strict_about_contact():
    cake = (0.3, 0.5, 0.7, 0.9)
    assert holds("on", (0.4, 0.3, 0.6, 0.55), cake)
    assert not holds("on", (0.4, 0.1, 0.6, 0.3), cake)  # floating above it
    assert not holds("on", (0.0, 0.3, 0.2, 0.55), cake)  # beside it
    assert holds("in", (0.4, 0.3, 0.6, 0.6), cake)
    assert not holds("in", (0.4, 0.1, 0.6, 0.45), cake)
    assert holds("under", (0.4, 0.75, 0.6, 0.9), cake)
    assert not holds("under", (0.4, 0.1, 0.6, 0.3), cake)
    assert holds("left of", (0.0, 0.5, 0.2, 0.9), cake) and not holds("right of", (0.0, 0.5, 0.2, 0.9), cake)


def test_contact_boxes_are_composed_against_the_target():
    horse = (0.2, 0.4, 0.8, 0.9)
    rider = contact_box("riding", (0.0, 0.0, 0.4, 0.5), horse)
    assert holds("riding", rider, horse)
    held = contact_box("holding", (0.0, 0.0, 0.3, 0.3), (0.4, 0.2, 0.6, 0.9))
    assert holds("holding", held, (0.4, 0.2, 0.6, 0.9))


def test_draw_order_puts_containers_in_front_and_riders_on_top():
    flowers = SceneObject(name="flower", count=3, relation=Relation(type="in", target="vase"))
    vase = SceneObject(name="vase")
    rider = SceneObject(name="knight", relation=Relation(type="riding", target="horse"))
    horse = SceneObject(name="horse")
    assert draw_order([flowers, vase]) == [1, 0]  # the vase first; its front is drawn again over the stems
    assert draw_order([rider, horse]) == [1, 0]  # the horse first, the rider on it
    holder = SceneObject(name="girl", relation=Relation(type="holding", target="umbrella"))
    assert draw_order([SceneObject(name="umbrella"), holder]) == [1, 0]
