"""OpenAI clients left on their defaults: the model names they send (``dall-e-2``, an empty
model for Open WebUI's edits, none at all) select limner's default profile unless
``LIMNER_PROFILES`` says otherwise, and an edit without a mask takes its region from the
prompt's words, or is a 400 that names the HTTP ``mask`` field (never the CLI's ``--mask``)."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any, Iterator

import httpx
import numpy as np
import openai
import pytest
from PIL import Image

from agent.context import Settings
from agent.errors import InputError
from agent.surfaces import fields
from agent.surfaces.http.app import create_app
from agent.surfaces.profiles import OPENAI_IMAGE_MODELS, means_default, openai_aliases
from tests.live_server import live_server

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture()
def server_settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", out_dir=tmp_path / "out", clip=False, checkpoints=False)


@pytest.fixture()
def base(server_settings: Settings) -> Iterator[str]:
    with live_server(create_app(server_settings)) as url:
        yield url


def _png(size: tuple[int, int] = (256, 192), color: str = "skyblue") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def _pixels(b64: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB"), dtype=np.int16)


# ---- which profile a model name selects ---------------------------------------------------------

def test_openai_names_and_an_empty_model_mean_the_default_profile() -> None:
    settings = Settings()
    for name in (None, "", "limner", *OPENAI_IMAGE_MODELS):
        assert means_default(name, settings) and fields.offered_model(name, settings) == {}, name
    assert fields.offered_model("sketch", settings) == {"backend": "sketch"}
    for name in ("dall-e-9", "DALL-E-2", "gpt-image"):  # only OpenAI's exact names
        with pytest.raises(InputError, match=f"unknown model '{name}'") as caught:
            fields.offered_model(name, settings)
        assert caught.value.param == "model"
    models = fields.offered_models(settings)
    assert models[0] == "limner" and models[-len(OPENAI_IMAGE_MODELS):] == list(OPENAI_IMAGE_MODELS)
    assert len(models) == len(set(models))


def test_limner_profiles_can_point_an_openai_name_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIMNER_PROFILES", '{"dall-e-3": {"backend": "sketch", "steps": 3}}')
    settings = Settings()
    assert fields.offered_model("dall-e-3", settings) == {"backend": "sketch", "model": None, "steps": 3,
                                                          "backend_options": {}}
    assert fields.offered_model("dall-e-2", settings) == {}  # the others still mean the default
    assert "dall-e-3" not in openai_aliases(settings)
    assert fields.offered_models(settings).count("dall-e-3") == 1
    # A profile of that name whose backend the server does not offer is not offered at all.
    narrow = Settings(profiles={"dall-e-3": {"backend": "diffusers"}}, server_backends=["sketch"])
    assert "dall-e-3" not in fields.offered_models(narrow)
    with pytest.raises(InputError, match="unknown model 'dall-e-3'"):
        fields.offered_model("dall-e-3", narrow)


def test_the_openapi_document_lists_the_openai_names_and_the_empty_model(server_settings: Settings) -> None:
    spec = create_app(server_settings).openapi()
    generation = spec["components"]["schemas"]["GenerationBody"]["properties"]["model"]
    enum = next(branch["enum"] for branch in generation["anyOf"] if branch.get("type") == "string")
    assert enum[:2] == ["", "limner"] and set(OPENAI_IMAGE_MODELS) <= set(enum)
    edit = spec["paths"]["/v1/images/edits"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert edit["properties"]["model"]["enum"] == enum
    assert "dall-e-2" not in str(spec["components"]["schemas"]["RunBody"])  # native runs: limner's profiles only


# ---- the live API with the openai client's and Open WebUI's defaults ------------------------------

def test_default_model_names_generate_with_the_default_profile(base: str) -> None:
    client = openai.OpenAI(base_url=f"{base}/v1", api_key="x", max_retries=0)
    names = [model.id for model in client.models.list()]
    assert names[0] == "limner" and set(OPENAI_IMAGE_MODELS) <= set(names)
    for model in (openai.NOT_GIVEN, "dall-e-2", "gpt-image-1", ""):
        result = client.images.generate(model=model, prompt="a red apple", size="256x256", response_format="b64_json")
        assert result.model_extra["limner"]["backend"] == "sketch", model  # Settings.backend, the default
        assert _pixels(result.data[0].b64_json).shape == (256, 256, 3)


def test_an_edit_with_an_empty_model_and_no_mask_takes_its_region_from_the_words(base: str) -> None:
    """What Open WebUI sends: multipart with ``model=''``, ``response_format=b64_json``, no mask."""
    answer = httpx.post(f"{base}/v1/images/edits", timeout=120,
                        data={"model": "", "prompt": "make the left half blue", "response_format": "b64_json"},
                        files={"image": ("photo.png", _png(), "image/png")})
    assert answer.status_code == 200, answer.text
    pixels = _pixels(answer.json()["data"][0]["b64_json"])
    assert pixels.shape == (192, 256, 3)
    left, right = pixels[:, :100], pixels[:, 156:]  # away from the feathered seam at x=128
    assert (left[..., 2] - left[..., 0] > 60).all() and (left[..., 2] - left[..., 1] > 60).all()  # blue
    assert (np.abs(right - np.array([135, 206, 235])) <= 1).all()  # skyblue, untouched


@pytest.mark.parametrize("prompt", ["make the car red", "recolour the whole thing green please"])
def test_a_recolour_without_mask_or_position_is_a_400_naming_the_mask_field(base: str, prompt: str) -> None:
    answer = httpx.post(f"{base}/v1/images/edits", timeout=60, data={"model": "", "prompt": prompt},
                        files={"image[]": ("photo.png", _png(), "image/png")})
    assert answer.status_code == 400, answer.text
    error: dict[str, Any] = answer.json()["error"]
    assert error["param"] == "mask" and error["code"] == "mask_required"
    assert "send a 'mask' file" in error["message"] and "--mask" not in error["message"]
    assert "say where" in error["message"] and "\n" not in error["message"]


def test_the_same_recolour_with_a_mask_works(base: str) -> None:
    mask = io.BytesIO()
    square = Image.new("L", (256, 192), 0)
    square.paste(255, (96, 64, 160, 128))
    square.save(mask, format="PNG")
    answer = httpx.post(f"{base}/v1/images/edits", timeout=120, data={"prompt": "make the car red"},
                        files={"image": ("photo.png", _png(), "image/png"), "mask": ("m.png", mask.getvalue(), "image/png")})
    assert answer.status_code == 200, answer.text
    pixels = _pixels(answer.json()["data"][0]["b64_json"])
    inside = pixels[80:112, 112:144]
    assert (inside[..., 0] - inside[..., 2] > 60).all()  # red where the mask is


def test_a_segmenter_that_finds_no_region_still_names_the_mask_field(server_settings: Settings, tmp_path: Path) -> None:
    """With a segmenter configured the request passes the up-front check; when text-to-mask
    finds nothing (here: its model is missing) the run refuses, and that 400 names ``mask`` too."""
    settings = server_settings.model_copy(update={"segmenter": "limner-tests/no-such-clipseg"})  # not cached, offline
    with live_server(create_app(settings)) as url:
        answer = httpx.post(f"{url}/v1/images/edits", timeout=120, data={"model": "", "prompt": "make the car red"},
                            files={"image": ("photo.png", _png(), "image/png")})
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["param"] == "mask" and error["message"].startswith("recolouring needs a region: send a 'mask' file")
