"""plans: does the plan keep every hard constraint of the request?

Three sets: GenEval's 553 prompts with their ground truth (class, count, colour, relation),
scored per tag; natural requests written while the rules were built (``natural_prompts.jsonl``,
the development set); and natural requests written blind by another author who never saw the
rules (``natural_heldout.jsonl``, the held-out set). Natural requests are scored on image
count, exact text, counts, colours, relations and negatives. A constraint counts as kept when
the plan's first shot states it.

With an LLM planner (``--planner`` or ``LIMNER_PLANNER_MODEL``; the local GGUF counts), a fixed
subset of about 100 prompts (every 11th GenEval prompt, every 2nd held-out one) is planned
both ways side by side: constraints kept, valid LLM answers, accepted shot rewrites, search
decisions and seconds per plan. Also times ``limner plan`` over all GenEval prompts in one
process and checks that torch was not imported. Misses are listed, not hidden.
"""

from __future__ import annotations

import json
import subprocess
import sys
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from agent.context import Settings
from agent.planning.objects import singular
from agent.planning.llm import LlmPlanner, planner_from
from agent.planning.planner import make_plan
from agent.request import build_request
from tools.scene import ScenePlan

GENEVAL = Path(__file__).resolve().parents[2] / "shared" / "evals" / "geneval" / "evaluation_metadata.jsonl"
NATURAL = Path(__file__).with_name("natural_prompts.jsonl")
BLIND_A = Path(__file__).with_name("natural_blind_a.jsonl")
HELDOUT = Path(__file__).with_name("natural_blind_b.jsonl")
SUBSET_STEP = {"geneval": 11, "held out": 2}
"""The LLM comparison's fixed subset: every k-th prompt of these sets."""


def _plan(prompt: str, settings: Settings, planner: "LlmPlanner | None" = None) -> ScenePlan:
    return make_plan(build_request(prompt, settings=settings, seed=0), settings, planner=planner)


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


TEXT_CARRIERS = {"sign", "card", "label", "banner", "placard", "plaque", "board", "signboard", "tag"}
"""Things that exist to carry a quoted text: the plan's text element (role sign/label) is them."""


def _find(shot_objects: list, plan: ScenePlan, name: str, color: str | None) -> object | None:
    """The planned object for an annotated one: same name (or same head noun: "birthday cake"
    for "cake") and, among several, the one of the annotated colour."""
    name = _norm(name)
    candidates = [o for o in shot_objects if _norm(o.name) == name]
    candidates = candidates or [o for o in shot_objects if _norm(o.name).rpartition(" ")[2] == name.rpartition(" ")[2]]
    if candidates:
        return next((o for o in candidates if o.color == color), candidates[0])
    return None


def score_natural(item: dict, plan: ScenePlan) -> list[tuple[str, bool, str]]:
    """(kind, kept, what) for every hard constraint written down for one natural request.

    A named character counts as its species ("a penguin named Pip" is the planned penguin) and
    a quoted text on a sign or label counts as that sign (the text element is the sign)."""
    shot = plan.shots[0]
    species = {_norm(c.species) for c in plan.characters if c.species}
    carriers = sum(t.role in ("sign", "label") for t in shot.texts)
    results = []
    if "images" in item:
        results.append(("images", len(plan.shots) == item["images"], f"{item['images']} images"))
    for text in item.get("texts", []):
        results.append(("text", any(t.text == text for t in shot.texts), text))
    for spec in item.get("objects", []):
        name = spec["name"]
        obj = _find(shot.objects, plan, name, spec.get("color"))
        head = _norm(name).rpartition(" ")[2]
        stand_in = obj is None and spec["count"] == 1 and (
            _norm(name) in species or (head in TEXT_CARRIERS and carriers > 0)
        )
        results.append(("count", stand_in or (obj is not None and obj.count == spec["count"]),
                        f"{spec['count']} {name}"))
        if "color" in spec:
            results.append(("colour", obj is not None and obj.color == spec["color"], f"{spec['color']} {name}"))
        if "relation" in spec:
            kind, target = spec["relation"]
            rel = obj.relation if obj is not None else None
            kept = rel is not None and rel.type == kind and (
                _norm(rel.target) == _norm(target)
                or _norm(rel.target).rpartition(" ")[2] == _norm(target).rpartition(" ")[2]
            )
            results.append(("relation", kept, f"{name} {kind} {target}"))
    for negative in item.get("negatives", []):
        results.append(("negative", any(negative in n for n in plan.negatives), negative))
    return results


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_sets() -> dict[str, list[dict]]:
    """Set name → items (a set whose file is missing is left out)."""
    files = {"geneval": GENEVAL, "natural (dev)": NATURAL, "blind A (dev)": BLIND_A, "held out": HELDOUT}
    return {name: _load(path) for name, path in files.items() if path.exists()}


