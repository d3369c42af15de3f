"""Finalize writes each image by copying its work PNG and adding the metadata chunks: the same
pixels and metadata as decoding and saving it again, at a fraction of the cost."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tools.provenance import copy_png, read_png_metadata, save_png

METADATA = {"prompt": "a café sign that says 'Ouvert'", "seed": 7, "credits": ["OpenMoji, CC BY-SA 4.0"],
            "limner_version": "0.9.9", "model": None}


def _same(a: Path, b: Path) -> bool:
    with Image.open(a) as one, Image.open(b) as two:
        one.load()
        two.load()
        return one.mode == two.mode and one.tobytes() == two.tobytes() and one.text == two.text


def test_copy_keeps_the_pixels_and_writes_the_metadata_save_png_writes(tmp_path: Path) -> None:
    work = tmp_path / "work.png"
    Image.effect_noise((96, 64), 50).convert("RGB").save(work)
    saved = save_png(Image.open(work).convert("RGB"), tmp_path / "saved.png", METADATA)
    copied = copy_png(work, tmp_path / "copied.png", METADATA)
    assert _same(saved, copied)
    assert read_png_metadata(copied) == {k: v for k, v in METADATA.items() if v is not None}


def test_anything_but_an_rgb_png_is_converted(tmp_path: Path) -> None:
    for name, image in (("rgba.png", Image.new("RGBA", (32, 32), (255, 0, 0, 128))), ("photo.jpg", Image.new("RGB", (32, 32), "blue"))):
        source = tmp_path / name
        image.save(source)
        copied = copy_png(source, tmp_path / f"{name}.out.png", METADATA)
        with Image.open(copied) as result:
            assert result.format == "PNG" and result.mode == "RGB"
        assert read_png_metadata(copied)["seed"] == 7
