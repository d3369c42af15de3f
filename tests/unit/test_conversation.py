"""Conversations: a follow-up on a thread revises the previous plan and redraws only the shots it
changes, with their old seeds; everything else keeps its pixels."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from agent.planning.planner import make_plan
from agent.planning.revise import revise
from agent.request import build_request
from agent.run import run

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


def test_a_new_scene_is_not_a_revision(settings) -> None:
    assert revise(_plan(settings), "a lighthouse at night") is None


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
