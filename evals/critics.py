"""critics: how well do the checks catch defects, and what does a critique cost?

Generates defect sets deterministically (fixed seeds) and runs the critics on them:

- **text** (``ocr`` check, per OCR engine): a planned text drawn correctly, with a
  one-letter misspelling (substitution, dropped letter, two adjacent letters swapped), or
  not drawn at all. Every defect image has a clean twin drawn with the same font, colour,
  place and background, so the only difference is the defect;
- **colour** (``color`` check): an object drawn in its planned colour or in a clearly
  different one (two or more steps apart on an eight-hue circle);
- **swapped positions** (``color`` check): two objects of different colours drawn in each
  other's planned boxes (the check at each planned box should fail), against the same
  two drawn where planned.

Each set is drawn on sketch renders (:func:`tools.render.render_shot`) and on noisy
photo-like backgrounds (gradient light, out-of-focus shapes, glyph-free clutter, sensor
noise) in DejaVu Sans / Serif / Mono, regular and bold, at several sizes and colours. The
texts and seeds are used nowhere else: the critics were not tuned on them.

A *positive* is an image with a defect; the check *flags* an image when any of its
results fails. Reported per check and engine: precision and recall of defect detection,
the confusion counts, recall per kind of defect, and the median seconds per image of the
check (each image read once: the critics are deterministic). Plus the latency budget:
critique of 8 sketch images at 512² (OCR per engine + colour + a CLIP-B/32-sized forward
pass with random weights, latency only), the median of ``repeats`` timed runs. Writes
``critics.md``, ``critics.png`` and ``critics.json``.

easyocr takes seconds per image on a 2-core CPU, so it reads a fixed subset of the text
pairs (every :data:`SUBSET_STRIDE`-th pair); rapidocr is also reported on that subset so
the two engines are compared on the same images.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from PIL import Image

from evals.defects import HUE_CIRCLE, OBJECTS, SKETCH_SETTINGS, SKETCH_TEXTS, SUBSET_STRIDE, Case, colour_cases, text_cases
from tools.critics.ocr import OcrEngine, OcrUnavailable, check_texts, get_engine
from tools.layout import assign_layout
from tools.render import render_shot
from tools.scene import CheckResult, SceneObject, ScenePlan, Shot, TextElement
from tools.critics.ocr import engine_names
from agent.errors import InputError

# -------------------------------------------------------------------- measuring

CheckFn = Callable[[Image.Image, Shot], list[CheckResult]]


@dataclass(frozen=True)
class Outcome:
    """One check's verdict on one case, and how long it took."""

    case: Case
    flagged: bool
    """Any result failed: the check says the image has a defect."""
    skipped: bool
    """Every result was skipped: the check could not judge (counted as not flagged)."""
    seconds: float
    reason: str


def judge(case: Case, check: CheckFn) -> Outcome:
    """Run ``check`` on ``case`` once and time it."""
    start = time.perf_counter()
    results = check(case.image, case.shot)
    seconds = time.perf_counter() - start
    failed = [r for r in results if r.status == "fail"]
    skipped = all(r.status == "skipped" for r in results)
    reason = "; ".join(r.reason for r in (failed or results))
    return Outcome(case, bool(failed), skipped, seconds, reason)


def summarise(outcomes: Sequence[Outcome]) -> dict:
    """Confusion counts, precision and recall of defect detection, recall per defect kind,
    and the median seconds per image."""
    tp = sum(o.flagged and o.case.positive for o in outcomes)
    fp = sum(o.flagged and not o.case.positive for o in outcomes)
    fn = sum(not o.flagged and o.case.positive for o in outcomes)
    tn = sum(not o.flagged and not o.case.positive for o in outcomes)
    kinds: dict[str, list[bool]] = {}
    for o in outcomes:
        if o.case.positive:
            kinds.setdefault(o.case.defect, []).append(o.flagged)
    return {
        "images": len(outcomes), "defects": tp + fn, "clean": fp + tn,
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / (tp + fn) if tp + fn else None,
        "recall_by_defect": {kind: sum(v) / len(v) for kind, v in kinds.items()},
        "skipped": sum(o.skipped for o in outcomes),
        "median_s": statistics.median(o.seconds for o in outcomes) if outcomes else None,
    }


