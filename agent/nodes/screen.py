"""screen: the safety policy reads the request before anything is planned or drawn.

A refusal is a result, not an error: the run goes straight to finalize, which writes a
run.json with ``refused`` (reason, categories, policy) and no images.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Settings
from agent.nodes.common import emit, settings_of, timed
from agent.state import RESET, State
from tools.safety import policy


def fresh_run(state: State) -> dict[str, Any]:
    """A new request on a thread that already ran: the last run becomes ``previous`` (what a
    follow-up revises) and everything run-specific starts over."""
    if state.report is None:
        return {}
    previous = {"run_id": state.report["run_id"], "plan": state.plan, "images": state.images}
    return {"previous": previous, "plan": None, "shots": [], "search": None, "images": [], "rounds": 0,
            "report": None, "refused": None, "revision": None, "log": [RESET], "timings": {RESET: 0.0}}


def screen(state: State, runtime: Runtime[Settings]) -> dict[str, Any]:
    reset = fresh_run(state)
    update = _screened(state, runtime)
    if reset:  # the reset markers lead, this run's own entries follow
        update = {**reset, **update, "timings": {**reset["timings"], **update["timings"]},
                  "log": [RESET, *update.get("log", [])]}
    return update


@timed("screen")
def _screened(state: State, runtime: Runtime[Settings]) -> dict[str, Any]:
    settings = settings_of(runtime)
    verdict = policy(settings.safety_policy).check(state.request.prompt)
    emit("screen", allowed=verdict.allowed, policy=verdict.policy)
    if verdict.allowed:
        return {}
    refusal = {"reason": verdict.reason, "categories": verdict.categories, "policy": verdict.policy}
    return {"refused": refusal, "log": [f"refused by the {verdict.policy} policy: {verdict.reason}"]}
