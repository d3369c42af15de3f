"""What the API's routers share: one ``ApiState`` per app, kept on ``app.state.api`` by
``create_app``, and the FastAPI dependencies that hand it (and the caller) to a route.

Routers never hold module globals: two apps in one process (the tests make several) each
have their own settings, run service and link key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, cast

from fastapi import Depends, FastAPI, Request

from agent.context import Settings
from agent.surfaces.auth import principal
from agent.surfaces.http.support import ApiError, LinkSigner
from agent.surfaces.service import Job, RunService


@dataclass(frozen=True, slots=True)
class ApiState:
    """One app's settings, run service, link signer and upload folder."""

    settings: Settings
    service: RunService
    signer: LinkSigner
    uploads: Path

    def install(self, app: FastAPI) -> None:
        app.state.api = self
        app.state.service = self.service  # kept: the run service as it was reachable before

    @staticmethod
    def of(request: Request) -> "ApiState":
        return cast(ApiState, request.app.state.api)  # create_app installs it

    def caller(self, request: Request) -> str:
        """Who is calling: the token's namespace, or loopback when no tokens are configured."""
        return principal(self.settings, request.headers.get("authorization"),
                         request.client.host if request.client else None)

    def owned_job(self, run_id: str, owner: str) -> Job:
        job = self.service.get(run_id, owner)
        if job is None:  # someone else's run looks exactly like no run
            raise ApiError(404, f"no run {run_id!r}", param="run_id", code="not_found")
        return job

    def base_url(self, request: Request) -> str:
        return (self.settings.server_public_url or str(request.base_url)).rstrip("/")


async def api_state(request: Request) -> ApiState:
    """Dependency: this app's ``ApiState`` (async, so it costs no thread-pool hop)."""
    return ApiState.of(request)


def caller(request: Request) -> str:
    """Dependency: the calling principal; 401/403 (``AuthError``) when the token is wrong."""
    return ApiState.of(request).caller(request)


Api = Annotated[ApiState, Depends(api_state)]
Owner = Annotated[str, Depends(caller)]
