"""Errors a user can cause. Every surface maps ``InputError`` to its "bad request" answer
(CLI exit code 2, HTTP 400, an MCP tool error) and shows the message, which says what to do."""

from __future__ import annotations


class InputError(ValueError):
    """The request itself is wrong (empty prompt, n out of range, bad size...).

    ``param`` names the request field at fault where one is (HTTP error bodies carry it)."""

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param
