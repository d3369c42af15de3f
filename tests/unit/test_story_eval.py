"""The story eval's scorer on hand-built plans: what passes, what each kind of mistake fails."""

from __future__ import annotations

from collections import Counter

from evals.story import object_matches, score_plan
from tools.scene import Character, SceneObject, ScenePlan, Shot, TextElement

ITEM = {
    "id": "t-1",
    "kind": "numbered",
    "prompt": "3 panels: Juno (short pink hair) finds a sign saying 'OPEN'; rain at dusk; a sign saying 'CLOSED' at night",
    "count": 3,
    "shots": [
        {"objects": ["sign"], "texts": ["OPEN"], "time": "morning"},
        {"objects": ["umbrella"], "time": "dusk", "weather": "rain", "view": "wide"},
        {"objects": ["signs"], "texts": ["CLOSED"], "time": "night"},
    ],
    "characters": [{"name": "Juno", "look": ["short", "pink", "hair"]}],
    "distinct": True,
}


def _plan(*, texts=(("OPEN",), (), ("CLOSED",)), prompts=None, count=3, characters=True) -> ScenePlan:
    prompts = prompts or [
        "Juno, a girl with short pink hair, finds a sign saying OPEN, morning",
        "Juno, a girl with short pinkish hair, under a red umbrella in the rain at dusk, wide shot",
        "Juno, a girl with short pink hair, reads a sign saying CLOSED at night",
    ]
    objects = [["sign"], ["red umbrella"], ["sign"]]
    times = ["morning", "dusk", "night"]
    shots = [
        Shot(
            index=i,
            prompt=prompts[i],
            texts=[TextElement(text=t) for t in texts[i]],
            objects=[SceneObject(name=n) for n in objects[i]],
            characters=["juno"] if characters else [],
            time_of_day=times[i],
            weather="rain" if i == 1 else None,
            view="wide" if i == 1 else None,
        )
        for i in range(count)
    ]
    cast = [Character(id="juno", name="Juno", species="girl")] if characters else []
    return ScenePlan(request=ITEM["prompt"], characters=cast, shots=shots)


def _failed(checks) -> Counter:
    return Counter(kind for kind, passed, _ in checks if not passed)


def test_correct_plan_passes_every_check() -> None:
    checks = score_plan(ITEM, _plan())
    assert _failed(checks) == Counter(), [c for c in checks if not c[1]]
    kinds = Counter(kind for kind, _, _ in checks)
    assert kinds == Counter(
        count=1, text_in_shot=2, text_leak=2, objects=3, time=3, weather=1, view=1, look=3, distinct=1
    )


def test_same_texts_in_every_shot_fail_text_leak() -> None:
    everywhere = (("OPEN", "CLOSED"),) * 3
    failed = _failed(score_plan(ITEM, _plan(texts=everywhere)))
    assert failed == Counter(text_leak=2)


def test_wrong_count_fails_count_and_the_missing_shot() -> None:
    failed = _failed(score_plan(ITEM, _plan(count=2)))
    assert failed["count"] == 1
    assert failed["text_in_shot"] == 1 and failed["objects"] == 1 and failed["time"] == 1


def test_identical_prompts_fail_distinct() -> None:
    same = ["Panel 1 of 3: Juno with short pink hair"] * 3
    numbered = [f"Panel {i + 1} of 3: Juno with short pink hair" for i in range(3)]
    assert _failed(score_plan(ITEM, _plan(prompts=same)))["distinct"] == 1
    assert _failed(score_plan(ITEM, _plan(prompts=numbered)))["distinct"] == 1


def test_missing_character_fails_look_once_per_shot() -> None:
    failed = _failed(score_plan(ITEM, _plan(characters=False)))
    assert failed == Counter(look=3)


def test_look_word_missing_from_a_prompt_fails_that_shot() -> None:
    prompts = [
        "Juno with short pink hair finds a sign",
        "Juno in the rain at dusk",
        "Juno with short pink hair at night",
    ]
    checks = [c for c in score_plan(ITEM, _plan(prompts=prompts)) if c[0] == "look"]
    assert [passed for _, passed, _ in checks] == [True, False, True]


def test_no_plan_fails_everything() -> None:
    checks = score_plan(ITEM, None)
    assert checks and not any(passed for _, passed, _ in checks)


def test_object_names_match_loosely() -> None:
    assert object_matches("red umbrella", "umbrella")
    assert object_matches("boxes", "box") and object_matches("table", "tables")
    assert object_matches("Sign", "signs")
    assert not object_matches("bed", "table")


def test_a_character_is_found_by_its_name_either_way() -> None:
    from evals.story import same_name

    assert same_name("Zorg", "Captain Zorg") and same_name("Captain Zorg", "Zorg")
    assert same_name("keeper", "lighthouse keeper") and same_name("Mira", "mira")
    assert not same_name("Mira", "Milo") and not same_name("", "Mira") and not same_name("Ada Vance", "Ada Lovelace")
