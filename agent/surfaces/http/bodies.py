"""The HTTP API's request bodies and how they are read: JSON or multipart, validated into
typed models (the rules of ``agent.surfaces.fields``), every problem an OpenAI-style 400
(``ApiError``) naming the field at fault. The same models are the request schemas of the
OpenAPI document (``agent.surfaces.http.openapi``).

Bodies are read inside the route, after the caller is known: a client without a token learns
nothing about the body it sent but the 401.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from agent.context import Settings
from agent.errors import InputError
from agent.request import MAX_IMAGES
from agent.surfaces import fields
from agent.surfaces.http.support import ApiError, validation_message
from tools.images import ImageInputError, decode_image

Prompt = fields.prompt_text()
EditPrompt = fields.prompt_text(description="What to change, e.g. \"add a sign that says 'CLOSED' at the top\".")
Count = fields.whole("n", *fields.COUNT, "Number of images, 1-8.")
EditCount = fields.whole("n", *fields.COUNT, "Number of edited versions, 1-8.", from_text=True)
RunCount = fields.whole("n", *fields.COUNT, "Number of images, 1-8 (default: read from the prompt, else 1).")
Seed = fields.whole("seed", *fields.SEED, "Base seed: image i gets seed+i (default: random).")
Steps = fields.whole("steps", 1, 200, "Denoising steps for iterative backends.")
Rounds = fields.whole("max_rounds", 0, 10, "Critique and repair rounds, 0-10 (default: the server's).")
Size = fields.size_text()
Model = fields.text("model", max_length=64, description="A profile from GET /v1/models. 'limner', an empty model and "
                                                        "OpenAI's names ('dall-e-2', 'gpt-image-1'…) mean the server's default.")
Profile = fields.text("profile", max_length=64,
                      description="A profile from GET /v1/models; backend/model/steps/options refine it.")
Backend = fields.text("backend", max_length=64, description="The image backend (default: the profile's, else the server's).")
ModelId = fields.text("model", max_length=256, description="Model id for backends that load one.")
User = fields.name_text("user", "Whose remembered characters to use (a memory namespace of the caller's own).")
Thread = fields.name_text("thread", "A conversation: runs on the same thread continue from each other (follow-ups).")
ResponseFormat = Literal["b64_json", "url"]


class GenerationBody(BaseModel):
    """OpenAI's images.generate body. Fields limner does not use (quality, style…) are ignored."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [
        {"prompt": "A poster that says 'OPEN' with two red apples", "n": 1, "size": "512x512"}]})
    prompt: Prompt
    n: Count | None = 1
    size: Size | None = None
    model: Model | None = None
    response_format: ResponseFormat | None = None
    user: User | None = None


class EditForm(BaseModel):
    """The text fields of OpenAI's multipart images.edit body (values arrive as strings)."""

    model_config = ConfigDict(extra="ignore")
    prompt: EditPrompt
    n: EditCount | None = 1
    size: Size | None = None
    """Checked, though an edit keeps the input's size."""
    model: Model | None = None
    response_format: ResponseFormat | None = None
    user: User | None = None


class RunBody(BaseModel):
    """A native run: every option the CLI has. Unknown fields are refused (they are typos here)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"prompt": "three images of Mira the fox exploring a lighthouse", "n": 3, "seed": 7, "mode": "agent",
         "wait": False}]})
    prompt: Prompt
    n: RunCount | None = None
    size: Size | None = None
    seed: Seed | None = None
    profile: Profile | None = None
    backend: Backend | None = None
    model: ModelId | None = None
    steps: Steps | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    """Options of the named ``backend`` (it must be given): see the OpenAPI document for each."""
    mode: Literal["agent", "raw"] = "agent"
    max_rounds: Rounds | None = None
    thread: Thread | None = None
    user: User | None = None
    wait: StrictBool = True


def check_prompt_length(prompt: str, settings: Settings) -> None:
    """The prompt as sent, within the server's limit (the OpenAPI document's ``maxLength``)."""
    if len(prompt) > settings.max_prompt_chars:
        raise ApiError(400, f"the prompt has {len(prompt)} characters; the limit is {settings.max_prompt_chars} "
                       "(LIMNER_MAX_PROMPT_CHARS)", param="prompt", code="invalid_value")


async def read_json(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        raise ApiError(400, "the request body is empty: send a JSON object", code="invalid_json")
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise ApiError(400, f"the request body is not valid JSON ({error.msg} at line {error.lineno} column "
                       f"{error.colno})", code="invalid_json") from None
    except UnicodeDecodeError:
        raise ApiError(400, "the request body is not valid JSON: it is not UTF-8 text", code="invalid_json") from None
    except ValueError as error:  # NaN/Infinity, or a number of more than 4,300 digits
        problem = str(error) if isinstance(error, _Constant) else "a number has too many digits"
        raise ApiError(400, f"the request body is not valid JSON: {problem}", code="invalid_json") from None
    except RecursionError:
        raise ApiError(400, "the request body is not valid JSON: it is nested too deeply", code="invalid_json") from None


class _Constant(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _Constant(f"{name} is not a JSON number")


def parse_body(model: type[BaseModel], data: Any) -> Any:
    if not isinstance(data, dict):
        raise ApiError(400, "the request body must be a JSON object", code="invalid_json")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        message, param = validation_message(list(error.errors()))
        raise ApiError(400, message, param=param, code="invalid_value") from None


async def read_upload(upload: Any, field: str) -> bytes:
    """An uploaded image's bytes, checked to decode (under the pixel limits) and to be at least
    ``MIN_SIDE`` a side, before anything is written or run."""
    data = await upload.read()
    if not data:
        raise ApiError(400, f"the '{field}' file is empty", param=field, code="invalid_image")
    try:
        image = decode_image(data, label=f"the '{field}' file")
        fields.check_image_size(image.size, field)
    except ImageInputError as error:
        raise ApiError(400, str(error), param=field, code="invalid_image") from None
    except InputError as error:
        raise ApiError(400, str(error), param=field, code="invalid_image") from None
    return data


def save(data: bytes, target: Path) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return str(target)


MAX_UPLOADS = MAX_IMAGES
