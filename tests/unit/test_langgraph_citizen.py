"""limner as LangGraph hosts use it: the input JSON the server sends, the advertised schema, the
run's context, checkpoints under strict deserialisation, and the graph inside a parent graph.

The same shapes ``langgraph dev`` sends are used here in-process; tests/e2e/test_langgraph_server.py
drives the real server.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar, TypedDict

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.serde.event_hooks import register_serde_event_listener
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.graph import END, START, StateGraph
from PIL import Image
from pydantic import ValidationError

import agent.request
from agent.context import Settings
from agent.errors import InputError
from agent.graph import builder, graph
from agent.request import build_request
from agent.state import InputState
from tools.generators.base import GeneratorOptions, register
from tools.scene import Shot

BALLOONS = "three images of a fox named Mira with two red balloons"


class RecordingGenerator:
    """Plain images; remembers the size and seeds of every call (what the context chose)."""

    name: ClassVar[str] = "recording"
    supports_edit: ClassVar[bool] = False
    supports_batch: ClassVar[bool] = True
    max_batch = 8
    calls: ClassVar[list[tuple[tuple[int, int], list[int]]]] = []

    def __init__(self, options: GeneratorOptions) -> None:
        self.options = options

    def generate(self, shots: list[Shot], size, seeds, plan=None) -> list[Image.Image]:
        RecordingGenerator.calls.append((tuple(size), list(seeds)))
        return [Image.new("RGB", size, (90, 120, 200)) for _ in shots]

    def edit(self, image, mask, prompt, seed):
        raise NotImplementedError


register("recording", GeneratorOptions, RecordingGenerator)


@pytest.fixture
def quiet(settings: Settings) -> Settings:
    """No CLIP (no weights here) and no checkpoint file: what a host passes as the context."""
    return settings.model_copy(update={"clip": False, "checkpoints": False})


@pytest.fixture
def serde_events() -> list[dict]:
    """Every allowlist event LangGraph's serializer emits (an unregistered or blocked type)."""
    events: list[dict] = []
    unregister = register_serde_event_listener(events.append)
    yield events
    unregister()


def _thread(saver: InMemorySaver | None = None) -> tuple[Any, dict]:
    app = builder.compile(checkpointer=saver or InMemorySaver())
    return app, {"configurable": {"thread_id": "walk"}}


def test_the_advertised_input_schema_requires_only_the_prompt() -> None:
    schema = graph.get_input_jsonschema()
    assert set(schema["properties"]) == {"request"} and schema["required"] == ["request"]
    fields = schema["$defs"]["RequestInput"]
    assert fields["required"] == ["prompt"] and fields["additionalProperties"] is False
    assert {"prompt", "n", "size", "seed", "backend", "out_dir", "max_rounds", "thread_id"} <= set(fields["properties"])
    assert all(field.get("description") for field in fields["properties"].values()), "every field is documented"
    assert fields["properties"]["n"]["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": 8}
    context = graph.get_context_jsonschema()["properties"]
    assert {"out_dir", "backend", "size", "clip", "max_rounds"} <= set(context)


def test_python_callers_pass_an_input_state(quiet: Settings) -> None:
    asked = graph.invoke(InputState(request={"prompt": "a red apple", "seed": 2}), context=quiet)["report"]
    built = build_request("a red apple", settings=quiet, seed=2)
    prepared = graph.invoke(InputState(request=built), context=quiet)["report"]
    assert prepared["run_id"] == built.run_id != asked["run_id"]  # a built request is used as it is
    assert asked["images"][0]["seed"] == prepared["images"][0]["seed"] == 2
    with pytest.raises(ValidationError, match="prompt is empty"):
        InputState(request={"prompt": " "})


