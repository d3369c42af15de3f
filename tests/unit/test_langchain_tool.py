"""limner as a LangChain tool: the schema a calling model sees, content and artifact, the sync and
async paths, being bound by another LangGraph agent, errors the model can read; and
langgraph.json, as `langgraph dev` reads it."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool

from agent.context import Settings
from agent.surfaces.langchain import MAX_CONTENT_CHARS, limner_tool, limner_tools, tool_content
from agent.surfaces.results import summarize

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Offline sketch runs: no CLIP weights to look for."""
    return Settings(home=tmp_path / "limner-home", out_dir=tmp_path / "out", clip=False)


def call(args: dict[str, Any], name: str = "generate_images", id: str = "call-1") -> dict[str, Any]:
    """A ToolCall, as a model emits it (so the tool answers with a ToolMessage and its artifact)."""
    return {"type": "tool_call", "id": id, "name": name, "args": args}


def _paths(content: str) -> list[str]:
    return [line.split(": ", 1)[1] for line in content.splitlines() if line.startswith("#") and line.endswith(".png")]


class ToolCallingFake(GenericFakeChatModel):
    """A chat model that answers from a script of AIMessages (tool calls, then a final answer)."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> "ToolCallingFake":
        return self


class ChainNames(BaseCallbackHandler):
    """Records the name of every chain run the caller's callbacks are told about."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def on_chain_start(self, serialized: Any, inputs: Any, **kwargs: Any) -> None:
        self.names.append(kwargs.get("name") or "")


# ---- the schema the calling model sees ---------------------------------------------------------

def test_schema_as_a_model_sees_it(settings: Settings) -> None:
    tool = limner_tool(settings)
    spec = convert_to_openai_tool(tool)["function"]
    assert spec["name"] == "generate_images" == tool.name
    assert "path" in spec["description"] and "not returned" in spec["description"]
    params = spec["parameters"]
    assert params["required"] == ["prompt"]
    assert set(params["properties"]) == {"prompt", "n", "size", "backend", "seed", "thread"}
    n = next(option for option in params["properties"]["n"]["anyOf"] if option.get("type") == "integer")
    assert (n["minimum"], n["maximum"]) == (1, 8)
    assert "512x512" in params["properties"]["size"]["description"]
    assert "sketch" in params["properties"]["backend"]["description"]  # the configured choices
    assert all(prop.get("description") for prop in params["properties"].values())
    assert tool.response_format == "content_and_artifact"
    assert set(tool.tool_call_schema.model_json_schema()["properties"]) == set(params["properties"])
    plan_spec = convert_to_openai_tool(limner_tools(settings)[1])["function"]
    assert plan_spec["name"] == "plan_images" and plan_spec["parameters"]["required"] == ["prompt"]


def test_a_bad_user_is_refused_when_the_tool_is_made(settings: Settings) -> None:
    from agent.errors import InputError

    with pytest.raises(InputError, match="user id"):
        limner_tool(settings, user="two words")


# ---- running it ----------------------------------------------------------------------------

def test_invoke_returns_paths_and_the_summary(settings: Settings) -> None:
    events: list[dict[str, Any]] = []
    tool = limner_tool(settings, on_event=events.append)
    message = tool.invoke(call({"prompt": "two red apples on a table and a sign that says 'FRESH'", "n": 2, "seed": 5}))
    assert isinstance(message, ToolMessage) and message.status == "success"
    assert message.tool_call_id == "call-1" and message.name == "generate_images"
    content, artifact = message.content, message.artifact
    paths = _paths(content)
    assert len(paths) == 2 and all(Path(p).is_file() and p.endswith(".png") for p in paths)
    assert "2/2 images made" in content and f"Contact sheet: {artifact['contact_sheet']}" in content
    # The artifact is the bounded summary of the report the run wrote.
    report = json.loads((Path(artifact["folder"]) / "run.json").read_text())
    assert artifact == summarize(report)
    assert [image["path"] for image in artifact["images"]] == paths
    assert [image["seed"] for image in artifact["images"]] == [5, 6]
    assert len(content) < 1000 and "base64" not in content
    assert {"tool": "generate_images", "event": "node_start", "node": "plan"} in events


