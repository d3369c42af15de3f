"""Backend profiles: the name a client picks (the HTTP API's ``model``, MCP's ``backend``)
turned into the backend, model, steps and options of a run.

``limner`` is the configured default (Settings.backend/model/steps/options); a backend's own
name selects that backend with its defaults; other names come from ``Settings.profiles``.

OpenAI's image model names (``dall-e-2``… ``gpt-image-2``) are what OpenAI clients send when
their user names no model (Open WebUI sends ``dall-e-2``, and an empty model for edits): the
OpenAI images routes take them, and an empty model, as the default profile unless
``Settings.profiles`` defines a profile of that name (``LIMNER_PROFILES='{"dall-e-3":
{"backend": "diffusers"}}'``).
"""

from __future__ import annotations

from typing import Any

from agent.context import Settings
from agent.errors import InputError
from tools.generators.base import available

DEFAULT_PROFILE = "limner"
OPENAI_IMAGE_MODELS = ("dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2")
"""The image model names OpenAI's API knows, which OpenAI clients send by default."""
_KEYS = {"backend", "model", "steps", "options"}


def profile_names(settings: Settings) -> list[str]:
    """Every name a client may use, the default first."""
    return [DEFAULT_PROFILE, *sorted(set(settings.profiles) | set(available()))]


def openai_aliases(settings: Settings) -> list[str]:
    """OpenAI's image model names that mean the default profile here: those ``Settings.profiles``
    does not define (a profile of that name is used as it is)."""
    return [name for name in OPENAI_IMAGE_MODELS if name not in settings.profiles]


def means_default(name: str | None, settings: Settings) -> bool:
    """Whether an OpenAI client's ``model`` selects the default profile: missing, empty,
    ``limner``, or one of OpenAI's own names no profile redefines."""
    return not name or name == DEFAULT_PROFILE or name in openai_aliases(settings)


def resolve_profile(name: str | None, settings: Settings, *, field: str = "model") -> dict[str, Any]:
    """Keyword arguments for ``build_request`` (backend, model, steps, backend_options) for the
    profile ``name``; InputError naming the choices when there is no such profile. ``field`` is
    what the surface calls the choice (HTTP: ``model``; MCP, LangChain: ``backend``)."""

    if name is None or name == DEFAULT_PROFILE:
        return {}
    if not isinstance(name, str):
        raise InputError(f"{field} must be a string naming a profile, got {type(name).__name__}", param=field)
    if name in settings.profiles:
        profile = settings.profiles[name]
        unknown = set(profile) - _KEYS
        if unknown or not isinstance(profile.get("options", {}), dict):
            # A configuration mistake, but the client should learn which profile is broken.
            raise InputError(f"profile {name!r} is misconfigured: keys must be {sorted(_KEYS)}")
        return {
            "backend": profile.get("backend"),
            "model": profile.get("model"),
            "steps": profile.get("steps"),
            "backend_options": dict(profile.get("options") or {}),
        }
    if name in available():
        return {"backend": name}
    raise InputError(f"unknown {field} {name!r}; choose one of: {', '.join(profile_names(settings))}", param=field)
