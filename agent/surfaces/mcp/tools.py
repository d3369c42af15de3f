"""The five MCP tools: thin wrappers that validate through ``build_request``, call the same
entry points as the CLI (``agent.run.run``, ``make_plan``, the character book) and present
bounded results.

A tool's typed signature and docstring are its schema (the SDK reads them), so the docstrings
here are written for the model that calls the tools. Every failure a caller can cause becomes
a one-line ``ToolError`` (an ``isError`` result); nothing here returns image bytes beyond a
small JPEG thumbnail per image.

Runs (generate_images, edit_image) go through the server's ``RunService``, as the HTTP API's
do: per-owner queues and limits, round robin across owners. The owner is the bearer token's
name over HTTP and "local" over stdio; a full queue is a "busy: …" tool error.
"""

from __future__ import annotations

import base64
import inspect
import json
import logging
from pathlib import Path
from typing import Annotated, Any, Callable, NoReturn, TypeVar

import anyio
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ImageContent, ResourceLink, TextContent
from pydantic import Field

import agent.characters
from agent.context import Settings
from agent.errors import InputError
from agent.planning.edit import mask_named
from agent.request import MAX_SEED, RunRequest, build_request, check_user
from agent.run import preview_plan
from agent.surfaces import fields
from agent.surfaces.auth import LOCAL, memory_user, owned_thread
from agent.surfaces.results import one_line, summarize, summary_text
from agent.surfaces.service import Busy, RunFailed, RunService, shared_service
from tools.images import ImageInputError, thumbnail_jpeg
from tools.safety import policy

log = logging.getLogger("limner.mcp")
T = TypeVar("T")

PRINCIPAL = "limner_principal"
"""Key in the HTTP request's ``state`` where the bearer check leaves the caller's name."""
THUMBNAIL_SIDE = 160

Prompt = fields.prompt_text(description="What to draw. Quote text that must appear exactly: 'OPEN'.")
Count = Annotated[int, Field(ge=1, le=8, description="Number of images, 1-8.")]
Size = Annotated[fields.size_text() | None, Field(description="WIDTHxHEIGHT, each side a multiple of 8 from 64 to 2048, "
                                                             "or 'auto' (default: the backend's own, 512x512 for sketch).")]
Backend = Annotated[str | None, Field(description="Backend or profile name: 'limner' (the configured default), "
                                                  "'sketch' (offline storyboard), 'diffusers', 'openai', or a "
                                                  "profile from the server's configuration.")]
_USER = "Whose remembered characters to use (a memory namespace; default: the local user, or the caller's token)."
User = Annotated[fields.name_text("user", _USER) | None, Field(description=_USER)]
_THREAD = ("Conversation id: pass the same value on every call about the same set of images, so a follow-up "
           "revises them.")
Thread = Annotated[fields.name_text("thread", _THREAD) | None, Field(description=_THREAD)]
Seed = Annotated[int | None, Field(ge=0, le=MAX_SEED,
                                   description="Base seed: image i gets seed+i (default: random, reported).")]


def fail(message: object) -> NoReturn:
    raise ToolError(one_line(message))


class Progress:
    """Turns the run's events into MCP progress notifications: a counter that rises with every
    event, and a short message. No total: repairs and denoising steps make the number of
    events unknown in advance, so the message carries the fraction of the current phase."""

    def __init__(self) -> None:
        self.count = 0
        self.batch = 0
        self.done = 0

    def message(self, event: dict[str, Any]) -> str | None:
        kind = event.get("event")
        shot = event.get("shot", 0) + 1
        if kind == "node_start":
            return f"{event.get('node')}: started"
        if kind == "plan":
            return f"plan: {event.get('shots')} shot(s) ({event.get('planner')})"
        if kind == "search":
            return f"search {event.get('status')}"
        if kind == "generate_start":
            self.batch, self.done = event.get("images", 0), 0
            return f"generate: {self.batch} image(s) with {event.get('backend')}"
        if kind == "step":
            return f"generate: step {event.get('step')}/{event.get('total')}"
        if kind == "image":
            self.done += 1
            outcome = "" if event.get("ok") else f" failed: {one_line(event.get('error'), 120)}"
            return f"generate: image {self.done}/{self.batch}{outcome}"
        if kind == "critique":
            failed = [c["name"] for c in event.get("checks", []) if c.get("status") == "fail"]
            return f"critique: shot {shot} " + ("passed" if event.get("passed") else f"failed ({', '.join(failed)})")
        if kind == "repair":
            if event.get("ok"):
                return f"repair shot {shot}: {', '.join(event.get('actions') or []) or 'nothing to do'}"
            return f"repair shot {shot} failed: {one_line(event.get('error'), 120)}"
        if kind == "finalize":
            return "finalize: files written"
        return None  # node_end, screen: nothing a person waits for

    def __call__(self, event: dict[str, Any]) -> tuple[float, str] | None:
        text = self.message(event)
        if text is None:
            return None
        self.count += 1
        return float(self.count), text


