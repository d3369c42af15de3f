"""The settings panel: n, size, seed, backend, model, steps, max rounds and user, as the page
sends them (numbers as floats or None, text possibly blank), checked by the rules every surface
shares (``agent.surfaces.fields``), then turned into a ``RunRequest`` for the caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.errors import InputError
from agent.request import MAX_IMAGES, MAX_SEED, RunRequest, build_request
from agent.surfaces import fields
from agent.surfaces.auth import memory_user, owned_thread
from agent.surfaces.studio.core import Studio

FIELDS = ("n", "size", "seed", "backend", "model", "steps", "max_rounds", "user")
"""The panel's inputs, in the order the page passes them."""


def _whole(value: Any, field: str, low: int, high: int) -> int | None:
    """A number box's value: empty is None; otherwise a whole number within bounds."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        return fields.whole_number(value.strip(), field, low, high)
    fractional = isinstance(value, float) and not value.is_integer()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or fractional:
        raise InputError(f"{field} must be a whole number from {low} to {high}, got {value!r}", param=field)
    return fields.bounded(int(value), field, low, high)


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


@dataclass(frozen=True)
class Options:
    """The checked settings of one action; None everywhere means the server's defaults."""

    n: int | None = None
    size: str | None = None
    seed: int | None = None
    backend: str | None = None
    model: str | None = None
    steps: int | None = None
    max_rounds: int | None = None
    user: str | None = None

    @classmethod
    def from_form(cls, studio: Studio, n: Any = None, size: Any = None, seed: Any = None, backend: Any = None,
                  model: Any = None, steps: Any = None, max_rounds: Any = None, user: Any = None) -> "Options":
        """Check the panel's values; InputError naming the first field at fault."""
        size_text, user_text, model_text = _text(size), _text(user), _text(model)
        if size_text is not None:
            fields.check_size(size_text)
        if user_text is not None:
            fields.check_name(user_text, "user")
        if model_text is not None and len(model_text) > 256:
            raise InputError(f"model has {len(model_text)} characters; the limit is 256", param="model")
        return cls(
            n=_whole(n, "n", 1, MAX_IMAGES), size=fields.requested_size(size_text), seed=_whole(seed, "seed", 0, MAX_SEED),
            backend=fields.offered_backend(_text(backend), studio.settings), model=model_text,
            steps=_whole(steps, "steps", 1, 200), max_rounds=_whole(max_rounds, "max_rounds", 0, 10), user=user_text,
        )

    def memory_user(self, studio: Studio, owner: str) -> str:
        """The memory namespace these settings name for ``owner`` (a token's users stay its own)."""
        return memory_user(studio.settings, owner, self.user)

    def request(self, studio: Studio, owner: str, prompt: str, *, thread: str | None = None,
                **extra: Any) -> RunRequest:
        """The run request for ``prompt`` with these settings (``extra``: mode, inputs, mask, plan, n)."""
        settings = studio.settings
        chosen: dict[str, Any] = {"n": self.n, **extra}
        return build_request(
            prompt, settings=settings, size=self.size, seed=self.seed, backend=self.backend, model=self.model,
            steps=self.steps, max_rounds=self.max_rounds, user_id=self.memory_user(studio, owner),
            thread_id=owned_thread(settings, owner, thread), **chosen,
        )