def test_content_is_bounded_and_keeps_every_path() -> None:
    reason = "the word 'GRAND OPENING' was read as 'GRAMD 0PENING' " * 10
    images = [
        {"shot": i, "path": f"/runs/r/{i + 1:02d}.png", "seed": i, "passed": False, "flagged": None,
         "checks": [{"name": f"check{j}", "status": "fail", "reason": reason} for j in range(6)],
         "repairs": [{"kind": "retypeset"}]}
        for i in range(8)
    ]
    report = {"run_id": "r", "images": images, "rounds": 2, "contact_sheet": "/runs/r/contact.png"}
    content = tool_content(report, thread="t-1")
    assert len(content) <= MAX_CONTENT_CHARS
    assert _paths(content) == [f"/runs/r/{i:02d}.png" for i in range(1, 9)]
    assert content.endswith("Thread: t-1 (pass it again to revise these images)")


def test_async_path_runs_off_the_event_loop(settings: Settings) -> None:
    tool = limner_tool(settings)

    async def main() -> tuple[list[ToolMessage], int]:
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        clock = asyncio.create_task(ticker())
        messages = await asyncio.gather(
            tool.ainvoke(call({"prompt": "a blue kite over a green hill", "n": 1, "seed": 1}, id="a")),
            tool.ainvoke(call({"prompt": "three yellow ducks in a pond", "n": 2, "seed": 2}, id="b")),
        )
        done.set()
        await clock
        return messages, ticks

    assert tool.coroutine is not None
    (first, second), ticks = asyncio.run(main())
    assert ticks > 5  # the loop kept running while both runs drew, in worker threads
    assert (first.tool_call_id, second.tool_call_id) == ("a", "b")
    assert first.status == second.status == "success"
    assert (first.artifact["made"], second.artifact["made"]) == (1, 2)
    assert all(Path(p).is_file() for p in _paths(first.content) + _paths(second.content))


# ---- bound by another agent -------------------------------------------------------------------

def test_an_agent_with_its_own_checkpointer_calls_the_tools(settings: Settings) -> None:
    from langchain.agents import create_agent
    from langgraph.checkpoint.memory import InMemorySaver

    from agent.run import resume

    script = [
        AIMessage("", tool_calls=[
            {"name": "generate_images", "args": {"prompt": "a fox with two red balloons", "n": 2, "seed": 3},
             "id": "gen"},
            {"name": "plan_images", "args": {"prompt": "a fox with two red balloons", "n": 2}, "id": "plan"},
        ]),
        AIMessage("Here are your images."),
    ]
    agent = create_agent(ToolCallingFake(messages=iter(script)), limner_tools(settings), checkpointer=InMemorySaver())
    seen = ChainNames()
    config = {"configurable": {"thread_id": "caller-thread"}, "callbacks": [seen]}
    custom = []
    for mode, chunk in agent.stream({"messages": [HumanMessage("draw a fox")]}, config,
                                    stream_mode=["updates", "custom"]):
        if mode == "custom":
            custom.append(chunk)
    messages = agent.get_state(config).values["messages"]
    results = {m.tool_call_id: m for m in messages if isinstance(m, ToolMessage)}
    assert messages[-1].content == "Here are your images."
    generated, planned = results["gen"], results["plan"]
    assert generated.status == "success" and generated.artifact["made"] == 2
    assert _paths(generated.content) == [image["path"] for image in generated.artifact["images"]]
    assert planned.status == "success" and len(json.loads(planned.content)["shots"]) == 2
    # The run's progress reached the calling agent's custom stream...
    assert {"tool": "generate_images", "event": "node_start", "node": "finalize"} in custom
    # ...but the run is limner's own graph: checkpointed in limner's store, under its own id,
    # never as a subgraph of the caller (so `limner resume` finds it).
    run_id = generated.artifact["run_id"]
    with sqlite3.connect(settings.checkpoint_path) as conn:
        rows = conn.execute("select checkpoint_ns from checkpoints where thread_id = ?", (run_id,))
        namespaces = {row[0] for row in rows}
    assert namespaces == {""}
    assert resume(run_id, settings=settings)["run_id"] == run_id
    # The caller's callbacks (tracing, `messages` streaming) see the tool call, not limner's
    # own nodes or its planner's model calls.
    assert "tools" in seen.names and not {"screen", "plan", "generate", "finalize"} & set(seen.names)


