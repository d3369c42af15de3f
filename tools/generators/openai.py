"""The ``openai`` backend: OpenAI's images API, or any server that speaks it, over httpx.

No SDK: the wire format stays visible here. ``POST {base}/images/generations`` (JSON) and
``POST {base}/images/edits`` (multipart: image, mask, prompt). The key comes from
``OPENAI_API_KEY`` (or the variable ``api_key_env`` names), the base URL from the ``base_url``
option, else ``OPENAI_BASE_URL``, else ``https://api.openai.com/v1``. The configured endpoint is
trusted; image URLs in responses that point elsewhere must pass :func:`tools.search.safe_url`.

One request per chunk of identical prompts (split at ``max_n``, the server's ``n`` limit); no
probe requests. 429, 5xx, timeouts and connection errors are retried with exponential backoff
and jitter, bounded in count and total time, honouring ``Retry-After``; any other 4xx is not
retried and its ``error.message`` becomes the one-line error. Hosted models take no seed:
seeds are recorded, not reproduced.
"""

from __future__ import annotations

import base64
import email.utils
import io
import os
import random
import time
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from PIL import Image
from pydantic import Field

from tools.typeset import match_colors, paste_feathered
from tools.generators.base import BackendError, GeneratorOptions, register
from tools.images import ImageInputError, decode_image
from tools.scene import ScenePlan, Shot
from tools.search import safe_url

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-image-1"
RETRY_STATUSES = {408, 409, 425, 429, 500, 502, 503, 504}


class OpenAIOptions(GeneratorOptions):
    """Options of the openai backend (``--option key=value``)."""

    default_size: ClassVar[tuple[int, int]] = (1024, 1024)
    base_url: str | None = None
    """API base, e.g. ``http://127.0.0.1:8080/v1``; None: ``OPENAI_BASE_URL`` or OpenAI's."""
    api_key_env: str = "OPENAI_API_KEY"
    """Environment variable holding the key (the key itself never goes in options or logs)."""
    quality: str | None = None
    """``low``/``medium``/``high``/``auto`` (gpt-image), ``standard``/``hd`` (dall-e-3)."""
    background: Literal["transparent", "opaque", "auto"] | None = None
    output_format: Literal["png", "jpeg", "webp"] | None = None
    response_format: Literal["b64_json", "url"] | None = None
    """Asked of servers that support it (dall-e); gpt-image models always answer b64_json."""
    max_n: int = Field(default=4, ge=1, le=10)
    """Most images one request may ask for; larger batches are split."""
    timeout_s: float = Field(default=120.0, gt=0, le=900)
    """Per request (a gpt-image request can take a minute)."""
    max_retries: int = Field(default=4, ge=0, le=10)
    max_retry_time_s: float = Field(default=90.0, ge=0, le=900)
    """Retries stop once this much time has passed since the first attempt."""
    backoff_s: float = Field(default=1.0, ge=0, le=60)
    """First retry delay; doubled each time, with jitter."""


