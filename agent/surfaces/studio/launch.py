"""``limner studio``: what it needs beside the server itself — whether Gradio is installed, a
free loopback port, and opening the page in the browser once the server answers."""

from __future__ import annotations

import importlib.util
import socket
import threading
import time
import webbrowser
from typing import Callable

import httpx

INSTALL_HINT = "the studio needs gradio: `make install` installs it (or pip install gradio)"


def studio_available() -> bool:
    return importlib.util.find_spec("gradio") is not None


def free_port() -> int:
    """A port nobody listens on now, on loopback (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_and_open(url: str, opener: Callable[[str], object] = webbrowser.open, *, timeout_s: float = 120.0,
                  poll_s: float = 0.2) -> bool:
    """Open ``url`` once the server behind it answers ``/health``; False when it never did."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url.rstrip("/") + "/health", timeout=2).status_code == 200:
                opener(url)
                return True
        except httpx.TransportError:
            pass
        time.sleep(poll_s)
    return False


def open_when_up(url: str, opener: Callable[[str], object] = webbrowser.open) -> threading.Thread:
    """``wait_and_open`` in a daemon thread (the server runs in the calling one)."""
    thread = threading.Thread(target=wait_and_open, args=(url, opener), name="limner-studio-opener", daemon=True)
    thread.start()
    return thread
