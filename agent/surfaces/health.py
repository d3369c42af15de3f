"""Waiting for a server to come up: poll its ``/health`` until it answers 200.

One loop for every place that starts a server and must wait for it (``limner studio`` opening
the browser, the benchmarks and the tests that start ``limner serve`` or another server).
"""

from __future__ import annotations

import time
from typing import Callable

import httpx


def wait_until_healthy(base: str, *, timeout_s: float, alive: Callable[[], bool] = lambda: True,
                       poll_s: float = 0.2) -> bool:
    """True once ``GET {base}/health`` answers 200; False when ``timeout_s`` passes first or
    ``alive()`` (e.g. "the server process still runs") turns false."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{base.rstrip('/')}/health", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        if not alive() or time.monotonic() > deadline:
            return False
        time.sleep(poll_s)