def http_owner(ctx: Context) -> str | None:
    """The token name the bearer check left on this call's HTTP request; None over stdio."""
    request = ctx.request_context.request if ctx is not None else None
    if request is None:
        return None
    owner = getattr(request.state, PRINCIPAL, None)
    if owner is None:  # the app was served without the bearer check: refuse rather than guess
        fail("unauthenticated request: the server did not identify the caller")
    return owner


def caller(ctx: Context, settings: Settings, user: str | None) -> str:
    """The memory namespace of this call. Over stdio (no HTTP request) the process belongs to
    its local user: the ``user`` argument or "local". Over HTTP the bearer check has named the
    caller, and ``memory_user`` keeps one token's users apart from another's."""
    if user is not None:
        try:
            check_user(user)
        except InputError as error:
            fail(error)
    owner = http_owner(ctx)
    return user or LOCAL if owner is None else memory_user(settings, owner, user)


def conversation(ctx: Context, settings: Settings, thread: str | None) -> str | None:
    """The checkpoint thread of ``thread``: as given over stdio, the caller's own over HTTP
    (``owned_thread``), so no token can continue another token's conversation."""
    owner = http_owner(ctx) if thread is not None else None
    return thread if owner is None else owned_thread(settings, owner, thread)


def workspace(ctx: Context, settings: Settings) -> Path | None:
    """Over HTTP with tokens, the caller's own folder (``<out_dir>/<token name>``): its runs are
    written there and file arguments must point inside it, so a token can reach neither the
    server's other files nor another token's images. None over stdio and on a loopback server
    without tokens, where the caller is the machine's local user."""
    owner = http_owner(ctx)
    if owner is None or not settings.server_tokens:
        return None
    return (settings.out_dir / owner).resolve()


def confined(paths: list[str], root: Path | None) -> list[str]:
    """``paths`` as given (stdio), or resolved inside ``root`` (HTTP; relative ones from it)."""
    if root is None:
        return paths
    inside = []
    for given in paths:
        path = (root / Path(given).expanduser()).resolve()  # an absolute ``given`` replaces root
        if not path.is_relative_to(root):
            fail(f"{given}: over HTTP, file arguments must be images in your own outputs ({root}); "
                 "generate or edit there first")
        inside.append(str(path))
    return inside


