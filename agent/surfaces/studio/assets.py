"""Gradio's built frontend, served fast: the page fetches some 75 script and style chunks on its
first load, and Gradio answers each through its whole app (routing, middleware, a file read on a
worker thread, compression every time), a few milliseconds apiece on one event loop; that queue
was most of a first load's second. Their names carry their content's hash, so each file is read
and compressed once, kept in memory, and sent with a year-long ``immutable`` cache: a returning
browser asks for none of them again.
"""

from __future__ import annotations

import gzip
import mimetypes
import threading
from pathlib import Path
from typing import Any

try:  # Gradio depends on brotli; gzip stands in where it is missing
    import brotli
except ImportError:  # pragma: no cover - depends on the installed packages
    brotli = None

CACHE_CONTROL = b"public, max-age=31536000, immutable"
COMPRESSIBLE = (".js", ".mjs", ".css", ".svg", ".json", ".map", ".txt", ".html")


class BuildAssets:
    """An ASGI app for ``folder`` (mounted at ``/assets``): GET and HEAD of its files, from memory."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).resolve()
        self._cache: dict[tuple[str, str], tuple[bytes, bytes | None]] = {}
        self._lock = threading.Lock()

    def _load(self, relative: str, encoding: str) -> tuple[bytes, bytes | None] | None:
        """The file's bytes in ``encoding`` ("br", "gzip" or "") and that encoding's header value."""
        key = (relative, encoding)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        path = (self.folder / relative).resolve()
        if not path.is_relative_to(self.folder) or not path.is_file():
            return None
        data = path.read_bytes()
        found: tuple[bytes, bytes | None] = (data, None)
        if encoding == "br" and brotli is not None:
            found = (brotli.compress(data, quality=5), b"br")
        elif encoding == "gzip":
            found = (gzip.compress(data, compresslevel=6), b"gzip")
        with self._lock:
            self._cache[key] = found
        return found

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        relative = scope.get("path", "").lstrip("/")
        if scope.get("root_path") and relative.startswith(scope["root_path"].lstrip("/")):
            relative = relative[len(scope["root_path"].lstrip("/")):].lstrip("/")
        accepted = dict(scope.get("headers") or []).get(b"accept-encoding", b"").decode("latin-1")
        encoding = ""
        if relative.endswith(COMPRESSIBLE):
            encoding = "br" if "br" in accepted and brotli is not None else "gzip" if "gzip" in accepted else ""
        if scope["method"] not in ("GET", "HEAD"):
            await _answer(send, 405, b"method not allowed", [(b"content-type", b"text/plain"), (b"allow", b"GET, HEAD")])
            return
        found = self._load(relative, encoding) if relative else None
        if found is None:
            await _answer(send, 404, b"not found", [(b"content-type", b"text/plain")])
            return
        body, coding = found
        kind = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        headers = [(b"content-type", kind.encode()), (b"cache-control", CACHE_CONTROL), (b"vary", b"accept-encoding")]
        if coding is not None:
            headers.append((b"content-encoding", coding))
        await _answer(send, 200, b"" if scope["method"] == "HEAD" else body, headers, length=len(body))


async def _answer(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]], *,
                  length: int | None = None) -> None:
    headers = [*headers, (b"content-length", str(len(body) if length is None else length).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
