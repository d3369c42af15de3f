"""Real weights, for users with the model in their hub cache or a network (and ideally a GPU).

Skipped unless LIMNER_REAL_MODEL names a model; run them with, for example:

    LIMNER_REAL_MODEL=stabilityai/sd-turbo .venv/bin/python -m pytest -m real_weights tests/e2e/test_diffusers_real_weights.py

They check what the tiny random pipeline cannot: that the images are pictures of the prompt
(OCR reads a short sign), and that coherence and inpainting keep their promises on real weights.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from tools.typeset import box_mask
from tools.generators.base import create
from tools.scene import ScenePlan, Shot

MODEL = os.environ.get("LIMNER_REAL_MODEL")
pytestmark = [
    pytest.mark.real_weights,
    pytest.mark.slow,
    pytest.mark.skipif(not MODEL, reason="set LIMNER_REAL_MODEL (e.g. stabilityai/sd-turbo) to run real-weight tests"),
]
SIZE = (512, 512)


@pytest.fixture(scope="module")
def generator():
    return create("diffusers", model=MODEL)


def test_seed_reproduces_across_batch_positions(generator) -> None:
    shots = [Shot(index=i, prompt="a red apple on a wooden table, photo") for i in range(3)]
    batch = generator.generate(shots, SIZE, [10, 11, 12])
    alone = generator.generate([shots[2]], SIZE, [12])[0]
    assert np.abs(np.asarray(batch[2], dtype=int) - np.asarray(alone, dtype=int)).max() <= 8  # half precision


def test_coherent_batch_and_inpaint_outside_mask(generator) -> None:
    plan = ScenePlan(request="a fox", shots=[Shot(index=i, prompt=f"a red fox in a forest, view {i}") for i in range(3)])
    images = generator.generate(plan.shots, SIZE, [1, 2, 3], plan=plan)
    mask = box_mask(SIZE, (128, 128, 384, 384), feather_px=8)
    edited = generator.edit(images[1], mask, "a blue butterfly", seed=5)
    outside = np.asarray(mask) == 0
    assert np.abs(np.asarray(edited, dtype=int) - np.asarray(images[1], dtype=int))[outside].max() == 0


def test_a_short_sign_is_readable() -> None:
    from tools.critics.ocr import check_texts
    from tools.scene import TextElement

    image = create("diffusers", model=MODEL).generate(
        [Shot(index=0, prompt='a wooden sign that says "OPEN", photo')], SIZE, [3])[0]
    (result,) = check_texts(image, [TextElement(text="OPEN", role="sign")])
    assert result.status == "pass", result.reason
