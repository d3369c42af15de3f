"""How many nouns does the sketch backend draw with real clip-art rather than a labelled box?

Two lists: GenEval's 80 COCO class names, and 120 everyday story nouns
(``evals/sketch_nouns.txt``: people and roles, animals, buildings, vehicles, food, furniture,
nature, tools; written before the matcher was tuned). For each noun it records which OpenMoji
drawing :func:`tools.clipart.lookup` picks (by its index name, so a wrong pick can be seen),
and times the sketch backend on a 512x512 frame with eight clip-art objects (budget 60 ms).

Run ``.venv/bin/python -m evals.sketch_coverage``; writes ``evals/results/sketch_coverage.md``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from tools import clipart
from tools.generators.sketch import SketchGenerator
from tools.scene import Box, SceneObject, ScenePlan, Shot

HERE = Path(__file__).resolve().parent
NOUNS_FILE = HERE / "sketch_nouns.txt"
OUT = HERE / "results" / "sketch_coverage.md"

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


def drawn_as(noun: str) -> str | None:
    """The index name of the drawing ``noun`` resolves to (shortest name of that emoji), or None."""
    char = clipart.lookup(noun)
    if char is None:
        return None
    return min((name for name, c in clipart._index().items() if c == char), key=lambda n: (len(n), n))


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
    lines = ["# Sketch clip-art coverage", "",
             "Written by `python -m evals.sketch_coverage`. A noun is covered when "
             "`tools.clipart.lookup` finds an OpenMoji drawing for it; the drawing's name is listed so a "
             "poor pick can be seen (covered is not the same as well drawn).", ""]
    for title, nouns in (("GenEval COCO classes", coco_names()), ("Everyday nouns (evals/sketch_nouns.txt)", everyday_nouns())):
        picks = {noun: drawn_as(noun) for noun in nouns}
        misses = [n for n, p in picks.items() if p is None]
        lines += [f"## {title}: {len(nouns) - len(misses)} / {len(nouns)}", "",
                  "Misses: " + (", ".join(misses) if misses else "none"), "",
                  "| noun | drawn as |", "| --- | --- |"]
        lines += [f"| {n} | {p or '—'} |" for n, p in picks.items()]
        lines.append("")
    lines += [f"Index: {len(clipart._index())} names; loaded in {load_s * 1000:.0f} ms "
              f"(from the disk cache `{clipart.clipart_index.cache_path().name}` when present).", "",
              f"Sketch backend, 512x512 frame with eight clip-art objects: median {frame_ms():.1f} ms "
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
    print("\n".join(line for line in text.splitlines() if line.startswith(("## ", "Misses", "Sketch", "Index"))))


if __name__ == "__main__":
    main()
