"""A conversation in the studio: its thread id (follow-ups on it revise the last run) and its
turns. A turn is one request and its run: the progress so far, read from the run's events as
they come (node, images drawn, verdicts, repairs), then the report or the one-line error."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from agent.request import RunRequest
from agent.surfaces.results import one_line
from agent.surfaces.service import Job

Kind = Literal["chat", "plan", "edit"]
QUIET = frozenset({"node_end", "run_start", "screen", "finalize", "run_end"})
"""Events that change nothing the page shows (a run's end shows once its report is in: ``finish``)."""


@dataclass
class Turn:
    """One request of a conversation and its run."""

    kind: Kind
    prompt: str
    run_id: str
    folder: str
    """The run's folder (its files are linked from there)."""
    status: str = "queued"
    """queued, running, done, refused or failed."""
    node: str | None = None
    """The step the run is in."""
    planned: int | None = None
    """Images the run is drawing (from ``generate_start``)."""
    plan_note: str | None = None
    steps: tuple[int, int] | None = None
    drawn: dict[int, str] = field(default_factory=dict)
    """Shot index → the image file as it was drawn (before any repair)."""
    verdicts: dict[int, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    """Repairs and failures, one line each, as they happen."""
    report: dict[str, Any] | None = None
    error: str | None = None
    started: float = field(default_factory=time.time)

    @classmethod
    def of(cls, kind: Kind, prompt: str, request: RunRequest, job: Job) -> "Turn":
        return cls(kind=kind, prompt=prompt, run_id=job.id, folder=str(request.out_dir))

    @property
    def running(self) -> bool:
        return self.status in ("queued", "running")

    def observe(self, event: dict[str, Any]) -> bool:
        """Take in one progress event; whether the page should show something new."""
        kind = event.get("event")
        if kind == "queued":
            self.plan_note = f"waiting for {event['ahead']} run(s) ahead" if event.get("ahead") else None
        elif kind == "run_start":
            self.status = "running"
        elif kind == "node_start":
            self.status, self.node = "running", event.get("node")
        elif kind == "plan":
            changed = event.get("changed")
            self.plan_note = (f"{event.get('shots')} shot(s), planner: {event.get('planner')}"
                              + (f", redrawing {', '.join(str(i + 1) for i in changed)}" if changed else ""))
        elif kind == "generate_start":
            self.planned = event.get("images")
        elif kind == "step":
            self.steps = (event.get("step", 0), event.get("total", 0))
        elif kind == "image":
            shot = int(event.get("shot", 0))
            if event.get("ok"):
                self.drawn[shot] = str(first_version(Path(self.folder), shot))
            else:
                self.notes.append(f"image {shot + 1} was not made: {one_line(str(event.get('error')), 200)}")
        elif kind == "critique":
            self.verdicts[int(event.get("shot", 0))] = bool(event.get("passed"))
        elif kind == "repair":
            shot = int(event.get("shot", 0)) + 1
            self.notes.append(f"repaired image {shot}: {', '.join(event.get('actions') or [])}" if event.get("ok")
                              else f"repair of image {shot} failed: {one_line(str(event.get('error')), 200)}")
        elif kind == "search":
            self.notes.append(f"search {event.get('status')}: {one_line(str(event.get('reason') or ''), 200)}")
        return kind not in QUIET

    def finish(self, job: Job) -> None:
        """The run has ended: keep its report, or its one-line error."""
        self.status = job.status
        self.node = None
        self.report = job.report
        if job.error is not None:
            self.error = one_line(job.error.get("message", "the run failed"), 400)


def first_version(folder: Path, shot: int) -> Path:
    """Where the generate node writes a shot's first version (``agent.nodes.common.work_path``
    with round 0; the studio's tests check the two agree)."""
    return folder / "work" / f"shot-{shot + 1:02d}-r0.png"


@dataclass
class Conversation:
    """One browser tab's conversation: follow-ups on its thread revise the run before."""

    thread: str = field(default_factory=lambda: f"studio-{secrets.token_hex(4)}")
    turns: list[Turn] = field(default_factory=list)