def llm_subset(sets: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The fixed ~100-prompt subset the rules+LLM comparison runs on."""
    return {name: items[::SUBSET_STEP[name]] for name, items in sets.items() if name in SUBSET_STEP}


@dataclass
class Score:
    """Kept/total per (set, group), the misses, and what an LLM planner did."""

    cells: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list[tuple[str, str, str, str]] = field(default_factory=list)
    plans: int = 0
    fallbacks: int = 0
    rewrites_kept: int = 0
    rewrites_refused: int = 0
    searches: int = 0
    seconds: list[float] = field(default_factory=list)

    def total(self, set_name: str) -> list[int]:
        cells = [v for (s, _), v in self.cells.items() if s == set_name]
        return [sum(c[0] for c in cells), sum(c[1] for c in cells)]


def _scorer(set_name: str):
    return score_geneval if set_name == "geneval" else score_natural


def evaluate(sets: dict[str, list[dict]], settings: Settings, planner: "LlmPlanner | None" = None) -> Score:
    """Plan every item of ``sets`` (with ``planner`` when given) and score its constraints."""
    score = Score()
    for set_name, items in sets.items():
        for item in items:
            started = time.perf_counter()
            plan = _plan(item["prompt"], settings, planner)
            score.seconds.append(time.perf_counter() - started)
            score.plans += 1
            if planner is not None:
                _count_llm(score, plan)
            for kind, kept, what in _scorer(set_name)(item, plan):
                cell = score.cells[(set_name, item["tag"] if set_name == "geneval" else kind)]
                cell[0] += kept
                cell[1] += 1
                if not kept:
                    score.misses.append((set_name, kind, what, item["prompt"]))
    return score


def _count_llm(score: Score, plan: ScenePlan) -> None:
    if plan.planner == "rules":
        score.fallbacks += 1
        return
    refused = next((n for n in plan.notes if "kept the rule prompt of" in n), None)
    refused_shots = int(refused.split("kept the rule prompt of ")[1].split()[0]) if refused else 0
    score.rewrites_refused += refused_shots
    score.rewrites_kept += sum(1 for s in plan.shots) - refused_shots
    score.searches += plan.needs_facts


def time_cli(prompts: list[str]) -> tuple[float, bool]:
    """Seconds for one ``limner plan --json`` call over all prompts, and whether torch was imported."""
    code = (
        "import sys; from agent.surfaces.cli import app\n"
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


def _chart(score: Score, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [(f"{s}: {g}", v) for (s, g), v in sorted(score.cells.items())]
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(rows) + 1))
    ax.barh([r[0] for r in rows], [100 * v[0] / v[1] for _, v in rows], color="#4a7bd0")
    ax.axvline(98, color="#c33", ls="--", lw=1, label="GenEval bar (98%)")
    ax.axvline(90, color="#e90", ls=":", lw=1, label="held-out bar (90%)")
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.legend(loc="lower left", fontsize=8)
    ax.set_xlabel("hard constraints kept by the rule planner (%)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _llm_table(spec: str, rules: Score, llm: Score) -> list[str]:
    lines = [f"## rules vs rules+LLM (`{spec}`), same {llm.plans} prompts", "",
             "| set | group | rules | rules+LLM |", "|---|---|---|---|"]
    for key in sorted(rules.cells):
        lines.append(f"| {key[0]} | {key[1]} | {_pct(rules.cells[key])} | {_pct(llm.cells.get(key, [0, 0]))} |")
    shots = llm.rewrites_kept + llm.rewrites_refused
    lines += [
        "",
        f"- valid LLM answers: {llm.plans - llm.fallbacks}/{llm.plans} (the rest fell back to the rule plan after one retry)",
        f"- shot prompts rewritten by the LLM and accepted by the merge rule: {llm.rewrites_kept}/{shots}; "
        f"refused because a constraint was lost: {llm.rewrites_refused}",
        f"- plans that asked for a web search: {llm.searches}/{llm.plans}",
        f"- median seconds per plan: rules {statistics.median(rules.seconds):.4f}, "
        f"rules+LLM {statistics.median(llm.seconds):.2f}",
        "",
    ]
    return lines


def run_suite(out_dir: Path, repeats: int = 1, planner: str | None = None) -> Path:
    """Score every set, compare with an LLM planner when one is configured, time the CLI once;
    writes plans.md and plans.png and returns the report's path."""
    settings = Settings()
    spec = planner or settings.planner_model
    sets = load_sets()
    rules_settings = settings.model_copy(update={"planner_model": None})
    score = evaluate(sets, rules_settings)
    prompts = [item["prompt"] for item in sets.get("geneval", [])]
    seconds, torch_imported = time_cli(prompts) if prompts else (0.0, False)
    lines = ["# plans: hard constraints kept", "", "| set | group | rules |", "|---|---|---|"]
    for set_name in sets:
        for (s, group), cell in sorted(score.cells.items()):
            if s == set_name:
                lines.append(f"| {set_name} | {group} | {_pct(cell)} |")
        lines.append(f"| {set_name} | **all** | **{_pct(score.total(set_name))}** |")
    lines += ["", f"`limner plan --json` over {len(prompts)} GenEval prompts in one call: "
              f"{seconds:.2f} s; torch imported: {torch_imported}.", ""]
    if spec:
        llm_settings = settings.model_copy(update={"planner_model": spec})
        subset = llm_subset(sets)
        lines += _llm_table(spec, evaluate(subset, rules_settings), evaluate(subset, llm_settings, planner_from(llm_settings)))
    else:
        lines += ["rules+LLM: no LLM planner configured (`--planner` or LIMNER_PLANNER_MODEL); not measured.", ""]
    lines += ["## Misses (rules)", ""]
    lines += [f"- {s} / {k}: `{what}` in “{prompt}”" for s, k, what, prompt in score.misses] or ["none"]
    _chart(score, out_dir / "plans.png")
    report = out_dir / "plans.md"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report
