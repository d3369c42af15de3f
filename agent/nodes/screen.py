"""screen: the safety policy reads the request before anything is planned or drawn.

A refusal is a result, not an error: the run goes straight to finalize, which writes a
run.json with ``refused`` (reason, categories, policy) and no images.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.context import Settings
from agent.nodes.common import emit, timed
from agent.state import State
from tools.safety import policy


@timed("screen")
def screen(state: State, runtime: Runtime[Settings]) -> dict[str, Any]:
    settings = runtime.context or Settings()
    verdict = policy(settings.safety_policy).check(state.request.prompt)
    emit("screen", allowed=verdict.allowed, policy=verdict.policy)
    if verdict.allowed:
        return {}
    refusal = {"reason": verdict.reason, "categories": verdict.categories, "policy": verdict.policy}
    return {"refused": refusal, "log": [f"refused by the {verdict.policy} policy: {verdict.reason}"]}
