"""A run's files for the studio page: signed, expiring links to what a run wrote (its images as
they are drawn, the finished PNGs, run.json, the contact sheet) and the whole run as a zip.

The handlers make links only for the caller's own runs, so a link is the proof of ownership
(like the API's signed image links): an ``<img>`` or a download needs no cookie or token. A
link's expiry is rounded up to ``ROUND_S`` so that a page re-rendered while a run goes on keeps
the same URLs, and the browser serves the images it already has from its cache.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import math
import re
import time
import zipfile
from pathlib import Path, PurePosixPath
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response
from starlette.exceptions import HTTPException

ROUND_S = 600
_RUN_ID = re.compile(r"[A-Za-z0-9_.@:+-]{1,128}")
_TYPES = {".png": "image/png", ".json": "application/json", ".webp": "image/webp", ".jpg": "image/jpeg"}
Expires = Annotated[int, Query(ge=0, le=10**11)]
Signature = Annotated[str, Query(max_length=128)]


class StudioLinks:
    """Signs and checks links to files under ``runs`` (the server's ``out_dir``)."""

    def __init__(self, secret: bytes, runs: Path, ttl_s: int) -> None:
        self.secret = hashlib.sha256(b"limner studio links\n" + secret).digest()
        """Derived from the server's link key, so a studio link and an API link never sign each other."""
        self.runs = runs
        self.ttl_s = ttl_s

    def folder(self, run_id: str) -> Path | None:
        """The run's folder, when ``run_id`` is a plain run id."""
        if not _RUN_ID.fullmatch(run_id) or set(run_id) == {"."}:
            return None
        return (self.runs / run_id).resolve()

    def file(self, run_id: str, path: str | Path | None) -> str | None:
        """The URL of ``path`` (absolute, or relative to the run's folder); None when it is not
        inside the run's folder."""
        folder = self.folder(run_id)
        if folder is None or not path:
            return None
        try:
            relative = PurePosixPath(Path(path).resolve().relative_to(folder).as_posix()) if Path(path).is_absolute() \
                else PurePosixPath(str(path))
        except ValueError:
            return None
        name = f"{run_id}/{relative}"
        return f"/studio/files/{quote(name)}?{self._query(name)}"

    def zip(self, run_id: str) -> str:
        return f"/studio/zip/{quote(run_id)}?{self._query('zip/' + run_id)}"

    def _query(self, name: str) -> str:
        expires = math.ceil((time.time() + self.ttl_s) / ROUND_S) * ROUND_S
        return f"expires={expires}&signature={self._signature(name, expires)}"

    def _signature(self, name: str, expires: int) -> str:
        return hmac.new(self.secret, f"{name}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def valid(self, name: str, expires: int, signature: str) -> bool:
        if expires < time.time():
            return False
        return hmac.compare_digest(self._signature(name, expires).encode(), signature.encode("utf-8", "replace"))

    def resolve(self, run_id: str, relative: str) -> Path | None:
        """The file a link names, when it is a file inside the run's folder."""
        folder = self.folder(run_id)
        parts = PurePosixPath(relative).parts
        if folder is None or not parts or any(part in ("..", ".") or part.startswith("/") for part in parts):
            return None
        path = (folder / relative).resolve()
        return path if path.is_relative_to(folder) and path.is_file() else None


def _not_found() -> HTTPException:
    return HTTPException(404, "no such file, or the link has expired: reload the studio page")


def files_router(links: StudioLinks) -> APIRouter:
    """``GET /studio/files/{run}/{path}`` and ``GET /studio/zip/{run}``, by signed link only."""
    router = APIRouter(include_in_schema=False)

    @router.get("/studio/files/{run_id}/{relative:path}")
    def run_file(run_id: str, relative: str, expires: Expires, signature: Signature) -> FileResponse:
        if not links.valid(f"{run_id}/{relative}", expires, signature):
            raise _not_found()
        path = links.resolve(run_id, relative)
        if path is None:
            raise _not_found()
        return FileResponse(path, media_type=_TYPES.get(path.suffix.lower(), "application/octet-stream"),
                            headers={"Cache-Control": "private, max-age=600"})

    @router.get("/studio/zip/{run_id}")
    def run_zip(run_id: str, expires: Expires, signature: Signature) -> Response:
        folder = links.folder(run_id)
        if folder is None or not links.valid(f"zip/{run_id}", expires, signature) or not folder.is_dir():
            raise _not_found()
        return Response(zip_folder(folder, run_id), media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{run_id}.zip"'})

    return router


def zip_folder(folder: Path, name: str) -> bytes:
    """Every file of a run's folder (images, run.json, contact sheet, work files) under ``name/``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:  # PNGs are compressed already
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                archive.write(path, f"{name}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()
