"""`limner edit`: the user's own image, changed only where asked, checked, repaired; bad input
is a clear error and never touches the user's files."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

LIMNER = str(Path(sys.executable).with_name("limner"))


def limner(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LIMNER, *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> tuple[Path, Path]:
    """A photo-like picture (gradient sky, a wall, a door, sensor noise) and a mask above the door."""
    folder = tmp_path_factory.mktemp("photo")
    image = Image.new("RGB", (640, 480))
    draw = ImageDraw.Draw(image)
    for y in range(480):
        draw.line([(0, y), (640, y)], fill=(150 + y // 8, 170 + y // 10, 200 - y // 12))
    draw.rectangle([120, 140, 520, 480], fill=(170, 120, 90))
    draw.rectangle([270, 300, 370, 480], fill=(90, 60, 40))
    noise = np.random.default_rng(0).normal(0, 6, (480, 640, 3))
    Image.fromarray(np.clip(np.asarray(image, float) + noise, 0, 255).astype("uint8")).save(folder / "photo.png")
    mask = Image.new("L", (640, 480), 0)
    ImageDraw.Draw(mask).rectangle([200, 200, 440, 290], fill=255)
    mask.save(folder / "door.png")
    return folder / "photo.png", folder / "door.png"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict | None]:
    result = limner("edit", *args, "--json", "--out", str(tmp_path / "out"), cwd=tmp_path)
    return result, (json.loads(result.stdout) if result.returncode in (0, 1) and result.stdout else None)


def test_add_a_sign_above_the_door_offline(photo, tmp_path: Path) -> None:
    image, mask = photo
    before = _digest(image), _digest(mask)
    result, report = _run(tmp_path, str(image), "add a sign that says 'CLOSED ON SUNDAYS' above the door",
                          "--mask", str(mask))
    assert result.returncode == 0, result.stderr
    assert report["mode"] == "edit" and report["passed"] and tuple(report["size"]) == (640, 480)
    (edited,) = report["images"]
    checks = {c["name"]: c for c in edited["checks"]}
    assert checks["ocr"]["status"] == "pass" and checks["ocr"]["found"] == "CLOSED ON SUNDAYS"
    assert checks["preserve"]["status"] == "pass" and checks["preserve"]["score"] >= 0.995
    # Outside the mask (plus at most 8 px of feathering) the pixels are the input's.
    original = np.asarray(Image.open(image).convert("RGB"), dtype=np.int16)
    out = np.asarray(Image.open(edited["path"]).convert("RGB"), dtype=np.int16)
    outside = np.ones((480, 640), bool)
    outside[200 - 8 : 291 + 8, 200 - 8 : 441 + 8] = False
    assert np.abs(out - original)[outside].max() <= 2
    assert (_digest(image), _digest(mask)) == before  # the user's files are only read
    run_dir = Path(edited["path"]).parent
    assert (run_dir / "inputs" / "00-photo.png").is_file() and (run_dir / "inputs" / "mask.png").is_file()


def test_recolour_crop_and_extend_offline(photo, tmp_path: Path) -> None:
    image, mask = photo
    door = Image.new("L", (640, 480), 0)
    ImageDraw.Draw(door).rectangle([270, 300, 370, 479], fill=255)
    door.save(tmp_path / "door-only.png")
    result, report = _run(tmp_path, str(image), "make the door blue", "--mask", str(tmp_path / "door-only.png"))
    assert result.returncode == 0, result.stderr
    checks = {c["name"]: c["status"] for c in report["images"][0]["checks"]}
    assert checks["color"] == "pass" and checks["preserve"] == "pass"

    result, report = _run(tmp_path, str(image), "crop it to 16:9")
    assert result.returncode == 0 and Image.open(report["images"][0]["path"]).size == (640, 360)
    result, report = _run(tmp_path, str(image), "extend the canvas to 16:9")
    assert result.returncode == 0, result.stderr
    extended = Image.open(report["images"][0]["path"])
    assert extended.size == (853, 480) and report["passed"]


def test_rgba_and_wrong_size_masks(photo, tmp_path: Path) -> None:
    image, _ = photo
    rgba = Image.new("RGBA", (320, 240), (0, 0, 0, 255))
    ImageDraw.Draw(rgba).rectangle([100, 20, 220, 80], fill=(0, 0, 0, 0))  # transparent = edit
    rgba.save(tmp_path / "half.png")
    result, report = _run(tmp_path, str(image), "write 'SALE' here", "--mask", str(tmp_path / "half.png"))
    assert result.returncode == 0, result.stderr
    assert "mask read as RGBA (transparent = edit)" in report["log"]
    assert "mask resized from 320x240 to the image's 640x480" in report["log"]
    box = report["plan"]["edit"]["region"]
    assert abs(box["x0"] - 200 / 640) < 0.01 and abs(box["y0"] - 40 / 480) < 0.01


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.png", "add 'HI' at the top"], "input: "),
        (["junk.png", "add 'HI' at the top"], "not a readable image"),
        (["PHOTO", "give the wall a mural of a whale"], "the sketch backend cannot do"),
        (["PHOTO", "make the door blue"], "recolouring needs a region: pass --mask"),
        (["PHOTO", "add 'HI' at the top", "--mask", "empty.png"], "selects nothing"),
        (["add 'HI' at the top"], "at least one image"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_touches_nothing(photo, tmp_path: Path, args: list[str], message: str) -> None:
    image, _ = photo
    (tmp_path / "junk.png").write_bytes(b"this is not a png")
    Image.new("L", (640, 480), 0).save(tmp_path / "empty.png")
    before = _digest(image)
    result = limner("edit", *[str(image) if a == "PHOTO" else a for a in args], "--out", str(tmp_path / "out"),
                    cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().startswith("error:") and message in result.stderr
    assert "Traceback" not in result.stderr and _digest(image) == before


@pytest.mark.slow
def test_tiny_diffusers_inpaint_edit_end_to_end(photo, tmp_path: Path) -> None:
    from tools.testing.tiny_pipeline import save_tiny_sd_pipeline

    image, mask = photo
    small = tmp_path / "small.png"
    Image.open(image).resize((128, 96)).save(small)
    small_mask = tmp_path / "small-mask.png"
    Image.open(mask).resize((128, 96)).save(small_mask)
    model = save_tiny_sd_pipeline(tmp_path / "tiny")
    result, report = _run(tmp_path, str(small), "replace the wall above the door with ivy", "--mask", str(small_mask),
                          "--backend", "diffusers", "--model", str(model), "--steps", "2", "--seed", "5")
    assert result.returncode == 0, result.stderr
    (edited,) = report["images"]
    checks = {c["name"]: c for c in edited["checks"]}
    assert checks["preserve"]["status"] == "pass" and report["passed"]
    assert Image.open(edited["path"]).size == (128, 96)
