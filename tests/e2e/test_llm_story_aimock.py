"""The LLM planner writing story beats, against a third-party OpenAI-compatible server on
loopback: aimock (npm ``@copilotkit/aimock``, pinned in package.json, installed by ``make
test``). Nobody here wrote it; the test only writes its fixture file: which structured answer
(a ``json_schema`` chat completion) each request gets. ``limner plan`` and a sketch ``limner
generate`` run as a user runs them, with ``LIMNER_PLANNER_MODEL=openai:<model>`` and
``LIMNER_PLANNER_BASE_URL`` pointed at aimock, through langchain-openai's
``with_structured_output``."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from agent.context import Settings
from aimock_server import KEY, MISSING, WHY_MISSING, running_aimock
from agent.planning.planner import make_plan
from agent.request import build_request
from tools.provenance import read_png_metadata

LIMNER = str(Path(sys.executable).with_name("limner"))
MODEL = "gpt-4o-mini"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(MISSING, reason=WHY_MISSING),
    pytest.mark.skipif(importlib.util.find_spec("langchain_openai") is None,
                       reason="langchain-openai is not installed (pip install -e '.[dev]')"),
]

VAGUE = "a four-panel comic about a lost umbrella"
EXPLICIT = ('A four-panel comic: a girl loses her red umbrella at the bus stop; she searches in the rain; '
            'a dog finds it; in the last panel she hugs the dog and says "Thank you!"')
BROKEN = "a paper kite over the dunes"
KITE = "a three-panel comic about a runaway kite"


def _shot(beat: str | None = None, prompt: str | None = None, **fields: Any) -> dict[str, Any]:
    """One shot as a strict json_schema answer has it: every key present, null where unsaid."""
    keys = ("action", "time_of_day", "weather", "camera", "variation", "light")
    return {"beat": beat, "prompt": prompt, **{key: fields.get(key) for key in keys}}


def _answer(shots: list[dict[str, Any]], **look: Any) -> dict[str, Any]:
    return {"style": look.get("style"), "setting": None, "light": None, "palette": look.get("palette", []),
            "shots": shots, "needs_search": False, "search_queries": []}


INVENTED = [
    _shot("a girl hangs her red umbrella on a cafe chair", "a girl hangs her red umbrella on a cafe chair, sunny street",
          action="hangs her umbrella", time_of_day="morning", weather="clear", camera="wide shot"),
    _shot("she walks off and forgets the umbrella", "she walks off and forgets the umbrella, the chair behind her",
          time_of_day="noon", weather="cloudy", camera="medium shot"),
    _shot("rain pours while she searches the street for the umbrella",
          "rain pours while she searches the street for the umbrella, soaked coat",
          time_of_day="afternoon", weather="rain", camera="over-the-shoulder"),
    _shot("a waiter runs after her with the umbrella", "a waiter runs after her with the umbrella, dusk light on wet stones",
          time_of_day="dusk", weather="rain", camera="low-angle close-up"),
]
# For the request with its own beats the model tells the story backwards, moves the last
# panel's bubble into the first panel and sets its own time and weather everywhere.
HOSTILE = [
    _shot('she hugs the dog and says "Thank you!"', 'a girl hugs a dog, speech bubble "Thank you!"',
          time_of_day="night", weather="snow"),
    _shot("a dog finds it", "a dog finds a red umbrella under a bench", time_of_day="night", weather="snow"),
    _shot("she searches in the rain", "a girl searches in the rain", time_of_day="night", weather="clear"),
    _shot("a girl loses her red umbrella at the bus stop", "a girl loses her red umbrella at the bus stop",
          time_of_day="dawn", weather="fog"),
]

KITE_BEATS = [
    _shot("a boy flies his kite on a windy hill", "a boy flies his kite on a windy hill, green grass",
          time_of_day="morning", weather="wind"),
    _shot("the string snaps and the kite drifts over the town", "the string snaps and the kite drifts over the town",
          time_of_day="noon", weather="wind"),
    _shot("the kite lands in a tree by the harbour", "the kite lands in a tree by the harbour, gulls around",
          time_of_day="dusk", weather="clear"),
]


@pytest.fixture(scope="module")
def aimock(tmp_path_factory):
    """aimock on a free loopback port answering chat completions in structured-output form;
    requires ``Authorization: Bearer KEY``."""
    folder = tmp_path_factory.mktemp("aimock")
    fixtures = {"fixtures": [
        {"match": {"endpoint": "chat", "userMessage": "Thank you!", "responseFormat": "json_schema"},
         "response": {"content": _answer(HOSTILE, style="manga")}},
        {"match": {"endpoint": "chat", "userMessage": VAGUE, "responseFormat": "json_schema"},
         "response": {"content": _answer(INVENTED, style="ink and watercolour", palette=["red", "slate grey"])}},
        {"match": {"endpoint": "chat", "userMessage": KITE, "responseFormat": "json_schema"},
         "response": {"content": _answer(KITE_BEATS)}},
        # Output that does not fit the schema: retried once, then the rule plan.
        {"match": {"endpoint": "chat", "userMessage": BROKEN, "responseFormat": "json_schema"},
         "response": {"content": {"shots": "four of them"}}},
    ]}
    (folder / "chat.json").write_text(json.dumps(fixtures))
    with running_aimock(folder / "chat.json") as base:
        yield base


def _journal(base: str, prompt: str) -> list[dict]:
    """The chat requests whose user message was ``prompt``."""
    request = urllib.request.Request(f"{base}/__aimock/journal", headers={"Authorization": f"Bearer {KEY}"})
    entries = json.loads(urllib.request.urlopen(request, timeout=5).read())
    return [e for e in entries if e["path"] == "/v1/chat/completions" and e["body"]["messages"][-1]["content"] == prompt]


def _limner(base: str, tmp_path: Path, *args: str) -> dict[str, Any]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OPENAI_", "LIMNER_"))}
    env.update(LIMNER_HOME=str(tmp_path / "home"), LIMNER_PLANNER_MODEL=f"openai:{MODEL}",
               LIMNER_PLANNER_BASE_URL=f"{base}/v1", OPENAI_API_KEY=KEY)
    done = subprocess.run([LIMNER, *args, "--json"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=180, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _plan(base: str, tmp_path: Path, prompt: str) -> dict[str, Any]:
    return _limner(base, tmp_path, "plan", prompt)


def _rule(prompt: str) -> dict[str, Any]:
    settings = Settings()
    return make_plan(build_request(prompt, settings=settings, seed=0), settings).model_dump(mode="json")


def test_the_llm_writes_the_four_beats_of_a_vague_comic(aimock: str, tmp_path: Path) -> None:
    plan = _plan(aimock, tmp_path, VAGUE)
    rule = _rule(VAGUE)
    assert plan["planner"] == f"llm:openai:{MODEL}" and len(plan["shots"]) == 4
    shots = plan["shots"]
    assert [s["beat"] for s in shots] == [s["beat"] for s in INVENTED]
    # Each prompt draws its new moment: the model's rewrite, or the rule prompt led by the beat
    # where the rewrite dropped something the rule prompt carried.
    assert all(s["prompt"].startswith(beat["beat"]) for s, beat in zip(shots, INVENTED))
    assert [s["action"] for s in shots] == ["hangs her umbrella", *[s["beat"] for s in INVENTED[1:]]]
    assert [(s["time_of_day"], s["weather"]) for s in shots] == [
        ("morning", "clear"), ("noon", "cloudy"), ("afternoon", "rain"), ("dusk", "rain")]
    assert plan["style"] == rule["style"] == "comic"  # the request named it: the model's stays out
    assert plan["palette"] == ["red", "slate grey"]
    # What the rules fixed is untouched: no texts, the same objects and layout, no characters.
    for shot, rule_shot in zip(shots, rule["shots"]):
        assert (shot["texts"], shot["objects"], shot["characters"]) == (
            rule_shot["texts"], rule_shot["objects"], rule_shot["characters"])
    # One request, in json_schema form, whose schema offers the beat fields and whose system
    # prompt marked all four beats open.
    calls = _journal(aimock, VAGUE)
    assert len(calls) == 1 and calls[0]["response"]["status"] == 200
    body = calls[0]["body"]
    assert body["model"] == MODEL and body["response_format"]["type"] == "json_schema"
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["shots"]["maxItems"] == 4
    shot_schema = schema["$defs"]["LlmShot"]["properties"]
    assert {"beat", "action", "time_of_day", "weather", "prompt"} <= set(shot_schema)
    system = body["messages"][0]["content"]
    assert body["messages"][0]["role"] == "system" and system.count('"beat_is": "open"') == 4


def test_request_beats_and_text_placement_survive_a_reordering_llm(aimock: str, tmp_path: Path) -> None:
    plan = _plan(aimock, tmp_path, EXPLICIT)
    rule = _rule(EXPLICIT)
    assert plan["planner"] == f"llm:openai:{MODEL}" and len(plan["shots"]) == 4
    for field in ("beat", "action", "time_of_day", "weather", "view", "characters", "texts", "objects"):
        assert [s[field] for s in plan["shots"]] == [s[field] for s in rule["shots"]], field
    # The quoted text stays in the last panel only: in its texts and its prompt.
    assert [[t["text"] for t in s["texts"]] for s in plan["shots"]] == [[], [], [], ["Thank you!"]]
    assert "Thank you!" in plan["shots"][3]["prompt"]
    assert not any("Thank you" in s["prompt"] for s in plan["shots"][:3])
    assert plan["style"] == "comic"  # the request's, not the model's "manga"
    assert any("kept the rule prompt of 4 shot(s)" in note for note in plan["notes"])
    calls = _journal(aimock, EXPLICIT)
    assert len(calls) == 1
    system = calls[0]["body"]["messages"][0]["content"]
    assert system.count('"beat_is": "fixed"') == 4 and '"beat_is": "open"' not in system


def test_output_outside_the_schema_is_retried_then_the_rules_plan(aimock: str, tmp_path: Path) -> None:
    plan = _plan(aimock, tmp_path, BROKEN)
    assert plan["planner"] == "rules"
    assert plan["notes"][-1].startswith("llm planner fell back to rules: 2 attempts failed")
    assert {k: v for k, v in plan.items() if k != "notes"} == {k: v for k, v in _rule(BROKEN).items() if k != "notes"}
    assert [c["response"]["status"] for c in _journal(aimock, BROKEN)] == [200, 200]


def test_a_sketch_run_draws_the_invented_beats(aimock: str, tmp_path: Path) -> None:
    report = _limner(aimock, tmp_path, "generate", KITE, "--backend", "sketch", "--max-rounds", "0",
                     "--out", str(tmp_path / "out"))
    shots = report["plan"]["shots"]
    assert report["plan"]["planner"] == f"llm:openai:{MODEL}"
    assert [s["beat"] for s in shots] == [s["beat"] for s in KITE_BEATS]
    assert [(s["time_of_day"], s["weather"]) for s in shots] == [("morning", "wind"), ("noon", "wind"), ("dusk", "clear")]
    assert len(report["images"]) == 3
    for image, shot, beat in zip(report["images"], shots, KITE_BEATS):
        meta = read_png_metadata(Path(image["path"]))
        assert (meta["prompt"], meta["shot_prompt"], meta["backend"]) == (KITE, shot["prompt"], "sketch")
        assert shot["prompt"].startswith(beat["beat"])
    assert len(_journal(aimock, KITE)) == 1