class OpenAIGenerator:
    """Images from an OpenAI-compatible images API."""

    name: ClassVar[str] = "openai"
    supports_edit: ClassVar[bool] = True
    supports_batch: ClassVar[bool] = True

    def __init__(self, options: OpenAIOptions | None = None) -> None:
        import httpx

        self.options = options or OpenAIOptions()
        self.model = self.options.model or DEFAULT_MODEL
        self.base_url = (self.options.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        if urlsplit(self.base_url).scheme not in ("http", "https"):
            raise BackendError(f"base URL {self.base_url!r} is not http(s)")
        self.max_batch = 8
        self.usage: list[dict[str, Any]] = []
        """What the server said each request used (``usage`` in its answers), in order."""
        self._client = httpx.Client(timeout=self.options.timeout_s, follow_redirects=False)

    # -- http ------------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        key = os.environ.get(self.options.api_key_env)
        if not key:
            raise BackendError(f"the openai backend needs an API key: set {self.options.api_key_env}")
        return {"Authorization": f"Bearer {key}"}

    def _post(self, path: str, **kwargs: Any) -> dict[str, Any]:
        """POST with retries; the parsed JSON answer, or BackendError with the server's message."""
        import httpx

        url = f"{self.base_url}/{path}"
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._client.post(url, headers=self._headers(), **kwargs)
            except (httpx.TimeoutException, httpx.TransportError) as error:
                problem, wait = f"{type(error).__name__}: {error}", None
            else:
                if response.status_code < 400:
                    try:
                        return response.json()
                    except ValueError:
                        raise BackendError(f"{url} answered {response.status_code} with no JSON") from None
                message = _error_message(response)
                if response.status_code not in RETRY_STATUSES:
                    raise BackendError(f"the images API refused the request ({response.status_code}): {message}")
                problem, wait = f"{response.status_code}: {message}", _retry_after(response)
            delay = wait if wait is not None else self.options.backoff_s * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
            elapsed = time.monotonic() - started
            if attempt > self.options.max_retries or elapsed + delay > self.options.max_retry_time_s:
                raise BackendError(f"the images API failed after {attempt} attempt(s) in {elapsed:.0f} s: {problem}")
            time.sleep(delay)

    def _images(self, answer: dict[str, Any]) -> list[Image.Image]:
        if answer.get("usage"):
            self.usage.append(answer["usage"])
        images = []
        for item in answer.get("data") or []:
            if item.get("b64_json"):
                try:
                    data = base64.b64decode(item["b64_json"], validate=True)
                except ValueError as error:
                    raise BackendError(f"the images API sent invalid base64: {error}") from None
            elif item.get("url"):
                data = self._download(item["url"])
            else:
                raise BackendError("the images API answered an item with neither b64_json nor url")
            try:
                image = decode_image(data, label="image from the images API")
            except ImageInputError as error:
                raise BackendError(str(error)) from None
            if answer.get("usage"):
                image.info["usage"] = answer["usage"]
            images.append(image)
        return images

    def _download(self, url: str) -> bytes:
        """An image URL from the answer: the configured host is trusted, others must be public."""
        same_host = urlsplit(url).netloc == urlsplit(self.base_url).netloc and urlsplit(url).scheme in ("http", "https")
        if not same_host and safe_url(url) is None:
            raise BackendError(f"refusing to fetch image URL {url[:120]!r}: not a public http(s) address")
        response = self._client.get(url)
        if response.status_code >= 400:
            raise BackendError(f"downloading {url[:120]} failed: HTTP {response.status_code}")
        return response.content

    # -- generation ------------------------------------------------------------------------
    def _body(self, prompt: str, n: int, size: tuple[int, int]) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "prompt": prompt, "n": n, "size": f"{size[0]}x{size[1]}"}
        for key in ("quality", "background", "output_format", "response_format"):
            value = getattr(self.options, key)
            if value is not None:
                body[key] = value
        return body

    def generate(self, shots: list[Shot], size: tuple[int, int], seeds: list[int],
                 plan: ScenePlan | None = None) -> list[Image.Image]:
        """Images for ``shots``: runs of identical prompts share requests of up to ``max_n``."""
        if len(seeds) != len(shots):
            raise BackendError(f"got {len(shots)} shots but {len(seeds)} seeds; pass one seed per shot")
        images: list[Image.Image] = []
        start = 0
        while start < len(shots):
            prompt = shots[start].prompt
            end = start + 1
            while end < len(shots) and end - start < self.options.max_n and shots[end].prompt == prompt:
                end += 1
            answer = self._post("images/generations", json=self._body(prompt, end - start, size))
            got = self._images(answer)
            if len(got) != end - start:
                raise BackendError(f"the images API returned {len(got)} image(s) for n={end - start}")
            images.extend(_checked_size(image, size) for image in got)
            start = end
        return images

    def edit(self, image: Image.Image, mask: Image.Image, prompt: str, seed: int,
             strength: float | None = None) -> Image.Image:
        """Repaint the white of ``mask`` through ``/images/edits``; outside it stays ``image``."""
        base = image.convert("RGB")
        mask = mask.convert("L").resize(base.size)
        # The API's mask is an RGBA image whose transparent pixels are the ones to repaint.
        api_mask = Image.new("RGBA", base.size, (0, 0, 0, 255))
        api_mask.putalpha(mask.point(lambda v: 255 - v))
        files = {"image": ("image.png", _png(base), "image/png"), "mask": ("mask.png", _png(api_mask), "image/png")}
        data = {k: str(v) for k, v in self._body(prompt, 1, base.size).items()}
        (painted,) = self._images(self._post("images/edits", data=data, files=files))
        if painted.size != base.size:  # the edit must line up with the original pixel for pixel
            painted = painted.resize(base.size, Image.LANCZOS)
        painted = match_colors(painted, base, mask)
        return paste_feathered(base, painted, mask)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _checked_size(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The server's image as sent; a size other than the one asked for is said in the run log."""
    if image.size != tuple(size):
        image.info.setdefault("warnings", []).append(
            f"the images API returned {image.size[0]}x{image.size[1]} for {size[0]}x{size[1]}"
        )
    return image


def _error_message(response: Any) -> str:
    """The server's own words, on one line: OpenAI's ``{"error": {"message": …}}`` or the body."""
    try:
        body = response.json()
        message = body.get("error", {}).get("message") if isinstance(body.get("error"), dict) else body.get("error")
        message = message or body.get("message") or body.get("detail")
    except (ValueError, AttributeError):
        message = None
    text = str(message or response.text or response.reason_phrase or "no message")
    return " ".join(text.split())[:500]


def _retry_after(response: Any) -> float | None:
    """Seconds the server asked to wait (``Retry-After``: seconds or an HTTP date), capped at 60."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(60.0, max(0.0, seconds))


def _factory(options: GeneratorOptions) -> OpenAIGenerator:
    if not isinstance(options, OpenAIOptions):
        options = OpenAIOptions(**options.model_dump(exclude_unset=True))
    return OpenAIGenerator(options)


register("openai", OpenAIOptions, _factory, supports_edit=True)
