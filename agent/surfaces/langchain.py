"""limner as LangChain tools, for other agents (``create_agent``, LangGraph's ``ToolNode``, any
tool-calling chat model).

    from agent.surfaces.langchain import limner_tools
    agent = create_agent("openai:gpt-4o-mini", limner_tools())

``generate_images`` runs the whole loop (plan → generate → critique → repair → finalize) through
:func:`agent.run.run`, the entry point every surface uses, and answers with
``response_format="content_and_artifact"``: the content is a few lines for the calling model
(the verdict and the absolute paths of the PNG files, never image bytes) and the artifact is
:func:`agent.surfaces.results.summarize` of the report, for the host program. ``plan_images`` returns the
scene plan without drawing. Bad arguments and refusals come back as a tool error message
(``status="error"``) the calling model can read and act on, never as an exception.

The run goes through a ``RunService`` (``agent.surfaces.service``; by default the process's
``shared_service(settings)``, owner: the tool's ``user``), like the HTTP API's, the MCP server's
and the bots' runs: at most ``server_workers`` runs at once, ``server_max_queued`` waiting per
user; a full queue is a "busy: …" tool error. The run is its own graph with its own checkpoints
(``limner resume <run_id>`` works on it): it runs in a service worker thread in a fresh context,
so it never becomes a subgraph of the calling agent (its checkpoints, its ``messages`` stream).
The tool call waits for it (the async one without blocking the event loop) and hands its
progress events on, in the caller's own context, to the caller's ``custom`` stream when the tool
runs inside a LangGraph graph, as ``{"tool": "generate_images", **event}``.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
from typing import Any, Callable

from langchain_core.tools import BaseTool, StructuredTool, ToolException
from langgraph.config import get_stream_writer
from pydantic import BaseModel, Field, ValidationError, create_model

from agent.context import Settings
from agent.errors import InputError, invalid_arguments
from agent.request import MAX_IMAGES, MAX_SEED, RunRequest, build_request, check_user
from agent.run import preview_plan
from agent.surfaces.profiles import DEFAULT_PROFILE, profile_names, resolve_profile
from agent.surfaces.results import shorten, summarize, summary_text
from agent.surfaces.service import Busy, Job, RunService, own_event, shared_service

EventHandler = Callable[[dict[str, Any]], None]

MAX_CONTENT_CHARS = 4000
"""The most text a tool result puts into the calling model's context (the paths always fit:
8 images); the artifact carries the full summary."""
_PLAN_PROMPT_CHARS = 300

GENERATE_DESCRIPTION = """\
Draw 1-8 images from a description with limner. It plans the scene (characters, objects and \
their counts and colours, exact text, layout), draws every image, checks each one (text spelled \
right, objects present and counted, colours, what must not appear) and repairs what failed. \
Several images of one request are a coherent set (same characters, style, palette): comic \
panels, storyboards, product angles. Put text that must appear in quotes, e.g. a sign that \
says 'OPEN'. Returns a short report (images made, which passed every check, what was repaired, \
the run id) and the absolute path of each PNG file and of a contact sheet; the images \
themselves are not returned: show or send the files. Refused requests (safety policy) and bad \
arguments return an error message saying why."""

PLAN_DESCRIPTION = """\
Show the scene plan limner would draw for a request, without drawing anything: the global \
style, setting, light and palette, the characters, and per image its prompt, camera, objects \
(name, count, colour, box) and exact text elements (with boxes in 0-1 image coordinates). \
Returns the plan as JSON. Use it to check how a request will be understood before calling \
generate_images."""


class GenerateImagesInput(BaseModel):
    """Arguments of ``generate_images`` (the schema the calling model sees)."""

    prompt: str = Field(
        description="What to draw, in plain words: subjects, how many of each, colours, setting, "
        "style, and any exact text in quotes (e.g. a poster that says 'SALE'). For a follow-up on "
        "a thread, the change only (e.g. 'make her coat blue')."
    )
    n: int | None = Field(
        default=None, ge=1, le=MAX_IMAGES,
        description=f"Number of images, 1-{MAX_IMAGES}. Omit to read it from the prompt (default 1).",
    )
    size: str | None = Field(
        default=None,
        description="Image size as WIDTHxHEIGHT, e.g. '512x512' or '768x512'; each side a multiple "
        "of 8 from 64 to 2048. Omit for the backend's default.",
    )
    backend: str | None = Field(
        default=None,
        description="Image backend or configured profile name. Omit for the configured default.",
    )
    seed: int | None = Field(
        default=None, ge=0, le=MAX_SEED,
        description="Seed of the first image (image i gets seed+i); the same seed draws the same "
        "image. Omit for a random one.",
    )
    thread: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@+-]+$",
        description="Conversation id (letters, digits, _.@+-). Pass the same value on every call "
        "about the same set of images: a follow-up then revises the last set and redraws only "
        "what changed. Omit for an unrelated request.",
    )


class PlanImagesInput(BaseModel):
    """Arguments of ``plan_images``."""

    prompt: str = Field(description="The request to plan, as it would be given to generate_images.")
    n: int | None = Field(
        default=None, ge=1, le=MAX_IMAGES,
        description=f"Number of images, 1-{MAX_IMAGES}. Omit to read it from the prompt (default 1).",
    )
    seed: int | None = Field(
        default=None, ge=0, le=MAX_SEED,
        description="Seed of the layout of image 1 (image i: seed+i); default 0.",
    )


# ---- errors the calling model reads -----------------------------------------------------------

def _tool_error(error: ToolException) -> str:
    return f"Error: {error}"


def _validation_error(tool_name: str) -> Callable[[ValidationError], str]:
    def explain(error: ValidationError) -> str:
        return f"Error: {invalid_arguments(tool_name, error)}. Fix them and call again."

    return explain


# ---- running --------------------------------------------------------------------------------

def _progress(extra: EventHandler | None) -> EventHandler:
    """Where the run's own events go, called in the tool call's context as the job's events
    come: the calling graph's ``custom`` stream (when the tool runs in a LangGraph node) and
    the host's own handler. The service's lifecycle events (queued, run_start, run_end) and
    its stamps stay with the service."""
    try:
        writer = get_stream_writer()
    except (RuntimeError, KeyError, AttributeError):  # not inside a graph run
        writer = None
    sinks = [sink for sink in (writer, extra) if sink is not None]

    def handle(event: dict[str, Any]) -> None:
        own = own_event(event) if sinks else None
        if own is None:
            return
        tagged = {"tool": "generate_images", **own}
        for sink in sinks:
            try:
                sink(tagged)
            except Exception:  # noqa: BLE001 - a broken progress consumer never stops a run
                pass

    return handle


def _isolated(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` in an empty context (the plan preview: none of the caller's callbacks or
    config). Runs get theirs from the ``RunService``."""
    return contextvars.Context().run(fn)


