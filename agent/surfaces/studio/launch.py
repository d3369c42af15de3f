"""``limner studio``: what it needs beside the server itself — whether Gradio is installed, a
free loopback port, and opening the page in the browser once the server answers."""

from __future__ import annotations

import importlib.util
import socket
import threading
import webbrowser
from typing import Callable

from agent.surfaces.health import wait_until_healthy

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
    if not wait_until_healthy(url, timeout_s=timeout_s, poll_s=poll_s):
        return False
    opener(url)
    return True


def open_when_up(url: str, opener: Callable[[str], object] = webbrowser.open) -> threading.Thread:
    """``wait_and_open`` in a daemon thread (the server runs in the calling one)."""
    thread = threading.Thread(target=wait_and_open, args=(url, opener), name="limner-studio-opener", daemon=True)
    thread.start()
    return thread