class LimnerTools:
    """The tools, bound to one server's settings and ``RunService``. Runs execute in the
    service's worker threads; other blocking work (validation, a plan, the memory) in a worker
    thread of ``in_thread``, so the event loop keeps answering other requests and sending progress."""

    def __init__(self, settings: Settings, service: RunService | None = None) -> None:
        self.settings = settings
        self.service = service or shared_service(settings)

    async def in_thread(self, fn: Callable[[], T]) -> T:
        """``fn()`` in a worker thread, with every error a caller can cause as a one-line ToolError."""
        from memory.characters import CharacterError  # lazy: the memory package loads langgraph's store

        try:
            return await anyio.to_thread.run_sync(fn)
        except ToolError:
            raise
        except (InputError, ImageInputError, CharacterError) as error:
            fail(error)
        except Exception as error:  # noqa: BLE001 - the promise: one line, never a traceback
            log.debug("tool failure", exc_info=True)
            log.error("tool failure: %s: %s", type(error).__name__, one_line(error))
            fail(f"internal error: {type(error).__name__}: {error}")

    # ---- the tools ---------------------------------------------------------------------------

    async def generate_images(
        self, prompt: Prompt, ctx: Context, n: Count = 1, size: Size = None, backend: Backend = None,
        user: User = None, seed: Seed = None, thread: Thread = None,
    ) -> CallToolResult:
        """Generate images with limner's agent loop: plan the scene, draw every image, check each
        one (exact text by OCR, object counts and colours, prompt alignment) and repair what
        failed. Returns a short summary, a file link and a small JPEG preview per image; the
        PNG files themselves stay on the server's disk. Takes seconds (offline sketch) to
        minutes (diffusion models); progress notifications are sent while it runs. With a
        ``thread``, a later call on the same thread that asks for a change ("make her coat
        blue") revises these images and redraws only what changed."""
        profile = self.profile(backend)
        user_id = caller(ctx, self.settings, user)
        root = workspace(ctx, self.settings)
        thread_id = conversation(ctx, self.settings, thread)
        request = await self.in_thread(lambda: build_request(
            prompt, settings=self.settings, n=n, size=fields.requested_size(size), seed=seed, user_id=user_id,
            out_dir=root, thread_id=thread_id, **profile))
        return await self.run(ctx, request)

    async def edit_image(
        self,
        image_path: Annotated[str, Field(description="Path of the image to edit, on the server's disk. It is only read.")],
        instruction: Annotated[str, Field(description="What to change, e.g. \"add a sign that says 'CLOSED' at the top\".")],
        ctx: Context,
        mask_path: Annotated[str | None, Field(description="Optional mask image: white (or transparent) = the region to edit.")] = None,
        n: Annotated[int, Field(ge=1, le=8, description="Number of edited versions, 1-8.")] = 1,
        backend: Backend = None,
        user: User = None,
        seed: Seed = None,
    ) -> CallToolResult:
        """Edit an existing image: change only what the instruction asks (in the mask, or where
        the instruction says), check the result and repair it. The input file is never
        modified; the edited versions are new files, returned like generate_images returns
        its images."""
        profile = self.profile(backend)
        user_id = caller(ctx, self.settings, user)
        root = workspace(ctx, self.settings)
        inputs = confined([image_path, *([mask_path] if mask_path else [])], root)
        try:
            request = await self.in_thread(lambda: build_request(
                instruction, settings=self.settings, n=n, seed=seed, mode="edit", inputs=inputs[:1],
                mask=inputs[1] if mask_path else None, user_id=user_id, out_dir=root, **profile))
            return await self.run(ctx, request)
        except ToolError as error:  # the core names the CLI's --mask; this tool's argument is mask_path
            raise ToolError(mask_named(str(error), "mask_path")) from None

    async def plan_images(
        self, prompt: Prompt, ctx: Context,
        n: Annotated[int | None, Field(ge=1, le=8, description="Number of shots, 1-8 (default: from the prompt, else 1).")] = None,
        user: User = None,
    ) -> CallToolResult:
        """Show the scene plan limner would draw for a request, without drawing it: per shot
        its prompt, camera, characters, objects (count, colour, box) and exact text elements.
        Fast; use it to check how a request will be understood."""
        user_id = caller(ctx, self.settings, user)

        def plan() -> dict[str, Any]:
            request = build_request(prompt, settings=self.settings, n=n, seed=0, user_id=user_id)
            verdict = policy(self.settings.safety_policy).check(request.prompt)
            if not verdict.allowed:
                fail(f"refused ({verdict.policy} policy): {verdict.reason}")
            scene_plan, notes = preview_plan(request, self.settings)
            for note in notes:
                log.info("%s", note)
            return scene_plan.model_dump(mode="json")

        scene_plan = await self.in_thread(plan)
        text = json.dumps(scene_plan, ensure_ascii=False)
        return CallToolResult(content=[TextContent(text=text)], structured_content=scene_plan)

    async def list_characters(self, ctx: Context, user: User = None) -> CallToolResult:
        """The characters remembered for this user (name, description, attributes, reference
        images), by name. Remembered characters keep the same look across requests that
        name them."""
        user_id = caller(ctx, self.settings, user)

        def listed() -> list[dict[str, Any]]:
            with agent.characters.open_book(self.settings, user_id) as book:
                return [character_json(c) for c in book.list()]

        characters = await self.in_thread(listed)
        names = ", ".join(c["name"] for c in characters) or "none"
        text = f"{len(characters)} character(s): {names}\n" + json.dumps(characters, ensure_ascii=False)
        return CallToolResult(content=[TextContent(text=text)], structured_content={"characters": characters})

    async def remember_character(
        self,
        name: Annotated[str, Field(description="The character's name, e.g. Mira.")],
        description: Annotated[str, Field(description="What they look like, in words.")],
        ctx: Context,
        image_paths: Annotated[list[str], Field(max_length=8, description="Reference images on the server's disk (copied; optional).")] = [],  # noqa: B006 - the SDK copies validated arguments
        user: User = None,
    ) -> CallToolResult:
        """Remember a character for this user, so later requests that name them draw the same
        look (and the critique checks identity against the reference images)."""
        user_id = caller(ctx, self.settings, user)
        images = confined(list(image_paths), workspace(ctx, self.settings))

        def remember() -> dict[str, Any]:
            with agent.characters.open_book(self.settings, user_id) as book:
                return character_json(book.add(name, description, images=images))

        character = await self.in_thread(remember)
        return CallToolResult(content=[TextContent(text=f"remembered {character['name']}")],
                              structured_content=character)

    # ---- shared steps --------------------------------------------------------------------------

    def profile(self, backend: str | None) -> dict[str, Any]:
        """build_request keywords for a backend or profile name; the error names the choices."""
        try:
            return fields.offered_profile(backend, self.settings, field="backend")
        except InputError as error:
            fail(error)

    async def run(self, ctx: Context, request: RunRequest) -> CallToolResult:
        """The request through the ``RunService`` (owner: the token's name over HTTP, "local"
        over stdio); its events reach the client as progress notifications.

        The run never waits for the client: the job keeps its events and this coroutine sends
        them on as it reads them, so a slow client only delays its own notifications."""
        try:
            job = self.service.submit(request, http_owner(ctx) or LOCAL)
        except Busy as error:
            fail(f"busy: {error}")
        if job.status == "queued":
            await notify(ctx, 0.0, "queued: waiting for earlier runs to finish")
        progress = Progress()
        async for _, event in job.stream(heartbeat=None):  # type: ignore[misc] - no heartbeats, no None
            update = progress(event)
            if update is not None:
                await notify(ctx, *update)
        try:
            report = job.result()
        except InputError as error:
            fail(error)
        except RunFailed as error:
            fail(f"internal error: {error}")
        return await self.in_thread(lambda: run_result(report))  # thumbnails: off the loop


