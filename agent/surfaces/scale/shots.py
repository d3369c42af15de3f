"""The generation checkpoint: the shots a run has finished drawing, saved in PostgreSQL
(``limner_shots``) so that a run retried after its process died draws only what is missing.

``ACTIVE_RUN`` is set by the executor around a run; the graph's nodes run in copies of that
context, so the remote generator knows whose shots it draws.
"""

from __future__ import annotations

import hashlib
import io
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from PIL import Image
from pydantic_core import to_jsonable_python

from agent.context import Settings
from agent.surfaces.scale.postgres_state import RunStore
from tools.scene import ScenePlan, Shot


@dataclass(frozen=True)
class ActiveRun:
    """The run being executed: where it keeps its finished shots, and its settings (which say
    how a deployment it needs is made)."""

    store: RunStore
    run_id: str
    owner: str
    settings: Settings


ACTIVE_RUN: ContextVar[ActiveRun | None] = ContextVar("limner_active_run", default=None)


def shot_key(app: str, shot: Shot, seed: int, size: tuple[int, int], plan: ScenePlan | None) -> str:
    """What identifies a drawn shot: the same key draws the same image."""
    parts = [app, shot.model_dump_json(), str(seed), f"{size[0]}x{size[1]}", plan.model_dump_json() if plan else ""]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def encode_shot(image: Image.Image) -> tuple[bytes, dict[str, Any]]:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    info = {key: to_jsonable_python(value, fallback=str) for key, value in image.info.items()}
    return buffer.getvalue(), info


def decode_shot(png: bytes, info: dict[str, Any]) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    image.info.clear()
    image.info.update(info)  # the backend's notes (credits, drawing, usage), as the graph reads them
    return image
