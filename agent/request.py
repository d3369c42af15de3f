"""RunRequest: one validated request, the same for every surface (CLI, HTTP, MCP, bots)."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.context import Settings
from agent.errors import InputError
from agent.planning.edit import check_edit_request
from tools.generators.base import available, options_model
from tools.scene import ScenePlan

Mode = Literal["agent", "raw", "edit"]
MAX_IMAGES = 8
MIN_SIDE, MAX_SIDE = 64, 2048
_SIZE = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")
MAX_SEED = 2**32 - 1
MIN_INPUT_SIDE = 32
"""Smallest side of an image to edit: outputs keep the input's size, and below this the
drawing steps have no room (a 1x1 or 16-pixel-high input crashed the sketch backend)."""


def parse_size(text: str) -> tuple[int, int]:
    """``"768x512"`` → (768, 512); each side a multiple of 8 from 64 to 2048."""
    match = _SIZE.match(str(text))
    if not match:
        raise InputError(f"size {text!r} is not WIDTHxHEIGHT, e.g. 512x512", param="size")
    width, height = int(match[1]), int(match[2])
    for side in (width, height):
        if not MIN_SIDE <= side <= MAX_SIDE or side % 8:
            raise InputError(
                f"size {text!r}: each side must be a multiple of 8 from {MIN_SIDE} to {MAX_SIDE}", param="size"
            )
    return width, height


def new_run_id() -> str:
    """Sortable and unique enough for concurrent runs: UTC time plus 6 hex digits."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


class RunRequest(BaseModel):
    """Everything one run needs to know; stored in the graph state (so a resume needs nothing else)."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    n: int | None = None
    """Number of images; None lets the planner read it from the prompt (default 1)."""
    size: tuple[int, int] = (512, 512)
    seed: int = Field(ge=0, le=MAX_SEED)
    """Image i gets seed + i."""
    backend: str = "sketch"
    model: str | None = None
    steps: int | None = None
    backend_options: dict[str, Any] = Field(default_factory=dict)
    """Validated options for the backend's ``Options`` model (beyond model and steps)."""
    mode: Mode = "agent"
    inputs: tuple[str, ...] = ()
    """Edit mode: the user's images (absolute paths; the first is edited), only ever read."""
    mask: str | None = None
    """Edit mode: the user's mask (white = edit, or RGBA transparent = edit)."""
    max_rounds: int = 2
    run_id: str = Field(default_factory=new_run_id)
    out_dir: Path
    """The run's own folder: ``<settings.out_dir>/<run_id>``, absolute."""
    user_id: str = "local"
    thread_id: str | None = None
    """A conversation: runs on the same thread continue from each other (follow-ups)."""
    plan: ScenePlan | None = None
    """A plan to draw as it is (the studio's edited plan): the planner does not run, and the
    batch is its shots. None: the run plans ``prompt``."""

    def seeds(self, count: int) -> list[int]:
        return [(self.seed + i) % (MAX_SEED + 1) for i in range(count)]


_USER = re.compile(r"[A-Za-z0-9_.@:+-]{1,128}")


def check_user(user_id: str) -> None:
    """A user id names a memory namespace: plain characters only, so ids cannot collide or nest."""
    if not isinstance(user_id, str) or not _USER.fullmatch(user_id):
        raise InputError(f"user id {user_id!r} must be 1-128 letters, digits or _.@:+- characters", param="user")


def given_plan(plan: ScenePlan | dict[str, Any] | None, n: int | None, mode: Mode) -> ScenePlan | None:
    """A plan the caller wrote, checked as a ``ScenePlan``; InputError naming the fields at
    fault (the first three) otherwise. A given plan is drawn in agent mode, with its own count."""
    if plan is None:
        return None
    if mode != "agent":
        raise InputError(f"a plan is drawn in agent mode, not in {mode} mode", param="plan")
    try:
        checked = plan if isinstance(plan, ScenePlan) else ScenePlan.model_validate(plan)
    except ValidationError as error:
        problems = []
        for item in error.errors()[:3]:
            where = ".".join(str(part) for part in ("plan", *item["loc"]))
            problems.append(f"{where}: {re.sub(r'^(Value|Assertion) error, ', '', item['msg'])}")
        raise InputError(f"bad plan: {'; '.join(problems)}", param="plan") from None
    if n is not None and n != len(checked.shots):
        raise InputError(f"n is {n} but the plan has {len(checked.shots)} shot(s): leave n out, or match it",
                         param="n")
    return checked


