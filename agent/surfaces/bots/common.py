"""What the Slack and Discord bots share: the command text made into a request, the memory
namespace of a chat user, delivery once a run is done and the words of every reply. Runs go to
the process's ``RunService`` (``agent.surfaces.service.shared_service``), as MCP's and the
LangChain tool's do.

Command text: the text is the prompt (the planner reads "three images of…" itself), after
optional leading options ``n=2``, ``size=768x512``, ``seed=7`` — e.g.
``/limner n=2 size=768x512 a fox reading a map``. Only those three words are options; any
other word starts the prompt, so "e=mc2 on a blackboard" stays a prompt.

Memory namespace (the run's ``user_id``, and its ``RunService`` owner): ``slack:<team>:<user>``
and ``discord:<guild>:<user>`` (``discord:dm:<user>`` outside a guild). A person's characters
are theirs in one workspace or guild only, and one chatty user queues behind their own runs,
not everyone's.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from agent.context import Settings
from agent.errors import InputError
from agent.request import MAX_IMAGES, MAX_SEED, RunRequest, build_request, check_user
from agent.surfaces import fields
from agent.surfaces.results import made_paths, one_line, summary_text
from agent.surfaces.service import Busy, Job

log = logging.getLogger("limner.bots")

OPTIONS_USAGE = "[n=2] [size=768x512] [seed=7] PROMPT"
_OPTION = re.compile(r"\s*(n|size|seed)=(\S+)(?:\s+|$)", re.IGNORECASE)


# ---- the request ---------------------------------------------------------------------------

def parse_command(text: str) -> tuple[str, dict[str, Any]]:
    """``"n=2 size=768x512 a fox"`` → ``("a fox", {"n": 2, "size": "768x512"})``; InputError for
    a repeated option or a count/seed that is not a whole number. Sizes are checked later, by
    ``build_request``, with its own message."""
    options: dict[str, Any] = {}
    rest = text or ""
    while match := _OPTION.match(rest):
        key, value = match[1].lower(), match[2]
        if key in options:
            raise InputError(f"{key} is given twice; usage: {OPTIONS_USAGE}")
        if key in ("n", "seed"):
            if not fields.is_digits(value):  # ASCII digits, bounded: '²'.isdigit() is true, int('²') fails
                raise InputError(f"{key}={value}: {key} must be a whole number"
                                 + (f" from 1 to {MAX_IMAGES}" if key == "n" else f" from 0 to {MAX_SEED}"))
            options[key] = int(value)
        else:
            options[key] = value
        rest = rest[match.end():]
    return rest.strip(), options


def make_request(prompt: str, *, settings: Settings, user_id: str, usage: str, n: int | None = None,
                 size: str | None = None, seed: int | None = None, thread_id: str | None = None) -> RunRequest:
    """A validated request for ``user_id``'s prompt (on conversation ``thread_id``, when the chat
    has one); InputError (one line, with ``usage`` when the prompt is missing) otherwise."""
    if not (prompt or "").strip():
        raise InputError(f"the prompt is empty: describe the images you want, e.g. {usage}")
    return build_request(prompt, settings=settings, n=n, size=size, seed=seed, user_id=user_id, thread_id=thread_id)


def namespace(platform: str, space: str | int | None, user: str | int) -> str:
    """``platform:space:user``, the memory namespace and queue owner of one chat user; InputError
    when the platform sent ids that cannot name one (they are alphanumeric on both platforms)."""
    user_id = f"{platform}:{space}:{user}"
    check_user(user_id)
    return user_id


def slack_namespace(team_id: str | None, user_id: str) -> str:
    if not team_id:
        raise InputError("Slack sent no workspace id with this request")
    return namespace("slack", team_id, user_id)


def discord_namespace(guild_id: int | None, user_id: int) -> str:
    return namespace("discord", guild_id if guild_id is not None else "dm", user_id)


# ---- the runs -------------------------------------------------------------------------------

def when_done(job: Job, deliver: Callable[[Job], None]) -> threading.Thread:
    """Call ``deliver(job)`` in a thread of its own once the job has finished: the chat library's
    event loop or listener pool never waits for a run, and a run's worker slot is never held by
    a slow upload. A failing delivery is logged (there is no one left to tell)."""
    def wait_and_deliver() -> None:
        job.wait()
        try:
            deliver(job)
        except Exception:  # noqa: BLE001 - a gone channel or revoked token must not kill the bot
            log.exception("could not deliver run %s", job.id)

    thread = threading.Thread(target=wait_and_deliver, name=f"deliver-{job.id}", daemon=True)
    thread.start()
    return thread


# ---- the reply ------------------------------------------------------------------------------

def error_text(error: BaseException) -> str:
    """The one line a chat user sees for a request that could not run (never a traceback)."""
    if isinstance(error, InputError):
        return one_line(f"error: {error}")
    if isinstance(error, Busy):
        return one_line(f"busy: {error}")
    return one_line(f"error: something went wrong ({error.__class__.__name__}); the bot's log has the details")


@dataclass(frozen=True)
class Reply:
    """What a bot says about a finished job, and the files it attaches."""

    text: str
    images: list[Path] = field(default_factory=list)
    """The images that were made, in shot order (empty for refusals and failures)."""
    contact_sheet: Path | None = None
    finished: bool = False
    """True when the run finished (whatever its checks said); False for refusals and failures."""


def reply_for(job: Job) -> Reply:
    """The summary (``summary_text``) and images of a done job; the refusal or the failure as one
    line otherwise."""
    if job.status == "done" and job.report is not None:
        sheet = job.report.get("contact_sheet")
        return Reply(summary_text(job.report), [Path(p) for p in made_paths(job.report)],
                     Path(sheet) if sheet else None, finished=True)
    if job.status == "refused" and job.report is not None:
        return Reply(one_line(summary_text(job.report)))
    error = job.error or {"type": "server_error", "message": f"the run ended as {job.status}"}
    if error["type"] == "invalid_request_error":
        return Reply(one_line(f"error: {error['message']}"))
    return Reply(one_line(f"the run failed: {error['message']}"))


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a line end where possible (chat messages are capped)."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - 1)
    return text[: cut if cut > 0 else limit - 1] + "…"
