"""How sibling shots differ when the request does not say."""

from __future__ import annotations

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