def subset(cases: Sequence[Case], stride: int) -> list[Case]:
    """Every ``stride``-th defect/clean pair (whole pairs, so the subset stays balanced)."""
    return [c for c in cases if c.pair % stride == 0]


def ocr_check(engine: OcrEngine) -> CheckFn:
    return lambda image, shot: check_texts(image, shot.texts, engine=engine)


def colour_check() -> CheckFn | str:
    """The colour critic's check, or why it cannot run here."""
    try:
        from tools.critics.color import check_colors  # lazy: the colour critic may be missing its extras
    except ImportError as exc:
        return f"tools.critics.color cannot be imported ({exc})"
    return lambda image, shot: check_colors(image, shot.objects)


# ---------------------------------------------------------------- latency budget

BUDGET_IMAGES = 8
BUDGET_SIZE = (512, 512)
BUDGET_TARGET_S = 1.0
"""Target for OCR + CLIP-B/32-sized compute, per image (the critique of one image)."""


def budget_batch() -> list[tuple[Shot, Image.Image]]:
    """Eight 512² sketch frames, each with a sign and two coloured objects: a typical batch."""
    batch = []
    for k in range(BUDGET_IMAGES):
        setting = SKETCH_SETTINGS[k % len(SKETCH_SETTINGS)]
        objects = [SceneObject(name=OBJECTS[(k + j) % len(OBJECTS)], color=HUE_CIRCLE[(k + 3 * j) % len(HUE_CIRCLE)])
                   for j in range(2)]
        shot = Shot(index=0, prompt=f"a {setting} with a sign", objects=objects,
                    texts=[TextElement(text=SKETCH_TEXTS[k], role="sign")])
        plan = ScenePlan(request=shot.prompt, setting=setting, shots=[shot])
        layout = assign_layout(shot, plan, 9000 + k)
        batch.append((layout, render_shot(layout, plan, BUDGET_SIZE, 9000 + k).image))
    return batch


