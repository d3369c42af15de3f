"""The ``limner`` command. Thin: it builds a request, calls ``agent.run``, presents the result.

Streams: stdout carries only the result (with ``--json`` exactly one JSON document);
progress, logs and warnings go to stderr. Exit codes: 0 done (failed checks are results),
2 bad input, 1 any other failure; errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

import typer
from rich.console import Console

try:  # typer ≥ 0.23 vendors click; older versions use the click package
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import ClickException

from agent.errors import InputError

app = typer.Typer(
    name="limner",
    help="An open agentic image assistant: plan, generate, critique, repair.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)


def _settings():  # imported lazily: `limner --help` stays instant
    from agent.context import Settings

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


@app.command()
def generate(
    prompt: str = typer.Argument(..., help="What to draw. Quote text to render: 'OPEN'."),
    n: Optional[int] = typer.Option(None, "-n", "--n", help="Number of images, 1-8 (default: from the prompt, else 1)."),
    size: Optional[str] = typer.Option(None, "--size", help="WxH, multiples of 8 from 64 to 2048 (default: the backend's, 512x512; openai 1024x1024)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Base seed: image i gets seed+i (default: random, recorded)."),
    backend: Optional[str] = typer.Option(None, "--backend", help="Image backend (default: sketch, offline)."),
    model: Optional[str] = typer.Option(None, "--model", help="Model id or local path, for backends that load one."),
    steps: Optional[int] = typer.Option(None, "--steps", help="Denoising steps, for iterative backends."),
    option: list[str] = typer.Option(
        [], "--option", "-O", help="Backend option key=value (e.g. coherence=independent, max_batch=2); repeatable."
    ),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default ./out); the run gets <out>/<run-id>/."),
    max_rounds: Optional[int] = typer.Option(None, "--max-rounds", help="Repair rounds budget (default 2)."),
    raw: bool = typer.Option(False, "--raw", help="Skip plan/critique/repair: prompt verbatim to the backend."),
    thread: Optional[str] = typer.Option(None, "--thread", help="Conversation id: a later run on it is a follow-up."),
    user: str = typer.Option("local", "--user", help="Whose characters (memory namespace)."),
    as_json: bool = typer.Option(False, "--json", help="Print the run report as one JSON document."),
) -> None:
    """Generate a batch of images: plan → generate → critique → repair → finalize."""
    from agent.request import build_request
    from agent.run import run

    settings = _settings()
    request = build_request(
        prompt, settings=settings, n=n, size=size, seed=seed, backend=backend, model=model,
        steps=steps, mode="raw" if raw else "agent", max_rounds=max_rounds, out_dir=out,
        backend_options=parse_options(option), thread_id=thread, user_id=user,
    )
    from agent.surfaces.cli.progress import ProgressView

    with ProgressView(err) as view:
        report = run(request, settings=settings, on_event=view.handle)
    _present(report, as_json)


@app.command("edit")
def edit_(
    args: list[str] = typer.Argument(..., help="IMAGE [IMAGE...] INSTRUCTION: the image(s) to edit, then what to do."),
    mask: Optional[Path] = typer.Option(None, "--mask", help="Where to edit: white = edit (or RGBA, transparent = edit)."),
    n: Optional[int] = typer.Option(None, "-n", "--n", help="Number of edited versions, 1-8 (default 1)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Base seed: version i gets seed+i."),
    backend: Optional[str] = typer.Option(None, "--backend", help="Image backend (default: sketch, offline)."),
    model: Optional[str] = typer.Option(None, "--model", help="Model id or local path, for backends that load one."),
    steps: Optional[int] = typer.Option(None, "--steps", help="Denoising steps, for iterative backends."),
    option: list[str] = typer.Option([], "--option", "-O", help="Backend option key=value; repeatable."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default ./out); the run gets <out>/<run-id>/."),
    max_rounds: Optional[int] = typer.Option(None, "--max-rounds", help="Repair rounds budget (default 2)."),
    as_json: bool = typer.Option(False, "--json", help="Print the run report as one JSON document."),
) -> None:
    """Edit your own image(s): change only what the instruction asks, check it, repair."""
    from agent.request import build_request
    from agent.run import run

    if len(args) < 2:
        raise InputError("edit wants IMAGE [IMAGE...] INSTRUCTION: at least one image, then the instruction")
    *images, instruction = args
    settings = _settings()
    request = build_request(
        instruction, settings=settings, n=n, seed=seed, backend=backend, model=model, steps=steps,
        mode="edit", max_rounds=max_rounds, out_dir=out, backend_options=parse_options(option),
        inputs=images, mask=mask,
    )
    from agent.surfaces.cli.progress import ProgressView

    with ProgressView(err) as view:
        report = run(request, settings=settings, on_event=view.handle)
    _present(report, as_json)


@app.command()
def chat(
    thread: Optional[str] = typer.Option(None, "--thread", help="Conversation id to continue (default: a new one)."),
    n: Optional[int] = typer.Option(None, "-n", "--n", help="Images for the first request (default: from the prompt)."),
    backend: Optional[str] = typer.Option(None, "--backend", help="Image backend (default: sketch, offline)."),
    user: str = typer.Option("local", "--user", help="Whose characters (memory namespace)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default ./out)."),
) -> None:
    """A conversation: each line is a request; follow-ups ("make her coat blue") revise the last
    batch and redraw only what changed. An empty line or EOF ends it."""
    import secrets

    from agent.surfaces.cli.progress import ProgressView
    from agent.request import build_request
    from agent.run import run

    settings = _settings()
    thread = thread or f"chat-{secrets.token_hex(4)}"
    err.print(f"thread {thread} (continue later with: limner chat --thread {thread})", highlight=False)
    while True:
        try:
            line = input("limner> ").strip()
        except EOFError:
            break
        if not line:
            break
        try:
            request = build_request(line, settings=settings, n=n, backend=backend, out_dir=out,
                                    thread_id=thread, user_id=user)
            with ProgressView(err) as view:
                report = run(request, settings=settings, on_event=view.handle)
        except InputError as error:
            err.print(f"error: {error}", highlight=False, markup=False)
            continue
        if report.get("revision"):
            changes = "; ".join(report["revision"]["changes"])
            print(f"revised ({changes}); redrawn: {[i + 1 for i in report['revision']['changed_shots']]}")
        _print_images(report)
        n = None  # the count applies to the first request; follow-ups keep the batch


@app.command()
def resume(
    run_id: str = typer.Argument(..., help="The run id (the name of its output folder)."),
    as_json: bool = typer.Option(False, "--json", help="Print the run report as one JSON document."),
) -> None:
    """Continue an interrupted run from its last checkpoint."""
    from agent.surfaces.cli.progress import ProgressView
    from agent.run import resume as resume_run

    settings = _settings()
    with ProgressView(err) as view:
        report = resume_run(run_id, settings=settings, on_event=view.handle)
    _present(report, as_json)


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
    print(f"run {report['run_id']}: {report['contact_sheet']}")


@app.command()
def plan(
    prompts: list[str] = typer.Argument(..., help="One or more requests; one plan each."),
    n: Optional[int] = typer.Option(None, "-n", "--n", help="Number of shots, 1-8."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed for the layout of shot 0 (shot i: seed+i)."),
    user: str = typer.Option("local", "--user", help="Whose remembered characters the plan resolves."),
    as_json: bool = typer.Option(False, "--json", help="One JSON plan per line, one line per prompt."),
) -> None:
    """Show the scene plan limner would draw, without drawing it."""
    from agent.run import preview_plan
    from agent.request import build_request

    settings = _settings()
    for prompt in prompts:
        request = build_request(prompt, settings=settings, n=n, seed=seed if seed is not None else 0, user_id=user)
        scene_plan, log = preview_plan(request, settings)
        for line in log:
            sys.stderr.write(line + "\n")
        if as_json:
            _print_json(scene_plan.model_dump(mode="json"))
            continue
        print(f"# {prompt}")
        print(f"style={scene_plan.style} setting={scene_plan.setting} light={scene_plan.light} "
              f"palette={scene_plan.palette} negatives={scene_plan.negatives}")
        for shot in scene_plan.shots:
            objects = ", ".join(f"{o.count} {o.color or ''} {o.name}".replace("  ", " ") for o in shot.objects)
            texts = ", ".join(f"{t.role}:{t.text!r}" for t in shot.texts)
            print(f"  shot {shot.index + 1}: {shot.prompt}\n    objects: {objects or '-'}  texts: {texts or '-'}")


@app.command()
def check(
    image: Path = typer.Argument(..., help="The image file to check."),
    text: list[str] = typer.Option([], "--text", help="Text that must appear (repeatable)."),
    prompt: Optional[str] = typer.Option(None, "--prompt", help="What the image should show."),
    as_json: bool = typer.Option(False, "--json", help="Print {passed, checks} as JSON."),
) -> None:
    """Check one image: is the expected text there and spelled right?"""
    from agent.checking import check_image

    settings = _settings()
    result = check_image(image, texts=text, prompt=prompt, ocr_engine=settings.ocr_engine, clip=settings.clip_settings())
    if as_json:
        _print_json(result)
        return
    for item in result["checks"]:
        print(f"{item['name']:<8} {item['status']:<8} {item['reason']}")
    print("passed" if result["passed"] else "FAILED")


@app.command("eval")
def eval_(
    name: str = typer.Argument(..., help="Suite name (e.g. overhead)."),
    repeats: int = typer.Option(5, "--repeats", min=1, max=50, help="Repeats per measurement (medians reported)."),
    out: Path = typer.Option(Path("evals/results"), "--out", help="Where the markdown table and chart go."),
    engine: list[str] = typer.Option([], "--engine", help="OCR engine(s) to compare (critics suite); repeatable."),
    planner: Optional[str] = typer.Option(
        None, "--planner", help="LLM planner for the rules+LLM column (plans suite), e.g. llamacpp:smollm2."
    ),
    model: Optional[str] = typer.Option(
        None, "--model", help="Model to measure (diffusers suite; default: a tiny offline pipeline)."
    ),
) -> None:
    """Run a benchmark suite and write its report (markdown table + PNG chart)."""
    from evals.runner import run_suite

    report_path = run_suite(name, repeats=repeats, out_dir=out, engines=engine or None, planner=planner, model=model)
    print(report_path.read_text())


@app.command("inspect")
def inspect_(
    image: Path = typer.Argument(..., help="A PNG limner wrote (or any image)."),
    as_json: bool = typer.Option(False, "--json", help="Print {metadata, c2pa} as JSON."),
    trust: Optional[Path] = typer.Option(None, "--trust", help="PEM trust anchors (e.g. your CA) for the C2PA signer."),
) -> None:
    """What an image carries: limner's PNG metadata and its C2PA manifest, verified.

    Exit 1 when a C2PA manifest is present but fails verification (e.g. the file was altered)."""
    from tools.c2pa_signing import verify
    from tools.provenance import read_png_metadata

    if not image.is_file():
        raise InputError(f"{image}: no such file")
    try:
        metadata = read_png_metadata(image)
    except Exception as error:  # noqa: BLE001 - anything PIL cannot open is bad input
        raise InputError(f"{image}: not a readable image ({type(error).__name__})") from None
    result = verify(image, trust_anchors_pem=trust.read_bytes() if trust else None)
    c2pa = {
        "present": result.has_manifest, "valid": result.ok, "trusted": result.trusted, "issues": result.issues,
        "title": result.title, "claim_generator": result.claim_generator, "actions": result.actions,
        "digital_source_type": result.digital_source_type, "signer": result.signer, "issuer": result.issuer,
    }
    if as_json:
        _print_json({"image": str(image), "metadata": metadata, "c2pa": c2pa})
    else:
        for key, value in metadata.items():
            print(f"{key}: {value}")
        if not result.has_manifest:
            print("c2pa: none")
        else:
            verdict = "valid" if result.ok else "INVALID: " + "; ".join(result.issues)
            trusted = "trusted" if result.trusted else "signer not in the trust anchors"
            print(f"c2pa: {verdict} ({trusted}); signed by {result.signer} (issuer {result.issuer})")
            print(f"c2pa actions: {', '.join(result.actions)}; source: {result.digital_source_type}")
    if result.has_manifest and not result.ok:
        raise typer.Exit(1)


characters_app = typer.Typer(help="Remembered characters: the same look next week, for you only.", no_args_is_help=True)
app.add_typer(characters_app, name="characters")
_USER_HELP = "Whose characters (a memory namespace; default: local)."


@contextmanager
def _book(user: str) -> Iterator[Any]:
    """The user's character book; memory errors become one-line errors."""
    from agent.characters import open_book
    from agent.request import check_user
    from memory.characters import CharacterError

    check_user(user)
    try:
        with open_book(_settings(), user) as book:
            yield book
    except CharacterError as error:
        raise InputError(str(error)) from None


