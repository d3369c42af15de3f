"""The plan: see the scene plan a request would start from (readable as a table, editable as
JSON: shots, texts, objects, colours, light…), and "draw this plan": a run that draws the edited
plan as it is (``RunRequest.plan``). A plan that is not valid JSON or not a valid ``ScenePlan`` is
one line naming the field at fault."""

from __future__ import annotations

import json
from typing import Any, Iterator

from agent.errors import InputError
from agent.request import given_plan
from agent.run import preview_plan
from agent.surfaces.studio import render
from agent.surfaces.studio.chat import Frame, follow
from agent.surfaces.studio.core import Studio
from agent.surfaces.studio.options import Options
from agent.surfaces.studio.thread import Conversation
from tools.scene import ScenePlan

SHOWN_EMPTY = {"plan": ("style", "setting", "light", "palette", "characters", "negatives"),
               "shot": ("texts", "objects", "characters", "light", "time_of_day", "weather", "setting")}
"""Fields kept in the editable JSON even when empty, so that they can be filled in."""
COMPUTED = {"needs_search", "queries"}
"""The plan JSON's other names of ``needs_facts`` and ``search_queries`` (read-only: left out)."""


def editable_json(plan: ScenePlan) -> str:
    """The plan as the editor shows it: empty fields left out (except those worth filling in),
    box corners to three decimals."""
    data = plan.model_dump(mode="json", exclude=COMPUTED)
    shown = _tidy(data, SHOWN_EMPTY["plan"])
    shown["shots"] = [_tidy(shot, SHOWN_EMPTY["shot"]) for shot in data["shots"]]
    return json.dumps(shown, indent=2, ensure_ascii=False)


def _tidy(value: Any, keep: tuple[str, ...] = ()) -> Any:
    if isinstance(value, dict):
        return {key: _tidy(item) for key, item in value.items() if item not in (None, [], {}, "") or key in keep}
    if isinstance(value, list):
        return [_tidy(item) for item in value]
    return round(value, 3) if isinstance(value, float) else value


def preview(studio: Studio, owner: str, prompt: str | None, options: Options) -> tuple[str, str, str]:
    """The plan ``prompt`` would start from, without drawing: (JSON for the editor, the readable
    table, the message)."""
    request = options.request(studio, owner, prompt or "")
    plan, notes = preview_plan(request, studio.settings)
    note = "; ".join(notes) if notes else f"{len(plan.shots)} shot(s) planned: edit the plan, then draw it"
    return editable_json(plan), render.plan_summary(plan.model_dump(mode="json"), folded=False), \
        render.message(note, "info")


def parse(text: str | None) -> dict[str, Any]:
    """The editor's text as a JSON object; InputError saying where it is not."""
    if not text or not text.strip():
        raise InputError("the plan is empty: plan a request first, or paste a plan", param="plan")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"the plan is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
                         param="plan") from None
    if not isinstance(data, dict):
        raise InputError("the plan must be a JSON object with 'request' and 'shots'", param="plan")
    return data


def draw(studio: Studio, owner: str, conversation: Conversation | None, text: str | None,
         options: Options) -> Iterator[Frame]:
    """Draw the edited plan as it is, on the conversation's thread (a follow-up can revise it)."""
    conversation = conversation or Conversation()
    data = parse(text)
    prompt = data.get("request") if isinstance(data.get("request"), str) and data["request"].strip() else "edited plan"
    request = options.request(studio, owner, prompt, thread=conversation.thread, plan=data, n=None)
    yield from follow(studio, owner, conversation, request, kind="plan", prompt=prompt)


def readable(text: str | None) -> str:
    """The editor's plan as it stands: its table, or the one line saying what is wrong with it."""
    if not text or not text.strip():
        return ""
    try:
        plan = given_plan(parse(text), None, "agent")
    except InputError as error:
        return render.message(str(error))
    return render.plan_summary(plan.model_dump(mode="json"), folded=False)
