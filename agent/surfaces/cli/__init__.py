"""The ``limner`` command. Thin: it builds a request, calls ``agent.run``, presents the result.

Streams: stdout carries only the result (with ``--json`` exactly one JSON document);
progress, logs and warnings go to stderr. Exit codes: 0 done (failed checks are results),
2 bad input, 1 any other failure; errors are one line on stderr, never a traceback.

The app and shared helpers live in ``app``; each command group registers itself on import:
``runs`` (generate, edit, chat, resume, plan), ``checks`` (check, eval, inspect, backends),
``characters`` (the ``characters`` sub-app), ``servers`` (serve, mcp, bot, studio).
"""

from __future__ import annotations

# Importing a group registers its commands; this order is the order of `limner --help`.
from agent.surfaces.cli import runs, checks, characters, servers  # noqa: F401, I001  # isort: skip
from agent.surfaces.cli.app import app, main

__all__ = ["app", "main"]
