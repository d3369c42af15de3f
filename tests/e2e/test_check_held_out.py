"""`limner check` on held-out text images: correct text passes, a one-letter misspelling fails.

The acceptance bar of the critics issue: on 40 images of rendered text the critic
passes the correctly spelled text at least 39 times, and on their 40 twins with one
letter substituted, dropped or swapped with its neighbour it fails at least 39 times.
The images are noisy photo-like backgrounds with text in DejaVu Sans, Serif and Mono
(regular and bold), 22–64 px, in colours picked for legibility, plain, outlined or
shadowed (drawn by :mod:`evals.critics`); the texts and seeds appear nowhere else, so
nothing was tuned on them.

A CLI process costs seconds of start-up, so the real ``limner check … --json`` runs on
one pair per kind of misspelling; the full 40 + 40 go through
:func:`agent.checking.check_image`, the function that command calls (80 rapidocr reads,
about 15 s on 2 CPU cores).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.checking import check_image
from evals.defects import FONTS, MISSPELLINGS, PHOTO_SIZES, misspell, photo_text_pair

LIMNER = str(Path(sys.executable).with_name("limner"))

HELD_OUT: tuple[str, ...] = (
    "Maple Street Ferry", "OYSTER BAR", "Juniper Lane", "night owl books", "CRYSTAL CAVERNS",
    "Penny Arcade", "Riverside Tavern", "HONEY & THYME", "Sunday Brunch", "TIDEWATER",
    "Cobblestone Alley", "the velvet lounge", "POLAR EXPRESS", "Meadow Creek", "Falcon Ridge",
    "GINGER SNAP", "Paper Lantern", "Hidden Valley Farm", "WILLOW POND", "Rusty Anchor",
    "Bramble Cottage", "SUMMIT TRAIL", "Indigo Records", "lost and found", "HARVEST MOON",
    "Cinnamon Swirl", "Granite Peak", "SEVEN SEAS", "Mulberry Market", "Whistle Stop",
    "DRIFTWOOD", "Thunder Road", "Lavender Fields", "BACK ALLEY BARBER", "Sparrow Hall",
    "Kingfisher Lake", "GRAND CANYON", "Pepper Mill", "Clockwork Toys", "FOGGY BOTTOM",
)


@dataclass(frozen=True)
class Pair:
    """A held-out text, its misspelling, and the two images (same background, font, place)."""

    text: str
    wrong: str
    kind: str
    correct: Path
    misspelled: Path


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> list[Pair]:
    folder = tmp_path_factory.mktemp("held-out")
    built = []
    for i, text in enumerate(HELD_OUT):
        kind = MISSPELLINGS[i % len(MISSPELLINGS)]
        rng = random.Random(f"held-out:{i}")
        wrong = misspell(text, kind, rng)
        correct, misspelled, _ = photo_text_pair(
            text, wrong, size=PHOTO_SIZES[i % len(PHOTO_SIZES)], font=FONTS[i % len(FONTS)], seed=rng.getrandbits(32)
        )
        pair = Pair(text, wrong, kind, folder / f"{i:02d}-correct.png", folder / f"{i:02d}-{kind}.png")
        correct.save(pair.correct, compress_level=1)  # noisy pixels: full compression costs seconds
        misspelled.save(pair.misspelled, compress_level=1)
        built.append(pair)
    return built


def test_held_out_set_is_what_the_bar_asks_for(pairs: list[Pair]) -> None:
    """40 pairs, every kind of one-letter misspelling, every font, texts unlike each other."""
    assert len(pairs) == 40 and len({p.text for p in pairs}) == 40
    assert {p.kind for p in pairs} == set(MISSPELLINGS)
    assert all(p.wrong != p.text for p in pairs)
    assert all(abs(len(p.wrong) - len(p.text)) <= 1 for p in pairs)


def _cli_check(image: Path, text: str, cwd: Path) -> dict:
    result = subprocess.run([LIMNER, "check", str(image), "--text", text, "--json"], cwd=cwd,
                            capture_output=True, text=True, timeout=300, env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1, result.stdout
    return json.loads(result.stdout)


def test_cli_passes_correct_text_and_fails_each_kind_of_misspelling(pairs: list[Pair], tmp_path: Path) -> None:
    for kind in MISSPELLINGS:
        pair = next(p for p in pairs if p.kind == kind)
        good = _cli_check(pair.correct, pair.text, tmp_path)
        assert good["passed"] is True, (pair.text, good)
        bad = _cli_check(pair.misspelled, pair.text, tmp_path)
        assert bad["passed"] is False, (pair.text, pair.wrong, bad)
        (check,) = [c for c in bad["checks"] if c["name"] == "ocr"]
        assert check["status"] == "fail" and check["expected"] == pair.text


def test_at_least_39_of_40_correct_pass_and_39_of_40_misspelled_fail(pairs: list[Pair]) -> None:
    wrong_verdicts = []
    passed_correct = failed_misspelled = 0
    for pair in pairs:
        good = check_image(pair.correct, texts=[pair.text])
        bad = check_image(pair.misspelled, texts=[pair.text])
        passed_correct += good["passed"]
        failed_misspelled += not bad["passed"]
        if not good["passed"]:
            wrong_verdicts.append(f"{pair.text!r} failed: {good['checks'][0]['reason']}")
        if bad["passed"]:
            wrong_verdicts.append(f"{pair.wrong!r} ({pair.kind}) passed as {pair.text!r}")
    assert passed_correct >= 39 and failed_misspelled >= 39, (passed_correct, failed_misspelled, wrong_verdicts)
