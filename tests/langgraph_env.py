"""The environment LangGraph's own server runs in for the tests: ``<venv>/langgraph-server``,
a venv whose packages come first (langgraph-cli[inmem] from the ``langgraph-server`` extra)
and this venv's after (limner itself). It cannot be this venv: langgraph-api pins a
jsonschema-rs that Schemathesis (the test extra) cannot use.

``make test`` builds it (``python tests/langgraph_env.py``); the server test reuses it, or
builds it when run on its own. Rebuilt only when the extra's requirement changes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOME = Path(sys.prefix) / "langgraph-server"


def requirement() -> str:
    """The ``langgraph-cli`` line of the ``langgraph-server`` extra in pyproject.toml."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    (line,) = [r for r in extras["langgraph-server"] if r.startswith("langgraph-cli")]
    return line


def ensure(home: Path = HOME) -> Path:
    """The ``langgraph`` command of the layered environment, built if needed. Raises
    ``RuntimeError`` with pip's last line when it cannot be installed (no PyPI)."""
    wanted = requirement()
    python = home / "bin" / "python"
    stamp = home / "limner-requirement.txt"
    if stamp.is_file() and stamp.read_text() == wanted and python.with_name("langgraph").is_file():
        return python.with_name("langgraph")
    shutil.rmtree(home, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(home)], check=True, capture_output=True, timeout=300)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    ours = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    # addsitedir (not a bare path) so this venv's own .pth files — limner's editable install — load too.
    Path(purelib, "limner-project.pth").write_text("".join(f"import site; site.addsitedir({d!r})\n" for d in ours))
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wanted],
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        shutil.rmtree(home, ignore_errors=True)
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        raise RuntimeError(f"could not install {wanted} for the LangGraph server: {lines[-1]}")
    stamp.write_text(wanted)
    return python.with_name("langgraph")


if __name__ == "__main__":
    try:
        print(ensure())
    except RuntimeError as error:  # the server test then says skipped, and why
        print(error, file=sys.stderr)
