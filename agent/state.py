"""Typed graph state. ``InputState`` is what a caller gives; ``State`` is what nodes share.

Images never live in the state: nodes write PNG files into the run folder and keep their
paths, so checkpoints stay small and a resumed run finds its images on disk.

The state holds plain JSON data: the model-valued keys are ``JsonValue`` channels, which store
what a node returns as ``model_dump(mode="json")`` would write it, and ``State`` rebuilds the
models each time a step's state is built. So a checkpoint needs no class allowlist —
LangGraph's server checkpointer reads it in strict mode (``LANGGRAPH_STRICT_MSGPACK=true``) as
well as limner's own — a parent graph receives plain data, and building a step's state is
pure validation: no file is read and no id or seed is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Sequence, TypeVar

from langgraph.channels import LastValue
from pydantic import BaseModel, ConfigDict, Field, InstanceOf
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import to_jsonable_python

from agent.intake import RequestInput
from agent.request import RunRequest
from tools.critics.coverage import Drawing
from tools.scene import (
    Box,
    Character,
    CheckResult,
    Critique,
    EditSpec,
    Relation,
    RepairAction,
    SceneObject,
    ScenePlan,
    Shot,
    TextElement,
)


class RepairRecord(BaseModel):
    """One repair applied to one image: what, why, and the before/after files."""

    round: int
    kind: str
    check: str
    target: str | None = None
    box: list[int] | None = None
    before: str
    after: str
    seed: int | None = None
    """The new seed, for a regenerate repair."""


class ImageRecord(BaseModel):
    """The current version of one shot's image."""

    shot: int
    seed: int
    path: str | None = None
    """Working PNG (absolute); None when generation of this shot failed."""
    error: str | None = None
    """Why the image is missing, when it is."""
    critique: Critique | None = None
    repairs: list[RepairRecord] = Field(default_factory=list)
    credits: list[str] = Field(default_factory=list)
    """Attributions for assets drawn into this image (e.g. OpenMoji clip-art)."""
    usage: dict[str, Any] = Field(default_factory=dict)
    """What a hosted backend said the request for this image used (tokens, cost), as sent."""
    drawing: Drawing | None = None
    """What the backend drew, object by object, as art or as a labelled placeholder (the
    ``sketch`` backend says; None for backends that do not): judged by the coverage check."""

    @property
    def placeholders(self) -> list[str]:
        """Planned objects drawn as labelled placeholder boxes (none for backends that draw no boxes)."""
        return self.drawing.placeholders if self.drawing is not None else []

    @property
    def passed(self) -> bool:
        return self.path is not None and (self.critique is None or self.critique.passed)


class SearchReport(BaseModel):
    """What the search node did; its notes are data for the planner, never instructions."""

    status: str
    """"done", "skipped", "failed" or "timeout"."""
    reason: str = ""
    """One line saying why, whenever status is not "done"."""
    queries: list[str] = Field(default_factory=list)
    notes: list[dict[str, str]] = Field(default_factory=list)
    """Cleaned text results: ``title``, ``snippet`` (quoted data, length-capped), ``url``, ``query``."""
    images: list[dict[str, str]] = Field(default_factory=list)
    """Image results: ``url``, ``source`` (the page), ``title``, ``query``; never downloaded."""
    seconds: float = 0.0


RESET = "__reset__"
"""A reducer value starting with this replaces instead of adding: a new run on a thread
starts its log and timings afresh."""


def add_log(left: list[str], right: list[str]) -> list[str]:
    if right and right[0] == RESET:
        return list(right[1:])
    return [*(left or []), *(right or [])]


def add_timings(left: dict[str, float], right: dict[str, float]) -> dict[str, float]:
    """Node timings add up: a node that runs twice (critique) reports its total."""
    if right and RESET in right:
        return {k: round(v, 4) for k, v in right.items() if k != RESET}
    merged = dict(left or {})
    for node, seconds in (right or {}).items():
        merged[node] = round(merged.get(node, 0.0) + seconds, 4)
    return merged


class JsonValue(LastValue):
    """A last-value channel that holds JSON data: a node's models (and paths, tuples) are stored
    as ``model_dump(mode="json")`` would write them, so checkpoints, stream values and a parent
    graph's copy are plain data; ``State`` turns them back into models for the next node."""

    def update(self, values: Sequence[Any]) -> bool:
        return super().update([to_jsonable_python(value) for value in values])


