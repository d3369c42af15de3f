"""Commands that look at images and the install: check, eval, inspect, backends."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from agent.checking import check_image
from agent.errors import InputError
from agent.surfaces.cli.app import _print_json, _settings, app
from evals.runner import run_suite
from tools.c2pa_signing import verify
from tools.generators.base import available
from tools.provenance import read_png_metadata


@app.command()
def check(
    image: Path = typer.Argument(..., help="The image file to check."),
    text: list[str] = typer.Option([], "--text", help="Text that must appear (repeatable)."),
    prompt: Optional[str] = typer.Option(None, "--prompt", help="What the image should show."),
    as_json: bool = typer.Option(False, "--json", help="Print {passed, checks} as JSON."),
) -> None:
    """Check one image: is the expected text there and spelled right?"""
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


@app.command()
def backends() -> None:
    """List the registered image backends."""
    for name in available():
        print(name)
