"""story_blind: the ``story`` suite on its held-out set (figures only, no prompts or misses)."""

from __future__ import annotations

from pathlib import Path

from evals.story import run_blind_suite


def run_suite(out_dir: Path, repeats: int = 5) -> Path:
    return run_blind_suite(out_dir, repeats=repeats)
