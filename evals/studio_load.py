"""studio_load: how long the studio's page takes to load in Chromium, on loopback, once the
server is up (target: at most 1 s).

A real server (``limner serve``: the API with the studio at ``/``, the offline sketch backend,
an empty LIMNER_HOME) on a free loopback port; headless Chromium (Debian's ``chromium``, driven
by Playwright) loads the page ``repeats`` times. A load is timed to the app's ready marker: from
navigation to the request box being on screen (the app has fetched its config and drawn its
components: a person can type), on the page's own clock (``performance.now()``), with the
browser's ``load`` event beside it. Playwright's ``networkidle`` never comes here: the page keeps
one connection open (Gradio's session heartbeat), so it is not used.

First visits use a fresh browser context each (nothing cached); returning visits reload in one
context (the browser's cache as a returning user has it). The median of each is the figure.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from agent.surfaces.health import wait_until_healthy

READY = "#studio-prompt textarea"
"""What counts as loaded: the request box, drawn and visible."""
TARGET_S = 1.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_up(base: str, server: subprocess.Popen, timeout_s: float = 120) -> float:
    started = time.monotonic()
    if not wait_until_healthy(base, timeout_s=timeout_s, alive=lambda: server.poll() is None, poll_s=0.1):
        raise RuntimeError(f"the server did not start: {server.stderr.read().decode()[-500:] if server.stderr else ''}")
    return time.monotonic() - started


def _load(page: Any, url: str, *, reload: bool = False) -> dict[str, float]:
    """One load: the ready marker and the browser's load event, in seconds from navigation."""
    if reload:
        page.reload(wait_until="load")
    else:
        page.goto(url, wait_until="load")
    page.wait_for_selector(READY, state="visible")
    ready = page.evaluate("performance.now()") / 1000
    loaded = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000
    return {"ready_s": ready, "load_s": loaded}


def measure(repeats: int = 5) -> dict[str, Any]:
    """Start a server, load the page ``repeats`` times cold and ``repeats`` times warm, stop it."""
    from playwright.sync_api import sync_playwright  # lazy: only this suite drives a browser

    browser_path = shutil.which("chromium")
    if browser_path is None:
        raise RuntimeError("Chromium not found: apt-get install chromium (Debian's package; Playwright's own "
                           "browser download is not used)")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "LIMNER_HOME": f"{tmp}/home", "LIMNER_OUT_DIR": f"{tmp}/out", "LIMNER_CLIP": "false",
               "LIMNER_SEARCH": "false"}
        limner = Path(sys.executable).parent / "limner"
        server = subprocess.Popen([str(limner), "serve", "--port", str(port)], env=env, cwd=tmp,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            startup = _wait_up(base, server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=browser_path)
                try:
                    warmup = browser.new_context(viewport={"width": 1280, "height": 800})
                    _load(warmup.new_page(), base + "/")  # the server's first page render, not counted
                    warmup.close()
                    cold = []
                    for _ in range(repeats):
                        context = browser.new_context(viewport={"width": 1280, "height": 800})
                        cold.append(_load(context.new_page(), base + "/"))
                        context.close()
                    context = browser.new_context(viewport={"width": 1280, "height": 800})
                    page = context.new_page()
                    _load(page, base + "/")
                    warm = [_load(page, base + "/", reload=True) for _ in range(repeats)]
                    transferred = page.evaluate(
                        "performance.getEntriesByType('resource').reduce((n, e) => n + (e.transferSize || 0), 0)"
                        " + performance.getEntriesByType('navigation')[0].transferSize")
                    resources = page.evaluate("performance.getEntriesByType('resource').length")
                    context.close()
                finally:
                    browser.close()
        finally:
            server.terminate()
            server.wait(60)
    median = lambda runs, key: round(statistics.median(r[key] for r in runs), 3)  # noqa: E731
    return {
        "repeats": repeats, "server_start_s": round(startup, 2), "cpus": os.cpu_count(),
        "cold_ready_s": median(cold, "ready_s"), "cold_load_s": median(cold, "load_s"),
        "warm_ready_s": median(warm, "ready_s"), "warm_load_s": median(warm, "load_s"),
        "cold_ready_all": [round(r["ready_s"], 3) for r in cold], "warm_ready_all": [round(r["ready_s"], 3) for r in warm],
        "resources": resources, "warm_transfer_kb": round(transferred / 1024, 1), "target_s": TARGET_S,
        "load_average": round(max(load_before, os.getloadavg()[0]), 1),
    }


def to_markdown(result: dict[str, Any]) -> str:
    r = result
    verdict = lambda seconds: "within" if seconds <= r["target_s"] else "over"  # noqa: E731
    return "\n".join([
        "# studio: page load in Chromium on loopback",
        "",
        f"`limner serve` (API + studio at `/`, sketch backend, empty LIMNER_HOME) on loopback, up in "
        f"{r['server_start_s']} s; headless Chromium (Debian's package, driven by Playwright) loads `/` "
        f"{r['repeats']}× as a first visit (fresh context, nothing cached) and {r['repeats']}× as a returning "
        f"visit (reload, browser cache). {r['cpus']} CPUs, shared with other work (load average up to "
        f"{r['load_average']} while measuring). Regenerate: `python -m evals.studio_load`.",
        "",
        f"Ready = navigation → the request box drawn and visible (the page can be used), on the page's own "
        f"clock; the browser's `load` event beside it. (Playwright's `networkidle` never fires: the page keeps "
        f"Gradio's session heartbeat open.) Target: ready ≤ {r['target_s']:g} s.",
        "",
        "| load | ready (median) | `load` event (median) | ready, each load |",
        "|---|---|---|---|",
        f"| first visit | {r['cold_ready_s']} s ({verdict(r['cold_ready_s'])} target) | {r['cold_load_s']} s | "
        f"{', '.join(str(v) for v in r['cold_ready_all'])} |",
        f"| returning visit | {r['warm_ready_s']} s ({verdict(r['warm_ready_s'])} target) | {r['warm_load_s']} s | "
        f"{', '.join(str(v) for v in r['warm_ready_all'])} |",
        "",
        f"A returning visit fetched {r['resources']} resources ({r['warm_transfer_kb']} KB over the wire; the rest "
        "from the browser's cache).",
        "",
    ])


def run_suite(out_dir: Path, repeats: int = 5) -> Path:
    result = measure(repeats)
    report = out_dir / "studio.md"
    report.write_text(to_markdown(result))
    return report


if __name__ == "__main__":
    print(run_suite(Path("evals/results")).read_text())
