"""Safe image loading, PNG provenance metadata, contact sheets."""

from __future__ import annotations

import pytest
from PIL import Image

from tools.contact import contact_sheet
from tools.images import ImageInputError, load_image
from tools.provenance import read_png_metadata, save_png


def test_metadata_round_trip(tmp_path) -> None:
    path = save_png(Image.new("RGB", (64, 64)), tmp_path / "a.png", {
        "prompt": "a café sign “Été”", "seed": 7, "backend": "sketch", "model": None, "credits": ["OpenMoji"],
        "limner_version": "0.1.0",
    })
    meta = read_png_metadata(path)
    assert meta == {"prompt": "a café sign “Été”", "seed": 7, "backend": "sketch", "credits": ["OpenMoji"],
                    "limner_version": "0.1.0"}
    with Image.open(path) as png:
        assert png.text["Software"] == "limner 0.1.0"


def test_load_image_refuses_bad_files(tmp_path) -> None:
    (tmp_path / "text.png").write_text("hello")
    (tmp_path / "trunc.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 30)
    Image.new("RGB", (300, 300)).save(tmp_path / "big.png")
    good = tmp_path / "good.png"
    Image.new("RGB", (40, 30), (255, 0, 0)).save(good)
    for name, message in [("missing.png", "no such file"), ("text.png", "not a readable image"),
                          ("trunc.png", "image")]:
        with pytest.raises(ImageInputError, match=message):
            load_image(tmp_path / name)
    with pytest.raises(ImageInputError, match="pixels"):
        load_image(tmp_path / "big.png", max_pixels=10_000)
    assert load_image(good).size == (40, 30)


def test_load_image_applies_exif_orientation(tmp_path) -> None:
    image = Image.new("RGB", (40, 20))
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    image.save(tmp_path / "rot.jpg", exif=exif)
    assert load_image(tmp_path / "rot.jpg").size == (20, 40)


def test_contact_sheet_marks_missing_images() -> None:
    sheet = contact_sheet([Image.new("RGB", (512, 512), (0, 0, 255)), None], ["01", "02"])
    assert sheet.width > 2 * 256 and sheet.getpixel((12 + 128, 12 + 128)) == (0, 0, 255)
