"""A story's quoted line belongs to its own shot: the critic of every other shot looks for it
and fails the image, with the box, when it is there ("THANK YOU!" painted in all four panels)."""

from __future__ import annotations

from PIL import Image

from fake_ocr import ScriptedEngine
from tools.critics.aggregate import critique_image
from tools.critics.ocr_engines import Reading
from tools.critics.other_shots import check_other_shots_text, texts_of_other_shots
from tools.scene import Box, Shot, TextElement
from tools.typeset import typeset


def _shot(index: int, *texts: str) -> Shot:
    return Shot(index=index, prompt=f"panel {index + 1}",
                texts=[TextElement(text=t, role="bubble", box=Box(x0=0.1, y0=0.05, x1=0.9, y1=0.3)) for t in texts])


def test_each_shot_is_told_the_texts_of_the_others_only() -> None:
    shots = {0: _shot(0), 1: _shot(1, "OK"), 2: _shot(2, "THANK YOU!"), 3: _shot(3, "thank you!")}
    assert texts_of_other_shots(shots) == {0: ["THANK YOU!", "thank you!"], 1: ["THANK YOU!", "thank you!"]}
    assert texts_of_other_shots({0: _shot(0, "SALE"), 1: _shot(1, "SALE")}) == {}  # the same line everywhere


def test_another_shots_text_fails_with_its_box_and_asks_for_a_repaint() -> None:
    image = Image.new("RGB", (200, 100), "white")
    engine = ScriptedEngine([Reading("THANK", (20, 10, 80, 30)), Reading("YOU!", (90, 10, 140, 30))])
    (check,) = check_other_shots_text(image, ["THANK YOU!"], engine=engine)
    assert check.status == "fail" and check.box == [20, 10, 140, 30] and check.found == "THANK YOU!"
    verdict = critique_image(image, _shot(0), foreign_texts=["THANK YOU!"], ocr_engine=engine)  # type: ignore[arg-type]
    assert not verdict.passed and [(r.kind, r.check) for r in verdict.repairs] == [("inpaint", "other_shot_text")]


def test_nothing_of_the_others_here_passes_and_no_foreign_text_reads_nothing() -> None:
    image = Image.new("RGB", (200, 100), "white")
    engine = ScriptedEngine([Reading("RAIN", (20, 10, 80, 30))])
    (check,) = check_other_shots_text(image, ["THANK YOU!"], engine=engine)
    assert check.status == "pass"
    assert check_other_shots_text(image, [], engine=engine) == [] and engine.calls == 1


def test_real_ocr_finds_the_last_panels_line_painted_in_the_first() -> None:
    image = Image.new("RGB", (512, 384), (120, 160, 200))
    image = typeset(image, "THANK YOU!", (96, 40, 416, 140), "bubble", background=(255, 255, 255))
    (check,) = check_other_shots_text(image, ["THANK YOU!"], engine="rapidocr")
    assert check.status == "fail", check.reason
    x0, y0, x1, y1 = check.box
    assert 60 <= x0 < x1 <= 450 and 20 <= y0 < y1 <= 170
    clean = Image.new("RGB", (512, 384), (120, 160, 200))
    assert check_other_shots_text(clean, ["THANK YOU!"], engine="rapidocr")[0].status == "pass"
