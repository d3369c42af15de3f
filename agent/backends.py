"""One generator instance per (backend, model, steps, options) per process: loading a model is costly."""

from __future__ import annotations

import json
from functools import lru_cache

from agent.request import RunRequest
from tools.generators.base import Generator, create


@lru_cache(maxsize=4)
def _cached(backend: str, model: str | None, steps: int | None, options_json: str = "{}") -> Generator:
    options: dict[str, object] = json.loads(options_json)
    if model is not None:
        options["model"] = model
    if steps is not None:
        options["steps"] = steps
    return create(backend, **options)


def generator_for(request: RunRequest) -> Generator:
    """The backend the request asks for, built once and reused."""
    options = json.dumps(request.backend_options, sort_keys=True)
    return _cached(request.backend, request.model, request.steps, options)
