"""overhead: what the agent loop costs on top of a bare backend call.

The suite (``limner eval overhead``) measures whole processes, as a user runs them: one
``limner generate … -n 8 --size 512x512 --json`` process per measurement, ``--raw``
(prompt verbatim → backend → files) against the full loop (plan → generate → critique →
repair → finalize), same backend, prompt and seeds. Three prompts: the bakery poster (one
planned text), one without text and one with three text elements. Each repeat runs raw
and agent back to back, alternating which goes first, so that drift in the machine's load
hits both alike; the **loop cost** of a repeat is ``(agent − raw) / images``, and the
report gives its median over the repeats, the median process times, and the median
seconds of every node of the agent runs (from their ``run.json`` timings).

``baseline`` (``python -m evals.overhead --baseline DIR``) is a source tree of an earlier
commit (e.g. ``git archive <commit> | tar -x -C DIR``): its processes are interleaved with
the current tree's in every repeat, and the report shows before and after side by side,
measured under the same load.

:func:`measure` is the older in-process comparison (batch 4, one process), which the
diffusers suite reuses on its model.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from agent.context import Settings
from agent.request import build_request
from agent.run import run

PROMPT = "A poster for a bakery that says 'FRESH BREAD DAILY' with three red balloons"
BATCH = 4

PROMPTS: dict[str, str] = {
    "bakery poster (1 text)": PROMPT,
    "no text": "A red fox in a snowy forest at dawn",
    "three texts": "A shop front with a sign that says 'OPEN', a poster that says 'SUMMER SALE' "
                   "and a banner that says 'WELCOME BACK'",
}
"""The prompts of the whole-process suite: what each plans is part of the measurement (no
text: nothing to read; three texts: three regions per image)."""
IMAGES = 8
SIZE = "512x512"
LOOP_TARGET_MS = 125.0
"""Target for the loop cost per image, agent − raw (median)."""
CRITIQUE_TARGET_S = 1.0
"""Target for the critique node on the batch of :data:`IMAGES` (median)."""
REPO = Path(__file__).resolve().parents[1]
NODES = ("screen", "plan", "search", "generate", "critique", "repair", "finalize")


# ------------------------------------------------------------------ whole processes


def _process(tree: Path, prompt: str, mode: str, seed: int, workdir: Path) -> tuple[float, dict]:
    """Seconds of one ``limner generate`` process of ``tree`` (start-up to exit) and its report."""
    command = [sys.executable, "-m", "agent.surfaces.cli", "generate", prompt, "-n", str(IMAGES),
               "--size", SIZE, "--seed", str(seed), "--out", str(workdir / "out"), "--json"]
    if mode == "raw":
        command.append("--raw")
    env = {key: value for key, value in os.environ.items() if not key.startswith("LIMNER_")}
    # Bytecode caches written (an empty value clears the flag): start-up is measured warm, as users run it.
    env.update(PYTHONPATH=str(tree), LIMNER_HOME=str(workdir / "home"), PYTHONDONTWRITEBYTECODE="")
    start = time.perf_counter()
    done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"limner generate ({mode}, {tree}) exited {done.returncode}: {done.stderr[-2000:]}")
    return seconds, json.loads(done.stdout)


def _sample(tree: Path, name: str, prompt: str, repeat: int, workdir: Path) -> dict:
    """One repeat of one prompt on one tree: raw and agent back to back (order alternating)."""
    seed = 100 + repeat
    order = ("raw", "agent") if repeat % 2 == 0 else ("agent", "raw")
    seconds, reports = {}, {}
    for mode in order:
        seconds[mode], reports[mode] = _process(tree, prompt, mode, seed, workdir)
    agent = reports["agent"]
    return {
        "prompt": name, "repeat": repeat, "raw_s": seconds["raw"], "agent_s": seconds["agent"],
        "loop_ms_per_image": 1000 * (seconds["agent"] - seconds["raw"]) / IMAGES,
        "nodes": agent["timings"], "raw_nodes": reports["raw"]["timings"],
        "passed": agent["passed"], "rounds": agent["rounds"],
        "texts_planned": sum(len(shot["texts"]) for shot in agent["plan"]["shots"]),
    }


def _summary(samples: Sequence[dict]) -> dict:
    median = statistics.median
    nodes = {node: median(s["nodes"].get(node, 0.0) for s in samples)
             for node in NODES if any(node in s["nodes"] for s in samples)}
    return {
        "repeats": len(samples),
        "raw_s": median(s["raw_s"] for s in samples),
        "agent_s": median(s["agent_s"] for s in samples),
        "loop_ms_per_image": median(s["loop_ms_per_image"] for s in samples),
        "loop_ms_per_image_min": min(s["loop_ms_per_image"] for s in samples),
        "loop_ms_per_image_max": max(s["loop_ms_per_image"] for s in samples),
        "critique_s": nodes.get("critique", 0.0),
        "nodes": nodes,
        "raw_generate_s": median(s["raw_nodes"].get("generate", 0.0) for s in samples),
        "raw_finalize_s": median(s["raw_nodes"].get("finalize", 0.0) for s in samples),
        "passed": sum(s["passed"] for s in samples),
        "repaired": sum(s["rounds"] > 0 for s in samples),
        "texts_planned": samples[0]["texts_planned"] if samples else 0,
    }


def measure_processes(repeats: int = 5, baseline: Path | None = None, tree: Path = REPO,
                      prompts: dict[str, str] | None = None, baseline_label: str | None = None) -> dict:
    """Whole-process medians per prompt for ``tree`` (and ``baseline``, interleaved);
    ``baseline_label`` says in the report what the baseline tree is."""
    prompts = prompts or PROMPTS
    trees = {"after": Path(tree).resolve()}
    if baseline is not None:
        trees = {"before": Path(baseline).resolve(), **trees}
    samples: dict[str, dict[str, list[dict]]] = {label: {name: [] for name in prompts} for label in trees}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="limner-overhead-") as tmp:
        workdir = Path(tmp)
        for path in trees.values():  # warm-up: bytecode, fonts, page cache; not counted
            for prompt in prompts.values():
                _sample(path, "warm-up", prompt, 0, workdir)
        for repeat in range(repeats):
            for name, prompt in prompts.items():
                labels = list(trees) if repeat % 2 == 0 else list(reversed(trees))
                for label in labels:
                    samples[label][name].append(_sample(trees[label], name, prompt, repeat, workdir))
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "images": IMAGES, "size": SIZE, "repeats": repeats,
        "trees": {label: str(path) for label, path in trees.items()},
        "baseline_label": baseline_label,
        "prompts": prompts,
        "summary": {label: {name: _summary(s) for name, s in by_prompt.items()} for label, by_prompt in samples.items()},
        "samples": samples,
        "seconds": time.perf_counter() - started,
    }


def _verdict(value: float, target: float) -> str:
    return "✓" if value <= target else "✗"


def processes_markdown(result: dict) -> str:
    summary = result["summary"]
    labels = list(summary)
    lines = [
        f"### overhead: agent loop vs `--raw`, whole processes, {result['images']} images at {result['size']}, "
        f"backend `sketch`, {result['repeats']} repeats (medians)",
        "",
        f"Measured {result['date']} on {result['cpus']} CPU cores (load average at the end "
        f"{', '.join(f'{x:.2f}' for x in result['load_average'] or [])}); whole suite {result['seconds']:.0f} s. "
        "Each measurement is one `limner generate … -n 8 --size 512x512 --json` process, start-up to exit; "
        "raw and agent run back to back in every repeat (order alternating"
        + (", before and after interleaved too" if len(labels) > 1 else "")
        + "). Loop cost = (agent − raw) / 8 per repeat, then the median. Targets: loop cost ≤ "
        f"{LOOP_TARGET_MS:g} ms per image, critique of 8 images ≤ {CRITIQUE_TARGET_S:g} s.",
        *(["", f"Before: {result['baseline_label'] or result['trees']['before']}; after: this tree."]
          if "before" in result["trees"] else []),
        "",
        "| tree | prompt | raw (s) | agent (s) | **loop cost per image (ms)** | range (ms) | **critique, 8 images (s)** | agent runs all passed |",
        "|---|---|---:|---:|---:|---|---:|---:|",
    ]
    for label in labels:
        for name, s in summary[label].items():
            lines.append(
                f"| {label} | {name} | {s['raw_s']:.2f} | {s['agent_s']:.2f} | "
                f"**{s['loop_ms_per_image']:.0f}** {_verdict(s['loop_ms_per_image'], LOOP_TARGET_MS)} | "
                f"{s['loop_ms_per_image_min']:.0f} … {s['loop_ms_per_image_max']:.0f} | "
                f"**{s['critique_s']:.2f}** {_verdict(s['critique_s'], CRITIQUE_TARGET_S)} | {s['passed']}/{s['repeats']} |"
            )
    nodes = [n for n in NODES if any(n in s["nodes"] for by in summary.values() for s in by.values())]
    lines += ["", "Where the agent's time goes (median seconds per node, from `run.json`; raw's generate and "
              "finalize beside them):", "",
              "| tree | prompt | " + " | ".join(nodes) + " | raw generate | raw finalize |",
              "|---|---|" + "---:|" * (len(nodes) + 2)]
    for label in labels:
        for name, s in summary[label].items():
            cells = [f"{s['nodes'].get(n, 0.0):.3f}" for n in nodes]
            lines.append(f"| {label} | {name} | " + " | ".join(cells)
                         + f" | {s['raw_generate_s']:.3f} | {s['raw_finalize_s']:.3f} |")
    if len(labels) > 1:
        lines += ["", "Before → after (same run, same load):", "",
                  "| prompt | loop cost per image (ms) | critique, 8 images (s) | agent process (s) |",
                  "|---|---:|---:|---:|"]
        for name in summary[labels[-1]]:
            b, a = summary[labels[0]][name], summary[labels[-1]][name]
            lines.append(f"| {name} | {b['loop_ms_per_image']:.0f} → **{a['loop_ms_per_image']:.0f}** | "
                         f"{b['critique_s']:.2f} → **{a['critique_s']:.2f}** | {b['agent_s']:.2f} → {a['agent_s']:.2f} |")
    return "\n".join(lines) + "\n"


def processes_chart(result: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    summary = result["summary"]
    labels = list(summary)
    names = list(result["prompts"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), dpi=110, gridspec_kw={"width_ratios": [2, 3]})
    xs = np.arange(len(names))
    width = 0.8 / len(labels)
    for k, label in enumerate(labels):
        values = [summary[label][n]["loop_ms_per_image"] for n in names]
        left.bar(xs + (k - (len(labels) - 1) / 2) * width, values, width, label=label)
    left.axhline(LOOP_TARGET_MS, color="black", linestyle="--", linewidth=1, label=f"target {LOOP_TARGET_MS:g} ms")
    left.set_xticks(xs, names, fontsize=7)
    left.set_ylabel("ms per image (agent − raw)")
    left.set_title("loop cost per image, whole processes (median)", fontsize=9)
    left.legend(fontsize=7)
    rows = [(label, n) for n in names for label in labels]
    bottom = np.zeros(len(rows))
    for node in ("plan", "generate", "critique", "repair", "finalize"):
        values = np.array([summary[label][n]["nodes"].get(node, 0.0) for label, n in rows])
        if values.any():
            right.barh(range(len(rows)), values, left=bottom, label=node)
            bottom += values
    right.set_yticks(range(len(rows)), [f"{n} · {label}" if len(labels) > 1 else n for label, n in rows], fontsize=7)
    right.invert_yaxis()
    right.set_xlabel("seconds (median per node, agent runs)")
    right.set_title(f"agent nodes, {result['images']} images at {result['size']}", fontsize=9)
    right.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


# --------------------------------------------------------------- in one process


def _timed_run(mode: str, settings: Settings, seed: int, prompt: str = PROMPT) -> tuple[float, dict]:
    request = build_request(prompt, settings=settings, n=BATCH, seed=seed, mode=mode)
    start = time.perf_counter()
    report = run(request, settings=settings)
    return time.perf_counter() - start, report


def measure(repeats: int = 5, backend: str = "sketch", prompt: str = PROMPT, **settings_fields: object) -> dict:
    """In one process: medians (seconds) of raw and agent runs, their ratio, and agent per-node
    medians, after one warm-up of each (model and OCR loading counted in neither).

    ``settings_fields`` (model, steps, size…) configure the backend for both modes alike."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp) / "home", out_dir=Path(tmp) / "out", backend=backend, **settings_fields)
        _timed_run("raw", settings, 0, prompt)
        _timed_run("agent", settings, 0, prompt)
        raw, agent, nodes, passed = [], [], {}, []
        for repeat in range(repeats):
            # Interleaved so that drift in machine load hits both modes alike.
            seconds, _ = _timed_run("raw", settings, 100 + repeat, prompt)
            raw.append(seconds)
            seconds, report = _timed_run("agent", settings, 100 + repeat, prompt)
            agent.append(seconds)
            passed.append(report["passed"])
            for node, node_seconds in report["timings"].items():
                nodes.setdefault(node, []).append(node_seconds)
    raw_median, agent_median = statistics.median(raw), statistics.median(agent)
    return {
        "backend": backend,
        "batch": BATCH,
        "repeats": repeats,
        "raw_median_s": raw_median,
        "agent_median_s": agent_median,
        "ratio": agent_median / raw_median,
        "per_image_raw_s": raw_median / BATCH,
        "per_image_agent_s": agent_median / BATCH,
        "agent_nodes_median_s": {node: statistics.median(v) for node, v in nodes.items()},
        "agent_runs_passed": sum(passed),
    }


