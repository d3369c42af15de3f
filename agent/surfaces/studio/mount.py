"""Put the studio on the API's server: the page at ``/`` (Gradio, ``gr.mount_gradio_app``), its
signed file routes under ``/studio/``, and the API's rules for who may call — on loopback
without tokens, a login with a token's name and the token otherwise.

The page is mounted last, and never answers the API's own paths: an unknown ``/v1/...`` path
or a wrong method there keeps the API's 404 and 405 in OpenAI's error shape.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before Gradio loads: the studio never phones home

import gradio as gr  # noqa: E402 - after the switch above
from fastapi import FastAPI  # noqa: E402
from gradio.route_utils import BUILD_PATH_LIB  # noqa: E402
from starlette.routing import Match, Mount  # noqa: E402
from starlette.types import Scope  # noqa: E402

from agent.surfaces.http.state import ApiState  # noqa: E402
from agent.surfaces.studio.assets import BuildAssets  # noqa: E402
from agent.surfaces.studio.core import SIGN_IN, Studio, sign_in_check  # noqa: E402
from agent.surfaces.studio.files import StudioLinks, files_router  # noqa: E402
from agent.surfaces.studio.page import build_page  # noqa: E402
from agent.surfaces.studio.style import CSS, FONTS, MONO_FONTS  # noqa: E402

API_PREFIXES = ("/v1/", "/studio/")
"""Paths the page never answers, whatever is (or is not) routed there."""


class StudioMount(Mount):
    """The page's mount at ``/``, standing aside for every path the API routes."""

    def __init__(self, mount: Mount, api_paths: list[object]) -> None:
        super().__init__(mount.path, app=mount.app, name=mount.name)
        self._api_paths = api_paths

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        if scope["type"] in ("http", "websocket") and (
                path in ("/v1", "/studio") or path.startswith(API_PREFIXES)
                or any(regex.match(path) for regex in self._api_paths)):  # type: ignore[attr-defined]
            return Match.NONE, {}
        return super().matches(scope)


def _api_paths(app: FastAPI) -> list[object]:
    """The path patterns of every route the API has (included routers unfolded)."""
    found, pending = [], list(app.router.routes)
    while pending:
        route = pending.pop()
        inner = getattr(route, "original_router", None)
        if inner is not None:
            pending.extend(inner.routes)
        elif getattr(route, "path_regex", None) is not None and not isinstance(route, Mount):
            found.append(route.path_regex)
    return found


def mount_studio(app: FastAPI, api: ApiState) -> Studio:
    """Mount the studio on ``app`` (after every API route); returns its ``Studio``."""
    settings = api.settings
    studio = Studio(settings=settings, service=api.service, uploads=api.uploads,
                    links=StudioLinks(api.signer.secret, settings.out_dir, settings.server_url_ttl_s))
    api_paths = _api_paths(app)
    app.include_router(files_router(studio.links))
    app.mount("/assets", BuildAssets(BUILD_PATH_LIB), name="studio-assets")  # before the page: answered first
    theme = gr.themes.Default(font=FONTS, font_mono=MONO_FONTS)
    gr.mount_gradio_app(
        app, build_page(studio), path="/", auth=sign_in_check(settings), auth_message=SIGN_IN,
        footer_links=[], run_history=False, ssr_mode=False, mcp_server=False, show_error=False, theme=theme,
        css=CSS, max_file_size=int(settings.server_max_body_mb * 2**20), favicon_path=None,
    )
    mounted = app.router.routes.pop()  # what mount_gradio_app added last: the page at "/"
    app.router.routes.append(StudioMount(mounted, api_paths))
    return studio
