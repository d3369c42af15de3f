"""The OpenAPI document of a server with the default settings, printed:
``python -m agent.surfaces.http.document > docs/openapi.json`` (what ``docs/openapi.json`` is;
a test checks that a running server answers the same on ``/openapi.json``)."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

from agent.context import Settings
from agent.surfaces.http.app import create_app


def default_document() -> dict[str, Any]:
    """The document of a server with the default settings: no LIMNER_* variable and no
    limner.toml is read, so the same code always gives the same document."""
    saved = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith("LIMNER_")}
    here = os.getcwd()
    try:
        with tempfile.TemporaryDirectory() as folder:
            os.environ["LIMNER_HOME"] = folder
            os.chdir(folder)
            return create_app(Settings()).openapi()
    finally:
        os.chdir(here)
        os.environ.pop("LIMNER_HOME", None)
        os.environ.update(saved)


def render(document: dict[str, Any]) -> str:
    """The document as the committed file has it."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    print(render(default_document()), end="")


if __name__ == "__main__":
    main()
