"""coverage: the share of the plan drawn with real art, and what it never repairs."""

from __future__ import annotations

from PIL import Image

from tools.critics.aggregate import critique_image, critique_images
from tools.critics.coverage import INFO_KEY, Drawing, DrawnObject, check_coverage
from tools.generators.sketch import SketchGenerator
from tools.scene import Box, SceneObject, Shot

CAT = SceneObject(name="cat", box=Box(x0=0.55, y0=0.4, x1=0.95, y1=0.9))
ZORBLAX = SceneObject(name="zorblax", box=Box(x0=0.05, y0=0.4, x1=0.45, y1=0.9))


def _copies(name: str, count: int, art: bool) -> list[DrawnObject]:
    return [DrawnObject(name=name, art=art, box=[10 * k, 10, 10 * k + 8, 18]) for k in range(count)]


def _shot(*objects: SceneObject, characters: tuple[str, ...] = ()) -> Shot:
    return Shot(index=0, prompt="p", objects=list(objects), characters=list(characters))


def test_everything_drawn_with_art_passes_with_full_score() -> None:
    shot = _shot(CAT, SceneObject(name="apple", count=3), characters=("mira",))
    drawing = Drawing(objects=_copies("cat", 1, True) + _copies("apple", 3, True), characters=["mira"])
    result = check_coverage(shot, drawing)
    assert (result.status, result.score) == ("pass", 1.0)
    assert drawing.placeholders == [] and result.found is None


def test_a_counted_placeholder_fails() -> None:
    shot = _shot(CAT, SceneObject(name="zorblax", count=3))
    drawing = Drawing(objects=_copies("cat", 1, True) + _copies("zorblax", 3, False))
    result = check_coverage(shot, drawing)
    assert result.status == "fail" and result.score == 0.5
    assert "3 zorblax" in result.reason and result.box == [0, 10, 8, 18]
    assert drawing.placeholders == ["zorblax"]


def test_a_planned_object_not_drawn_fails() -> None:
    shot = _shot(CAT, SceneObject(name="dog"))
    result = check_coverage(shot, Drawing(objects=_copies("cat", 1, True)))
    assert result.status == "fail" and result.score == 0.5 and "not drawn at all: dog" in result.reason


def test_a_planned_character_not_drawn_fails() -> None:
    result = check_coverage(_shot(CAT, characters=("mira",)), Drawing(objects=_copies("cat", 1, True)))
    assert result.status == "fail" and "mira" in result.reason


def test_a_single_placeholder_passes_with_a_lower_score_and_is_named() -> None:
    shot = _shot(CAT, ZORBLAX, SceneObject(name="apple", count=2), characters=("mira",))
    drawing = Drawing(objects=_copies("cat", 1, True) + _copies("zorblax", 1, False) + _copies("apple", 2, True),
                      characters=["mira"])
    result = check_coverage(shot, drawing)
    assert result.status == "pass" and result.score == 0.75
    assert "zorblax" in result.reason and result.found == "zorblax"


def test_nothing_planned_passes() -> None:
    assert check_coverage(_shot(), Drawing()).score == 1.0


def test_the_sketch_backend_reports_its_placeholders() -> None:
    """The real renderer: a noun without clip-art is a labelled box, and the drawing says so."""
    shot = _shot(ZORBLAX, CAT)
    (image,) = SketchGenerator().generate([shot], (256, 256), [5])
    drawing = image.info[INFO_KEY]
    assert [(o.name, o.art) for o in drawing.objects] == [("zorblax", False), ("cat", True)]
    assert drawing.placeholders == ["zorblax"]
    assert check_coverage(shot, drawing).score == 0.5


def test_a_coverage_failure_suggests_no_repair() -> None:
    shot = _shot(SceneObject(name="zorblax", count=3, box=ZORBLAX.box))
    verdict = critique_image(Image.new("RGB", (64, 64), "white"), shot,
                             drawing=Drawing(objects=_copies("zorblax", 3, False)))
    assert not verdict.passed and verdict.repairs == []
    assert [c.name for c in verdict.checks if c.status == "fail"] == ["coverage"]


def test_coverage_is_skipped_with_a_reason_without_a_drawing() -> None:
    image = Image.new("RGB", (64, 64), "white")
    assert "coverage" not in [c.name for c in critique_image(image, _shot(CAT)).checks]
    ((_, verdict),) = critique_images({0: image}, {0: _shot(CAT)}, drawings={0: None})
    (check,) = [c for c in verdict.checks if c.name == "coverage"]
    assert check.status == "skipped" and "sketch" in check.reason
