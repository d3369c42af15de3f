"""Fuzzing the extractor: any request up to the prompt size limit yields constraints, never a crash."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.planning.rules import extract

WORDS = ["a", "two", "red", "cat", "left", "of", "on", "no", "'", '"', "「", "one", "in", "and", ":", "teddy",
         "bears", "pair", "of", "16:9", "images", "the", "without", ",", "“", "»", "twenty", "99"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=4000))
def test_extract_never_crashes_on_any_text(prompt: str) -> None:
    constraints = extract(prompt)
    assert all(1 <= o.count <= 20 for o in constraints.objects)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join))
def test_extract_never_crashes_on_prompt_like_text(prompt: str) -> None:
    constraints = extract(prompt)
    assert all(t.text.strip() for t in constraints.texts)
