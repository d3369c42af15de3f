"""overhead: what the agent loop costs on top of a bare backend call.

Same backend, prompt, batch size and seeds, measured side by side in one process:
``--raw`` (prompt verbatim → backend → files) against the full loop (plan → generate →
critique → repair → finalize). Reports medians over repeats, the ratio, and where the
agent's time goes per node. One warm-up run of each first, so model and OCR loading
are not counted as overhead of either.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from agent.context import Settings
from agent.request import build_request
from agent.run import run

PROMPT = "A poster for a bakery that says 'FRESH BREAD DAILY' with three red balloons"
BATCH = 4


def _timed_run(mode: str, settings: Settings, seed: int, prompt: str = PROMPT) -> tuple[float, dict]:
    request = build_request(prompt, settings=settings, n=BATCH, seed=seed, mode=mode)
    start = time.perf_counter()
    report = run(request, settings=settings)
    return time.perf_counter() - start, report


def measure(repeats: int = 5, backend: str = "sketch", prompt: str = PROMPT, **settings_fields: object) -> dict:
    """Medians (seconds) of raw and agent runs, their ratio, and agent per-node medians.

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


def to_markdown(result: dict) -> str:
    lines = [
        f"### overhead: agent loop vs raw, backend `{result['backend']}`, batch {result['batch']}, "
        f"{result['repeats']} repeats (medians)",
        "",
        "| mode | run (s) | per image (s) |",
        "|---|---:|---:|",
        f"| raw (`--raw`) | {result['raw_median_s']:.3f} | {result['per_image_raw_s']:.3f} |",
        f"| agent loop | {result['agent_median_s']:.3f} | {result['per_image_agent_s']:.3f} |",
        f"| **ratio agent / raw** | **{result['ratio']:.2f}×** | |",
        "",
        "| agent node | median (s) |",
        "|---|---:|",
    ]
    lines += [f"| {node} | {seconds:.3f} |" for node, seconds in result["agent_nodes_median_s"].items()]
    lines += ["", f"Agent runs whose every image passed its checks: {result['agent_runs_passed']}/{result['repeats']}."]
    return "\n".join(lines) + "\n"


def chart(result: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nodes = result["agent_nodes_median_s"]
    fig, ax = plt.subplots(figsize=(7, 2.8), dpi=110)
    ax.barh(["raw"], [result["raw_median_s"]], color="#8aa1b1")
    left = 0.0
    for node, seconds in nodes.items():
        ax.barh(["agent"], [seconds], left=left, label=node)
        left += seconds
    ax.set_xlabel("seconds per run (median)")
    ax.set_title(f"agent / raw = {result['ratio']:.2f}x  ({result['backend']}, batch {result['batch']})")
    ax.legend(loc="lower right", fontsize=7, ncols=3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def run_suite(out_dir: Path, repeats: int = 5) -> Path:
    result = measure(repeats=repeats)
    report = out_dir / "overhead.md"
    report.write_text(to_markdown(result))
    chart(result, out_dir / "overhead.png")
    return report


if __name__ == "__main__":
    print(run_suite(Path("evals/results")).read_text())
