"""The openai backend against a fake images API on loopback: wire format, n-splitting, retries,
Retry-After, timeouts, 4xx messages, url answers, edits with masks, usage. No internet."""

from __future__ import annotations

import io
import json
import time

import numpy as np
import pytest
from PIL import Image

from fake_images_api import FakeImagesApi
from tools.typeset import box_mask
from tools.generators.base import BackendError, create
from tools.scene import Shot

KEY = "sk-test-123"


@pytest.fixture
def api(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with FakeImagesApi(usage={"input_tokens": 10, "output_tokens": 400, "total_tokens": 410}) as server:
        yield server


def _backend(api: FakeImagesApi, **options):
    return create("openai", model="gpt-image-1", base_url=api.base_url, backoff_s=0.01, **options)


def _shots(prompts: list[str]) -> list[Shot]:
    return [Shot(index=i, prompt=p) for i, p in enumerate(prompts)]


def test_generations_wire_format_and_sizes(api: FakeImagesApi) -> None:
    images = _backend(api, quality="low").generate(_shots(["a cat"] * 2), (1024, 768), [1, 2])
    assert [image.size for image in images] == [(1024, 768)] * 2
    (seen,) = api.requests
    assert seen.path == "/v1/images/generations"
    assert seen.headers["authorization"] == f"Bearer {KEY}"
    assert seen.json == {"model": "gpt-image-1", "prompt": "a cat", "n": 2, "size": "1024x768", "quality": "low"}
    assert images[0].info["usage"]["total_tokens"] == 410


def test_batches_split_at_max_n_and_per_prompt(api: FakeImagesApi) -> None:
    backend = _backend(api, max_n=2)
    backend.generate(_shots(["a cat"] * 5), (256, 256), list(range(5)))
    assert [r.json["n"] for r in api.requests] == [2, 2, 1]
    api.requests.clear()
    backend.generate(_shots(["a cat", "a dog", "a dog"]), (256, 256), [1, 2, 3])
    assert [(r.json["prompt"], r.json["n"]) for r in api.requests] == [("a cat", 1), ("a dog", 2)]


def test_5xx_and_429_are_retried_honouring_retry_after(api: FakeImagesApi) -> None:
    api.script += [(500, {}, {"error": {"message": "upstream hiccup"}}),
                   (429, {"Retry-After": "0.4"}, {"error": {"message": "slow down"}})]
    started = time.monotonic()
    images = _backend(api).generate(_shots(["a cat"]), (256, 256), [1])
    assert len(images) == 1 and len(api.requests) == 3
    assert time.monotonic() - started >= 0.4


def test_retries_are_bounded(api: FakeImagesApi) -> None:
    api.script += [(503, {}, {"error": {"message": "down"}})] * 5
    with pytest.raises(BackendError, match=r"failed after 3 attempt\(s\).*503: down"):
        _backend(api, max_retries=2).generate(_shots(["a cat"]), (256, 256), [1])
    assert len(api.requests) == 3
    api.script[:] = [(503, {"Retry-After": "30"}, {"error": {"message": "down"}})]
    started = time.monotonic()
    with pytest.raises(BackendError, match="failed after 1 attempt"):  # waiting would pass the time budget
        _backend(api, max_retry_time_s=5).generate(_shots(["a cat"]), (256, 256), [1])
    assert time.monotonic() - started < 2


def test_4xx_is_not_retried_and_says_the_servers_message(api: FakeImagesApi) -> None:
    api.script.append((400, {}, {"error": {"message": "Your request was rejected\nby the safety system."}}))
    with pytest.raises(BackendError) as caught:
        _backend(api).generate(_shots(["a cat"]), (256, 256), [1])
    assert str(caught.value) == ("the images API refused the request (400): "
                                 "Your request was rejected by the safety system.")
    assert len(api.requests) == 1
    api.script.append((401, {}, "Unauthorized"))  # not JSON: the body's text is the message
    with pytest.raises(BackendError, match=r"\(401\): Unauthorized"):
        _backend(api).generate(_shots(["a cat"]), (256, 256), [1])


def test_timeouts_are_retried_then_reported(api: FakeImagesApi) -> None:
    api.script += [("delay", 1.0), ("delay", 1.0)]
    started = time.monotonic()
    with pytest.raises(BackendError, match="ReadTimeout"):
        _backend(api, timeout_s=0.2, max_retries=1).generate(_shots(["a cat"]), (256, 256), [1])
    assert time.monotonic() - started < 1.5 and len(api.requests) == 2


def test_url_answers_are_downloaded_from_the_configured_host_only(api: FakeImagesApi) -> None:
    images = _backend(api, response_format="url").generate(_shots(["a cat"] * 2), (256, 256), [1, 2])
    assert [image.size for image in images] == [(256, 256)] * 2
    api.script.append((200, {}, {"data": [{"url": "http://10.0.0.7/private.png"}]}))
    with pytest.raises(BackendError, match="refusing to fetch image URL"):
        _backend(api).generate(_shots(["a cat"]), (256, 256), [1])


def test_edit_sends_image_and_mask_and_keeps_pixels_outside(api: FakeImagesApi) -> None:
    image = Image.new("RGB", (256, 256), (250, 250, 250))
    mask = box_mask((256, 256), (64, 64, 192, 192), feather_px=8)
    edited = _backend(api).edit(image, mask, "a red ball", seed=3)
    (seen,) = api.requests
    assert seen.path == "/v1/images/edits"
    assert seen.fields["prompt"] == "a red ball" and seen.fields["model"] == "gpt-image-1"
    sent_mask = Image.open(io.BytesIO(seen.files["mask"]))
    assert sent_mask.mode == "RGBA"
    alpha = np.asarray(sent_mask.getchannel("A"))
    assert alpha[128, 128] == 0 and alpha[5, 5] == 255  # transparent = repaint
    outside = np.asarray(mask) == 0
    assert np.abs(np.asarray(edited, int) - np.asarray(image, int))[outside].max() == 0


def test_bad_configuration_is_a_clear_error(monkeypatch, api: FakeImagesApi) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(BackendError, match="set OPENAI_API_KEY"):
        _backend(api).generate(_shots(["a cat"]), (256, 256), [1])
    with pytest.raises(BackendError, match="not http"):
        create("openai", base_url="ftp://example.org/v1")
    api.script.append((200, {}, {"data": [{"b64_json": "bm90IGFuIGltYWdl"}]}))
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with pytest.raises(BackendError, match="not a readable image"):
        _backend(api).generate(_shots(["a cat"]), (256, 256), [1])


def test_usage_reaches_run_json(api: FakeImagesApi, settings) -> None:
    from agent.request import build_request
    from agent.run import run

    request = build_request("a cat", settings=settings, n=2, mode="raw", backend="openai", seed=5,
                            backend_options={"base_url": api.base_url})
    report = run(request, settings=settings)
    assert tuple(report["size"]) == (1024, 1024)  # the backend's default size
    assert report["model"] == "gpt-image-1"
    assert report["usage"] == {"input_tokens": 10, "output_tokens": 400, "total_tokens": 410}
    assert all(image["usage"]["total_tokens"] == 410 for image in report["images"])
    saved = json.loads((request.out_dir / "run.json").read_text())
    assert saved["usage"]["total_tokens"] == 410