def check_options(backend: str, options: dict[str, Any]) -> None:
    """Refuse options the backend does not take, before any work starts."""
    if not options:
        return
    from pydantic import ValidationError

    if "model" in options or "steps" in options:
        raise InputError("model and steps are not backend options: pass --model / --steps")
    try:
        options_model(backend)(**options)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}" for e in error.errors())
        raise InputError(f"bad option for backend {backend!r}: {problems}") from None


def build_request(
    prompt: str,
    *,
    settings: Settings,
    n: int | None = None,
    size: str | tuple[int, int] | None = None,
    seed: int | None = None,
    backend: str | None = None,
    model: str | None = None,
    steps: int | None = None,
    mode: Mode = "agent",
    max_rounds: int | None = None,
    out_dir: str | Path | None = None,
    user_id: str = "local",
    backend_options: dict[str, Any] | None = None,
    inputs: list[str | Path] | None = None,
    mask: str | Path | None = None,
    thread_id: str | None = None,
    plan: ScenePlan | dict[str, Any] | None = None,
) -> RunRequest:
    """Validate user input into a RunRequest, raising ``InputError`` with a fix-it message."""
    # 1. The prompt: present, bounded.
    if prompt is None or not str(prompt).strip():
        raise InputError("the prompt is empty: describe the images you want", param="prompt")
    prompt = str(prompt).strip()
    if not prompt.isascii():  # a lone surrogate (a JSON "\ud800", undecodable argv bytes) cannot be stored or drawn
        try:
            prompt.encode("utf-8")
        except UnicodeEncodeError as error:
            raise InputError(f"the prompt is not valid Unicode text: it holds a lone surrogate at character "
                             f"{error.start + 1}; send UTF-8", param="prompt") from None
    if len(prompt) > settings.max_prompt_chars:
        raise InputError(
            f"the prompt has {len(prompt)} characters; the limit is {settings.max_prompt_chars} "
            "(LIMNER_MAX_PROMPT_CHARS)", param="prompt"
        )
    # 2. Counts, sizes, seeds.
    if n is not None and not 1 <= n <= MAX_IMAGES:
        raise InputError(f"n must be from 1 to {MAX_IMAGES}, got {n}", param="n")
    if isinstance(size, tuple):
        size = f"{size[0]}x{size[1]}"
    width_height = parse_size(size or settings.size) if (size or settings.size) else None
    if seed is None:
        seed = secrets.randbelow(2**31)
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"seed must be from 0 to {MAX_SEED}, got {seed}", param="seed")
    if steps is not None and not 1 <= steps <= 200:
        raise InputError(f"steps must be from 1 to 200, got {steps}", param="steps")
    rounds = settings.max_rounds if max_rounds is None else max_rounds
    if not 0 <= rounds <= 10:
        raise InputError(f"max_rounds must be from 0 to 10, got {rounds}", param="max_rounds")
    # 3. The backend must exist before any work starts.

    backend = backend or settings.backend
    if backend not in available():
        raise InputError(f"unknown backend {backend!r}; choose one of: {', '.join(available())}", param="backend")
    options = {**settings.backend_options, **(backend_options or {})}
    check_options(backend, options)
    if width_height is None:  # neither asked nor configured: what the backend is made for

        width_height = options_model(backend).default_size
    check_user(user_id)
    if thread_id is not None and not _USER.fullmatch(thread_id):
        raise InputError(f"thread id {thread_id!r} must be 1-128 letters, digits or _.@:+- characters", param="thread")
    # 4. Edit mode: the inputs must be readable images; outputs keep the first one's size.
    input_paths, mask_path, input_size = check_edit_request(mode, prompt, inputs, mask, backend=backend,
                                                            segmenter=settings.segmenter, max_inputs=MAX_IMAGES)
    if input_size is not None:
        if min(input_size) < MIN_INPUT_SIDE:
            raise InputError(f"the input image is {input_size[0]}x{input_size[1]}; edits need at least "
                             f"{MIN_INPUT_SIDE}x{MIN_INPUT_SIDE} pixels", param="image")
        width_height = input_size
    # 5. A given plan: a valid ScenePlan, and the batch is its shots.
    scene_plan = given_plan(plan, n, mode)
    if scene_plan is not None:
        n = len(scene_plan.shots)
    run_id = new_run_id()
    root = Path(out_dir) if out_dir is not None else settings.out_dir
    return RunRequest(
        prompt=prompt,
        n=n,
        size=width_height,
        seed=seed,
        backend=backend,
        model=model or settings.model,
        steps=steps or settings.steps,
        backend_options=options,
        mode=mode,
        inputs=tuple(input_paths),
        mask=mask_path,
        max_rounds=rounds,
        run_id=run_id,
        out_dir=(root / run_id).resolve(),
        user_id=user_id,
        thread_id=thread_id,
        plan=scene_plan,
    )