def test_an_async_agent_gets_the_result_and_the_progress(settings: Settings) -> None:
    from langchain.agents import create_agent

    script = [AIMessage("", tool_calls=[{"name": "generate_images", "args": {"prompt": "a red kite", "seed": 1},
                                         "id": "gen"}]),
              AIMessage("Done.")]
    agent = create_agent(ToolCallingFake(messages=iter(script)), [limner_tool(settings)])

    async def main() -> tuple[list[Any], list[Any]]:
        custom, updates = [], []
        async for mode, chunk in agent.astream({"messages": [HumanMessage("a kite")]},
                                               stream_mode=["updates", "custom"]):
            (custom if mode == "custom" else updates).append(chunk)
        return custom, updates

    custom, updates = asyncio.run(main())
    (message,) = [m for u in updates for m in u.get("tools", {}).get("messages", [])]
    assert message.status == "success" and Path(_paths(message.content)[0]).is_file()
    assert [e["node"] for e in custom if e.get("event") == "node_start"][:2] == ["screen", "plan"]
    assert all(e["tool"] == "generate_images" for e in custom)


def test_tool_node_turns_errors_into_messages(settings: Settings) -> None:
    from langgraph.prebuilt import ToolNode

    from langgraph.graph import START, MessagesState, StateGraph

    builder = StateGraph(MessagesState)
    builder.add_node("tools", ToolNode([limner_tool(settings)]))
    builder.add_edge(START, "tools")
    ai = AIMessage("", tool_calls=[
        {"name": "generate_images", "args": {"prompt": "  "}, "id": "empty"},
        {"name": "generate_images", "args": {"prompt": "a cat", "n": 9}, "id": "many"},
    ])
    out = builder.compile().invoke({"messages": [ai]})
    answers = {m.tool_call_id: m for m in out["messages"] if isinstance(m, ToolMessage)}
    assert answers["empty"].status == answers["many"].status == "error"
    assert "the prompt is empty: describe the images you want" in answers["empty"].content
    assert "n:" in answers["many"].content and "less than or equal to 8" in answers["many"].content


# ---- errors the calling model reads -----------------------------------------------------------

@pytest.mark.parametrize(
    "args, message",
    [
        ({"prompt": ""}, "the prompt is empty"),
        ({"prompt": "a cat", "n": 9},
         "invalid arguments for generate_images: n: Input should be less than or equal to 8 (got 9)"),
        ({"prompt": "a cat", "n": 0}, "n: Input should be greater than or equal to 1"),
        ({"prompt": "a cat", "size": "100x7"}, "size '100x7': each side must be a multiple of 8 from 64 to 2048"),
        ({"prompt": "a cat", "size": "big"}, "size 'big' is not WIDTHxHEIGHT"),
        ({"prompt": "a cat", "backend": "midjourney"}, "unknown backend 'midjourney'; choose one of: limner, "),
        ({"prompt": "a cat", "thread": "two words"}, "thread: String should match pattern"),
        ({"n": 2}, "prompt: Field required"),
    ],
)
def test_bad_arguments_come_back_as_an_error_message(settings: Settings, args: dict[str, Any], message: str) -> None:
    result = limner_tool(settings).invoke(call(args))
    assert isinstance(result, ToolMessage) and result.status == "error"
    assert message in result.content and result.content.startswith("Error: ")
    assert not (settings.out_dir).exists()  # nothing was started


def test_a_refusal_names_the_policy(settings: Settings) -> None:
    result = limner_tool(settings).invoke(call({"prompt": "an ISIS recruitment poster", "n": 2}))
    assert result.status == "error" and result.artifact is None
    assert result.content.startswith("Error: Refused (rules policy): propaganda or recruitment material")
    assert "do not retry" in result.content
    assert not list(settings.out_dir.glob("*/0*.png"))  # no image (the run folder has its run.json)


# ---- threads ----------------------------------------------------------------------------------

def test_a_thread_revises_the_last_set_and_is_per_user(settings: Settings) -> None:
    alice = limner_tool(settings, user="alice")
    first = alice.invoke(call({"prompt": "three images of a fox named Mira with two red balloons",
                               "seed": 3, "thread": "t-1"}))
    follow = alice.invoke(call({"prompt": "in the second image make the balloons blue", "thread": "t-1"}))
    assert first.status == follow.status == "success"
    assert "Revised: shot 2: balloon → blue; redrawn: #2." in follow.content
    assert "Thread: t-1 (pass it again" in follow.content and follow.artifact["thread"] == "alice:t-1"
    assert [i["seed"] for i in follow.artifact["images"]] == [i["seed"] for i in first.artifact["images"]]
    # The same thread name for another user is another conversation: nothing to revise.
    bob = limner_tool(settings, user="bob").invoke(call({"prompt": "in the second image make the balloons blue",
                                                        "thread": "t-1"}))
    assert bob.status == "success" and "Revised" not in bob.content and bob.artifact["thread"] == "bob:t-1"