def test_one_invoke_is_one_run_id_one_seed_one_folder(quiet: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []
    real = agent.request.new_run_id
    monkeypatch.setattr(agent.request, "new_run_id", lambda: drawn.append(real()) or drawn[-1])
    app, config = _thread()
    out = app.invoke({"request": {"prompt": "two images of a red apple"}}, config, context=quiet)  # no seed: drawn once
    report = out["report"]
    assert drawn == [report["run_id"]]
    run_dir = quiet.out_dir / report["run_id"]
    assert [p.name for p in quiet.out_dir.iterdir()] == [report["run_id"]]
    assert {Path(i["path"]).parent for i in report["images"]} == {run_dir} and (run_dir / "run.json").is_file()
    assert {p.parent.parent for p in run_dir.glob("work/*.png")} == {run_dir}
    # Every checkpoint after the entry holds that same request: nothing recomputed it.
    requests = {(r["run_id"], r["seed"], r["out_dir"]) for snap in app.get_state_history(config)
                if isinstance(r := snap.values.get("request"), dict) and "run_id" in r}
    assert requests == {(report["run_id"], report["images"][0]["seed"], str(run_dir))}
    assert [i["seed"] for i in report["images"]] == [report["images"][0]["seed"] + i for i in range(2)]


def test_bad_input_names_every_field_and_the_thread_stays_usable(quiet: Settings) -> None:
    app, config = _thread()
    first = app.invoke({"request": {"prompt": BALLOONS, "seed": 3}}, config, context=quiet)["report"]
    bad = {
        "both": ({"request": {"prompt": "", "n": 9}}, ["request.prompt: the prompt is empty", "request.n:"]),
        "empty": ({}, ["request: missing"]),
        "string": ({"request": "a red apple"}, ["request: must be an object"]),
        "several": ({"request": {"prompt": "x", "colour": "red", "size": "7x7", "backend": "nope"}},
                    ["request.size:", "request.backend: unknown backend 'nope'", "request.colour: unknown request field"]),
    }
    for name, (input_, needles) in bad.items():
        with pytest.raises(InputError) as caught:
            app.invoke(input_, config, context=quiet)
        message = str(caught.value)
        assert "\n" not in message and all(n in message for n in needles), (name, message)
        state = app.get_state(config)  # readable, and still the last good run's
        assert state.values["report"]["run_id"] == first["run_id"] and state.values["request"] is None
    with pytest.raises(InputError, match="request: missing"):  # not the bad input of the run before
        app.invoke({}, config, context=quiet)
    follow_up = app.invoke({"request": {"prompt": "in the second image make the balloons blue"}}, config,
                           context=quiet)["report"]
    assert follow_up["revision"]["previous_run"] == first["run_id"] and follow_up["revision"]["changed_shots"] == [1]
    assert follow_up["thread"] == "walk"


def test_the_context_is_honoured_by_every_node(settings: Settings, tmp_path: Path) -> None:
    """Settings passed as the run's context (as the server passes them: a dict) choose the
    backend, size, run folder, repair budget and critics."""
    RecordingGenerator.calls = []
    context = {"out_dir": str(tmp_path / "elsewhere"), "backend": "recording", "size": "256x128",
               "clip": False, "max_rounds": 0, "checkpoints": False}
    out = graph.invoke({"request": {"prompt": "two images of a red apple", "seed": 40}}, context=context)
    report = out["report"]
    assert report["backend"] == "recording" and report["size"] == [256, 128]
    assert RecordingGenerator.calls == [((256, 128), [40, 41])]
    assert Path(report["images"][0]["path"]).parent == tmp_path / "elsewhere" / report["run_id"]
    clip = [c for i in report["images"] for c in i["checks"] if c["name"].startswith("clip")]
    assert clip and all(c["status"] == "skipped" and "off" in c["reason"] for c in clip)
    assert report["rounds"] == 0 and not (settings.out_dir).exists()


@pytest.mark.parametrize("serde", [JsonPlusSerializer(allowed_msgpack_modules=None), JsonPlusSerializer()],
                         ids=["strict", "default"])
def test_checkpoints_are_plain_data_and_a_follow_up_survives_strict_msgpack(
    quiet: Settings, serde: JsonPlusSerializer, serde_events: list[dict]
) -> None:
    """``allowed_msgpack_modules=None`` is what LANGGRAPH_STRICT_MSGPACK=true gives a server's
    checkpointer: only LangGraph's safe types come back. No type of limner's needs registering."""
    saver = InMemorySaver(serde=serde)
    app, config = _thread(saver)
    first = app.invoke({"request": {"prompt": BALLOONS, "seed": 3}}, config, context=quiet)["report"]
    values = saver.get_tuple(config).checkpoint["channel_values"]
    assert all(isinstance(values[key], dict) for key in ("request", "plan", "report"))
    assert all(isinstance(record, dict) for record in values["images"])
    json.dumps(values, default=str)
    follow_up = app.invoke({"request": {"prompt": "in the second image make the balloons blue"}}, config,
                           context=quiet)["report"]
    assert follow_up["revision"]["changes"] == ["shot 2: balloon → blue"]
    assert [i["seed"] for i in follow_up["images"]] == [i["seed"] for i in first["images"]]
    assert serde_events == []  # nothing blocked, nothing "unregistered"


def test_strict_msgpack_env_with_limners_own_checkpointer(tmp_path: Path) -> None:
    """`limner generate --thread` twice with LANGGRAPH_STRICT_MSGPACK=true (the announced default)."""
    env = {**os.environ, "LANGGRAPH_STRICT_MSGPACK": "true", "LIMNER_CLIP": "false"}
    limner = [str(Path(sys.executable).with_name("limner")), "generate", "--thread", "walk", "--json"]
    first = subprocess.run([*limner, BALLOONS, "--seed", "3"], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    second = subprocess.run([*limner, "in the second image make the balloons blue"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    assert report["revision"]["previous_run"] == json.loads(first.stdout)["run_id"]
    assert report["revision"]["changed_shots"] == [1] and "Blocked" not in second.stderr


class Story(TypedDict, total=False):
    """A parent graph's state: it shares ``request`` and ``report`` with limner."""

    topic: str
    request: dict[str, Any]
    report: dict[str, Any]
    caption: str


def _parent() -> StateGraph:
    def ask(state: Story) -> dict[str, Any]:
        return {"request": {"prompt": f"two images of {state['topic']}", "seed": 11}}

    def caption(state: Story) -> dict[str, Any]:
        report = state["report"]
        return {"caption": f"{len(report['images'])} images, run {report['run_id']}"}

    parent = StateGraph(Story)
    parent.add_node("ask", ask)
    parent.add_node("draw", graph)  # limner's compiled graph, as a node
    parent.add_node("caption", caption)
    parent.add_edge(START, "ask")
    parent.add_edge("ask", "draw")
    parent.add_edge("draw", "caption")
    parent.add_edge("caption", END)
    return parent


def test_limner_as_a_subgraph_of_a_parent_graph(quiet: Settings, serde_events: list[dict]) -> None:
    parent = _parent().compile(checkpointer=InMemorySaver())
    out = parent.invoke({"topic": "a fox named Mira"}, {"configurable": {"thread_id": "story"}}, context=quiet)
    report = out["report"]
    assert out["caption"] == f"2 images, run {report['run_id']}" and report["thread"] == "story"
    assert all(Path(i["path"]).is_file() for i in report["images"]) and [i["seed"] for i in report["images"]] == [11, 12]
    assert isinstance(out["request"], dict) and out["request"]["run_id"] == report["run_id"]  # plain data back
    assert serde_events == []  # the parent's checkpointer stored nothing it would need to allow


def test_astream_in_a_parent_with_a_dict_context(tmp_path: Path) -> None:
    """On an event loop (as a server runs it), streamed with subgraphs, settings as a dict."""
    parent = _parent().compile(checkpointer=InMemorySaver())
    context = {"out_dir": str(tmp_path / "streamed"), "clip": False, "checkpoints": False}

    async def stream() -> list[tuple[tuple[str, ...], str]]:
        config = {"configurable": {"thread_id": "async"}}
        seen = [(namespace, node) async for namespace, update in parent.astream(
            {"topic": "a red apple"}, config, context=context, stream_mode="updates", subgraphs=True) for node in update]
        return seen + [((), (await parent.aget_state(config)).values["caption"])]

    seen = asyncio.run(stream())
    inner = [node for namespace, node in seen if namespace]
    assert inner[:3] == ["accept", "screen", "plan"] and inner[-1] == "finalize"
    run_id = seen[-1][1].rsplit(" ", 1)[-1]
    assert (tmp_path / "streamed" / run_id / "run.json").is_file()
