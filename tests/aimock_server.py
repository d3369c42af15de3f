"""aimock (npm ``@copilotkit/aimock``, pinned in package.json, installed by ``make test``) on a
free loopback port, serving one fixture file: the third-party OpenAI-compatible server the
e2e tests talk to. Nobody here wrote it; the tests only write its fixtures."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
LLMOCK = ROOT / "node_modules" / ".bin" / "llmock"
KEY = "sk-aimock-test"
MISSING = not LLMOCK.exists() or shutil.which("node") is None
WHY_MISSING = "aimock is not installed (needs node/npm; `make test` runs npm install)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_aimock(fixtures: Path) -> Iterator[str]:
    """aimock serving ``fixtures``, requiring ``Authorization: Bearer KEY``; yields its base URL."""
    port = free_port()
    env = {**os.environ, "AIMOCK_API_KEYS": KEY}
    server = subprocess.Popen([str(LLMOCK), "-p", str(port), "-f", str(fixtures), "--log-level", "warn"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{base}/health", timeout=1).read()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"aimock did not start: {server.stderr.read().decode()[-500:] if server.stderr else ''}")
            time.sleep(0.2)
    try:
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
