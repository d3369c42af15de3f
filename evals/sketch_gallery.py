"""sketch: what the offline storyboard draws for 24 varied prompts, looked at as one sheet.

Each prompt is planned by the rule planner and drawn by the ``sketch`` backend (no critique,
no repair: this shows the renderer, not the loop) at 512x512 with a fixed seed. The report
lists, per image, the coverage check's score and verdict and any placeholders, and the
contact sheet (``sketch_gallery.png``) is what the README shows. The clip-art coverage
figures (COCO classes, everyday nouns) and the frame time come from
:mod:`evals.sketch_coverage`, run in the same call.

Run ``limner eval sketch`` (or ``python -m evals.sketch_gallery``).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

from agent.planning.planner import make_plan
from agent.request import RunRequest
from tools.critics.coverage import INFO_KEY, check_coverage
from tools.fonts import font
from tools.generators.sketch import SketchGenerator

#: The gallery: the issue's four prompts first, then people, places, relations, materials,
#: dense layouts and views. Fixed: changing it changes what the committed sheet means.
PROMPTS: list[str] = [
    "an astronaut riding a horse on the moon",
    "a cozy coffee shop interior at night with a chalkboard menu that says 'LATTE 4.50'",
    "a birthday card with five candles on a chocolate cake that says 'HAPPY BIRTHDAY'",
    "two images of a lighthouse, one in a storm at night and one on a calm sunny morning",
    "A square image with a 4 by 4 grid of 16 objects on a white background. From left to right, top to bottom: "
    "a blue star, a red triangle, a green square, a pink circle, an orange heart, a purple arrow, a yellow infinity "
    "symbol, a black lightning bolt, a brown moon, a white cloud, a cyan diamond, a gray hexagon, a red cross, "
    "a blue crescent, a green leaf, a rainbow lightning bolt",
    "a chef holding a frying pan in a kitchen",
    "a knight riding a white horse in a castle courtyard",
    "red flowers in a blue vase on a wooden table",
    "a cat sleeping under a table",
    "a pirate and a parrot on a beach",
    "a doctor and a nurse in a hospital",
    "a city street in the rain at night with a neon sign that says 'OPEN 24H'",
    "a fox in a forest at dusk",
    "three fish swimming underwater near a coral reef",
    "a red barn and two cows on a farm",
    "a teacher next to a blackboard that says 'E = mc2' in a classroom",
    "a rusty bike leaning against a brick wall",
    "a golden crown on a silver plate",
    "a snowman in a snowy field with two pine trees",
    "an old man reading a book on a park bench",
    "a product turnaround of a red backpack: front, side and back",
    "a girl running with a kite in a meadow",
    "a microwave, a toaster and a refrigerator in a kitchen",
    "a camel in the desert under a hot sun",
]
SIZE = (512, 512)
SEED = 7
THUMB = 256


def _plan(prompt: str, home: Path):
    request = RunRequest(prompt=prompt, seed=SEED, size=SIZE, out_dir=home / "run")
    return make_plan(request)


def _tile(image: Image.Image, caption: str, verdict: str) -> Image.Image:
    """A thumbnail with the prompt underneath (cut to two lines) and the coverage verdict."""
    tile = Image.new("RGB", (THUMB, THUMB + 44), (255, 255, 255))
    tile.paste(image.convert("RGB").resize((THUMB, THUMB), Image.LANCZOS), (0, 0))
    draw = ImageDraw.Draw(tile)
    small = font(11)
    words, lines, line = caption.split(), [], ""
    for word in words:
        if small.getlength(f"{line} {word}") > THUMB - 8 and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    if len(lines) > 2:
        lines = [lines[0], lines[1][: max(0, len(lines[1]) - 1)] + "…"]
    for k, text in enumerate(lines):
        draw.text((4, THUMB + 3 + 13 * k), text, font=small, fill=(30, 30, 34))
    draw.text((4, THUMB + 30), verdict, font=small, fill=(20, 120, 60) if verdict.startswith("pass") else (180, 40, 40))
    return tile


def render_gallery(prompts: list[str] = PROMPTS) -> tuple[Image.Image, list[dict]]:
    """The contact sheet (6 columns) and one row of figures per drawn image."""
    generator = SketchGenerator()
    tiles: list[Image.Image] = []
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for number, prompt in enumerate(prompts, 1):
            plan = _plan(prompt, Path(tmp))
            started = time.perf_counter()
            images = generator.generate(plan.shots, SIZE, [SEED + k for k in range(len(plan.shots))], plan)
            ms = (time.perf_counter() - started) * 1000 / len(images)
            for shot, image in zip(plan.shots, images):
                check = check_coverage(shot, image.info[INFO_KEY])
                drawing = image.info[INFO_KEY]
                verdict = f"{check.status} {check.score:.2f}" + (
                    f"  placeholders: {', '.join(drawing.placeholders)}" if drawing.placeholders else "")
                label = prompt if len(plan.shots) == 1 else f"[{shot.index + 1}/{len(plan.shots)}] {prompt}"
                tiles.append(_tile(image, label, verdict))
                rows.append({"n": number, "shot": shot.index + 1, "prompt": prompt, "status": check.status,
                             "score": check.score, "placeholders": drawing.placeholders, "ms": ms,
                             "reason": check.reason})
    cols = 6
    sheet = Image.new("RGB", (cols * (THUMB + 6) + 6, -(-len(tiles) // cols) * (THUMB + 50) + 6), (228, 228, 232))
    for k, tile in enumerate(tiles):
        sheet.paste(tile, (6 + (k % cols) * (THUMB + 6), 6 + (k // cols) * (THUMB + 50)))
    return sheet, rows


def run_suite(out_dir: Path, repeats: int = 5) -> Path:
    """Render the gallery into ``out_dir/sketch_gallery.png``, then the coverage figures;
    returns the markdown report."""
    from evals import sketch_coverage  # lazy: the coverage suite loads clip-art indexes only when asked

    sheet, rows = render_gallery()
    sheet_path = out_dir / "sketch_gallery.png"
    sheet.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(sheet_path, optimize=True)  # small in git
    coverage_report = out_dir / sketch_coverage.OUT.name
    sketch_coverage.report(coverage_report)
    passed = sum(r["status"] == "pass" for r in rows)
    lines = [
        "# Sketch gallery", "",
        f"`limner eval sketch`: {len(PROMPTS)} prompts, {len(rows)} images, planned by the rule planner and drawn by the "
        f"sketch backend at {SIZE[0]}x{SIZE[1]}, seed {SEED}. Contact sheet: `{sheet_path.name}`. Coverage figures "
        f"and frame time: `{coverage_report.name}`.", "",
        f"Coverage check: **{passed}/{len(rows)} pass**.", "",
        "| # | shot | prompt | coverage | placeholders | ms/frame |", "|---|---|---|---|---|---|",
    ]
    for r in rows:
        prompt = r["prompt"] if len(r["prompt"]) <= 70 else r["prompt"][:69] + "…"
        lines.append(f"| {r['n']} | {r['shot']} | {prompt} | {r['status']} {r['score']:.2f} | "
                     f"{', '.join(r['placeholders']) or '—'} | {r['ms']:.0f} |")
    report = out_dir / "sketch_gallery.md"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    print(run_suite(Path(__file__).resolve().parent / "results"))
