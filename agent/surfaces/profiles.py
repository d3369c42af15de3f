"""Backend profiles: the name a client picks (the HTTP API's ``model``, MCP's ``backend``)
turned into the backend, model, steps and options of a run.

``limner`` is the configured default (Settings.backend/model/steps/options); a backend's own
name selects that backend with its defaults; other names come from ``Settings.profiles``.
"""

from __future__ import annotations

from typing import Any

from agent.context import Settings
from agent.errors import InputError
from tools.generators.base import available

DEFAULT_PROFILE = "limner"
_KEYS = {"backend", "model", "steps", "options"}


def profile_names(settings: Settings) -> list[str]:
    """Every name a client may use, the default first."""
    return [DEFAULT_PROFILE, *sorted(set(settings.profiles) | set(available()))]


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
