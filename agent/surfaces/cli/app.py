"""The ``limner`` typer app, the helpers its command groups share, and ``main``'s error handling."""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

import typer
from rich.console import Console

try:  # typer ≥ 0.23 vendors click; older versions use the click package
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import ClickException

from agent.context import Settings
from agent.errors import InputError
from tools.images import ImageInputError

app = typer.Typer(
    name="limner",
    help="An open agentic image assistant: plan, generate, critique, repair.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as error:  # pydantic ValidationError from a bad LIMNER_* value or limner.toml
        raise InputError(f"bad configuration: {error}".replace("\n", " ")) from None


def _print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def parse_options(pairs: list[str]) -> dict[str, Any]:
    """``["max_batch=2", "coherence=independent"]`` → a dict; values are JSON when they parse."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--option wants key=value, got {pair!r}")
        try:
            options[key.strip()] = json.loads(value)
        except ValueError:
            options[key.strip()] = value
    return options


def _present(report: dict[str, Any], as_json: bool) -> None:
    """The report on stdout; images that could not be made are one line each on stderr and
    exit 1 (the images that were made are written all the same)."""
    missing = [image for image in report["images"] if not image["path"]]
    if as_json:
        _print_json(report)
    elif not report.get("refused"):
        _print_images(report)
        for offer in (report.get("characters") or {}).get("offer_to_remember", []):
            sys.stderr.write(f"remember {offer['name']} for next time: {offer['command']}\n")
    if report.get("refused"):
        sys.stderr.write(f"refused ({report['refused']['policy']} policy): {report['refused']['reason']}\n")
        raise typer.Exit(3)
    for image in missing:
        error = " ".join(str(image["error"]).split())  # one line, whatever the server sent
        sys.stderr.write(f"error: image {image['shot'] + 1} was not made: {error}\n")
    if missing:
        raise typer.Exit(1)


def _print_images(report: dict[str, Any]) -> None:
    for image in report["images"]:
        status = "passed" if image["passed"] else "FAILED"
        where = image["path"] or f"(no image: {image['error']})"
        fixes = f", {len(image['repairs'])} repair(s)" if image["repairs"] else ""
        print(f"{where}  seed={image['seed']}  {status}{fixes}")
    placeholders = list(dict.fromkeys(name for image in report["images"] for name in image.get("placeholders") or []))
    told = f"  ({_count(len(placeholders), 'placeholder')}: {', '.join(placeholders)})" if placeholders else ""
    print(f"run {report['run_id']}: {report['contact_sheet']}{told}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def main() -> None:
    """Entry point: turn every error into one line on stderr and the right exit code."""
    logging.basicConfig(level=os.environ.get("LIMNER_LOG_LEVEL", "WARNING"), stream=sys.stderr)
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:  # click returns a command's typer.Exit code here
            sys.exit(code)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except ClickException as error:  # usage errors: bad option, missing argument, bad type
        ctx = getattr(error, "ctx", None)
        hint = f"{ctx.command_path} --help" if ctx else "limner --help"
        message = error.format_message().replace("\n", " ").strip()
        if message:  # empty when help was shown instead (no arguments at all)
            print(f"error: {message} (see {hint})", file=sys.stderr)
        sys.exit(2 if error.exit_code == 2 else 1)
    except (InputError, ImageInputError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted: resume with `limner resume <run-id>`", file=sys.stderr)
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - the promise: one line, never a traceback
        message = str(error).replace("\n", " ").strip() or type(error).__name__
        print(f"error: {message} (set LIMNER_LOG_LEVEL=DEBUG for details)", file=sys.stderr)
        logging.getLogger("limner").debug("failure", exc_info=True)
        sys.exit(1)
