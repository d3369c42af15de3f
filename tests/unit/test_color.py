"""The colour critic: naming colours, and judging planned objects on real sketch renders."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from agent.context import Settings
from agent.planning.planner import make_plan
from agent.request import build_request
from tools.critics.color import check_colors, family, planned_family, suggest_repairs
from tools.render import render_shot
from tools.scene import Box, SceneObject


@pytest.mark.parametrize(
    ("rgb", "name"),
    [((220, 30, 30), "red"), ((255, 140, 0), "orange"), ((250, 220, 40), "yellow"), ((40, 170, 60), "green"),
     ((30, 80, 220), "blue"), ((140, 50, 200), "purple"), ((255, 170, 200), "pink"), ((120, 70, 30), "brown"),
     ((10, 10, 10), "black"), ((250, 250, 250), "white"), ((128, 128, 128), "grey"), ((0, 180, 190), "cyan")],
)
def test_colour_families(rgb, name) -> None:
    assert family(rgb) == name


def test_planned_colour_names() -> None:
    assert [planned_family(n) for n in ("navy", "gold", "crimson", "teal", "nonsense")] == [
        "blue", "yellow", "red", "cyan", None]


def _render(prompt: str, swap: dict[str, str] | None = None, seed: int = 3):
    settings = Settings()
    request = build_request(prompt, settings=settings, n=1, seed=seed)
    plan = make_plan(request)
    shot = plan.shots[0]
    drawn = shot
    if swap:
        drawn = shot.model_copy(update={"objects": [o.model_copy(update={"color": swap.get(o.color, o.color)}) for o in shot.objects]})
    return render_shot(drawn, plan, (512, 512), seed).image, shot


@pytest.mark.parametrize(
    "prompt",
    ["three red balloons", "a blue cow next to a yellow bicycle and two green apples",
     "a purple car and an orange cat in a forest at night", "a white dog and a black cat and a pink flower"],
)
def test_right_colours_pass_and_wrong_colours_fail(prompt: str) -> None:
    image, shot = _render(prompt)
    coloured = [o for o in shot.objects if o.color]  # the setting ("forest") may be an object too, uncoloured
    assert len(coloured) >= 2 or prompt == "three red balloons"
    assert [c.status for c in check_colors(image, shot.objects)] == ["pass"] * len(coloured)
    wrong = {"red": "green", "blue": "red", "yellow": "purple", "green": "red", "purple": "yellow",
             "orange": "blue", "white": "black", "black": "white", "pink": "green"}
    image, shot = _render(prompt, swap=wrong)
    checks = check_colors(image, shot.objects)
    assert [c.status for c in checks] == ["fail"] * len(coloured), [c.reason for c in checks]
    repairs = suggest_repairs(checks)
    assert [r.kind for r in repairs] == ["inpaint"] * len(checks) and all(r.box for r in repairs)


def test_swapped_positions_fail() -> None:
    image = Image.new("RGB", (400, 200), (235, 235, 230))
    draw = ImageDraw.Draw(image)
    draw.ellipse((30, 50, 150, 170), fill=(30, 70, 220))   # blue on the left
    draw.ellipse((250, 50, 370, 170), fill=(220, 30, 30))  # red on the right
    planned = [SceneObject(name="ball", color="red", box=Box(x0=0.05, y0=0.2, x1=0.4, y1=0.9)),
               SceneObject(name="cube", color="blue", box=Box(x0=0.6, y0=0.2, x1=0.95, y1=0.9))]
    checks = check_colors(image, planned)
    assert [c.status for c in checks] == ["fail", "fail"]
    assert checks[0].found == "blue ball" and checks[0].box == [20, 40, 160, 180]


def test_skips_and_empty_boxes() -> None:
    image = Image.new("RGB", (100, 100), (240, 240, 240))
    assert [c.status for c in check_colors(image, [SceneObject(name="cow")])] == ["skipped"]
    unplaced = check_colors(image, [SceneObject(name="cow", color="blue")])
    assert unplaced[0].status == "skipped" and "box" in unplaced[0].reason
    missing = check_colors(image, [SceneObject(name="cow", color="blue", box=Box(x0=0.2, y0=0.2, x1=0.8, y1=0.8))])
    assert missing[0].status == "fail" and "nothing" in missing[0].reason


def test_family_counts_name_every_pixel_as_family_does():
    """The binned count (each 8-level bin named once) equals naming every pixel at its bin's centre."""
    import numpy as np

    from tools.critics.color import FAMILIES, _families, _family_counts

    pixels = np.random.default_rng(7).integers(0, 256, size=(5000, 3)).astype(np.float32)
    by_pixel = [family(tuple(int(v) // 8 * 8 + 4 for v in p)) for p in pixels]
    assert _family_counts(pixels).tolist() == [by_pixel.count(name) for name in FAMILIES]
    assert _families(pixels).tolist() == by_pixel
