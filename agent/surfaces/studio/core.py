"""What every studio handler needs: the server's settings and run service, the file links, and
the rules for who is calling (the API's: a token's name, or the local user on loopback)."""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from agent.context import Settings
from agent.errors import InputError
from agent.surfaces.auth import LOCAL, is_loopback
from agent.surfaces.results import one_line
from agent.surfaces.service import Busy, RunService
from agent.surfaces.studio.files import StudioLinks
from memory.characters import CharacterError
from tools.images import ImageInputError

log = logging.getLogger("limner.studio")
SIGN_IN = "Sign in with a token's name and the token itself (LIMNER_SERVER_TOKENS on the server)."


@dataclass(frozen=True)
class Studio:
    """One server's studio: its settings, its run service, its links and upload folder."""

    settings: Settings
    service: RunService
    links: StudioLinks
    uploads: Path
    """Edit inputs and masks the page sends, each edit in a folder of its own (removed after the run)."""

    def owner(self, host: str | None, username: str | None) -> str:
        """Who is calling: the token's name they signed in with; without tokens, the local user,
        from loopback only (what ``agent.surfaces.auth.principal`` decides for the API)."""
        if self.settings.server_tokens:
            if not username or username not in self.settings.server_tokens:
                raise InputError(f"not signed in. {SIGN_IN}")
            return username
        if not is_loopback(host):
            raise InputError("this server has no tokens configured and serves loopback clients only")
        return LOCAL

    def problem(self, error: BaseException) -> str:
        """The one line the page shows for ``error``: the message of an error the user can fix,
        else an incident id (the server log has the rest), never a traceback."""
        if isinstance(error, (InputError, ImageInputError, CharacterError, Busy)):
            return one_line(str(error), 400)
        incident = secrets.token_hex(4)
        log.error("studio error %s: %s: %s", incident, type(error).__name__, one_line(str(error)), exc_info=error)
        return f"something went wrong (incident {incident}); the server log has the details"


def sign_in_check(settings: Settings) -> Callable[[str, str], bool] | None:
    """The login page's check when the server has tokens (the token's name and the token); None
    without tokens (the studio then serves loopback clients only, as the API does)."""
    if not settings.server_tokens:
        return None

    def check(name: str, token: str) -> bool:
        found = False
        for known, expected in settings.server_tokens.items():  # every token compared: no timing hint
            same = hmac.compare_digest(str(token).encode(), expected.encode())
            found = found or (same and hmac.compare_digest(str(name).encode(), known.encode()))
        return found

    return check