def tool_content(report: dict[str, Any], thread: str | None = None) -> str:
    """What the calling model reads: the verdict lines, what a follow-up changed, then one line
    per file. Bounded by :data:`MAX_CONTENT_CHARS` (the file lines are always kept)."""
    files = [f"#{i + 1}: {entry['path']}" for i, entry in enumerate(report.get("images", [])) if entry.get("path")]
    tail = ["Files (PNG):", *files] if files else ["No image files were made."]
    if report.get("contact_sheet") and files:
        tail.append(f"Contact sheet: {report['contact_sheet']}")
    if thread:
        tail.append(f"Thread: {thread} (pass it again to revise these images)")
    head = summary_text(report)  # with the "Revised: …" line of a follow-up
    tail_text = "\n".join(tail)
    room = MAX_CONTENT_CHARS - len(tail_text) - 1
    if len(head) > room:
        head = head[: max(0, room - 1)] + "…"
    return f"{head}\n{tail_text}"


def _request_kwargs(settings: Settings, user: str, *, n: int | None, size: str | None,
                    backend: str | None, seed: int | None, thread: str | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"settings": settings, "n": n, "size": size, "seed": seed, "user_id": user}
    kwargs.update(resolve_profile(backend, settings, field="backend"))
    if thread is not None:
        # Threads are per user, so a model acting for one user cannot continue another's.
        kwargs["thread_id"] = f"{user}:{thread}"
    return kwargs


def _submit(service: RunService, settings: Settings, user: str, prompt: str, n: int | None, size: str | None,
            backend: str | None, seed: int | None, thread: str | None) -> Job:
    """The validated request queued in ``service`` for ``user``; a bad argument or a full
    queue as a ToolException (the calling model reads it)."""
    try:
        request: RunRequest = build_request(prompt, **_request_kwargs(settings, user, n=n, size=size, backend=backend,
                                                                      seed=seed, thread=thread))
        return service.submit(request, user)
    except InputError as error:
        raise ToolException(str(error)) from error
    except Busy as error:
        raise ToolException(f"busy: {error}") from error


def _answer(job: Job, thread: str | None) -> tuple[str, dict[str, Any]]:
    """The finished job as content and artifact; a bad request or a refusal as a ToolException.
    A crash raises ``RunFailed`` (an exception for the host, not a message for the model)."""
    try:
        report = job.result()
    except InputError as error:
        raise ToolException(str(error)) from error
    if report.get("refused"):
        raise ToolException(f"{summary_text(report).rstrip('.')}. Nothing was drawn; do not retry this request.")
    return tool_content(report, thread), summarize(report)


def _plan(settings: Settings, user: str, prompt: str, n: int | None, seed: int | None) -> tuple[str, dict[str, Any]]:
    try:
        request = build_request(prompt, settings=settings, n=n, seed=seed if seed is not None else 0, user_id=user)
        scene_plan, _ = preview_plan(request, settings)
    except InputError as error:
        raise ToolException(str(error)) from error
    full = scene_plan.model_dump(mode="json")
    return _compact_plan_json(full), full


