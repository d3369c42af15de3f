"""Honesty end to end: what the sketch backend drew as a labelled placeholder is said in
run.json, by the coverage check, and on the CLI's summary line — and never sent to repair."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

LIMNER = str(Path(sys.executable).with_name("limner"))


def limner(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LIMNER, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=os.environ.copy())


def _run_json(out: Path) -> dict:
    (path,) = out.glob("*/run.json")
    return json.loads(path.read_text())


def _coverage(image: dict) -> dict:
    (check,) = [c for c in image["checks"] if c["name"] == "coverage"]
    return check


def test_an_unknown_noun_is_listed_as_a_placeholder(tmp_path) -> None:
    result = limner("generate", "a zorblax next to a cat", "--seed", "3", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("run ") and summary.endswith("(1 placeholder: zorblax)"), summary
    (image,) = _run_json(tmp_path / "out")["images"]
    assert image["placeholders"] == ["zorblax"]
    check = _coverage(image)
    assert check["status"] == "pass" and check["score"] == 0.5 and "zorblax" in check["reason"]
    assert image["passed"] is True


def test_counted_placeholders_fail_coverage_without_a_repair_loop(tmp_path) -> None:
    result = limner("generate", "three zorblaxes and a dog", "--seed", "3", "--json", "--out", str(tmp_path / "out"),
                    cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    (image,) = report["images"]
    assert image["placeholders"] == ["zorblax"] and _coverage(image)["status"] == "fail"
    assert report["rounds"] == 0 and image["repairs"] == [] and report["passed"] is False


def test_all_art_reports_no_placeholders(tmp_path) -> None:
    result = limner("generate", "two cats and a dog", "--seed", "3", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "placeholder" not in result.stdout
    (image,) = _run_json(tmp_path / "out")["images"]
    assert image["placeholders"] == [] and _coverage(image)["score"] == 1.0
