"""Graph routing, the repair budget, and failure isolation, with scripted fake backends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest
from PIL import Image

from agent.graph import builder, route_after_critique, route_after_generate, route_after_screen
from agent.request import build_request
from agent.run import resume, run
from agent.state import ImageRecord, State
from tools.generators.base import GeneratorOptions, register
from tools.scene import CheckResult, Critique, RepairAction, Shot


class ScriptedGenerator:
    """Fails for the shot indexes in ``fail_shots`` (every time); blank images otherwise."""

    name: ClassVar[str] = "scripted"
    supports_edit: ClassVar[bool] = False
    supports_batch: ClassVar[bool] = True
    max_batch = 3
    fail_shots: ClassVar[set[int]] = set()
    calls: ClassVar[list[list[int]]] = []

    def __init__(self, options: GeneratorOptions) -> None:
        self.options = options

    def generate(self, shots: list[Shot], size, seeds, plan=None) -> list[Image.Image]:
        ScriptedGenerator.calls.append([s.index for s in shots])
        if any(s.index in self.fail_shots for s in shots):
            raise RuntimeError("scripted failure")
        return [Image.new("RGB", size, (200, 210, 220)) for _ in shots]

    def edit(self, image, mask, prompt, seed):
        raise NotImplementedError


register("scripted", GeneratorOptions, ScriptedGenerator)


@pytest.fixture(autouse=True)
def reset_script():
    ScriptedGenerator.fail_shots = set()
    ScriptedGenerator.calls = []
    from agent.backends import _cached

    _cached.cache_clear()


def _state(settings, rounds: int, failed: bool, repairs: bool = True, mode: str = "agent") -> State:
    request = build_request("a cow", settings=settings, n=1, seed=1, max_rounds=2, mode=mode)
    check = CheckResult(name="ocr", status="fail" if failed else "pass")
    actions = [RepairAction(kind="retypeset", check="ocr", target="X")] if repairs else []
    record = ImageRecord(shot=0, seed=1, path="/x.png", critique=Critique(shot=0, checks=[check], repairs=actions))
    return State(request=request, images=[record], rounds=rounds)


def test_routes(settings) -> None:
    assert route_after_screen(_state(settings, 0, True)) == "plan"
    assert route_after_screen(_state(settings, 0, True, mode="raw")) == "generate"
    assert route_after_generate(_state(settings, 0, True, mode="raw")) == "finalize"
    assert route_after_critique(_state(settings, 0, failed=True)) == "repair"
    assert route_after_critique(_state(settings, 1, failed=True)) == "repair"
    assert route_after_critique(_state(settings, 2, failed=True)) == "finalize"  # budget spent
    assert route_after_critique(_state(settings, 0, failed=False)) == "finalize"
    assert route_after_critique(_state(settings, 0, failed=True, repairs=False)) == "finalize"


def test_graph_shape() -> None:
    edges = {(e.source, e.target) for e in builder.compile().get_graph().edges}
    assert {("plan", "search"), ("plan", "generate"), ("search", "plan"), ("critique", "repair"),
            ("repair", "critique"), ("critique", "finalize"), ("finalize", "__end__")} <= edges


def test_one_failing_shot_never_loses_the_others(settings) -> None:
    ScriptedGenerator.fail_shots = {1}
    request = build_request("a cow", settings=settings, n=4, seed=3, backend="scripted", max_rounds=2)
    report = run(request, settings=settings)
    images = report["images"]
    assert [i["shot"] for i in images] == [0, 1, 2, 3]
    assert [i["path"] is not None for i in images] == [True, False, True, True]
    assert "scripted failure" in images[1]["error"]
    # Batch of 3 failed, retried one by one; then two repair rounds regenerate shot 1 only.
    assert ScriptedGenerator.calls == [[0, 1, 2], [0], [1], [2], [3], [1], [1]]
    assert report["rounds"] == 2 and images[1]["passed"] is False
    assert [r["kind"] for r in images[1]["repairs"]] == []  # failed repairs keep the record as it was
    assert all(Path(i["path"]).is_file() for i in images if i["path"])


def test_budget_zero_never_repairs(settings) -> None:
    ScriptedGenerator.fail_shots = {0}
    request = build_request("a cow", settings=settings, n=1, seed=3, backend="scripted", max_rounds=0)
    report = run(request, settings=settings)
    assert report["rounds"] == 0 and ScriptedGenerator.calls == [[0]]


def test_run_json_and_timings(settings) -> None:
    request = build_request("two images of a cow", settings=settings, seed=5, backend="scripted")
    report = run(request, settings=settings)
    on_disk = json.loads((request.out_dir / "run.json").read_text())
    assert on_disk == report
    assert {"run_id", "prompt", "mode", "backend", "model", "plan", "images", "rounds", "timings"} <= set(on_disk)
    assert {"plan", "generate", "critique", "finalize"} <= set(on_disk["timings"])
    assert len(on_disk["plan"]["shots"]) == 2 and [i["seed"] for i in on_disk["images"]] == [5, 6]


def test_killed_run_resumes_from_its_checkpoint(settings) -> None:
    """Interrupt after generate (as a kill would), then resume: generate is not run again."""
    from agent.checkpoints import open_checkpointer
    from agent.state import InputState

    request = build_request("a cow", settings=settings, n=2, seed=9, backend="scripted")
    with open_checkpointer(settings) as saver:
        app = builder.compile(checkpointer=saver, interrupt_after=["generate"])
        config = {"configurable": {"thread_id": request.run_id}}
        app.invoke(InputState(request=request), config, context=settings)
        assert app.get_state(config).next == ("critique",)
    calls_before = list(ScriptedGenerator.calls)
    report = resume(request.run_id, settings=settings)
    assert ScriptedGenerator.calls == calls_before
    assert report["run_id"] == request.run_id and len(report["images"]) == 2
    assert (request.out_dir / "run.json").is_file()


def test_search_route_taken_only_when_the_plan_needs_facts(settings) -> None:
    from types import SimpleNamespace

    from agent.graph import route_after_plan
    from agent.planning.planner import make_plan

    state = _state(settings, 0, failed=False)
    plan = make_plan(state.request)
    runtime = SimpleNamespace(context=settings)
    assert route_after_plan(State(request=state.request, plan=plan), runtime) == "generate"
    needs = plan.model_copy(update={"needs_facts": True, "search_queries": ["Eiffel tower"]})
    assert route_after_plan(State(request=state.request, plan=needs), runtime) == "search"
    off = SimpleNamespace(context=settings.model_copy(update={"search": False}))
    assert route_after_plan(State(request=state.request, plan=needs), off) == "generate"


def test_search_runs_once_per_run(settings) -> None:
    """After search the plan node runs again; a set ``state.search`` sends it on to generate."""
    from types import SimpleNamespace

    from agent.graph import route_after_plan
    from agent.planning.planner import make_plan
    from agent.state import SearchReport

    state = _state(settings, 0, failed=False)
    needs = make_plan(state.request).model_copy(update={"needs_facts": True, "search_queries": ["q"]})
    done = SearchReport(status="failed", reason="offline", queries=["q"])
    runtime = SimpleNamespace(context=settings)
    assert route_after_plan(State(request=state.request, plan=needs, search=done), runtime) == "generate"


def test_the_graph_takes_a_json_request_as_langgraph_servers_send_it(tmp_path) -> None:
    """`langgraph dev` clients send {"request": {...}}: the user's fields are enough."""
    from agent.context import Settings
    from agent.graph import graph

    settings = Settings(home=tmp_path / "home", clip=False, checkpoints=False)
    out = graph.invoke({"request": {"prompt": "a red apple", "n": 1, "seed": 4, "out_dir": str(tmp_path / "out")}},
                       context=settings)
    image = out["report"]["images"][0]
    assert image["seed"] == 4 and image["path"].startswith(str(tmp_path / "out"))
    import pytest

    from agent.errors import InputError

    with pytest.raises(InputError, match="unknown request field"):
        graph.invoke({"request": {"prompt": "a red apple", "colour": "red"}}, context=settings)
