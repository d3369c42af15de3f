from __future__ import annotations

import pytest

import prompts


def test_user_prompt_overrides_and_substitutes(isolated_env) -> None:
    folder = isolated_env / "prompts"
    folder.mkdir(parents=True)
    (folder / "greet.md").write_text("Plan $count shots.")
    assert prompts.load("greet", count="4") == "Plan 4 shots."
    with pytest.raises(KeyError):
        prompts.load("greet")
    with pytest.raises(prompts.PromptNotFound):
        prompts.load("no-such-prompt")
