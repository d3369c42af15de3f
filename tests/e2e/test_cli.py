"""The `limner` command end to end, as a user runs it: streams, files, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tools.provenance import read_png_metadata

LIMNER = str(Path(sys.executable).with_name("limner"))
BAKERY = "A poster for a bakery that says 'FRESH BREAD DAILY' with three red balloons"


def limner(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LIMNER, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=os.environ.copy())


@pytest.fixture(scope="module")
def bakery_run(tmp_path_factory) -> tuple[dict, subprocess.CompletedProcess]:
    """The issue's headline run, once for the module."""
    cwd = tmp_path_factory.mktemp("bakery")
    result = limner("generate", BAKERY, "-n", "4", "--seed", "7", "--json", "--out", str(cwd / "out"), cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result


def test_stdout_is_exactly_one_json_document(bakery_run) -> None:
    report, result = bakery_run
    assert result.stdout.count("\n") == 1 and result.stdout.strip().startswith("{")
    assert "Traceback" not in result.stderr


def test_four_images_with_metadata_and_a_four_shot_plan(bakery_run) -> None:
    report, _ = bakery_run
    assert report["mode"] == "agent" and report["backend"] == "sketch"
    assert len(report["plan"]["shots"]) == 4
    assert [i["seed"] for i in report["images"]] == [7, 8, 9, 10]
    assert [i["shot"] for i in report["images"]] == [0, 1, 2, 3]
    for index, image in enumerate(report["images"], start=1):
        path = Path(image["path"])
        assert path.is_absolute() and path.name == f"{index:02d}.png"
        with Image.open(path) as png:
            assert min(png.size) >= 256
        meta = read_png_metadata(path)
        assert meta["prompt"] == BAKERY and meta["seed"] == image["seed"] and meta["backend"] == "sketch"
        assert meta["shot_prompt"] == report["plan"]["shots"][index - 1]["prompt"]
        assert meta["limner_version"] and meta["run_id"] == report["run_id"]
        assert any("OpenMoji" in line for line in meta["credits"])  # the balloons are OpenMoji clip-art
    run_dir = Path(report["images"][0]["path"]).parent
    assert (run_dir / "contact.png").is_file() and (run_dir / "run.json").is_file()


def test_every_image_passes_its_ocr_check(bakery_run) -> None:
    report, _ = bakery_run
    for image in report["images"]:
        ocr = [c for c in image["checks"] if c["name"] == "ocr"]
        assert ocr and all(c["status"] == "pass" for c in ocr), ocr
        assert set(ocr[0]) >= {"name", "status", "score", "expected", "found", "box", "reason"}
        assert ocr[0]["expected"] == "FRESH BREAD DAILY"
        assert image["passed"] is True


@pytest.mark.slow
def test_text_readable_by_an_independent_ocr(bakery_run) -> None:
    """easyocr (not the engine the critic used) reads the poster text in every image."""
    from tools.critics.ocr import check_texts
    from tools.scene import TextElement

    report, _ = bakery_run
    for image in report["images"]:
        with Image.open(image["path"]) as png:
            (check,) = check_texts(png.convert("RGB"), [TextElement(text="FRESH BREAD DAILY")], engine="easyocr")
        assert check.status == "pass", check


def test_raw_mode_writes_files_without_a_plan(tmp_path) -> None:
    result = limner("generate", "a red cow", "-n", "2", "--seed", "1", "--raw", "--json", "--size", "256x192", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["mode"] == "raw" and report["plan"] is None and report["rounds"] == 0
    assert [i["checks"] for i in report["images"]] == [[], []]
    for image in report["images"]:
        with Image.open(image["path"]) as png:
            assert png.size == (256, 192)
        assert read_png_metadata(image["path"])["seed"] == image["seed"]


@pytest.mark.parametrize(
    "args",
    [
        ["generate", ""],
        ["generate", "a cow", "-n", "0"],
        ["generate", "a cow", "-n", "9"],
        ["generate", "a cow", "--size", "10x10"],
        ["generate", "a cow", "--size", "abc"],
        ["generate", "a cow", "--backend", "nope"],
        ["generate", "a cow", "-n", "many"],
        ["generate", "a cow", "--bogus-flag"],
        ["check", "missing.png", "--text", "X"],
        ["check", "broken.png", "--text", "X"],
        ["check", "notes.txt", "--text", "X"],
        ["plan", ""],
        ["eval", "no-such-suite"],
        ["resume", "no-such-run"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args: list[str]) -> None:
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    (tmp_path / "notes.txt").write_text("not an image")
    result = limner(*args, cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "Traceback" not in result.stderr


def test_plan_prints_one_json_line_per_prompt_without_torch(tmp_path) -> None:
    code = (
        "import sys; from agent.surfaces.cli import app; "
        "sys.argv=['limner','plan','four panels of a fox named Mira','a blue cow, no people','--json']; "
        "app(standalone_mode=False); print('torch' in sys.modules, file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert len(first["shots"]) == 4 and first["characters"][0]["name"] == "Mira"
    assert second["negatives"] == ["people"] and second["shots"][0]["objects"][0]["color"] == "blue"
    assert result.stderr.strip().endswith("False"), "limner plan imported torch"


def test_check_reports_pass_and_fail(bakery_run, tmp_path) -> None:
    report, _ = bakery_run
    path = report["images"][0]["path"]
    good = limner("check", path, "--text", "FRESH BREAD DAILY", "--json", cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    verdict = json.loads(good.stdout)
    assert verdict["passed"] is True and verdict["checks"][0]["status"] == "pass"
    bad = limner("check", path, "--text", "STALE CAKE WEEKLY", "--json", cwd=tmp_path)
    assert bad.returncode == 0  # a failed check is a result, not an error
    verdict = json.loads(bad.stdout)
    assert verdict["passed"] is False and verdict["checks"][0]["status"] == "fail"
    assert verdict["checks"][0]["box"] is not None or verdict["checks"][0]["found"] is not None


def test_raw_seed_gives_the_same_image_whatever_the_batch(tmp_path) -> None:
    one = json.loads(limner("generate", "a red cow", "-n", "1", "--seed", "8", "--raw", "--json", cwd=tmp_path).stdout)
    two = json.loads(limner("generate", "a red cow", "-n", "2", "--seed", "7", "--raw", "--json", cwd=tmp_path).stdout)
    with Image.open(one["images"][0]["path"]) as a, Image.open(two["images"][1]["path"]) as b:
        assert a.tobytes() == b.tobytes()


def test_check_loads_no_torch(bakery_run, tmp_path) -> None:
    report, _ = bakery_run
    code = (
        "import sys; from agent.surfaces.cli import app; "
        f"sys.argv=['limner','check',{report['images'][0]['path']!r},'--text','FRESH BREAD DAILY','--json']; "
        "app(standalone_mode=False); print('torch' in sys.modules, file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["passed"] is True
    assert result.stderr.strip().endswith("False"), "limner check with rapidocr imported torch"