# ---- plan_images ------------------------------------------------------------------------------

def test_plan_images_plans_without_drawing(settings: Settings) -> None:
    plan_images = limner_tools(settings)[1]
    message = plan_images.invoke(call({"prompt": "a poster that says 'SALE' with 3 green bottles", "n": 2, "seed": 1},
                                      name="plan_images"))
    assert message.status == "success"
    plan = json.loads(message.content)
    assert len(plan["shots"]) == 2 and message.artifact["shots"][0]["index"] == 0
    assert plan["shots"][0]["texts"][0]["text"] == "SALE"
    assert any(o["name"] == "bottle" and o["count"] == 3 and o["color"] == "green" for o in plan["shots"][0]["objects"])
    assert not settings.out_dir.exists()
    bad = plan_images.invoke(call({"prompt": ""}, name="plan_images"))
    assert bad.status == "error" and "the prompt is empty" in bad.content


# ---- runs go through the RunService -------------------------------------------------------------

class ServiceRunner:
    """Stands in for ``agent.run.run`` inside a RunService: two progress events, each run held
    until its prompt's gate opens, then a report with no image (the content says so)."""

    def __init__(self) -> None:
        self.gates: dict[str, threading.Event] = {}
        self.started: list[str] = []
        self.lock = threading.Lock()

    def gate(self, prompt: str) -> threading.Event:
        with self.lock:
            return self.gates.setdefault(prompt, threading.Event())

    def __call__(self, request: Any, *, settings: Settings, on_event: Any) -> dict[str, Any]:
        with self.lock:
            self.started.append(request.prompt)
        on_event({"event": "node_start", "node": "plan"})
        on_event({"event": "image", "shot": 0, "ok": True})
        assert self.gate(request.prompt).wait(20)
        return {"run_id": request.run_id, "images": [], "rounds": 0}


def _tool_graph(tool: Any) -> Any:
    from langgraph.graph import START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode

    builder = StateGraph(MessagesState)
    builder.add_node("tools", ToolNode([tool]))
    builder.add_edge(START, "tools")
    return builder.compile()


def test_progress_reaches_the_callers_stream_through_the_service(settings: Settings) -> None:
    """Sync and async, the run is a RunService job of the tool's user, and its own events (no
    service stamps, no queued/run_start/run_end) reach the calling graph's custom stream and
    the host's handler."""
    from agent.surfaces.service import RunService

    runner = ServiceRunner()
    for prompt in ("a red kite", "a blue kite"):
        runner.gate(prompt).set()
    service = RunService(settings, runner=runner)
    handled: list[dict[str, Any]] = []
    graph = _tool_graph(limner_tool(settings, user="alice", on_event=handled.append, service=service))
    expected = [{"tool": "generate_images", "event": "node_start", "node": "plan"},
                {"tool": "generate_images", "event": "image", "shot": 0, "ok": True}]

    def ask(prompt: str, call_id: str) -> dict[str, Any]:
        return {"messages": [AIMessage("", tool_calls=[{"name": "generate_images", "id": call_id,
                                                          "args": {"prompt": prompt, "seed": 1}}])]}

    sync_custom, sync_messages = [], []
    for mode, chunk in graph.stream(ask("a red kite", "sync"), stream_mode=["custom", "updates"]):
        (sync_custom.append(chunk) if mode == "custom" else
         sync_messages.extend(chunk.get("tools", {}).get("messages", [])))

    async def main() -> tuple[list[Any], list[Any]]:
        custom, messages = [], []
        async for mode, chunk in graph.astream(ask("a blue kite", "async"), stream_mode=["custom", "updates"]):
            (custom.append(chunk) if mode == "custom" else messages.extend(chunk.get("tools", {}).get("messages", [])))
        return custom, messages

    async_custom, async_messages = asyncio.run(main())
    service.close()
    assert sync_custom == expected and async_custom == expected
    assert handled == expected + expected
    for message in sync_messages + async_messages:
        assert message.status == "success" and "No image files were made." in message.content
    jobs = service.owned("alice")
    assert [(job.request.prompt, job.status) for job in jobs] == [("a red kite", "done"), ("a blue kite", "done")]
    assert [message.artifact["run_id"] for message in sync_messages + async_messages] == [job.id for job in jobs]


