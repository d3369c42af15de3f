"""aggregate: how check verdicts become a Critique and repair actions."""

from __future__ import annotations

from PIL import Image, ImageDraw

from tools.critics.aggregate import critique_image, missing_image_critique
from tools.critics.ocr_engines import Reading, register_engine
from tools.scene import Box, CheckResult, SceneObject, Shot, TextElement


class ScriptedReader:
    """An OCR engine that reads whatever the test says is written."""

    name = "scripted"
    reading: list[Reading] = []

    def read(self, image: Image.Image) -> list[Reading]:
        return list(self.reading)


register_engine("scripted", ScriptedReader)
SIGN = TextElement(text="OPEN DAILY", role="sign", box=Box(x0=0.1, y0=0.1, x1=0.9, y1=0.3))
BALL = SceneObject(name="ball", color="red", box=Box(x0=0.3, y0=0.4, x1=0.7, y1=0.9))


def _image(ball_colour: tuple[int, int, int]) -> Image.Image:
    image = Image.new("RGB", (200, 200), (235, 235, 230))
    ImageDraw.Draw(image).ellipse((70, 90, 130, 170), fill=ball_colour)
    return image


def test_everything_right_passes_without_repairs() -> None:
    ScriptedReader.reading = [Reading("OPEN DAILY", (30, 25, 170, 55))]
    verdict = critique_image(_image((220, 30, 30)), Shot(index=0, prompt="p", texts=[SIGN], objects=[BALL]), ocr_engine="scripted")
    assert verdict.passed and verdict.repairs == []
    assert [c.name for c in verdict.checks] == ["ocr", "color"]


def test_each_failure_gets_its_targeted_repair() -> None:
    ScriptedReader.reading = [Reading("OPEN DALY", (30, 25, 170, 55))]
    clip_fail = CheckResult(name="clip", status="fail", score=0.1, reason="a distractor matched better")
    clip_skip = CheckResult(name="clip_negative", status="skipped", reason="no weights")
    verdict = critique_image(
        _image((30, 70, 220)), Shot(index=2, prompt="p", texts=[SIGN], objects=[BALL]),
        ocr_engine="scripted", extra_checks=[clip_fail, clip_skip],
    )
    assert not verdict.passed and verdict.shot == 2
    kinds = [(r.kind, r.check) for r in verdict.repairs]
    assert kinds == [("retypeset", "ocr"), ("inpaint", "color"), ("regenerate", "clip")]
    retypeset = verdict.repairs[0]
    assert retypeset.target == "OPEN DAILY" and retypeset.box == [20, 20, 180, 60]  # the planned box, in pixels
    assert verdict.repairs[1].box == [60, 80, 140, 180]


def test_skipped_checks_never_fail_an_image() -> None:
    ScriptedReader.reading = []
    verdict = critique_image(_image((220, 30, 30)), Shot(index=0, prompt="p"), ocr_engine="scripted",
                             extra_checks=[CheckResult(name="clip", status="skipped", reason="no weights")])
    assert verdict.passed and {c.status for c in verdict.checks} == {"skipped"}


def test_missing_image_is_regenerated() -> None:
    verdict = missing_image_critique(3, "RuntimeError: out of memory")
    assert not verdict.passed and [(r.kind, r.check) for r in verdict.repairs] == [("regenerate", "generate")]
