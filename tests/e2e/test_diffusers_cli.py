"""The diffusers backend through the `limner` command, on a tiny random-weight pipeline folder:
the issue's headline commands, exactly as a user types them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.slow

LIMNER = str(Path(sys.executable).with_name("limner"))
PROMPT = "a lighthouse on a cliff at dusk"


def limner(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # tiny convolutions: one thread is fastest
    return subprocess.run([LIMNER, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    from tools.testing.tiny_pipeline import save_tiny_sd_pipeline

    return save_tiny_sd_pipeline(tmp_path_factory.mktemp("tiny-sd") / "pipe")


def _run(cwd: Path, model: Path, *args: str) -> dict:
    cwd.mkdir(parents=True, exist_ok=True)
    result = limner("generate", *args, "--backend", "diffusers", "--model", str(model), "--steps", "2",
                    "--size", "64x64", "--json", "--out", str(cwd / "out"), cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Loading pipeline components" not in result.stderr
    return json.loads(result.stdout)


def _pixels(path: str) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def test_raw_batch_of_eight_and_one_seed_reproduces_image_six(tiny_model: Path, tmp_path: Path) -> None:
    batch = _run(tmp_path, tiny_model, PROMPT, "-n", "8", "--raw", "--seed", "100")
    assert [image["seed"] for image in batch["images"]] == list(range(100, 108))
    pixels = [_pixels(image["path"]) for image in batch["images"]]
    assert all(p.shape == (64, 64, 3) for p in pixels)
    assert all(np.abs(pixels[i] - pixels[j]).max() > 10 for i in range(8) for j in range(i + 1, 8))  # 8 distinct
    single = _run(tmp_path, tiny_model, PROMPT, "-n", "1", "--raw", "--seed", "105")
    assert single["images"][0]["seed"] == 105
    assert np.abs(_pixels(single["images"][0]["path"]) - pixels[5]).max() <= 2


def test_agent_coherent_run_repeats_itself(tiny_model: Path, tmp_path: Path) -> None:
    # Random weights draw noise, so the sign's text fails OCR: the run repairs (retypeset, then a
    # low-strength inpaint to blend), and the repeated run must repeat those repairs too.
    args = ("three images of a red fox named Mira holding a sign that says 'HELLO'", "--seed", "42", "--max-rounds", "1")
    first, second = (_run(tmp_path / name, tiny_model, *args) for name in ("a", "b"))
    assert first["mode"] == "agent" and len(first["images"]) == 3
    assert all(image["repairs"] for image in first["images"])
    for a, b in zip(first["images"], second["images"]):
        assert a["seed"] == b["seed"] and a["passed"] == b["passed"]
        assert [r["kind"] for r in a["repairs"]] == [r["kind"] for r in b["repairs"]]
        assert np.abs(_pixels(a["path"]) - _pixels(b["path"])).max() <= 2