class InputState(BaseModel):
    """What a caller passes to the graph: ``{"request": {"prompt": "...", "n": 2}}``.

    JSON callers (``langgraph dev`` clients, a parent graph) send the fields of ``RequestInput``;
    the graph's first node checks them, with the run's settings, into a ``RunRequest``. Python
    callers that validated their request already (``agent.run``) pass that ``RunRequest``."""

    model_config = ConfigDict(use_attribute_docstrings=True, title="LimnerInput")

    request: RequestInput | SkipJsonSchema[InstanceOf[RunRequest]]
    """The request: ``prompt`` is required; everything else has the run's settings as default."""


@dataclass(kw_only=True)
class State:
    """Everything the nodes share."""

    request: RunRequest
    """The validated request (prompt, n, size, seeds, backend, mode, budget, run folder): made
    once per run by the ``accept`` node from what the caller sent and stored as JSON data (until
    then, that input as sent; None after input ``accept`` refused)."""
    accepted: str | None = None
    """Run id of the request ``accept`` made last: a ``request`` still carrying it on a new run
    is the previous run's, not new input."""
    rejected: dict[str, Any] | None = None
    """Why ``accept`` refused the input (``message``, ``param``); ``reject`` fails the run with it."""
    plan: Annotated[ScenePlan | None, JsonValue] = None
    """The scene plan; None in raw mode."""
    shots: Annotated[list[Shot], JsonValue] = field(default_factory=list)
    """The shots sent to the backend (from the plan, or bare prompts in raw mode)."""
    search: Annotated[SearchReport | None, JsonValue] = None
    images: Annotated[list[ImageRecord], JsonValue] = field(default_factory=list)
    """One record per shot, in shot order, always the latest version."""
    rounds: int = 0
    """Repair rounds taken so far."""
    timings: Annotated[dict[str, float], add_timings] = field(default_factory=dict)
    """Seconds spent per node."""
    log: Annotated[list[str], add_log] = field(default_factory=list)
    """Human-readable notes of what happened (fallbacks, skipped steps)."""
    report: Annotated[dict[str, Any] | None, JsonValue] = None
    """The run report (run.json contents), set by finalize."""
    refused: Annotated[dict[str, Any] | None, JsonValue] = None
    """Set by screen when the safety policy refuses the request: reason, categories, policy."""
    previous: Annotated[dict[str, Any] | None, JsonValue] = None
    """A follow-up on a thread: the previous run's ``run_id``, ``plan`` (ScenePlan) and
    ``images`` (ImageRecords)."""
    revision: Annotated[dict[str, Any] | None, JsonValue] = None
    """What a follow-up changed: instruction, changes, changed shots, previous run."""

    def __post_init__(self) -> None:
        # The channels hold JSON data (see JsonValue): the nodes get models back. Validation only.
        if isinstance(self.request, dict) and "run_id" in self.request:
            self.request = RunRequest.model_validate(self.request)
        self.plan = _model(ScenePlan, self.plan)
        self.shots = [_model(Shot, shot) for shot in self.shots]
        self.search = _model(SearchReport, self.search)
        self.images = [_model(ImageRecord, record) for record in self.images]
        if self.previous is not None:
            self.previous = {**self.previous, "plan": _model(ScenePlan, self.previous.get("plan")),
                             "images": [_model(ImageRecord, r) for r in self.previous.get("images") or []]}


M = TypeVar("M", bound=BaseModel)


def _model(cls: type[M], value: M | dict[str, Any] | None) -> M | None:
    return cls.model_validate(value) if isinstance(value, dict) else value


CHECKPOINT_TYPES: list[tuple[str, str]] = [
    (cls.__module__, cls.__name__)
    for cls in (
        RunRequest, ScenePlan, Shot, SceneObject, TextElement, Character, Box, CheckResult,
        Critique, RepairAction, RepairRecord, ImageRecord, SearchReport, EditSpec, Relation,
    )
]
"""Types limner's checkpointer may rebuild (LangGraph refuses unknown ones in strict mode): the
state's own keys are JSON data, but the input step records what the caller passed — a Python
caller's ``RunRequest`` — and checkpoints written before the state was JSON hold models."""
