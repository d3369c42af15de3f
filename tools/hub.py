"""The Hugging Face hub as seen from here: offline flags, the local cache, a fast probe.

Hub libraries retry for tens of seconds per file when the hub cannot be reached; every
loader in limner asks these first, so a missing model fails in about a second with a
message instead (and a cached one loads without touching the network).
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from typing import Sequence
from urllib.parse import urlsplit

PROBE_TIMEOUT_S = 1.5
"""Longest wait for the hub (or its proxy) to accept a TCP connection."""


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def hub_offline() -> bool:
    """``HF_HUB_OFFLINE`` as set now (huggingface_hub reads it only once, at import)."""
    value = os.environ.get("HF_HUB_OFFLINE")
    if value is not None:
        return _truthy(value)
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache as the environment defines it now (HF_HUB_CACHE, HF_HOME…)."""
    for key in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(key):
            return Path(os.environ[key]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(base).expanduser() / "huggingface" / "hub"


def hub_endpoint() -> str:
    if os.environ.get("HF_ENDPOINT"):
        return os.environ["HF_ENDPOINT"]
    from huggingface_hub import constants

    return constants.ENDPOINT


def reachable(url: str, timeout: float = PROBE_TIMEOUT_S) -> bool:
    """Whether ``url``'s host (or the proxy for it) accepts a TCP connection within ``timeout``.

    Runs in a daemon thread so that a slow DNS lookup, which ignores socket timeouts,
    cannot hold the caller longer than ``timeout`` either.
    """
    import urllib.request

    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass_environment(host):
        via = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        host, port = via.hostname or host, via.port or 80
    outcome: list[bool] = []

    def connect() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            outcome.append(True)
        except OSError:
            outcome.append(False)

    worker = threading.Thread(target=connect, daemon=True, name="limner-hub-probe")
    worker.start()
    worker.join(timeout)
    return bool(outcome and outcome[0])


def cached_file(repo_id: str, filenames: Sequence[str], cache_dir: Path) -> str | None:
    from huggingface_hub import try_to_load_from_cache

    for filename in filenames:
        found = try_to_load_from_cache(repo_id, filename, cache_dir=str(cache_dir))
        if isinstance(found, str) and os.path.isfile(found):
            return found
    return None


def hub_problem() -> str | None:
    """Why the hub cannot be used right now, or None when it answers."""
    if hub_offline():
        return "HF_HUB_OFFLINE is set"
    endpoint = hub_endpoint()
    if not reachable(endpoint):
        return f"{urlsplit(endpoint).hostname} did not accept a connection (waited up to {PROBE_TIMEOUT_S:g} s)"
    return None