# ----------------------------------------------------------------------- the suite


def run_suite(out_dir: Path, repeats: int = 5, baseline: Path | None = None, baseline_label: str | None = None) -> Path:
    """Entry point for ``evals.runner``: writes ``overhead.md``, ``overhead.png`` and
    ``overhead.json`` into ``out_dir`` and returns the markdown report's path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = measure_processes(repeats=repeats, baseline=baseline, baseline_label=baseline_label)
    report = out_dir / "overhead.md"
    report.write_text(processes_markdown(result), encoding="utf-8")
    processes_chart(result, out_dir / "overhead.png")
    (out_dir / "overhead.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m evals.overhead", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="repeats per prompt (medians reported)")
    parser.add_argument("--baseline", type=Path, help="source tree of an earlier commit, measured interleaved")
    parser.add_argument("--baseline-label", help="what the baseline tree is, for the report (e.g. its commit)")
    parser.add_argument("--out", type=Path, default=Path("evals/results"), help="where the report goes")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.baseline is not None and not (args.baseline / "agent" / "run.py").is_file():
        parser.error(f"--baseline {args.baseline}: not a limner source tree (no agent/run.py)")
    print(run_suite(args.out, repeats=args.repeats, baseline=args.baseline, baseline_label=args.baseline_label).read_text())


if __name__ == "__main__":
    main()
