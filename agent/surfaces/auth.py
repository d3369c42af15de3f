"""Who is calling: bearer tokens for the HTTP API and MCP over HTTP, and the memory namespace
a caller's runs use.

With tokens configured (``LIMNER_SERVER_TOKENS='{"alice": "…"}'``) every request must carry
one, and its name owns the runs, files, threads and characters made with it. Without tokens a
server listens on loopback only and treats every caller as the local user.
"""

from __future__ import annotations

import hmac
import ipaddress
import re

from agent.context import Settings
from agent.errors import InputError

LOCAL = "local"
_NAME = re.compile(r"[A-Za-z0-9_.@+-]{1,64}")


class AuthError(Exception):
    """The caller may not use the server: ``status`` 401 (no or wrong token) or 403."""

    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_tokens(settings: Settings) -> None:
    """Token names become namespaces: plain characters, no ``:`` (it joins name and user)."""
    for name, token in settings.server_tokens.items():
        if not _NAME.fullmatch(name):
            raise InputError(f"token name {name!r} must be 1-64 letters, digits or _.@+- characters")
        if not isinstance(token, str) or len(token) < 16:
            raise InputError(f"the token of {name!r} is shorter than 16 characters; use a long random one")


def check_bind(host: str, settings: Settings) -> None:
    """Refuse to listen beyond loopback when no tokens are configured."""
    check_tokens(settings)
    if not settings.server_tokens and not is_loopback(host):
        raise InputError(
            f"refusing to listen on {host} without tokens: anyone who can reach it could use it. "
            "Set LIMNER_SERVER_TOKENS='{\"name\": \"<long random token>\"}' or bind to 127.0.0.1"
        )


def principal(settings: Settings, authorization: str | None, client_host: str | None) -> str:
    """The name the caller acts as; AuthError when it may not call."""
    if not settings.server_tokens:
        if not is_loopback(client_host):
            raise AuthError(403, "this server has no tokens configured and serves loopback clients only", "forbidden")
        return LOCAL
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError(401, "missing bearer token: send 'Authorization: Bearer <token>'", "missing_api_key")
    given = token.strip().encode()
    found = None
    for name, expected in settings.server_tokens.items():
        if hmac.compare_digest(given, expected.encode()):  # every token compared: no timing hint
            found = name
    if found is None:
        raise AuthError(401, "invalid bearer token", "invalid_api_key")
    return found


def memory_user(settings: Settings, owner: str, user: str | None) -> str:
    """The memory namespace of ``user`` acting through ``owner``: a token's users cannot reach
    another token's characters. Without tokens it is the user as given (shared with the CLI).
    An empty ``user`` names nobody: refused, never taken for the token's own namespace."""
    if user is None:
        return LOCAL if not settings.server_tokens else owner
    if not user:
        raise InputError("user is empty: leave it out, or name a user", param="user")
    return f"{owner}:{user}" if settings.server_tokens else user


def owned_thread(settings: Settings, owner: str, thread: str | None) -> str | None:
    """Conversation ids are per owner too, so nobody can continue someone else's thread. An
    empty ``thread`` is refused: as ``<owner>:`` it would be one thread shared by every such call."""
    if thread is None:
        return None
    if not thread:
        raise InputError("thread is empty: leave it out for a new conversation, or name one", param="thread")
    return f"{owner}:{thread}" if settings.server_tokens else thread