def _character_json(character: Any, score: float | None = None) -> dict[str, Any]:
    data = character.model_dump(mode="json")
    return {**data, "score": round(score, 4)} if score is not None else data


@characters_app.command("add")
def characters_add(
    name: str = typer.Argument(..., help="The character's name (e.g. Mira)."),
    description: str = typer.Option(..., "--description", "-d", help="What they look like, in words."),
    image: list[Path] = typer.Option([], "--image", help="Reference image (repeatable)."),
    species: Optional[str] = typer.Option(None, "--species", help="What they are (fox, robot, woman)."),
    colour: list[str] = typer.Option([], "--colour", "--color", help="part=colour, e.g. coat=blue (repeatable)."),
    user: str = typer.Option("local", "--user", help=_USER_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the character as JSON."),
) -> None:
    """Enrol a character."""
    colours = {}
    for pair in colour:
        part, sep, value = pair.partition("=")
        if not sep or not part.strip() or not value.strip():
            raise InputError(f"--colour wants part=colour, got {pair!r}")
        colours[part.strip()] = value.strip()
    attributes = {"colours": colours, **({"species": species} if species else {})}
    with _book(user) as book:
        character = book.add(name, description, attributes=attributes, images=image)
    _print_json(_character_json(character)) if as_json else print(f"remembered {character.name} for {user}")


@characters_app.command("list")
def characters_list(user: str = typer.Option("local", "--user", help=_USER_HELP),
                    as_json: bool = typer.Option(False, "--json", help="One JSON array.")) -> None:
    """The user's characters, by name."""
    with _book(user) as book:
        characters = book.list()
    if as_json:
        _print_json([_character_json(c) for c in characters])
    for character in [] if as_json else characters:
        print(f"{character.name}: {character.description}")


@characters_app.command("show")
def characters_show(name: str = typer.Argument(...), user: str = typer.Option("local", "--user", help=_USER_HELP)) -> None:
    """One character, whole, as JSON."""
    with _book(user) as book:
        _print_json(_character_json(book.get(name)))


@characters_app.command("search")
def characters_search(
    query: str = typer.Argument(..., help="Words with the meaning you look for."),
    k: int = typer.Option(5, "-k", min=1, max=100, help="How many, best first."),
    user: str = typer.Option("local", "--user", help=_USER_HELP),
    as_json: bool = typer.Option(False, "--json", help="One JSON array, best first, with score."),
) -> None:
    """Characters nearest in meaning to QUERY (no cut-off)."""
    with _book(user) as book:
        found = book.search(query, k=k)
    if as_json:
        _print_json([_character_json(c, score) for c, score in found])
    for character, score in [] if as_json else found:
        print(f"{score:.3f}  {character.name}: {character.description}")


@characters_app.command("rm")
def characters_rm(name: str = typer.Argument(...), user: str = typer.Option("local", "--user", help=_USER_HELP)) -> None:
    """Forget a character (and its reference images)."""
    with _book(user) as book:
        removed = book.remove(name)
    print(f"forgot {removed.name}")


@characters_app.command("export")
def characters_export(path: Path = typer.Argument(..., help="A new folder or .zip file."),
                      user: str = typer.Option("local", "--user", help=_USER_HELP)) -> None:
    """Write the user's characters (JSON + images) to carry elsewhere."""
    with _book(user) as book:
        print(book.export(path))


@characters_app.command("import")
def characters_import(path: Path = typer.Argument(..., help="A folder or .zip from `characters export`."),
                      overwrite: bool = typer.Option(False, "--overwrite", help="Replace characters with the same name."),
                      user: str = typer.Option("local", "--user", help=_USER_HELP)) -> None:
    """Enrol the characters of an export (all or nothing)."""
    with _book(user) as book:
        imported = book.import_(path, overwrite=overwrite)
    print(f"imported {', '.join(c.name for c in imported) or 'nothing'}")


@app.command()
def backends() -> None:
    """List the registered image backends."""
    from tools.generators.base import available

    for name in available():
        print(name)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; beyond loopback only with LIMNER_SERVER_TOKENS."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port (0: any free one, printed on stderr)."),
) -> None:
    """HTTP API: OpenAI-compatible /v1/images/generations and /edits, native /v1/runs with SSE."""
    from agent.surfaces.http.app import serve as serve_http

    serve_http(_settings(), host=host, port=port)