async def notify(ctx: Context, value: float, message: str) -> None:
    """One progress notification; a lost one must not lose the run."""
    try:
        await ctx.report_progress(value, None, message)
    except Exception:  # noqa: BLE001 - a gone client: the run goes on, its files are on disk
        log.debug("progress notification not sent", exc_info=True)


def character_json(character: Any) -> dict[str, Any]:
    """A character as the tools show it: without the CLIP embeddings (kilobytes of floats)."""
    data = character.model_dump(mode="json", exclude={"image_embeddings"})
    data["reference_images"] = [str(p) for p in character.reference_images]
    return data


def run_result(report: dict[str, Any]) -> CallToolResult:
    """A run report as a bounded tool result: the summary (text and structured), then per image
    a file link and a ~160 px JPEG preview. Refusals and runs that made nothing are errors."""
    summary = summarize(report)
    if summary["refused"]:
        refused = summary["refused"]
        fail(f"refused ({refused['policy']} policy): {refused['reason']}")
    if summary["requested"] and not summary["made"]:
        errors = [image["error"] for image in summary["images"] if image["error"]]
        fail(f"no image was made: {errors[0] if errors else 'unknown error'} (run {summary['run_id']})")
    content: list[Any] = [TextContent(text=summary_text(report)),
                          TextContent(text=json.dumps(summary, ensure_ascii=False))]
    for image in summary["images"]:
        if not image["path"]:
            continue
        path = Path(image["path"]).resolve()
        content.append(ResourceLink(uri=path.as_uri(), name=path.name, mime_type="image/png",
                                    description=f"image {image['index']} (seed {image['seed']})",
                                    size=path.stat().st_size if path.is_file() else None))
        try:
            thumbnail = thumbnail_jpeg(path, max_side=THUMBNAIL_SIDE)
        except ImageInputError as error:  # the link still stands; the preview is a nicety
            log.warning("no thumbnail for %s: %s", path, error)
            continue
        content.append(ImageContent(data=base64.b64encode(thumbnail).decode("ascii"), mime_type="image/jpeg"))
    return CallToolResult(content=content, structured_content=summary)


def register(server: Any, settings: Settings, service: RunService | None = None) -> LimnerTools:
    """Add the five tools to an ``MCPServer``; their runs go to ``service`` (default: the
    process's ``shared_service(settings)``)."""
    tools = LimnerTools(settings, service)
    for tool in (tools.generate_images, tools.edit_image, tools.plan_images, tools.list_characters,
                 tools.remember_character):
        server.add_tool(tool, description=inspect.cleandoc(tool.__doc__ or ""), structured_output=False)
    return tools
