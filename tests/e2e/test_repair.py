"""The critique → repair loop with the real OCR critic and the real renderer."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from agent.request import build_request
from agent.run import run
from tools.generators.base import register
from tools.generators.sketch import SketchGenerator, SketchOptions
from tools.scene import Shot


class MisspellingSketch(SketchGenerator):
    """The sketch backend drawing every text of shot 1 misspelled (BREAD → BRED)."""

    def generate(self, shots: list[Shot], size, seeds, plan=None) -> list[Image.Image]:
        def misspell(shot: Shot) -> Shot:
            if shot.index != 1:
                return shot
            texts = [t.model_copy(update={"text": t.text.replace("BREAD", "BRED")}) for t in shot.texts]
            return shot.model_copy(update={"texts": texts})

        return super().generate([misspell(s) for s in shots], size, seeds, plan=plan)


register("misspelling-sketch", SketchOptions, MisspellingSketch)
BAKERY = "A poster for a bakery that says 'FRESH BREAD DAILY' with three red balloons"


def test_misspelled_text_is_retypeset_and_passes(settings) -> None:
    request = build_request(BAKERY, settings=settings, n=3, seed=7, backend="misspelling-sketch")
    report = run(request, settings=settings)
    first, broken, third = report["images"]
    assert report["rounds"] == 1 and report["passed"] is True
    # Only the broken image was touched.
    assert first["repairs"] == [] and third["repairs"] == []
    (repair,) = broken["repairs"]
    assert repair["kind"] == "retypeset" and repair["target"] == "FRESH BREAD DAILY" and repair["round"] == 1
    assert Path(repair["before"]).name == "shot-02-r0.png" and Path(repair["after"]).name == "shot-02-r1.png"
    assert broken["checks"][0]["status"] == "pass" and broken["passed"] is True
    # The first critique saw the misspelling and located it.
    work = Path(repair["before"]).parent
    assert not (work / "shot-01-r1.png").exists()
    assert repair["box"] is not None and len(repair["box"]) == 4


def test_unfixable_text_stops_at_the_budget(settings) -> None:
    """Tamil is outside the bundled font and OCR: repair cannot fix it, so the loop must stop."""
    request = build_request("a shop sign that says 'தமிழ் கடை'", settings=settings, n=2, seed=1, max_rounds=2)
    report = run(request, settings=settings)
    assert report["rounds"] == 2 and report["passed"] is False
    for image in report["images"]:
        assert [r["round"] for r in image["repairs"]] == [1, 2]
        assert image["checks"][0]["status"] == "fail" and image["path"]
