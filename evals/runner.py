"""The eval runner: suites are data (name → function), each writes a markdown report."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Callable

from agent.errors import InputError

SUITES: dict[str, str] = {
    "overhead": "evals.overhead",
    "ocr_engines": "evals.ocr_engines",
    "critics": "evals.critics",
    "plans": "evals.plans",
    "diffusers": "evals.diffusers_speed",
    "memory": "evals.memory_search",
    "server_load": "evals.server_load",
    "scale": "evals.scale",
    "sketch": "evals.sketch_gallery",
    "startup": "evals.startup",
    "studio_load": "evals.studio_load",
    "story": "evals.story",
    "story_blind": "evals.story_blind",
}
"""Suite name → module with ``run(out_dir: Path, repeats: int) -> Path`` (the markdown report)."""


def list_suites() -> list[str]:
    return sorted(SUITES)


def run_suite(name: str, *, repeats: int = 5, out_dir: Path = Path("evals/results"), **options: object) -> Path:
    """Run suite ``name``; returns the path of its markdown report. ``options`` (e.g.
    ``engines``) go to suites that take them; a suite that does not is told so clearly."""
    if name not in SUITES:
        raise InputError(f"unknown eval suite {name!r}; choose one of: {', '.join(list_suites())}")
    module = importlib.import_module(SUITES[name])
    suite: Callable[..., Path] = getattr(module, "run_suite")
    accepted = inspect.signature(suite).parameters
    unknown = [key for key, value in options.items() if value is not None and key not in accepted]
    if unknown:
        raise InputError(f"suite {name!r} takes no option {', '.join(unknown)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    given = {key: value for key, value in options.items() if value is not None}
    return suite(out_dir=out_dir, repeats=repeats, **given)
