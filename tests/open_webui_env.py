"""The environment Open WebUI runs in for tests/e2e/test_open_webui.py: ``<venv>/open-webui``,
a venv of its own with ``open-webui`` from PyPI, installed the way its users install it. It
shares nothing with this venv: Open WebUI pins its own FastAPI, Pydantic, transformers and
more, and it talks to limner over HTTP only, as any OpenAI images client does.

``make test`` builds it (``python tests/open_webui_env.py``); the test reuses it, or builds it
when run on its own. Rebuilt only when ``REQUIREMENT`` changes. It needs PyPI and about 7 GiB
(PyPI's torch comes with CUDA libraries; Open WebUI never loads it in the test)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REQUIREMENT = "open-webui==0.12.4"
"""Pinned: the test drives Open WebUI's own API (signup, images/generations, images/edit) and
relies on its defaults (model ``dall-e-2`` for generations, an empty model for edits)."""
HOME = Path(sys.prefix) / "open-webui"


def ensure(home: Path = HOME) -> Path:
    """The ``open-webui`` command of the environment, built if needed. Raises ``RuntimeError``
    with pip's last line when it cannot be installed (no PyPI, an unsupported Python)."""
    command = home / "bin" / "open-webui"
    stamp = home / "limner-requirement.txt"
    if stamp.is_file() and stamp.read_text() == REQUIREMENT and command.is_file():
        return command
    shutil.rmtree(home, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(home)], check=True, capture_output=True, timeout=300)
    done = subprocess.run([str(home / "bin" / "python"), "-m", "pip", "install", "--quiet",
                           "--disable-pip-version-check", REQUIREMENT],
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0 or not command.is_file():
        shutil.rmtree(home, ignore_errors=True)
        lines = [line for line in (done.stderr or done.stdout).strip().splitlines()
                 if not line.startswith("WARNING: Location")] or ["no output"]
        raise RuntimeError(f"could not install {REQUIREMENT} for the Open WebUI test "
                           f"(Python {sys.version_info.major}.{sys.version_info.minor}): {lines[-1]}")
    stamp.write_text(REQUIREMENT)
    return command


if __name__ == "__main__":
    try:
        print(ensure())
    except RuntimeError as error:  # the Open WebUI test then says skipped, and why
        print(error, file=sys.stderr)
