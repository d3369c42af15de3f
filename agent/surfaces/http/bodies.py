"""The HTTP API's request bodies and how they are read: JSON or multipart, validated into
typed models, every problem an OpenAI-style 400 (``ApiError``) naming the field at fault."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from agent.surfaces.http.support import ApiError, validation_message
from agent.request import MAX_IMAGES
from tools.images import ImageInputError, decode_image


class GenerationBody(BaseModel):
    """OpenAI's images.generate body; fields limner does not use (quality, style…) are ignored."""

    model_config = ConfigDict(extra="ignore")
    prompt: StrictStr
    n: StrictInt | None = Field(default=1, ge=1, le=MAX_IMAGES)
    size: StrictStr | None = None
    model: StrictStr | None = None
    response_format: Literal["b64_json", "url"] | None = None
    user: StrictStr | None = None


class EditForm(BaseModel):
    """The text fields of OpenAI's multipart images.edit body (values arrive as strings)."""

    model_config = ConfigDict(extra="ignore")
    prompt: str
    n: int | None = Field(default=1, ge=1, le=MAX_IMAGES)
    size: str | None = None
    model: str | None = None
    response_format: Literal["b64_json", "url"] | None = None
    user: str | None = None


class RunBody(BaseModel):
    """A native run: every option the CLI has. Unknown fields are refused (they are typos here)."""

    model_config = ConfigDict(extra="forbid")
    prompt: StrictStr
    n: StrictInt | None = Field(default=None, ge=1, le=MAX_IMAGES)
    size: StrictStr | None = None
    seed: StrictInt | None = None
    profile: StrictStr | None = None
    """A backend profile, as the OpenAI endpoints' ``model``; backend/model/steps/options refine it."""
    backend: StrictStr | None = None
    model: StrictStr | None = None
    steps: StrictInt | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    mode: Literal["agent", "raw"] = "agent"
    max_rounds: StrictInt | None = None
    thread: StrictStr | None = None
    user: StrictStr | None = None
    wait: StrictBool = True


def requested_size(value: str | None) -> str | None:
    return None if value in (None, "", "auto") else value


async def read_json(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        raise ApiError(400, "the request body is empty: send a JSON object", code="invalid_json")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, f"the request body is not valid JSON ({error})", code="invalid_json") from None


def parse_body(model: type[BaseModel], data: Any) -> Any:
    if not isinstance(data, dict):
        raise ApiError(400, "the request body must be a JSON object", code="invalid_json")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        message, param = validation_message(list(error.errors()))
        raise ApiError(400, message, param=param, code="invalid_value") from None


async def save_upload(upload: Any, target: Path, field: str) -> str:
    """An uploaded image, checked to decode (under the size limits) before it is kept."""
    data = await upload.read()
    if not data:
        raise ApiError(400, f"the '{field}' file is empty", param=field, code="invalid_image")
    try:
        decode_image(data, label=f"the '{field}' file")
    except ImageInputError as error:
        raise ApiError(400, str(error), param=field, code="invalid_image") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return str(target)
