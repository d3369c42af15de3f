"""diffusers: what batching buys and what the agent loop costs, on one diffusers model.

Both measured side by side in one process, medians of repeats, after a warm-up:
- batched vs sequential: 8 shots in one pipeline call (max_batch 8) against 8 calls of one;
- agent vs raw: the overhead suite (evals/overhead.py) on this backend and model.
Without ``--model`` it builds the tiny random-weight pipeline (tools/testing/tiny_pipeline.py)
so it runs offline on a CPU; with a real model (``limner eval diffusers --model
stabilityai/sd-turbo``) it measures that one. Tiny-model timings show the loop's own cost,
not what a user waits for on a real model.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from evals import overhead
from tools.generators.base import create
from tools.scene import Shot

SHOTS = 8
PROMPT = "a lighthouse on a cliff at dusk, watercolor"


def batched_vs_sequential(model: str, steps: int, size: tuple[int, int], repeats: int) -> dict:
    batched_gen = create("diffusers", model=model, steps=steps, max_batch=8)
    single_gen = create("diffusers", model=model, steps=steps, max_batch=1)
    shots = [Shot(index=i, prompt=PROMPT) for i in range(SHOTS)]
    seeds = list(range(SHOTS))
    batched_gen.generate(shots[:2], size, seeds[:2])  # warm-up: loading is not batching's cost
    single_gen.generate(shots[:1], size, seeds[:1])
    batched, sequential = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        batched_gen.generate(shots, size, seeds)
        batched.append(time.perf_counter() - start)
        start = time.perf_counter()
        for shot, seed in zip(shots, seeds):
            single_gen.generate([shot], size, [seed])
        sequential.append(time.perf_counter() - start)
    b, s = statistics.median(batched), statistics.median(sequential)
    return {"batched_s": b, "sequential_s": s, "ratio": s / b}


def run_suite(out_dir: Path, repeats: int = 5, model: str | None = None) -> Path:
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        if model is None:
            from tools.testing.tiny_pipeline import save_tiny_sd_pipeline  # lazy: builds a torch pipeline

            model_path, steps, size, label = str(save_tiny_sd_pipeline(Path(tmp) / "tiny")), 2, (64, 64), "tiny random SD (64², 2 steps)"
        else:
            model_path, steps, size, label = model, 4, (512, 512), f"{model} (512², 4 steps)"
        device = "cuda" if torch.cuda.is_available() else "cpu"
        batching = batched_vs_sequential(model_path, steps, size, repeats)
        loop = overhead.measure(repeats=repeats, backend="diffusers", prompt=PROMPT, model=model_path,
                                steps=steps, size=f"{size[0]}x{size[1]}")
    lines = [
        f"### diffusers: {label}, {device}, torch threads {torch.get_num_threads()}, {repeats} repeats (medians)",
        "",
        "| measurement | seconds | ratio |",
        "|---|---:|---:|",
        f"| {SHOTS} shots, one batched call | {batching['batched_s']:.3f} | |",
        f"| {SHOTS} shots, one call each | {batching['sequential_s']:.3f} | **{batching['ratio']:.2f}× sequential / batched** |",
        f"| raw run, batch {loop['batch']} (`--raw`) | {loop['raw_median_s']:.3f} | |",
        f"| agent run, batch {loop['batch']} (coherent) | {loop['agent_median_s']:.3f} | **{loop['ratio']:.2f}× agent / raw** |",
        "",
        "| agent node | median (s) |",
        "|---|---:|",
        *[f"| {node} | {seconds:.3f} |" for node, seconds in loop["agent_nodes_median_s"].items()],
        "",
    ]
    report = out_dir / "diffusers.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    return report
