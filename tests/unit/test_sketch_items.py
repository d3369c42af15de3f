"""The sketch backend draws shots of different plans in one call (as a scaled-out generator
merges concurrent runs), each frame the one it would be alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from agent.planning.planner import make_plan
from agent.request import RunRequest
from tools.generators.sketch import SketchGenerator


def test_shots_of_two_plans_in_one_call_are_the_frames_drawn_alone(tmp_path: Path) -> None:
    first = make_plan(RunRequest(prompt="a red cow next to a bench", seed=1, out_dir=tmp_path / "a"))
    second = make_plan(RunRequest(prompt="a poster that says 'OPEN' with two green apples", seed=2, out_dir=tmp_path / "b"))
    generator = SketchGenerator()
    merged = generator.generate_items([(first.shots[0], 11, first), (second.shots[0], 22, second)], (256, 256))
    alone = [generator.generate(first.shots, (256, 256), [11], first)[0],
             generator.generate(second.shots, (256, 256), [22], second)[0]]
    for got, want in zip(merged, alone):
        assert np.array_equal(np.asarray(got), np.asarray(want))
    assert not np.array_equal(np.asarray(merged[0]), np.asarray(merged[1]))
