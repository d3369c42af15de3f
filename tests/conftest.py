"""Shared fixtures: every test gets its own LIMNER_HOME and output folder, never the user's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# No test may reach a model hub or the web.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in list(os.environ):
        if key.startswith("LIMNER_"):
            monkeypatch.delenv(key)
    home = tmp_path / "limner-home"
    monkeypatch.setenv("LIMNER_HOME", str(home))
    monkeypatch.setenv("LIMNER_OUT_DIR", str(tmp_path / "out"))
    monkeypatch.chdir(tmp_path)
    return home


@pytest.fixture
def settings(tmp_path: Path):
    from agent.context import Settings

    return Settings(home=tmp_path / "limner-home", out_dir=tmp_path / "out")


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny models run fastest on one thread: a second gains nothing, and when another process
    holds a core, OpenMP's spin-waiting makes each tiny convolution ~20x slower (1.7 vs 32 ms).
    Modules that run tiny torch models use it with ``pytestmark = pytest.mark.usefixtures(...)``."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
