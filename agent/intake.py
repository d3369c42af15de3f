"""What a LangGraph caller sends — ``{"request": {"prompt": "...", "n": 2}}`` — checked once, at
the graph's entry, into one ``RunRequest``.

``RequestInput`` is the schema LangGraph advertises for the graph (``langgraph dev``'s
assistants, Studio's form, a parent graph's key): only ``prompt`` is required, every other
field is optional and documented. ``request_from_input`` checks every field at once (so a
request with two mistakes hears about both), then completes it with the run's settings (the
LangGraph context) through ``build_request``, which decides the run id, the seed and the run
folder — once per run.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agent.context import Settings
from agent.errors import InputError, one_line
from agent.request import MAX_IMAGES, MAX_SEED, Mode, RunRequest, build_request, parse_size
from tools.generators.base import available
from tools.scene import ScenePlan

_ID = r"^[A-Za-z0-9_.@:+-]{1,128}$"
EXAMPLE = '{"request": {"prompt": "a red apple", "n": 2}}'


class RequestInput(BaseModel):
    """One request as a LangGraph client sends it; the run's settings fill in the rest."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, title="Request")

    prompt: str
    """What to draw, in plain words: subjects, how many of each, colours, setting, style, and
    any exact text in quotes (a poster that says 'SALE'). On a thread that already ran, a
    follow-up change ("make the balloons blue") revises the last run's images."""
    n: int | None = Field(default=None, ge=1, le=MAX_IMAGES)
    """How many images (1-8); none: the count the prompt gives ("four panels"), else 1."""
    size: str | None = Field(default=None, examples=["512x512", "768x512"])
    """WIDTHxHEIGHT, each side a multiple of 8 from 64 to 2048; none: the context's ``size``,
    else the backend's own."""
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    """Image i gets seed + i: the same seed gives the same image; none: a random base seed,
    recorded in the report."""
    backend: str | None = None
    """Image backend (``sketch``, ``diffusers``, ``openai``, or a plugin's); none: the context's."""
    model: str | None = None
    """Model id or local path for backends that load one; none: the context's, else the backend's."""
    steps: int | None = Field(default=None, ge=1, le=200)
    """Denoising steps for iterative backends; none: the context's, else the backend's."""
    backend_options: dict[str, Any] = Field(default_factory=dict)
    """Options of the backend's ``Options`` model, added to the context's (unknown keys are an error)."""
    mode: Mode = "agent"
    """``agent`` (plan, draw, check, repair), ``raw`` (the prompt verbatim, no plan or checks) or
    ``edit`` (edit ``inputs``; the prompt is the instruction)."""
    inputs: list[str] = Field(default_factory=list, max_length=MAX_IMAGES)
    """Edit mode: paths of the images to edit, on the machine that runs the graph (only read)."""
    mask: str | None = None
    """Edit mode: path of a mask (white = edit, or RGBA transparent = edit)."""
    max_rounds: int | None = Field(default=None, ge=0, le=10)
    """Repair budget: critique → repair rounds; none: the context's ``max_rounds``."""
    out_dir: str | None = None
    """Folder that receives the run's folder ``<out_dir>/<run id>/``; none: the context's ``out_dir``."""
    user_id: str = Field(default="local", pattern=_ID)
    """Whose remembered characters the run may use (a memory namespace)."""
    thread_id: str | None = Field(default=None, pattern=_ID)
    """Recorded in the report as the conversation; none: the LangGraph thread the run is on."""
    plan: ScenePlan | None = None
    """A scene plan to draw as it is (one edited by hand, or an earlier run's ``plan``): the
    planner does not run and the batch is its shots; none: the run plans the prompt."""

    @field_validator("prompt")
    @classmethod
    def _not_blank(cls, prompt: str) -> str:
        if not prompt.strip():
            raise ValueError("the prompt is empty: describe the images you want")
        return prompt

    @field_validator("size")
    @classmethod
    def _size(cls, size: str | None) -> str | None:
        if size is not None:
            parse_size(size)  # its InputError (a ValueError) becomes this field's error
        return size

    @field_validator("backend")
    @classmethod
    def _backend(cls, backend: str | None) -> str | None:
        if backend is not None and backend not in available():
            raise ValueError(f"unknown backend {backend!r}; choose one of: {', '.join(available())}")
        return backend


def _problems(error: ValidationError) -> tuple[str, str | None]:
    """Every problem of a validation as one line (``request.n: …; request.prompt: …``) and the
    first field at fault."""
    problems, first = [], None
    for item in error.errors():
        where = ".".join(str(part) for part in ("request", *item["loc"]))
        first = first or (str(item["loc"][0]) if item["loc"] else None)
        message = re.sub(r"^(Value|Assertion) error, ", "", item["msg"])
        if item["type"] == "extra_forbidden":
            message = "unknown request field"
        elif item["type"] not in ("missing", "value_error"):
            message += f" (got {one_line(repr(item.get('input')), 60)})"
        problems.append(f"{where}: {message}")
    return "; ".join(problems), first


def request_from_input(raw: Any, settings: Settings, *, thread_id: str | None = None) -> RunRequest:
    """The RunRequest for a caller's ``request`` value: every field problem in one InputError
    (naming the fields), then the checks that need the settings (prompt length, backend
    options, edit inputs). ``thread_id`` is the LangGraph thread the run is on, recorded
    unless the request names another. Reads files only in edit mode (the inputs): call it
    from a node, which LangGraph runs off the event loop."""
    if raw is None:
        raise InputError(f"request: missing; send the request as {EXAMPLE}", param="request")
    if isinstance(raw, RequestInput):  # a Python caller's InputState(request={...}), checked on construction
        raw = raw.model_dump(exclude_unset=True)
    if not isinstance(raw, dict):
        raise InputError(f"request: must be an object with at least a prompt, e.g. {EXAMPLE}; "
                         f"got {type(raw).__name__} {one_line(repr(raw), 60)}", param="request")
    try:
        asked = RequestInput.model_validate(raw)
    except ValidationError as error:
        message, field = _problems(error)
        raise InputError(f"bad request: {message}", param=field) from None
    fields = asked.model_dump(exclude_unset=True)
    if thread_id is not None and re.fullmatch(_ID, thread_id):  # a host's thread id of other characters stays unrecorded
        fields.setdefault("thread_id", thread_id)
    return build_request(settings=settings, **fields)