@app.command()
def mcp(
    http: bool = typer.Option(False, "--http", help="Streamable HTTP instead of stdio."),
    host: str = typer.Option("127.0.0.1", "--host", help="With --http: address (beyond loopback only with tokens)."),
    port: int = typer.Option(8001, "--port", min=0, max=65535, help="With --http: port."),
) -> None:
    """MCP server (stdio by default): generate_images, edit_image, plan_images, list_characters,
    remember_character. Over stdio, stdout carries only the protocol; logs go to stderr."""
    from agent.surfaces.mcp.server import serve as serve_mcp

    serve_mcp(_settings(), http=http, host=host, port=port)


@app.command()
def bot(
    platform: str = typer.Argument(..., help="slack (Socket Mode: SLACK_BOT_TOKEN, SLACK_APP_TOKEN) or discord (DISCORD_BOT_TOKEN)."),
) -> None:
    """Run the Slack or Discord bot: a slash command (and Slack mentions) answered in thread."""
    if platform == "slack":
        from agent.surfaces.bots.slack import serve as serve_bot
    elif platform == "discord":
        from agent.surfaces.bots.discord import serve as serve_bot
    else:
        raise InputError(f"unknown bot platform {platform!r}; choose slack or discord")
    serve_bot(_settings())


def main() -> None:
    """Entry point: turn every error into one line on stderr and the right exit code."""
    logging.basicConfig(level=os.environ.get("LIMNER_LOG_LEVEL", "WARNING"), stream=sys.stderr)
    from tools.images import ImageInputError

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


if __name__ == "__main__":
    main()
