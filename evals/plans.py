"""plans: does the plan keep every hard constraint of the request?

Two sets: GenEval's 553 prompts with their ground truth (class, count, colour, relation),
scored per tag, and hand-written natural requests (evals/natural_prompts.jsonl; image
count, exact text, counts, colours, relations, negatives). A constraint counts as kept
when the plan's first shot states it. Also times ``limner plan`` over all GenEval prompts
in one process and checks that torch was not imported. Misses are listed, not hidden.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from agent.context import Settings
from agent.planning.objects import singular
from agent.planning.planner import make_plan
from agent.request import build_request
from tools.scene import ScenePlan

GENEVAL = Path(__file__).resolve().parents[2] / "shared" / "evals" / "geneval" / "evaluation_metadata.jsonl"
NATURAL = Path(__file__).with_name("natural_prompts.jsonl")
LLM_COLUMN = "no LLM configured"


def _plan(prompt: str, settings: Settings) -> ScenePlan:
    return make_plan(build_request(prompt, settings=settings, seed=0))


def _norm(name: str) -> str:
    return singular(name.lower().strip())


def score_geneval(item: dict, plan: ScenePlan) -> list[tuple[str, bool, str]]:
    """(kind, kept, what) for every ground-truth constraint of one GenEval item."""
    objects = {_norm(o.name): o for o in plan.shots[0].objects}
    include = item["include"]
    results = []
    for spec in include:
        name = _norm(spec["class"])
        obj = objects.get(name)
        results.append(("class", obj is not None, name))
        results.append(("count", obj is not None and obj.count == spec["count"], f"{spec['count']} {name}"))
        if "color" in spec:
            results.append(("colour", obj is not None and obj.color == spec["color"], f"{spec['color']} {name}"))
        if "position" in spec:
            kind, index = spec["position"]
            target = _norm(include[index]["class"])
            rel = obj.relation if obj is not None else None
            kept = rel is not None and rel.type == kind and _norm(rel.target) == target
            results.append(("relation", kept, f"{name} {kind} {target}"))
    return results


def score_natural(item: dict, plan: ScenePlan) -> list[tuple[str, bool, str]]:
    """(kind, kept, what) for every hard constraint written down for one natural request."""
    shot = plan.shots[0]
    objects = {_norm(o.name): o for o in shot.objects}
    results = []
    if "images" in item:
        results.append(("images", len(plan.shots) == item["images"], f"{item['images']} images"))
    for text in item.get("texts", []):
        results.append(("text", any(t.text == text for t in shot.texts), text))
    for spec in item.get("objects", []):
        obj = objects.get(_norm(spec["name"]))
        results.append(("count", obj is not None and obj.count == spec["count"], f"{spec['count']} {spec['name']}"))
        if "color" in spec:
            results.append(("colour", obj is not None and obj.color == spec["color"], f"{spec['color']} {spec['name']}"))
        if "relation" in spec:
            kind, target = spec["relation"]
            rel = obj.relation if obj is not None else None
            kept = rel is not None and rel.type == kind and _norm(rel.target) == _norm(target)
            results.append(("relation", kept, f"{spec['name']} {kind} {target}"))
    for negative in item.get("negatives", []):
        results.append(("negative", any(negative in n for n in plan.negatives), negative))
    return results


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(settings: Settings | None = None) -> dict:
    """Per-group and per-kind kept/total counts for both sets, plus the list of misses."""
    settings = settings or Settings()
    out: dict = {"geneval": defaultdict(lambda: [0, 0]), "natural": defaultdict(lambda: [0, 0]), "misses": []}
    for set_name, path, scorer, group in (
        ("geneval", GENEVAL, score_geneval, lambda item, kind: item["tag"]),
        ("natural", NATURAL, score_natural, lambda item, kind: kind),
    ):
        if not path.exists():
            continue
        for item in _load(path):
            for kind, kept, what in scorer(item, _plan(item["prompt"], settings)):
                cell = out[set_name][group(item, kind)]
                cell[0] += kept
                cell[1] += 1
                if not kept:
                    out["misses"].append((set_name, kind, what, item["prompt"]))
    return out


def time_cli(prompts: list[str]) -> tuple[float, bool]:
    """Seconds for one ``limner plan --json`` call over all prompts, and whether torch was imported."""
    code = (
        "import sys; from agent.cli import app\n"
        "sys.argv = ['limner', 'plan', '--json', *sys.argv[1:]]\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('TORCH=%s' % ('torch' in sys.modules))\n"
    )
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *prompts], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=True)
    return time.perf_counter() - start, "TORCH=True" in proc.stderr


def _pct(cell: list[int]) -> str:
    return f"{100 * cell[0] / cell[1]:.1f}% ({cell[0]}/{cell[1]})" if cell[1] else "-"


def _chart(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [(f"geneval:{k}", v) for k, v in sorted(result["geneval"].items())]
    rows += [(f"natural:{k}", v) for k, v in sorted(result["natural"].items())]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(rows) + 1))
    ax.barh([r[0] for r in rows], [100 * v[0] / v[1] for _, v in rows], color="#4a7bd0")
    ax.axvline(98, color="#c33", ls="--", lw=1)
    ax.set_xlim(0, 100)
    ax.set_xlabel("hard constraints kept by the rule planner (%)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_suite(out_dir: Path, repeats: int = 1) -> Path:
    """Score both sets, time the CLI once, write plans.md and plans.png; returns the report."""
    result = evaluate()
    prompts = [item["prompt"] for item in _load(GENEVAL)] if GENEVAL.exists() else []
    seconds, torch_imported = time_cli(prompts) if prompts else (0.0, False)
    total = lambda group: [sum(v[0] for v in group.values()), sum(v[1] for v in group.values())]  # noqa: E731
    lines = ["# plans: hard constraints kept", "", "| set | group | rules | rules+LLM |", "|---|---|---|---|"]
    for set_name in ("geneval", "natural"):
        for key, cell in sorted(result[set_name].items()):
            lines.append(f"| {set_name} | {key} | {_pct(cell)} | {LLM_COLUMN} |")
        lines.append(f"| {set_name} | **all** | **{_pct(total(result[set_name]))}** | {LLM_COLUMN} |")
    lines += ["", f"`limner plan --json` over {len(prompts)} GenEval prompts in one call: "
              f"{seconds:.2f} s; torch imported: {torch_imported}.", "", "## Misses", ""]
    lines += [f"- {s} / {k}: `{what}` in “{prompt}”" for s, k, what, prompt in result["misses"]] or ["none"]
    _chart(result, out_dir / "plans.png")
    report = out_dir / "plans.md"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report
