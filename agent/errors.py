"""Errors a user can cause. Every surface maps ``InputError`` to its "bad request" answer
(CLI exit code 2, HTTP 400, an MCP tool error) and shows the message, which says what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - types only
    from pydantic import ValidationError

LINE_MAX = 300


def one_line(text: object, limit: int = LINE_MAX) -> str:
    """``text`` as one line (every run of whitespace one space), cut at ``limit`` with "…": how
    an error or a reason is shown in a chat reply, a tool result or an HTTP error."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class InputError(ValueError):
    """The request itself is wrong (empty prompt, n out of range, bad size...).

    ``param`` names the request field at fault where one is (HTTP error bodies carry it)."""

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def invalid_arguments(tool: str, error: "ValidationError") -> str:
    """A tool's bad arguments as one line a calling model can act on: ``"invalid arguments for
    generate_images: n: Input should be a valid integer (got 'two')"``."""
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "arguments"
        got = "" if item["type"] == "missing" else f" (got {one_line(repr(item.get('input')), 60)})"
        problems.append(f"{where}: {item['msg']}{got}")
    return one_line(f"invalid arguments for {tool}: " + "; ".join(problems))


class PlannerConfigError(InputError):
    """The configured planner model cannot be built (bad name, missing package, missing key)."""
