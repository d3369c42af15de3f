"""A fake OpenAI-compatible images API on loopback, for tests: scripted failures, real PNGs.

``FakeImagesApi`` answers ``POST /v1/images/generations`` and ``/v1/images/edits`` with PNGs of
the size asked for (b64_json, or url to ``/files/…`` on itself), records every request, and
pops scripted answers first: ``api.script.append((500, {}, {"error": {"message": "boom"}}))``,
or ``("delay", seconds)`` to hang before answering normally.
"""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image


@dataclass
class Seen:
    """One request the fake received."""

    path: str
    headers: dict[str, str]
    json: dict[str, Any] | None = None
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


class FakeImagesApi:
    """Start with ``with FakeImagesApi() as api:``; ``api.base_url`` ends in ``/v1``."""

    def __init__(self, usage: dict[str, Any] | None = None) -> None:
        self.script: list[Any] = []
        self.requests: list[Seen] = []
        self.files: dict[str, bytes] = {}
        self.usage = usage
        self.flag_images = False
        """Moderation answers: text containing "flagme" is flagged; images when this is True."""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeImagesApi":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _png(self, size: str, colour: tuple[int, int, int]) -> bytes:
        width, height = (int(v) for v in size.split("x"))
        buffer = io.BytesIO()
        Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
        return buffer.getvalue()

    def _answer(self, seen: Seen) -> tuple[int, dict[str, str], Any]:
        while self.script:
            item = self.script.pop(0)
            if item[0] == "delay":
                time.sleep(item[1])
                break
            return item
        body = seen.json if seen.json is not None else seen.fields
        size = str(body.get("size") or "1024x1024")
        if size.count("x") != 1 or not all(v.isdigit() for v in size.split("x")):
            return 400, {}, {"error": {"message": f"Invalid size '{size}'. Supported sizes are 1024x1024.",
                                       "type": "invalid_request_error"}}
        n = int(body.get("n") or 1)
        data = []
        for index in range(n):
            png = self._png(size, (40 * index % 256, 120, 200))
            if body.get("response_format") == "url":
                name = f"img-{len(self.files)}.png"
                self.files[name] = png
                data.append({"url": f"{self.base_url.rsplit('/v1', 1)[0]}/files/{name}"})
            else:
                data.append({"b64_json": base64.b64encode(png).decode()})
        answer: dict[str, Any] = {"created": int(time.time()), "data": data}
        if self.usage:
            answer["usage"] = self.usage
        return 200, {}, answer

    def _moderate(self, body: dict[str, Any]) -> dict[str, Any]:
        results = []
        for item in body.get("input") or []:
            hit = ("flagme" in str(item.get("text", "")).lower()) if item.get("type") == "text" else self.flag_images
            results.append({"flagged": hit, "categories": {"violence": hit, "sexual": False}})
        return {"id": "modr-1", "model": body.get("model"), "results": results}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet test output
                pass

            def _send(self, status: int, headers: dict[str, str], body: Any, content_type: str = "application/json") -> None:
                if isinstance(body, str):  # a plain-text body, as some proxies send
                    body, content_type = body.encode(), "text/plain"
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                name = self.path.rsplit("/", 1)[-1]
                if self.path.startswith("/files/") and name in api.files:
                    self._send(200, {}, api.files[name], "image/png")
                else:
                    self._send(404, {}, {"error": {"message": "not found"}})

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen = Seen(path=self.path, headers={k.lower(): v for k, v in self.headers.items()})
                kind = self.headers.get("Content-Type", "")
                if kind.startswith("application/json"):
                    seen.json = json.loads(raw or b"{}")
                elif kind.startswith("multipart/form-data"):
                    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {kind}\r\n\r\n".encode() + raw)
                    for part in message.iter_parts():
                        name = part.get_param("name", header="content-disposition")
                        if part.get_filename():
                            seen.files[name] = part.get_payload(decode=True)
                        else:
                            seen.fields[name] = part.get_content().strip()
                api.requests.append(seen)
                if self.path == "/v1/moderations":
                    self._send(200, {}, api._moderate(seen.json or {}))
                    return
                if not self.path.startswith("/v1/images/"):
                    self._send(404, {}, {"error": {"message": f"no route {self.path}"}})
                    return
                self._send(*api._answer(seen))

        return Handler
