"""Typed graph state. ``InputState`` is what a caller gives; ``State`` is what nodes share.

Images never live in the state: nodes write PNG files into the run folder and keep their
paths, so checkpoints stay small and a resumed run finds its images on disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, Field

from agent.request import RunRequest
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
from agent.request import request_from_input


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


@dataclass(kw_only=True)
class InputState:
    """What a caller passes to the graph."""

    request: RunRequest
    """The validated request (prompt, n, size, seeds, backend, mode, budget, run folder)."""

    def __post_init__(self) -> None:
        # Hosts that speak JSON (LangGraph's server) hand the request over as a dict.
        if isinstance(self.request, dict):
            self.request = request_from_input(self.request)


@dataclass(kw_only=True)
class State(InputState):
    """Everything the nodes share."""

    plan: ScenePlan | None = None
    """The scene plan; None in raw mode."""
    shots: list[Shot] = field(default_factory=list)
    """The shots sent to the backend (from the plan, or bare prompts in raw mode)."""
    search: SearchReport | None = None
    images: list[ImageRecord] = field(default_factory=list)
    """One record per shot, in shot order, always the latest version."""
    rounds: int = 0
    """Repair rounds taken so far."""
    timings: Annotated[dict[str, float], add_timings] = field(default_factory=dict)
    """Seconds spent per node."""
    log: Annotated[list[str], add_log] = field(default_factory=list)
    """Human-readable notes of what happened (fallbacks, skipped steps)."""
    report: dict[str, Any] | None = None
    """The run report (run.json contents), set by finalize."""
    refused: dict[str, Any] | None = None
    """Set by screen when the safety policy refuses the request: reason, categories, policy."""
    previous: dict[str, Any] | None = None
    """A follow-up on a thread: the previous run's id, plan and images."""
    revision: dict[str, Any] | None = None
    """What a follow-up changed: instruction, changes, changed shots, previous run."""


CHECKPOINT_TYPES: list[tuple[str, str]] = [
    (cls.__module__, cls.__name__)
    for cls in (
        RunRequest, ScenePlan, Shot, SceneObject, TextElement, Character, Box, CheckResult,
        Critique, RepairAction, RepairRecord, ImageRecord, SearchReport, EditSpec, Relation,
    )
]
"""Types the checkpointer may rebuild from a checkpoint (LangGraph refuses unknown ones)."""
