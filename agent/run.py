"""The public entry points every surface (CLI, HTTP, MCP, LangChain, bots) calls: ``run`` a
request through the graph, ``resume`` an interrupted one, ``preview_plan`` (the plan a run
would start from, without running anything)."""

from __future__ import annotations

from typing import Any, Callable

from agent.context import Settings
from agent.errors import InputError
from agent.planning.preview import preview_plan
from agent.request import RunRequest

__all__ = ["EventHandler", "preview_plan", "resume", "run"]

EventHandler = Callable[[dict[str, Any]], None]


def _drive(
    input_: dict[str, Any] | None, thread_id: str, settings: Settings, on_event: EventHandler | None
) -> dict[str, Any]:
    # The graph, and with it langgraph and langchain_core, loads when a run starts: importing
    # this module (`limner plan`, `limner --help`) stays plain Python and fast.
    from agent.checkpoints import open_checkpointer  # lazy: the graph loads langgraph when a run starts
    from agent.graph import builder  # lazy: the graph loads langgraph when a run starts
    from agent.nodes.critique import preload_critics  # lazy: loads with the graph

    with open_checkpointer(settings) as saver:
        app = builder.compile(checkpointer=saver)
        config = {"configurable": {"thread_id": thread_id}}
        if input_ is None and not app.get_state(config).values:
            raise InputError(f"no run {thread_id!r} to resume in {settings.checkpoint_path}")
        for mode, chunk in app.stream(input_, config, context=settings, stream_mode=["custom", "updates"]):
            if mode == "custom" and on_event is not None:
                on_event(chunk)
            elif mode == "updates" and (chunk.get("plan") or {}).get("plan") is not None:
                preload_critics(chunk["plan"]["plan"], settings)  # loads while the images are made
        values = app.get_state(config).values
    if not values.get("report"):
        raise RuntimeError(f"run {thread_id!r} stopped before finishing; `limner resume {thread_id}` continues it")
    return values["report"]


def run(request: RunRequest, *, settings: Settings | None = None, on_event: EventHandler | None = None) -> dict[str, Any]:
    """Run the whole loop for ``request``; returns the run report (the contents of run.json).
    Without ``settings``, the configured ones (environment, limner.toml) are read here, once."""
    settings = settings or Settings()
    return _drive({"request": request}, request.thread_id or request.run_id, settings, on_event)


def resume(run_id: str, *, settings: Settings | None = None, on_event: EventHandler | None = None) -> dict[str, Any]:
    """Continue a run that was interrupted, from its last completed node."""
    settings = settings or Settings()
    if not settings.checkpoints:
        raise InputError("checkpoints are off (LIMNER_CHECKPOINTS=false): nothing to resume")
    return _drive(None, run_id, settings, on_event)