def _timed_median(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def clip_latency(images: Sequence[Image.Image], prompts: Sequence[str], repeats: int) -> dict:
    """Seconds to embed the batch's images and prompts with a ViT-B-32 of *random* weights.

    Same compute as the CLIP critic with real B/32 weights (which cannot be had offline), so
    it measures the cost and nothing else: random embeddings score nothing.
    """
    try:
        from tools.critics.clip_loading import ClipError, load_clip  # lazy: CLIP loads torch
    except ImportError as exc:
        return {"unavailable": f"tools.critics.clip_loading cannot be imported ({exc})"}
    start = time.perf_counter()
    try:
        clip = load_clip("ViT-B-32", pretrained=None)
    except ClipError as exc:
        return {"unavailable": str(exc)}
    load = time.perf_counter() - start

    def forward() -> None:
        clip.embed_images(images) @ clip.embed_texts(prompts).T

    forward()  # warm-up: the first pass allocates
    return {"load_s": load, "batch_s": _timed_median(forward, repeats)}


def clip_verdict() -> str:
    """Why the CLIP checks cannot be scored here (they need pretrained weights), or ``""``."""
    try:
        from tools.critics.clip_loading import ClipError, load_clip  # lazy: CLIP loads torch
    except ImportError as exc:
        return f"tools.critics.clip_loading cannot be imported ({exc})"
    try:
        load_clip()
    except ClipError as exc:
        return str(exc)
    return ""


def latency_budget(engines: dict[str, OcrEngine], repeats: int) -> dict:
    """Critique of :data:`BUDGET_IMAGES` images at 512²: OCR (per engine), colour and CLIP seconds."""
    batch = budget_batch()
    images = [image for _, image in batch]
    colours = colour_check()
    colour_s = None
    if not isinstance(colours, str):
        colour_s = _timed_median(lambda: [colours(image, shot) for shot, image in batch], repeats)
    ocr_s = {}
    for name, engine in engines.items():
        check = ocr_check(engine)
        check(images[0], batch[0][0])  # warm-up
        ocr_s[name] = _timed_median(lambda: [check(image, shot) for shot, image in batch], repeats)
    clip = clip_latency(images, [shot.prompt for shot, _ in batch], repeats)
    return {"images": len(batch), "size": list(BUDGET_SIZE), "ocr_s": ocr_s, "colour_s": colour_s, "clip": clip}


# ------------------------------------------------------------------------ the run

DEFAULT_ENGINES: tuple[str, ...] = ("rapidocr", "easyocr")


def _rows(check: str, engine: str, outcomes: Sequence[Outcome]) -> list[dict]:
    """One summary per background and one over both."""
    rows = []
    for background in ("sketch", "photo", "all"):
        chosen = [o for o in outcomes if background in ("all", o.case.background)]
        if chosen:
            rows.append({"check": check, "engine": engine, "background": background, **summarise(chosen)})
    return rows


def _misses(outcomes: Sequence[Outcome]) -> list[dict]:
    return [
        {"case": o.case.name, "defect": o.case.defect, "drawn": o.case.drawn,
         "planned": "; ".join([t.text for t in o.case.shot.texts] +
                              [f"{b.color} {b.name}" for b in o.case.shot.objects]),
         "verdict": "flagged" if o.flagged else ("skipped" if o.skipped else "passed"), "reason": o.reason}
        for o in outcomes if o.flagged != o.case.positive
    ]


def _engine_names(engines: Sequence[str] | None) -> list[str]:
    names = list(dict.fromkeys(engines or DEFAULT_ENGINES))
    unknown = [n for n in names if n not in engine_names()]
    if unknown:
        raise InputError(f"unknown OCR engine {', '.join(unknown)}; choose from: {', '.join(engine_names())}")
    return names


def measure(repeats: int = 1, engines: Sequence[str] | None = None) -> dict:
    """Generate the defect sets, run every check on them, and time the latency budget."""
    names = _engine_names(engines)
    started = time.perf_counter()
    texts, colours = text_cases(), colour_cases()
    rows: list[dict] = []
    misses: dict[str, list[dict]] = {}
    unavailable: dict[str, str] = {}
    loaded: dict[str, OcrEngine] = {}
    verdicts: dict[str, list[Outcome]] = {}
    for name in names:
        start = time.perf_counter()
        try:
            engine = get_engine(name)
        except OcrUnavailable as exc:
            unavailable[name] = str(exc)
            continue
        loaded[name] = engine
        cases = subset(texts, SUBSET_STRIDE.get(name, 1))
        engine.read(cases[0].image)  # warm-up, counted in the load time
        load = time.perf_counter() - start
        verdicts[name] = [judge(case, ocr_check(engine)) for case in cases]
        label = name if len(cases) == len(texts) else f"{name} (every {SUBSET_STRIDE[name]}th pair)"
        for row in _rows("ocr", label, verdicts[name]):
            rows.append({**row, "load_s": load})
        misses[f"ocr · {label}"] = _misses(verdicts[name])
    # Like for like: an engine that read everything, restricted to a slower engine's subset.
    for slow, stride in SUBSET_STRIDE.items():
        for name in (n for n in verdicts if n != slow and slow in verdicts and n not in SUBSET_STRIDE):
            same = [o for o in verdicts[name] if o.case.pair % stride == 0]
            rows += [r for r in _rows("ocr", f"{name} (on {slow}'s pairs)", same) if r["background"] == "all"]
    colour = colour_check()
    if isinstance(colour, str):
        unavailable["color"] = colour
    else:
        outcomes = [judge(case, colour) for case in colours]
        rows += _rows("color", "—", outcomes)
        misses["color"] = _misses(outcomes)
    clip_reason = clip_verdict()
    return {
        "date": time.strftime("%Y-%m-%d"),
        "cpus": os.cpu_count(),
        "repeats": max(1, repeats),
        "engines": names,
        "pairs": [{"check": c.check, "defect": c.defect, "background": c.background} for c in texts + colours
                  if c.positive],
        "rows": rows,
        "misses": misses,
        "unavailable": unavailable,
        "clip": clip_reason or "available",
        "budget": latency_budget(loaded, repeats),
        "seconds": time.perf_counter() - started,
    }


# ----------------------------------------------------------------------- report


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _pairs_table(pairs: Sequence[dict]) -> list[str]:
    kinds = list(dict.fromkeys(p["defect"] for p in pairs))
    lines = ["| defect (each with a clean twin) | check | sketch | photo |", "|---|---|---:|---:|"]
    for kind in kinds:
        of = [p for p in pairs if p["defect"] == kind]
        counts = [sum(p["background"] == b for p in of) for b in ("sketch", "photo")]
        lines.append(f"| {kind} | {of[0]['check']} | {counts[0]} | {counts[1]} |")
    return lines


def _budget_table(result: dict) -> list[str]:
    budget = result["budget"]
    clip = budget["clip"]
    clip_s = clip.get("batch_s")
    colour_s = budget["colour_s"] or 0.0
    n = budget["images"]
    lines = [
        f"| OCR engine | OCR s | colour s | CLIP-B/32 s (random weights, latency only) | total s for {n} | "
        f"s per image | target ≤ {BUDGET_TARGET_S:g} s per image |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for engine, ocr_s in budget["ocr_s"].items():
        total = ocr_s + colour_s + (clip_s or 0.0)
        verdict = "met" if total / n <= BUDGET_TARGET_S else "missed"
        clip_cell = f"{clip_s:.2f}" if clip_s is not None else f"unavailable: {clip['unavailable']}"
        lines.append(f"| {engine} | {ocr_s:.2f} | {colour_s:.2f} | {clip_cell} | {total:.2f} | {total / n:.2f} | {verdict} |")
    if "load_s" in clip:
        lines.append(f"\nOne-off CLIP load (import open_clip and torch, build ViT-B-32): {clip['load_s']:.1f} s.")
    return lines


def to_markdown(result: dict) -> str:
    """The report: what was measured and how often, then the tables."""
    stride = ", ".join(f"{e} reads every {s}th pair" for e, s in SUBSET_STRIDE.items() if e in result["engines"])
    lines = [
        "# critics: defect detection and latency",
        "",
        f"Measured {result['date']} on {result['cpus']} CPU cores; engines {', '.join(result['engines'])}"
        f"{f' ({stride})' if stride else ''}; latency budget median of {result['repeats']} timed run(s); "
        f"whole suite {result['seconds']:.0f} s.",
        "",
        "Every defect image has a clean twin drawn identically except for the defect. Sketch images are "
        "`render_shot` frames (text in sign, title, caption, bubble and label panels; OpenMoji objects); "
        "photo images are noisy photo-like backgrounds (gradient light, blurred shapes, glyph-free texture "
        "patches, sensor noise) with text in DejaVu Sans/Serif/Mono, regular and bold, 22–64 px, plain, "
        "outlined or shadowed, or with shaded shapes as objects. Texts and seeds are held out from everything "
        "the critics were tuned on. Wrong colours are two or more steps apart on the hue circle "
        f"{' → '.join(HUE_CIRCLE)}.",
        "",
        *_pairs_table(result["pairs"]),
        "",
        "A positive is an image with a defect; a check *flags* an image when any of its results fails. "
        "Precision = flagged images that had a defect; recall = defect images flagged. Median seconds per "
        "image are for the check alone (OCR: read + assemble + compare; colour: the box statistics).",
        "",
        "## Defect detection",
        "",
        "| check | engine | images | defect / clean | precision | recall | false alarms | misses | skipped | median s/image |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['check']} | {r['engine']} | {r['background']} | {r['defects']} / {r['clean']} | "
            f"{_pct(r['precision'])} | {_pct(r['recall'])} | {r['fp']} | {r['fn']} | {r['skipped']} | "
            f"{r['median_s']:.3f} |"
        )
    for name, why in result["unavailable"].items():
        lines.append(f"| {'color' if name == 'color' else 'ocr'} | {name} | — | — | — | — | — | — | — | unavailable: {why} |")
    if result["clip"] != "available":
        lines.append(f"| clip | — | — | — | — | — | — | — | all | skipped (no weights): {result['clip']} |")
    kinds = list(dict.fromkeys(p["defect"] for p in result["pairs"]))
    lines += ["", "## Recall by defect", "", "| check | engine | " + " | ".join(kinds) + " | false alarms on clean |",
              "|---|---|" + "---:|" * (len(kinds) + 1)]
    for r in (r for r in result["rows"] if r["background"] == "all"):
        cells = [_pct(r["recall_by_defect"].get(k)) for k in kinds]
        lines.append(f"| {r['check']} | {r['engine']} | " + " | ".join(cells) + f" | {r['fp']}/{r['clean']} |")
    lines += ["", f"## Latency budget: critique of {result['budget']['images']} sketch images at "
              f"{result['budget']['size'][0]}×{result['budget']['size'][1]}", "",
              "Sequential on this machine; each image has a sign and two coloured objects. The CLIP column is a "
              "ViT-B-32 with random weights embedding the 8 images and 8 prompts: the compute of the CLIP "
              "critic with B/32 weights, not a score. The target is read per image (the critique of one "
              "image); the batch total is shown beside it.", "", *_budget_table(result), "", "## Wrong verdicts", ""]
    for label, wrong in result["misses"].items():
        if not wrong:
            lines.append(f"- **{label}**: none")
            continue
        lines.append(f"- **{label}** ({len(wrong)}):")
        lines += [f"  - `{m['case']}` drew “{m['drawn']}”, planned “{m['planned']}”: {m['verdict']} ({m['reason']})"
                  for m in wrong]
    return "\n".join(lines) + "\n"


def chart(result: dict, path: Path) -> Path:
    """Precision and recall per check and engine (both backgrounds), and the latency budget."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in result["rows"] if r["background"] == "all"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), dpi=110, gridspec_kw={"width_ratios": [3, 2]})
    labels = [f"{r['check']}\n{r['engine']}".replace("\n—", "").replace(" (", "\n(") for r in rows]
    xs = np.arange(len(rows))
    left.bar(xs - 0.2, [r["precision"] or 0 for r in rows], 0.4, label="precision", color="#4c72b0")
    left.bar(xs + 0.2, [r["recall"] or 0 for r in rows], 0.4, label="recall", color="#dd8452")
    left.set_xticks(xs, labels, fontsize=7)
    left.set_ylim(0, 1.05)
    left.set_title("defect detection (sketch + photo)")
    if result["clip"] != "available":
        left.set_xlabel("clip: skipped (no weights)", fontsize=8, color="#555555")
    left.legend(loc="lower right", fontsize=8)
    budget = result["budget"]
    engines = list(budget["ocr_s"])
    n = budget["images"]
    parts = {"OCR": [budget["ocr_s"][e] / n for e in engines],
             "colour": [(budget["colour_s"] or 0) / n] * len(engines),
             "CLIP-B/32 (random)": [(budget["clip"].get("batch_s") or 0) / n] * len(engines)}
    bottom = np.zeros(len(engines))
    for label, values in parts.items():
        right.bar(engines, values, bottom=bottom, label=label)
        bottom += np.array(values)
    right.axhline(BUDGET_TARGET_S, color="black", linestyle="--", linewidth=1, label=f"target {BUDGET_TARGET_S:g} s")
    right.set_ylabel("seconds per image")
    right.set_title(f"critique of {n} images at {budget['size'][0]}², per image")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def run_suite(out_dir: Path, repeats: int = 1, engines: list[str] | None = None) -> Path:
    """Entry point for ``evals.runner``: writes ``critics.md``, ``critics.png`` and
    ``critics.json`` into ``out_dir`` and returns the markdown report's path.

    ``engines`` restricts the OCR engines (default: rapidocr and easyocr, side by side);
    ``repeats`` is how many timed runs of the latency budget are medianed (the defect sets
    are read once: the critics are deterministic, only their time varies).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = measure(repeats=repeats, engines=engines)
    report = out_dir / "critics.md"
    report.write_text(to_markdown(result), encoding="utf-8")
    chart(result, out_dir / "critics.png")
    (out_dir / "critics.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return report


if __name__ == "__main__":
    print(run_suite(Path("evals/results")).read_text())
