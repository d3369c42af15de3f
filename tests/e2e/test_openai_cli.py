"""The openai backend through the `limner` command against a fake images API on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from fake_images_api import FakeImagesApi
from tools.provenance import read_png_metadata

LIMNER = str(Path(sys.executable).with_name("limner"))


def _limner(api: FakeImagesApi, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OPENAI_BASE_URL": api.base_url, "OPENAI_API_KEY": "sk-e2e"}
    return subprocess.run([LIMNER, "generate", *args, "--out", str(tmp_path / "out")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, env=env)


def test_two_images_after_a_retried_500_with_metadata(tmp_path: Path) -> None:
    with FakeImagesApi() as api:
        api.script.append((500, {"Retry-After": "0"}, {"error": {"message": "try again"}}))
        result = _limner(api, tmp_path, "a paper crane", "-n", "2", "--raw", "--backend", "openai",
                         "--model", "gpt-image-1", "--size", "1024x1024", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(api.requests) == 2  # the 500, then one request for both images
    assert api.requests[-1].headers["authorization"] == "Bearer sk-e2e"
    assert api.requests[-1].json["model"] == "gpt-image-1" and api.requests[-1].json["n"] == 2
    for image in report["images"]:
        with Image.open(image["path"]) as png:
            assert png.size == (1024, 1024)
        meta = read_png_metadata(Path(image["path"]))
        assert meta["prompt"] == "a paper crane" and meta["backend"] == "openai" and meta["model"] == "gpt-image-1"


def test_a_400_ends_with_its_message_on_one_line(tmp_path: Path) -> None:
    with FakeImagesApi() as api:
        api.script.append((400, {}, {"error": {"message": "Invalid size '999x999'.\nUse 1024x1024."}}))
        result = _limner(api, tmp_path, "a paper crane", "--raw", "--backend", "openai")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: image 1 was not made: BackendError: the images API refused the request (400): "
                      "Invalid size '999x999'. Use 1024x1024."]
    assert "Traceback" not in result.stderr
