"""server_load: a burst of concurrent requests against ``limner serve`` on loopback.

A real server process (``limner serve``, 4 tokens, the offline sketch backend, the full agent
loop, SQLite checkpoints on) gets ``requests`` concurrent OpenAI-style generation requests, each
from its own user under one of the tokens, each asking for its own sign text. Measured side by
side in one run: one request alone (the latency a quiet server gives) against the burst (p50,
p95, max, wall time, throughput). Checked: every answer is a 200 with its own image (the PNG's
embedded prompt is the request's), and no token can read another token's run. Memory is the
server's peak resident set (VmHWM), before and after the burst.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from agent.surfaces.health import wait_until_healthy

TOKENS = {f"team{i}": f"load-test-token-{i}-{'x' * 16}" for i in range(4)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _memory_mb(pid: int) -> dict[str, float]:
    """Current and peak resident memory of ``pid`` (Linux /proc)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return {"rss": round(fields.get("VmRSS", 0.0), 1), "peak": round(fields.get("VmHWM", 0.0), 1)}


def _prompt(index: int) -> str:
    return f"A poster that says 'ORDER {index:03d}' with one red apple"


async def _one(client: httpx.AsyncClient, index: int) -> dict[str, Any]:
    token_name = list(TOKENS)[index % len(TOKENS)]
    started = time.perf_counter()
    answer = await client.post(
        "/v1/images/generations",
        json={"prompt": _prompt(index), "n": 1, "size": "512x512", "user": f"user{index}", "response_format": "b64_json"},
        headers={"Authorization": f"Bearer {TOKENS[token_name]}"},
    )
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {"index": index, "token": token_name, "status": answer.status_code, "seconds": seconds}
    if answer.status_code != 200:
        result["error"] = answer.text[:300]
        return result
    body = answer.json()
    image = Image.open(io.BytesIO(base64.b64decode(body["data"][0]["b64_json"])))
    image.load()
    result["own_image"] = image.size == (512, 512) and image.text.get("Description") == _prompt(index)
    result["run_id"] = body["limner"]["run_id"]
    return result


async def _burst(base: str, requests: int) -> tuple[list[dict[str, Any]], float, int]:
    limits = httpx.Limits(max_connections=requests + 8, max_keepalive_connections=requests + 8)
    async with httpx.AsyncClient(base_url=base, timeout=600, limits=limits) as client:
        started = time.perf_counter()
        results = await asyncio.gather(*(_one(client, i) for i in range(requests)))
        wall = time.perf_counter() - started
        # No cross-user data: every run is invisible to the other tokens.
        leaks = 0
        for result in results:
            for name, token in TOKENS.items():
                if name == result["token"] or "run_id" not in result:
                    continue
                peek = await client.get(f"/v1/runs/{result['run_id']}", headers={"Authorization": f"Bearer {token}"})
                leaks += peek.status_code != 404
    return list(results), wall, leaks


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _direct_seconds(tmp: str) -> float:
    """The same request through ``agent.run.run`` in this process (after a warm-up): what the
    HTTP API adds on top of it is the single request's time minus this."""
    from agent.context import Settings  # lazy: this suite alone loads the graph
    from agent.request import build_request  # lazy: this suite alone loads the graph
    from agent.run import run  # lazy: this suite alone loads the graph

    settings = Settings(home=Path(tmp) / "direct-home", out_dir=Path(tmp) / "direct-out", clip=False)
    times = []
    for _ in range(2):  # the first loads OCR and fonts
        request = build_request(_prompt(0), settings=settings, n=1, size="512x512", user_id="user0")
        started = time.perf_counter()
        run(request, settings=settings)
        times.append(time.perf_counter() - started)
    return times[-1]