def _compact_plan_json(plan: dict[str, Any]) -> str:
    """The plan for the calling model: nulls dropped, boxes to 3 decimals, prompts shortened."""

    def tidy(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: tidy(v, k) for k, v in value.items() if v not in (None, [], {}, "")}
        if isinstance(value, list):
            return [tidy(v) for v in value]
        if isinstance(value, float):
            return round(value, 3)
        if isinstance(value, str) and key in ("request", "prompt"):
            return shorten(value, _PLAN_PROMPT_CHARS)
        return value

    return json.dumps(tidy(plan), ensure_ascii=False, separators=(",", ":"))


# ---- the tools --------------------------------------------------------------------------------

def limner_tool(settings: Settings | None = None, *, user: str = "local",
                on_event: EventHandler | None = None, service: RunService | None = None) -> BaseTool:
    """The ``generate_images`` tool, running limner with ``settings`` (default ``Settings()``)
    for ``user`` (whose remembered characters and threads it uses, and whose queue its runs
    wait in). ``on_event`` also receives the run's progress events (``node_start``, ``plan``, …).
    ``service``: the ``RunService`` to run in (default: the process's ``shared_service(settings)``)."""
    settings = settings or Settings()
    check_user(user)
    runs = service or shared_service(settings)

    def generate_images(prompt: str, n: int | None = None, size: str | None = None,
                        backend: str | None = None, seed: int | None = None,
                        thread: str | None = None) -> tuple[str, dict[str, Any]]:
        progress = _progress(on_event)
        job = _submit(runs, settings, user, prompt, n, size, backend, seed, thread)
        for _, event in job.follow():  # this thread waits; the run is in a service worker
            progress(event)
        return _answer(job, thread)

    async def agenerate_images(prompt: str, n: int | None = None, size: str | None = None,
                               backend: str | None = None, seed: int | None = None,
                               thread: str | None = None) -> tuple[str, dict[str, Any]]:
        progress = _progress(on_event)
        job = _submit(runs, settings, user, prompt, n, size, backend, seed, thread)
        async for _, event in job.stream(heartbeat=None):  # type: ignore[misc] - no heartbeats, no None
            progress(event)
        return _answer(job, thread)

    return StructuredTool.from_function(
        func=generate_images,
        coroutine=agenerate_images,
        name="generate_images",
        description=GENERATE_DESCRIPTION,
        args_schema=_generate_schema(settings),
        infer_schema=False,
        response_format="content_and_artifact",
        handle_tool_error=_tool_error,
        handle_validation_error=_validation_error("generate_images"),
    )


def _generate_schema(settings: Settings) -> type[GenerateImagesInput]:
    """The input schema with the configured backend and profile names in the ``backend``
    field's description (they depend on the settings)."""
    names = ", ".join(name for name in profile_names(settings) if name != DEFAULT_PROFILE)
    description = f"{GenerateImagesInput.model_fields['backend'].description} Choices: {names}."
    return create_model(
        "GenerateImagesInput",
        __base__=GenerateImagesInput,
        __doc__=GenerateImagesInput.__doc__,
        backend=(str | None, Field(default=None, description=description)),
    )


def plan_tool(settings: Settings | None = None, *, user: str = "local") -> BaseTool:
    """The ``plan_images`` tool: the scene plan limner would draw, as JSON, without drawing."""
    settings = settings or Settings()
    check_user(user)

    def plan_images(prompt: str, n: int | None = None, seed: int | None = None) -> tuple[str, dict[str, Any]]:
        return _isolated(functools.partial(_plan, settings, user, prompt, n, seed))

    async def aplan_images(prompt: str, n: int | None = None, seed: int | None = None) -> tuple[str, dict[str, Any]]:
        # Not a run (no graph, no progress): a plan preview, off the event loop.
        return await asyncio.to_thread(_isolated, functools.partial(_plan, settings, user, prompt, n, seed))

    return StructuredTool.from_function(
        func=plan_images,
        coroutine=aplan_images,
        name="plan_images",
        description=PLAN_DESCRIPTION,
        args_schema=PlanImagesInput,
        infer_schema=False,
        response_format="content_and_artifact",
        handle_tool_error=_tool_error,
        handle_validation_error=_validation_error("plan_images"),
    )


def limner_tools(settings: Settings | None = None, *, user: str = "local",
                 on_event: EventHandler | None = None, service: RunService | None = None) -> list[BaseTool]:
    """Both tools (``generate_images``, ``plan_images``) sharing one ``settings``."""
    settings = settings or Settings()
    return [limner_tool(settings, user=user, on_event=on_event, service=service), plan_tool(settings, user=user)]
