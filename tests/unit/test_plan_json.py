"""The plan JSON shape `limner plan --json` prints, read back through the CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from agent.surfaces.cli import app


def test_plan_json_shape(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LIMNER_HOME", str(tmp_path))
    prompt = "a watercolor of a laptop left of a red cow, 16:9, no people, a sign that says 'MOO'"
    result = CliRunner().invoke(app, ["plan", prompt, "--json"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    plan = json.loads(lines[0])
    for key in ("shots", "negatives", "style", "palette", "light", "setting", "needs_search", "queries", "aspect"):
        assert key in plan, key
    assert plan["needs_search"] is False and plan["queries"] == []
    assert plan["negatives"] == ["people"] and plan["style"] == "watercolor" and plan["aspect"] == "16:9"
    shot = plan["shots"][0]
    for key in ("prompt", "objects", "texts", "characters", "negatives"):
        assert key in shot, key
    objects = {o["name"]: o for o in shot["objects"]}
    assert objects["laptop"]["relation"] == {"type": "left of", "target": "cow"}
    assert objects["cow"] == {**objects["cow"], "count": 1, "color": "red", "relation": None}
    assert [(t["text"], t["role"]) for t in shot["texts"]] == [("MOO", "sign")]
    assert set(shot["texts"][0]["box"]) == {"x0", "y0", "x1", "y1"}