def measure(requests: int = 50, workers: int = 2, per_token: int = 2) -> dict[str, Any]:
    """Time one request through ``run()`` directly, then start a server, warm it up, time one
    request alone and then the burst; stop the server."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        direct = _direct_seconds(tmp)
        env = {**os.environ, "LIMNER_HOME": f"{tmp}/home", "LIMNER_OUT_DIR": f"{tmp}/out", "LIMNER_CLIP": "false",
               "LIMNER_SERVER_TOKENS": json.dumps(TOKENS), "LIMNER_SERVER_WORKERS": str(workers),
               "LIMNER_SERVER_PER_TOKEN": str(per_token), "LIMNER_SERVER_MAX_QUEUED": str(requests)}
        limner = Path(sys.executable).parent / "limner"
        server = subprocess.Popen([str(limner), "serve", "--port", str(port)], env=env, cwd=tmp,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            if not wait_until_healthy(base, timeout_s=120, alive=lambda: server.poll() is None):
                raise RuntimeError(f"server did not start: {server.stderr.read().decode()[-500:]}")
            asyncio.run(_burst(base, 1))  # warm-up: OCR engine, fonts, the checkpoint database
            idle = _memory_mb(server.pid)
            single, _, _ = asyncio.run(_burst(base, 1))
            results, wall, leaks = asyncio.run(_burst(base, requests))
            after = _memory_mb(server.pid)
        finally:
            server.terminate()
            server.wait(60)
    latencies = [r["seconds"] for r in results if r["status"] == 200]
    errors = [r for r in results if r["status"] != 200 or not r.get("own_image")]
    return {
        "requests": requests, "tokens": len(TOKENS), "workers": workers, "per_token": per_token,
        "errors": len(errors), "error_samples": [e.get("error", "wrong image") for e in errors[:3]],
        "cross_token_reads": leaks, "checked_reads": requests * (len(TOKENS) - 1),
        "direct_s": round(direct, 3), "single_s": round(single[0]["seconds"], 3),
        "p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "p95_s": round(_percentile(latencies, 0.95), 3) if latencies else None,
        "max_s": round(max(latencies), 3) if latencies else None,
        "wall_s": round(wall, 2), "throughput_per_s": round(requests / wall, 2),
        "memory_idle_mb": idle["rss"], "memory_peak_mb": after["peak"], "memory_after_mb": after["rss"],
        "cpus": os.cpu_count(),
    }


def to_markdown(result: dict[str, Any]) -> str:
    r = result
    return "\n".join([
        "# server_load: concurrent requests against `limner serve`",
        "",
        f"{r['requests']} concurrent `POST /v1/images/generations` (n=1, 512×512, sketch backend, full agent loop, "
        f"checkpoints on, CLIP off) from {r['requests']} users under {r['tokens']} tokens; server: "
        f"{r['workers']} runs at once, {r['per_token']} per token, the rest queued. Loopback, {r['cpus']} CPUs. "
        "Regenerate: `limner eval server_load`.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| errors (non-200 or someone else's image) | {r['errors']} |",
        f"| cross-token reads of a run that succeeded | {r['cross_token_reads']} of {r['checked_reads']} tried |",
        f"| the same request through `agent.run.run` in-process | {r['direct_s']} s |",
        f"| one request alone over HTTP (quiet server) | {r['single_s']} s ({r['single_s'] / r['direct_s']:.2f}× in-process) |",
        f"| latency under the burst p50 / p95 / max | {r['p50_s']} / {r['p95_s']} / {r['max_s']} s |",
        f"| p50 under the burst ÷ one request alone | {r['p50_s'] / r['single_s']:.1f}× |" if r["p50_s"] else "| p50 ratio | - |",
        f"| wall time for the burst / throughput | {r['wall_s']} s / {r['throughput_per_s']} requests/s |",
        f"| server memory idle (warm) → peak | {r['memory_idle_mb']} MB → {r['memory_peak_mb']} MB |",
        "",
        "Latency under load is mostly queueing: with 2 CPUs the runs execute 2 at a time, so the",
        "last request waits for the ones before it; the queue bounds memory instead of letting 50",
        "runs decode, draw and OCR at once.",
        *(["", f"Errors seen: {r['error_samples']}"] if r["errors"] else []),
        "",
    ])


def run_suite(out_dir: Path, repeats: int = 1) -> Path:
    result = measure()
    report = out_dir / "server_load.md"
    report.write_text(to_markdown(result))
    (out_dir / "server_load.json").write_text(json.dumps(result, indent=2) + "\n")
    return report


if __name__ == "__main__":
    print(run_suite(Path("evals/results")).read_text())