def test_a_full_queue_is_a_busy_tool_error(settings: Settings) -> None:
    """One worker, one waiting run per user: a third call of the same user is told to retry,
    as a tool error message, and never reaches the runner; another user still queues."""
    from agent.surfaces.service import RunService

    runner = ServiceRunner()
    service = RunService(settings, workers=1, per_owner=1, max_queued=1, runner=runner)
    alice, bob = (limner_tool(settings, user=user, service=service) for user in ("alice", "bob"))
    answers: dict[str, Any] = {}

    def invoke(tool: Any, prompt: str) -> None:
        answers[prompt] = tool.invoke(call({"prompt": prompt, "seed": 1}, id=prompt))

    def wait_for(condition: Any) -> None:
        deadline = time.monotonic() + 20
        while not condition():
            assert time.monotonic() < deadline
            time.sleep(0.01)

    workers = [threading.Thread(target=invoke, args=(tool, prompt))
               for tool, prompt in ((alice, "first"), (alice, "second"), (bob, "other"))]
    workers[0].start()
    wait_for(lambda: runner.started == ["first"])
    workers[1].start()
    wait_for(lambda: service.stats()["queued"] == 1)
    busy = alice.invoke(call({"prompt": "third", "seed": 1}, id="third"))
    workers[2].start()
    wait_for(lambda: service.stats()["queued"] == 2)
    for prompt in ("first", "second", "other"):
        runner.gate(prompt).set()
    for worker in workers:
        worker.join(20)
    service.close()
    assert busy.status == "error"
    assert busy.content == "Error: busy: 1 runs are already waiting for this client (limit 1); retry later"
    assert "third" not in runner.started
    assert all(answers[prompt].status == "success" for prompt in ("first", "second", "other"))


# ---- langgraph.json, as `langgraph dev` reads it -----------------------------------------------

def _config() -> dict[str, Any]:
    return json.loads((ROOT / "langgraph.json").read_text())


def test_langgraph_json_is_consistent_with_the_package() -> None:
    from packaging.specifiers import SpecifierSet

    config = _config()
    assert "." in config["dependencies"] and (ROOT / "pyproject.toml").is_file()
    version = config["python_version"]
    major, minor = (int(part) for part in version.split("."))  # major.minor only, as the CLI wants
    assert (major, minor) >= (3, 11)  # langgraph-cli's minimum
    if sys.version_info >= (3, 11):
        import tomllib

        requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
        assert f"{version}.0" in SpecifierSet(requires)
    assert config["graphs"], "langgraph.json names no graph"


def _load_graph(spec: str) -> Any:
    """What the LangGraph server does with "./file.py:attr": import the file, take the attribute."""
    path, _, attr = spec.partition(":")
    assert path.startswith("./") and path.endswith(".py") and attr, spec
    file = (ROOT / path).resolve()
    module_spec = importlib.util.spec_from_file_location(f"langgraph_json_{file.stem}", file)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return getattr(module, attr)


def test_every_graph_in_langgraph_json_resolves_and_runs(settings: Settings) -> None:
    from langgraph.graph.state import CompiledStateGraph

    from agent.request import build_request
    from agent.state import InputState

    for name, spec in _config()["graphs"].items():
        graph = _load_graph(spec)
        assert isinstance(graph, CompiledStateGraph), f"{name}: {spec} is not a compiled graph"
        # The server publishes these schemas (assistants' input/context forms).
        assert "request" in graph.get_input_jsonschema()["properties"]
        assert "backend" in graph.get_context_jsonschema()["properties"]
        request = build_request("a lighthouse at night and a sign that says 'HELLO'", settings=settings, n=1, seed=4)
        started = time.perf_counter()
        out = graph.invoke(InputState(request=request), context=settings)
        report = out["report"]
        assert report["run_id"] == request.run_id and report["passed"] and time.perf_counter() - started < 30
        assert Path(report["images"][0]["path"]).is_file() and (request.out_dir / "run.json").is_file()
