"""How many shots a request gets, and how sibling shots differ when the request does not say."""

from __future__ import annotations

from agent.planning.rules import Constraints
from agent.request import RunRequest

# How sibling shots of one request differ when the request does not say.
VARIATIONS = [
    "wide shot, eye level",
    "medium shot, slightly from the left",
    "close-up, centred",
    "low angle, looking up",
    "high angle, looking down",
    "three-quarter view from the right",
    "side view, soft depth",
    "detail shot, shallow depth of field",
]
SEQUENCE_STYLES = {"comic", "manga", "storyboard"}


def shot_count(request: RunRequest, constraints: Constraints) -> int:
    """``-n`` wins over the prompt; then the prompt's own count; then its spelt-out shots; then one."""
    # A plan holds at most 8 shots; "999 images" in a prompt asks for the most we draw.
    return request.n or min(8, constraints.image_count or len(constraints.shots) or 1)
