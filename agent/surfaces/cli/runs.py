"""Commands that make or plan images: generate, edit, chat, resume, plan."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Optional

import typer

from agent.errors import InputError
from agent.request import build_request
from agent.run import preview_plan, resume as resume_run, run
from agent.surfaces.cli.app import _present, _print_images, _print_json, _settings, app, err, parse_options
from agent.surfaces.cli.progress import ProgressView


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
    settings = _settings()
    request = build_request(
        prompt, settings=settings, n=n, size=size, seed=seed, backend=backend, model=model,
        steps=steps, mode="raw" if raw else "agent", max_rounds=max_rounds, out_dir=out,
        backend_options=parse_options(option), thread_id=thread, user_id=user,
    )
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
    if len(args) < 2:
        raise InputError("edit wants IMAGE [IMAGE...] INSTRUCTION: at least one image, then the instruction")
    *images, instruction = args
    settings = _settings()
    request = build_request(
        instruction, settings=settings, n=n, seed=seed, backend=backend, model=model, steps=steps,
        mode="edit", max_rounds=max_rounds, out_dir=out, backend_options=parse_options(option),
        inputs=images, mask=mask,
    )
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
    settings = _settings()
    with ProgressView(err) as view:
        report = resume_run(run_id, settings=settings, on_event=view.handle)
    _present(report, as_json)


@app.command()
def plan(
    prompts: list[str] = typer.Argument(..., help="One or more requests; one plan each."),
    n: Optional[int] = typer.Option(None, "-n", "--n", help="Number of shots, 1-8."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed for the layout of shot 0 (shot i: seed+i)."),
    user: str = typer.Option("local", "--user", help="Whose remembered characters the plan resolves."),
    as_json: bool = typer.Option(False, "--json", help="One JSON plan per line, one line per prompt."),
) -> None:
    """Show the scene plan limner would draw, without drawing it."""
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
