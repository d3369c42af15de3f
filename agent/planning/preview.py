"""The plan a run would start from, without running the graph: what ``limner plan`` and the
``plan_images`` tools show. Plain Python: no langgraph, langchain or torch is imported here
(memory is opened, and its store imported, only when the user has one)."""

from __future__ import annotations

from typing import Any

from agent.characters import remembered, to_plan_character
from agent.context import Settings
from agent.planning.planner import make_plan
from agent.request import RunRequest
from tools.scene import ScenePlan


def remembered_characters(settings: Settings, request: RunRequest) -> tuple[list[Any], list[str]]:
    """The user's remembered characters this request names or describes, as plan characters;
    a memory that cannot be opened is one log line, and the run goes on without it."""
    try:
        found = remembered(settings, request.user_id, request.prompt)
    except Exception as error:  # noqa: BLE001 - memory informs the plan; it never stops a run
        return [], [f"memory: not used ({type(error).__name__}: {str(error).splitlines()[0][:200]})"]
    names = ", ".join(c.name for c in found)
    return [to_plan_character(c) for c in found], ([f"memory: {names}"] if found else [])


def preview_plan(request: RunRequest, settings: Settings) -> tuple[ScenePlan, list[str]]:
    """The scene plan a run of ``request`` would start from (rules, LLM planner, the user's
    remembered characters) without running the graph, and the memory notes: what ``limner
    plan``, MCP's and LangChain's ``plan_images`` show."""
    characters, notes = remembered_characters(settings, request)
    return make_plan(request, settings, remembered=characters), notes
