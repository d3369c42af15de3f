"""Conversations: a follow-up on a thread revises the previous plan and redraws only the shots it
changes, with their old seeds; everything else keeps its pixels."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from agent.planning.clip_budget import fits, split_prompt
from agent.planning.planner import make_plan
from agent.planning.revise import revise
from agent.request import build_request
from agent.run import run
from tools.scene import Character, SceneObject, ScenePlan, Shot, TextElement

FIRST = "three images of a fox named Mira with two red balloons that says 'HI'"


def _plan(settings):
    return make_plan(build_request(FIRST, settings=settings, seed=3))


@pytest.mark.parametrize(
    "instruction, changed, change",
    [
        ("make her coat blue", [0, 1, 2], "Mira: coat → blue"),
        ("make Mira's scarf green", [0, 1, 2], "Mira: scarf → green"),
        ("in the second image make the balloons blue", [1], "shot 2: balloon → blue"),
        ("change the text to 'BYE' in the last one", [2], "shot 3: text 'HI' → 'BYE'"),
        ("now show her from behind", [0, 1, 2], "view → seen from behind (shots 1, 2, 3)"),
    ],
)
def test_revise(settings, instruction: str, changed: list[int], change: str) -> None:
    revision = revise(_plan(settings), instruction)
    assert revision is not None and revision.changed_shots == changed and change in revision.changes


@pytest.mark.parametrize("instruction", ["a lighthouse at night", "make a poster of a lighthouse at night", "thanks"])
def test_a_new_scene_is_not_a_revision(settings, instruction: str) -> None:
    assert revise(_plan(settings), instruction) is None


STORY = ["a girl walks in the rain", "she finds a lost umbrella", "she opens the umbrella", "she gives it to an old man"]


def _story() -> ScenePlan:
    """A four-beat story plan, written out so these tests read the reviser, not the story planner."""
    girl = Character(id="girl", name="girl", species="girl")
    shots = [Shot(index=i, prompt=f"{beat}, comic style", beat=beat, action=beat, weather="rain", characters=["girl"],
                  objects=[SceneObject(name="umbrella")] if "umbrella" in beat else [])
             for i, beat in enumerate(STORY)]
    return ScenePlan(request=", then ".join(STORY), characters=[girl], shots=shots)


@pytest.mark.parametrize(
    "instruction, changed, field, value",
    [
        ("in panel 2 make it night", [1], "time_of_day", "night"),
        ("make it night in the 2nd panel", [1], "time_of_day", "night"),
        ("at sunset", [0, 1, 2, 3], "time_of_day", "dusk"),
        ("the last two at dawn", [2, 3], "time_of_day", "dawn"),
        ("make it snow in the first two", [0, 1], "weather", "snow"),
        ("add snow to panels 2 and 3", [1, 2], "weather", "snow"),
        ("in the second image make it sunny", [1], "weather", "clear"),
        ("make the rain stop in the last one", [3], "weather", "clear"),
        ("in the one where she finds the umbrella, make it night", [1], "time_of_day", "night"),
        ("make it night in the one where she gives it to an old man", [3], "time_of_day", "night"),
        ("now show her from behind in panels 1-3", [0, 1, 2], "view", "back"),
        ("show her from the side in the last one", [3], "view", "side"),
    ],
)
def test_time_weather_and_view_set_the_typed_fields_of_the_named_shots(instruction, changed, field, value) -> None:
    before = _story()
    revision = revise(before, instruction)
    assert revision is not None and revision.changed_shots == changed and revision.not_understood == []
    for old, new in zip(before.shots, revision.plan.shots):
        if new.index in changed:
            assert getattr(new, field) == value and new.prompt != old.prompt
        else:  # untouched shots keep every field, prompt included
            assert new == old


def test_time_and_weather_words_replace_the_old_ones_in_the_prompt() -> None:
    revision = revise(_story(), "make it snow in panel 1, and at sunset")
    shot = revision.plan.shots[0]
    assert (shot.weather, shot.time_of_day) == ("snow", "dusk")
    assert shot.prompt == "a girl walks, comic style, in the snow, at sunset"
    assert revision.changes == ["shot 1: weather → snow", "shot 1: time of day → dusk"]


def test_add_and_remove_objects() -> None:
    revision = revise(_story(), "add a cat to the last one")
    last = revision.plan.shots[3]
    assert revision.changed_shots == [3] and [o.name for o in last.objects] == ["cat"]
    assert last.prompt.endswith("with a cat") and revision.changes == ["shot 4: + cat"]
    revision = revise(_story(), "remove the umbrella from panel 3")
    third = revision.plan.shots[2]
    assert revision.changed_shots == [2] and third.objects == [] and third.negatives == ["umbrella"]
    assert "umbrella" not in third.prompt and revision.plan.shots[1].objects[0].name == "umbrella"
    revision = revise(_story(), "add two red balloons and a dog to the second image")
    assert [(o.name, o.count, o.color) for o in revision.plan.shots[1].objects] == [
        ("umbrella", 1, None), ("balloon", 2, "red"), ("dog", 1, None)]


def test_the_issues_follow_up_applies_both_parts(settings) -> None:
    before = _plan(settings)
    revision = revise(before, "now show her from behind in the last one, and make it night")
    assert revision is not None and revision.changed_shots == [2] and revision.not_understood == []
    last = revision.plan.shots[2]
    assert (last.view, last.time_of_day, last.camera) == ("back", "night", "seen from behind")
    assert "seen from behind" in last.prompt and "at night" in last.prompt
    assert revision.plan.shots[:2] == before.shots[:2]


def test_a_part_that_is_not_understood_is_reported_and_the_rest_applied() -> None:
    revision = revise(_story(), "in the 2nd panel, make it night and sing a song; then add a kite")
    assert revision.changed_shots == [1] and revision.not_understood == ["sing a song"]
    assert revision.plan.shots[1].time_of_day == "night" and revision.plan.shots[1].objects[-1].name == "kite"
    assert "not understood: sing a song" in revision.plan.notes


@pytest.mark.parametrize(
    "instruction, reported",
    [
        ("in panel 5 make it night", "in panel 5 make it night (there is no shot 5 — the batch has 4)"),
        ("remove the umbrella from panel 1", "remove the umbrella from panel 1 (no umbrella in shot 1)"),
        ("in the one where she flies a kite make it night",
         "in the one where she flies a kite make it night (no shot where she flies a kite)"),
    ],
)
def test_a_change_that_cannot_be_made_says_why_and_changes_nothing(instruction: str, reported: str) -> None:
    before = _story()
    revision = revise(before, instruction)
    assert revision is not None and revision.not_understood == [reported]
    assert revision.changed_shots == [] and revision.plan.shots == before.shots


def test_quoted_text_in_a_prompt_is_never_rewritten() -> None:
    plan = ScenePlan(request="x", shots=[Shot(index=0, prompt='a cafe in the morning, sign reading "GOOD MORNING"',
                                              texts=[TextElement(text="GOOD MORNING")], time_of_day="morning")])
    shot = revise(plan, "make it night").plan.shots[0]
    assert shot.prompt == 'a cafe, sign reading "GOOD MORNING", at night' and shot.texts[0].text == "GOOD MORNING"


def test_a_change_to_a_long_prompt_stays_within_the_clip_budget() -> None:
    long_form = ", ".join(f"detail number {i}" for i in range(40))
    prompt, long_prompt = split_prompt(long_form)
    plan = ScenePlan(request="x", shots=[Shot(index=0, prompt=prompt, long_prompt=long_prompt)])
    shot = revise(plan, "make it night").plan.shots[0]
    assert fits(shot.prompt) and "at night" in shot.prompt and shot.long_prompt.endswith("detail number 39, at night")


def _pixels(path: str) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def test_follow_up_redraws_only_what_changed(settings) -> None:
    first = run(build_request(FIRST, settings=settings, seed=3, thread_id="t-1"), settings=settings)
    follow = build_request("in the second image make the balloons blue", settings=settings, thread_id="t-1")
    second = run(follow, settings=settings)
    assert second["revision"]["changed_shots"] == [1] and second["revision"]["previous_run"] == first["run_id"]
    assert second["thread"] == "t-1" and second["run_id"] != first["run_id"]
    assert [i["seed"] for i in second["images"]] == [i["seed"] for i in first["images"]] == [3, 4, 5]
    diffs = [np.abs(_pixels(a["path"]) - _pixels(b["path"])).max() for a, b in zip(first["images"], second["images"])]
    assert diffs[0] == 0 and diffs[2] == 0 and diffs[1] > 50
    assert second["plan"]["shots"][1]["objects"][0]["color"] == "blue"
    assert second["plan"]["shots"][0]["objects"][0]["color"] == "red"
    saved = json.loads((follow.out_dir / "run.json").read_text())
    assert saved["revision"]["instruction"] == "in the second image make the balloons blue"
    # Each run's own log and timings: the follow-up does not carry the first run's.
    assert set(second["timings"]) >= {"screen", "plan", "generate", "critique", "finalize"}
    assert second["timings"]["generate"] < first["timings"]["generate"] + 5
    third = run(build_request("a lighthouse at night", settings=settings, seed=9, thread_id="t-1"), settings=settings)
    assert third["revision"] is None and len(third["images"]) == 1


def test_follow_up_through_the_graph_redraws_only_panel_2(settings) -> None:
    first = run(build_request(FIRST, settings=settings, seed=3, thread_id="t-2"), settings=settings)
    follow = build_request("in panel 2 make it night, add a cat and sing a song", settings=settings, thread_id="t-2")
    second = run(follow, settings=settings)
    revision = second["revision"]
    assert revision["changed_shots"] == [1] and revision["not_understood"] == ["sing a song"]
    assert revision["changes"] == ["shot 2: time of day → night", "shot 2: + cat"]
    assert "not understood: sing a song" in second["log"]
    assert [i["seed"] for i in second["images"]] == [i["seed"] for i in first["images"]]
    before, after = first["plan"]["shots"], second["plan"]["shots"]
    assert [after[i]["prompt"] for i in (0, 2)] == [before[i]["prompt"] for i in (0, 2)]
    assert after[1]["time_of_day"] == "night" and [o["name"] for o in after[1]["objects"]] == ["balloon", "cat"]
    diffs = [np.abs(_pixels(a["path"]) - _pixels(b["path"])).max() for a, b in zip(first["images"], second["images"])]
    assert diffs[0] == 0 and diffs[2] == 0 and diffs[1] > 50
    saved = json.loads((follow.out_dir / "run.json").read_text())
    assert saved["revision"]["not_understood"] == ["sing a song"] and "not understood: sing a song" in saved["log"]


def test_chat_repl_continues_a_thread(tmp_path) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    limner = str(Path(sys.executable).with_name("limner"))
    lines = "two images of a fox named Mira with a red kite\nmake her coat blue\n\n"
    result = subprocess.run([limner, "chat", "--thread", "walk", "--out", str(tmp_path / "out")], input=lines,
                            cwd=tmp_path, capture_output=True, text=True, timeout=180, env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    assert "thread walk" in result.stderr
    assert "revised (Mira: coat → blue); redrawn: [1, 2]" in result.stdout
    assert result.stdout.count("01.png") == 2  # one batch, then its revision
