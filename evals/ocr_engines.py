"""Which OCR engine should the ``ocr`` critic use? Measure them on rendered text.

Renders a fixed set of text images (signs, titles, lower-case sentences, punctuation,
two-line wraps, small text, coloured, textured and busy backgrounds, two signs side by
side, tilted and blurred text)
with DejaVu fonts, plus deliberately misspelled renders as negatives, and runs the
critic's own ``check_texts`` with each engine. Reports per engine:

- exact-match accuracy: correct renders that pass (higher is better; a miss is a false
  repair in the agent loop);
- false-pass rate: misspelled renders that pass (lower is better; a false pass ships a typo);
- median seconds per image for the whole check (read + assemble + compare), after a
  warm-up read, and the one-off load time.

Run ``python -m evals.ocr_engines [--out DIR] [--repeats N]`` (or the ``ocr_engines``
suite of ``evals.runner``); images, ``results.json`` and
``report.md`` are written to the output folder.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import matplotlib
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from tools.critics.ocr import OcrEngine, OcrUnavailable, check_texts, get_engine
from tools.critics.ocr_engines import RapidOcrEngine
from tools.scene import TextElement

FONT_DIR = os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "fonts", "ttf")
SANS_BOLD, SANS, SERIF_BOLD = "DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "DejaVuSerif-Bold.ttf"


@dataclass(frozen=True)
class Case:
    """One rendered image and the text the critic is asked to find in it."""

    name: str
    category: str
    expected: str
    lines: tuple[str, ...]
    """What is actually drawn, one entry per line (differs from ``expected`` for negatives)."""
    misspelled: bool = False
    size: tuple[int, int] = (768, 512)
    font: str = SANS_BOLD
    font_size: int = 48
    fill: str = "black"
    background: str = "white"
    """A colour, ``gradient:<top>:<bottom>`` or ``noise:<colour>``."""
    beside: tuple[str, ...] = ()
    """Another sign drawn to the right at the same height (layout distractor)."""
    degrade: str = ""
    """How generated text looks worse than typeset text: ``tilt:<degrees>``, ``blur:<radius>``."""


def _c(name: str, category: str, text: str, *lines: str, **kw) -> Case:
    return Case(name=name, category=category, expected=text, lines=lines or (text,), **kw)


CASES: list[Case] = [
    # Signs: upper-case words, where rapidocr drops the spaces.
    _c("grand-opening", "sign", "GRAND OPENING"),
    _c("fresh-bread", "sign", "FRESH BREAD DAILY", fill="#ffd400", background="#1f3a93"),
    _c("open-24", "sign", "OPEN 24 HOURS", fill="white", background="#c0392b"),
    _c("no-parking", "sign", "NO PARKING", fill="#c0392b", size=(512, 512), font_size=56),
    _c("sale", "sign", "SALE 50% OFF", background="#f7dc6f", size=(1024, 768), font_size=72),
    # Titles: mixed case, serif.
    _c("glass-orchard", "title", "The Glass Orchard", font=SERIF_BOLD, size=(1024, 512), font_size=64),
    _c("lighthouse", "title", "Midnight at the Lighthouse", font=SERIF_BOLD, size=(1024, 512)),
    _c("fox", "title", "A Fox in Spectacles", font=SERIF_BOLD, fill="#2c3e50", background="#fdf2e9"),
    _c("chapter", "title", "Chapter Three: The Storm", font=SERIF_BOLD, size=(1024, 512)),
    # Lower-case sentences.
    _c("quick-fox", "sentence", "the quick brown fox jumps over the lazy dog", font=SANS, size=(1024, 512), font_size=36),
    _c("back-soon", "sentence", "we'll be back in five minutes", font=SANS, font_size=36),
    _c("ring-bell", "sentence", "please ring the bell twice", font=SANS, font_size=40),
    _c("coffee", "sentence", "coffee tastes better outside", font=SANS, font_size=40, background="#eaf2f8"),
    # Punctuation.
    _c("hello-world", "punctuation", "Hello, World!"),
    _c("wait-what", "punctuation", "Wait... what?!"),
    _c("its-fun", "punctuation", "It’s 100% fun!"),
    _c("opening-hours", "punctuation", "Open 9-5, Mon-Fri", font=SANS),
    _c("q-and-a", "punctuation", "Q&A: 3 tips (#1)", font=SANS),
    # Text wrapped over two lines.
    _c("wrap-bread", "wrap", "FRESH BREAD DAILY", "FRESH BREAD", "DAILY"),
    _c("wrap-fair", "wrap", "Welcome to the Annual Harvest Fair", "Welcome to the", "Annual Harvest Fair", font=SERIF_BOLD),
    _c("wrap-grand", "wrap", "GRAND OPENING", "GRAND", "OPENING", size=(512, 512), font_size=64),
    _c("two-signs", "wrap", "GRAND OPENING", "GRAND", "OPENING", beside=("SALE", "TODAY"), size=(1024, 512)),
    # Small text (3-4 % of the image height).
    _c("small-est", "small", "Est. 1987", font_size=20),
    _c("small-print", "small", "small print applies", font=SANS, size=(1024, 1024), font_size=28),
    _c("small-gap", "small", "MIND THE GAP", size=(1024, 1024), font_size=32),
    # Coloured and textured backgrounds.
    _c("seaside", "background", "SEASIDE CAFE", fill="white", background="gradient:#16a085:#0b3d91"),
    _c("lemonade", "background", "Lemonade 2 dollars", fill="#1e5631", background="noise:#efe6d2"),
    _c("quiet", "background", "QUIET PLEASE", fill="#8c8c8c", background="#d9d9d9"),
    _c("cafe-accent", "background", "Café Olé", fill="#fdfefe", background="#6c3483"),
    _c("market", "background", "FARMERS MARKET", fill="white", background="busy"),
    # Degraded like generated text: tilted, soft, tiny (1.6 % of the height).
    _c("tilted", "degraded", "CORNER BAKERY", degrade="tilt:6"),
    _c("blurred", "degraded", "Lemon Tea", font=SANS, degrade="blur:2"),
    _c("tiny", "degraded", "fine print here", font=SANS, size=(1024, 1024), font_size=16),
    # Negatives: rendered with a typo; a pass here is a false pass.
    _c("neg-bread", "negative", "FRESH BREAD DAILY", "FRESH BRED DAILY", misspelled=True),
    _c("neg-grand", "negative", "GRAND OPENING", "GRAND OPNING", misspelled=True),
    _c("neg-orchard", "negative", "The Glass Orchard", "The Glass Orchid", misspelled=True, font=SERIF_BOLD, size=(1024, 512), font_size=64),
    _c("neg-midnight", "negative", "Midnight at the Lighthouse", "Midnite at the Lighthouse", misspelled=True, font=SERIF_BOLD, size=(1024, 512)),
    _c("neg-fox", "negative", "the quick brown fox jumps over the lazy dog", "the quick brwn fox jumps over the lazy dog", misspelled=True, font=SANS, size=(1024, 512), font_size=36),
    _c("neg-fair", "negative", "Welcome to the Annual Harvest Fair", "Welcome to the", "Anual Harvest Fair", misspelled=True, font=SERIF_BOLD),
    _c("neg-parking", "negative", "NO PARKING", "NO PARKNG", misspelled=True, fill="#c0392b"),
    _c("neg-world", "negative", "Hello, World!", "Hello, Wrold!", misspelled=True),
    _c("neg-hours", "negative", "OPEN 24 HOURS", "OPEN 42 HOURS", misspelled=True, fill="white", background="#c0392b"),
    _c("neg-tilted", "negative", "CORNER BAKERY", "CORNER BAKRY", misspelled=True, degrade="tilt:6"),
    _c("neg-market", "negative", "FARMERS MARKET", "FARMERS MARKT", misspelled=True, fill="white", background="busy"),
]


def _background(spec: str, size: tuple[int, int], seed: int) -> Image.Image:
    if spec.startswith("gradient:"):
        _, top, bottom = spec.split(":")
        image = Image.new("RGB", size, top)
        ramp = Image.linear_gradient("L").resize(size)
        return Image.composite(Image.new("RGB", size, bottom), image, ramp)
    if spec.startswith("noise:"):
        base = Image.new("RGB", size, spec.split(":", 1)[1])
        rng = random.Random(seed)  # seeded, so every run measures the same pixels
        noise = Image.frombytes("L", size, rng.randbytes(size[0] * size[1])).convert("RGB")
        return Image.blend(base, noise, 0.15)
    if spec == "busy":  # overlapping coloured shapes, like a cluttered scene
        rng = random.Random(seed)
        image = Image.new("RGB", size, "#7f8c8d")
        draw = ImageDraw.Draw(image)
        for _ in range(60):
            x, y = rng.randrange(size[0]), rng.randrange(size[1])
            w, h = rng.randrange(20, 200), rng.randrange(20, 200)
            colour = tuple(rng.randrange(256) for _ in range(3))
            draw.rectangle((x, y, x + w, y + h), fill=colour)
        return image
    return Image.new("RGB", size, spec)


def render(case: Case, seed: int = 0) -> Image.Image:
    """The case's image: centred lines (and an optional second sign to the right)."""
    image = _background(case.background, case.size, seed)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(os.path.join(FONT_DIR, case.font), case.font_size)
    stroke = 3 if case.background == "busy" else 0  # outlined, as text on a scene usually is
    step = int(case.font_size * 1.3)
    width, height = case.size

    def block(lines: tuple[str, ...], centre_x: int) -> None:
        top = height // 2 - step * (len(lines) - 1) // 2
        for i, line in enumerate(lines):
            draw.text((centre_x, top + i * step), line, font=font, fill=case.fill, anchor="mm",
                      stroke_width=stroke, stroke_fill="black")

    if case.beside:
        block(case.lines, width // 4)
        block(case.beside, 3 * width // 4)
    else:
        block(case.lines, width // 2)
    kind, _, amount = case.degrade.partition(":")
    if kind == "tilt":
        image = image.rotate(float(amount), resample=Image.Resampling.BICUBIC, fillcolor=image.getpixel((0, 0)))
    elif kind == "blur":
        image = image.filter(ImageFilter.GaussianBlur(float(amount)))
    return image


def _engines() -> dict[str, Callable[[], OcrEngine]]:
    """Engines to compare: the two registered ones and rapidocr at its library defaults
    (to show what the 512-px detector limit costs)."""
    return {
        "rapidocr": lambda: get_engine("rapidocr"),
        "easyocr": lambda: get_engine("easyocr"),
        "rapidocr (det 736 min)": lambda: RapidOcrEngine(det_limit_side_len=736, det_limit_type="min"),
    }


def _measure(engine: OcrEngine, images: list[Image.Image], repeats: int) -> dict:
    engine.read(images[0])  # warm-up: first inference allocates
    rows = []
    for case, image in zip(CASES, images):
        times = []
        for _ in range(max(1, repeats)):  # engines are deterministic: only the time varies
            start = time.perf_counter()
            (check,) = check_texts(image, [TextElement(text=case.expected)], engine=engine)
            times.append(time.perf_counter() - start)
        seconds = statistics.median(times)
        rows.append({
            "case": case.name, "category": case.category, "misspelled": case.misspelled,
            "status": check.status, "score": check.score, "found": check.found,
            "reason": check.reason, "seconds": round(seconds, 4),
        })
    positives = [r for r in rows if not r["misspelled"]]
    negatives = [r for r in rows if r["misspelled"]]
    return {
        "accuracy": sum(r["status"] == "pass" for r in positives) / len(positives),
        "false_pass_rate": sum(r["status"] == "pass" for r in negatives) / len(negatives),
        "mean_cer_correct": statistics.fmean(1 - (r["score"] or 0.0) for r in positives),
        "median_seconds": statistics.median(r["seconds"] for r in rows),
        "cases": rows,
    }


def table(results: dict) -> str:
    """Markdown summary: one row per engine, then the cases each engine got wrong."""
    head = (
        f"OCR engines on {results['positives']} correct and {results['negatives']} misspelled renders\n\n"
        f"(median of {results['repeats']} timed check(s) per image)\n\n"
        "| engine | exact-match accuracy ↑ | false-pass rate ↓ | mean CER (correct) | median s/image | load s |\n"
        "|---|---|---|---|---|---|\n"
    )
    rows, misses = [], []
    for name, r in results["engines"].items():
        if "unavailable" in r:
            rows.append(f"| {name} | unavailable: {r['unavailable']} | | | | |")
            continue
        rows.append(
            f"| {name} | {r['accuracy']:.0%} | {r['false_pass_rate']:.0%} | {r['mean_cer_correct']:.3f} "
            f"| {r['median_seconds']:.2f} | {r['load_seconds']:.1f} |"
        )
        wrong = [
            f"{c['case']} ({c['reason']})" for c in r["cases"]
            if (c["status"] == "pass") == c["misspelled"]
        ]
        misses.append(f"- **{name}** wrong on: " + ("; ".join(wrong) or "none"))
    return head + "\n".join(rows) + "\n\n" + "\n".join(misses) + "\n"


def run(out_dir: str | os.PathLike, repeats: int = 1) -> dict:
    """Render the cases into ``out_dir``, measure every engine, write results; return them.

    Each image is checked ``repeats`` times and its time is the median; on a 2-core CPU
    easyocr costs about 3.5 s per check, so every repeat adds about 2.5 minutes.
    """
    os.makedirs(out_dir, exist_ok=True)
    images = [render(case, seed=i) for i, case in enumerate(CASES)]
    for case, image in zip(CASES, images):
        image.save(os.path.join(out_dir, f"{case.name}.png"))
    results: dict = {
        "positives": sum(not c.misspelled for c in CASES),
        "negatives": sum(c.misspelled for c in CASES),
        "repeats": max(1, repeats),
        "cases": [asdict(c) for c in CASES],
        "engines": {},
    }
    for name, build in _engines().items():
        start = time.perf_counter()
        try:
            engine = build()
        except OcrUnavailable as exc:
            results["engines"][name] = {"unavailable": str(exc)}
            continue
        load = time.perf_counter() - start
        results["engines"][name] = {"load_seconds": round(load, 2), **_measure(engine, images, repeats)}
    with open(os.path.join(out_dir, "results.json"), "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=2, ensure_ascii=False)
    with open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as fh:
        fh.write(table(results))
    return results


def run_suite(out_dir: Path, repeats: int = 1) -> Path:
    """Entry point for ``evals.runner``: run into ``out_dir/ocr_engines``, return the report."""
    target = Path(out_dir) / "ocr_engines"
    run(target, repeats=repeats)
    return target / "report.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="output folder (default: a new temporary folder)")
    parser.add_argument("--repeats", type=int, default=1, help="timed checks per image (median)")
    args = parser.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="limner-ocr-eval-")
    results = run(out, repeats=args.repeats)
    print(table(results))
    print(f"images and results.json in {out}")


if __name__ == "__main__":
    main()
