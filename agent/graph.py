"""The LangGraph state machine.

    START → accept → screen → plan ─(needs facts, once)→ search → plan (notes added) → generate → critique ─(all pass or budget spent)→ finalize → END
              │                 └──────────────────────────────────────────→ generate      ↑   └─(failures)→ repair ─┘
              └─(input refused)→ reject: the run fails with the InputError, the thread keeps its last good run
    raw mode: START → accept → screen → generate → finalize;  refused by the safety policy: … screen → finalize

``accept`` turns what the caller sent (``InputState``) into the run's one ``RunRequest``; the
settings are the run's LangGraph context (``Settings``), or the configured ones when a host
passes none. ``builder`` is exported uncompiled so tests and hosts compile it with their own
checkpointer; ``graph`` is compiled without one: ``langgraph dev`` (``langgraph.json``) adds
the server's, and a parent graph that adds ``graph`` as a node lends it its own.
"""

from __future__ import annotations

from typing import Literal

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agent.context import Settings
from agent.nodes.accept import Submitted, accept, reject
from agent.nodes.common import settings_of
from agent.nodes.critique import critique
from agent.nodes.finalize import finalize
from agent.nodes.generate import generate
from agent.nodes.plan import plan
from agent.nodes.repair import repair
from agent.nodes.screen import screen
from agent.nodes.search import search
from agent.state import InputState, State


def route_after_accept(state: State) -> Literal["screen", "reject"]:
    """Input that could not be accepted fails the run (in ``reject``), leaving no trace of it."""
    return "reject" if state.rejected is not None else "screen"


def route_after_screen(state: State) -> Literal["plan", "generate", "finalize"]:
    """A refused request ends the run; raw mode skips planning: the prompt goes verbatim."""
    if state.refused is not None:
        return "finalize"
    return "generate" if state.request.mode == "raw" else "plan"


def route_after_plan(state: State, runtime: Runtime[Settings]) -> Literal["search", "generate"]:
    """Search when the plan asks for facts and search is on — once per run: after search the
    plan node runs again, and ``state.search`` being set sends it on to generate."""
    settings = settings_of(runtime)
    if state.request.mode == "edit":
        return "generate"
    if state.plan is not None and state.plan.needs_facts and settings.search and state.search is None:
        return "search"
    return "generate"


def route_after_generate(state: State) -> Literal["critique", "finalize"]:
    return "finalize" if state.request.mode == "raw" else "critique"


def route_after_critique(state: State) -> Literal["repair", "finalize"]:
    """Repair while something failed that has a suggested repair and budget remains."""
    if state.rounds >= state.request.max_rounds:
        return "finalize"
    repairable = any(
        not record.passed and record.critique is not None and record.critique.repairs
        for record in state.images
    )
    return "repair" if repairable else "finalize"


builder = StateGraph(State, context_schema=Settings, input_schema=InputState)
builder.add_node("accept", accept, input_schema=Submitted)
builder.add_node("reject", reject)
builder.add_node("screen", screen)
builder.add_node("plan", plan)
builder.add_node("search", search)
builder.add_node("generate", generate)
builder.add_node("critique", critique)
builder.add_node("repair", repair)
builder.add_node("finalize", finalize)
builder.add_edge(START, "accept")
builder.add_conditional_edges("accept", route_after_accept)
builder.add_edge("reject", END)  # never taken: reject raises; drawn so hosts (Studio) see where a run ends
builder.add_conditional_edges("screen", route_after_screen)
builder.add_conditional_edges("plan", route_after_plan)
builder.add_edge("search", "plan")
builder.add_conditional_edges("generate", route_after_generate)
builder.add_conditional_edges("critique", route_after_critique)
builder.add_edge("repair", "critique")
builder.add_edge("finalize", END)

graph = builder.compile()
graph.name = "limner"
