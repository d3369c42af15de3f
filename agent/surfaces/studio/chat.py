"""The chat: each message is a request on the conversation's thread, so a follow-up revises
the run before it and redraws only the shots it touches. A run is submitted to the server's
``RunService`` for the caller and followed event by event; each ``Frame`` is what the page
shows at that moment."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterator

from agent.request import RunRequest
from agent.surfaces.studio import render
from agent.surfaces.studio.core import Studio
from agent.surfaces.studio.options import Options
from agent.surfaces.studio.thread import Conversation, Kind, Turn

MIN_INTERVAL_S = 0.1
"""Least time between two progress frames (a burst of events becomes one update)."""


@dataclass(frozen=True)
class Frame:
    """What the page shows: the conversation (kept in the tab's state), the whole thread, the
    action's own turn alone (the plan and edit tabs show it; the error, inline, when the request
    was refused before it ran), the one-line message, and whether a run was started."""

    conversation: Conversation
    thread: str
    latest: str
    message: str
    started: bool


def frame(studio: Studio, conversation: Conversation, current: Turn | None = None, *, error: str | None = None,
          note: str | None = None) -> Frame:
    """The page for ``conversation``, with ``current`` (the turn this action made, if any)."""
    text, kind = (error, "error") if error else (note, "info")
    latest = render.turn(current, studio.links) if current is not None else render.message(error)
    return Frame(conversation, render.thread(conversation, studio.links), latest, render.message(text, kind),
                 current is not None)


def follow(studio: Studio, owner: str, conversation: Conversation, request: RunRequest, *, kind: Kind,
           prompt: str, keep: bool = True) -> Iterator[Frame]:
    """Run ``request`` for ``owner`` and yield a frame whenever the page has something new to show:
    the queued turn at once, its progress (throttled), then the finished batch. ``keep``: the
    turn joins the conversation's thread (an edit's stays in the edit tab alone)."""
    job = studio.service.submit(request, owner)  # Busy: the caller's queue is full (the handler says so)
    current = Turn.of(kind, prompt, request, job)
    if keep:
        conversation.turns.append(current)
    yield frame(studio, conversation, current)
    last = time.monotonic()
    for _, event in job.follow():
        if current.observe(event) and time.monotonic() - last >= MIN_INTERVAL_S:
            yield frame(studio, conversation, current)
            last = time.monotonic()
    current.finish(job)
    yield frame(studio, conversation, current, error=current.error, note=_outcome(current))


def _outcome(turn: Turn) -> str | None:
    report = turn.report
    if report is None:
        return None
    if report.get("refused"):
        return f"refused: {report['refused'].get('reason')}"
    images = report.get("images") or []
    passed = sum(1 for image in images if image.get("passed"))
    return f"run {report['run_id']}: {len(images)} image(s), {passed} passed all checks"


def send(studio: Studio, owner: str, conversation: Conversation | None, prompt: str | None,
         options: Options) -> Iterator[Frame]:
    """A chat message: a new request, or a follow-up to the conversation's last run."""
    conversation = conversation or Conversation()
    # The count applies to the first request; a follow-up keeps the batch it revises.
    request = options.request(studio, owner, prompt or "", thread=conversation.thread,
                              n=None if conversation.turns else options.n)
    yield from follow(studio, owner, conversation, request, kind="chat", prompt=request.prompt)


def new_conversation(studio: Studio) -> Frame:
    """A fresh thread: the next message is a new request, not a follow-up."""
    return frame(studio, Conversation())


def guarded(studio: Studio, conversation: Conversation | None, frames: Iterator[Frame]) -> Iterator[Frame]:
    """``frames``, and for any error the page's one-line message instead of a traceback (the
    conversation stays as it was, so the next request works)."""
    try:
        yield from frames
    except Exception as error:  # noqa: BLE001 - every error is one visible line; the page stays usable
        conversation = conversation if isinstance(conversation, Conversation) else Conversation()
        yield frame(studio, conversation, error=studio.problem(error))
