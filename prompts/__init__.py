"""Prompt files live here as Markdown (``<name>.md``) and are loaded with :func:`load`.

A user overrides a prompt by putting a file of the same name in ``$LIMNER_HOME/prompts``.
``planner.md`` is the LLM planner's prompt.
"""

from __future__ import annotations

import os
from pathlib import Path
from string import Template

_HERE = Path(__file__).parent


class PromptNotFound(FileNotFoundError):
    """No prompt file of that name, neither overridden nor bundled."""


def load(name: str, **variables: str) -> str:
    """The prompt ``name`` with ``$variables`` substituted (missing ones are an error)."""
    home = Path(os.environ.get("LIMNER_HOME") or Path.home() / ".limner").expanduser()
    for folder in (home / "prompts", _HERE):
        path = folder / f"{name}.md"
        if path.is_file():
            return Template(path.read_text(encoding="utf-8")).substitute(variables)
    raise PromptNotFound(f"no prompt {name!r} in {home / 'prompts'} or {_HERE}")
