"""startup: how long the command line takes to answer, whole process, cold (a new interpreter
each time). ``limner plan`` is plain Python (no torch, langgraph or langchain); ``limner
--help`` is measured in the same run for scale. Medians over ``repeats`` runs, interleaved."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PLAN_PROMPT = "a four-panel comic of a fox named Mira who finds a lost umbrella in the rain"
HEAVY = ("torch", "langgraph", "langchain", "langchain_core", "diffusers", "transformers")


def _command() -> list[str]:
    """The installed ``limner`` script next to this interpreter, else the module."""
    script = Path(sys.executable).with_name("limner")
    return [str(script)] if script.exists() else [sys.executable, "-m", "agent.surfaces.cli"]


def _seconds(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    return time.perf_counter() - start


def _heavy_modules(env: dict[str, str]) -> list[str]:
    script = ("import sys\nfrom agent.surfaces.cli import main\n"
              f"sys.argv = ['limner', 'plan', {PLAN_PROMPT!r}, '--json']\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\n"
              f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    return json.loads(done.stderr.strip().splitlines()[-1].replace("'", '"'))


def measure(repeats: int = 5) -> dict:
    home = Path(tempfile.mkdtemp(prefix="limner-startup-"))
    env = {**os.environ, "LIMNER_HOME": str(home)}
    try:
        cases = {"limner --help": [*_command(), "--help"],
                 "limner plan PROMPT --json": [*_command(), "plan", PLAN_PROMPT, "--json"]}
        _seconds(cases["limner plan PROMPT --json"], env)  # warm the file cache (.pyc), not the process
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(repeats):
            for name, argv in cases.items():  # interleaved: machine drift hits both alike
                times[name].append(_seconds(argv, env))
        heavy = _heavy_modules(env)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return {"repeats": repeats, "median_s": {k: statistics.median(v) for k, v in times.items()},
            "all_s": times, "heavy_imports_in_plan": heavy}


def to_markdown(result: dict) -> str:
    medians = result["median_s"]
    plan, help_ = medians["limner plan PROMPT --json"], medians["limner --help"]
    lines = [
        f"### startup: whole-process cold start, median of {result['repeats']} (interleaved)",
        "",
        "| command | median (s) | runs (s) |",
        "|---|---:|---|",
    ]
    for name, median in medians.items():
        runs = ", ".join(f"{s:.2f}" for s in result["all_s"][name])
        lines.append(f"| `{name}` | {median:.3f} | {runs} |")
    lines += ["", f"`limner plan` / `limner --help` = **{plan / help_:.2f}×**; target: plan ≤ 1.0 s.",
              f"Heavy modules imported by `limner plan`: {result['heavy_imports_in_plan'] or 'none'} "
              f"(checked: {', '.join(HEAVY)}).", f"Prompt: \"{PLAN_PROMPT}\"."]
    return "\n".join(lines) + "\n"


def run_suite(out_dir: Path, repeats: int = 5) -> Path:
    result = measure(repeats=repeats)
    report = out_dir / "startup.md"
    report.write_text(to_markdown(result))
    return report


if __name__ == "__main__":
    print(run_suite(Path("evals/results")).read_text())
