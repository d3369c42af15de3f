"""The sketch renderer, typesetting and the ``sketch`` backend."""

from __future__ import annotations

import colorsys
import unicodedata
from collections import deque

import numpy as np
import pytest
from PIL import Image
from pydantic import ValidationError

from tools.typeset import box_mask, fit_text, paste_feathered, typeset
from tools.generators.base import BackendError, available, create
from tools.generators.sketch import SketchGenerator
from tools.render import RenderSizeError, render_shot
from tools.scene import Character, SceneObject, ScenePlan, Shot, TextElement

BAKERY = ScenePlan(
    request="a bakery poster with the sign 'FRESH BREAD DAILY' and three red balloons",
    setting="bakery", light="warm morning", palette=["cream", "brown", "red"],
    shots=[Shot(index=i, prompt="bakery poster", objects=[SceneObject(name="balloon", count=3, color="red")],
                texts=[TextElement(text="FRESH BREAD DAILY", role="sign")]) for i in range(4)],
)
CAST = [
    Character(id="mira", name="Mira", species="fox", colors={"body": "orange", "outfit": "green"}),
    Character(id="bolt", name="Bolt", species="robot", colors={"outfit": "purple", "accent": "yellow"}),
]


def comic(shots: list[Shot]) -> ScenePlan:
    return ScenePlan(request="comic", characters=CAST, shots=shots)


def png_bytes(image: Image.Image) -> bytes:
    return image.tobytes() + repr(image.size).encode()


# --- determinism and modes ------------------------------------------------------------

def test_same_seed_same_bytes_different_seed_different_image() -> None:
    shot = BAKERY.shots[0]
    a, b = render_shot(shot, BAKERY, (512, 512), 7), render_shot(shot, BAKERY, (512, 512), 7)
    assert png_bytes(a.image) == png_bytes(b.image) and a.layout == b.layout
    c = render_shot(shot, BAKERY, (512, 512), 8)
    assert png_bytes(a.image) != png_bytes(c.image)
    assert a.image.mode == "RGB" and a.image.size == (512, 512)


def test_raw_mode_draws_the_prompt_card_and_depends_only_on_the_seed() -> None:
    first = render_shot(Shot(index=0, prompt="a lighthouse at dusk"), None, (512, 384), 3)
    moved = render_shot(Shot(index=5, prompt="a lighthouse at dusk"), None, (512, 384), 3)
    assert png_bytes(first.image) == png_bytes(moved.image)  # batch position does not matter
    assert not first.used_openmoji and first.placements == []
    bottom = np.asarray(first.image)[-120:, 40:-40]
    white_rows = ((bottom.min(-1) > 245).mean(1) > 0.5).sum()
    assert white_rows >= 12  # a white card at the bottom...
    assert (bottom.max(-1) < 80).mean() > 0.01  # ...with dark text on it
    assert (np.asarray(first.image)[:200].min(-1) > 245).mean() < 0.05  # and not elsewhere
    other = render_shot(Shot(index=0, prompt="a lighthouse at dusk"), None, (512, 384), 4)
    assert png_bytes(first.image) != png_bytes(other.image)


@pytest.mark.parametrize("size", [(64, 64), (72, 136), (512, 1024), (2048, 768)])
def test_any_multiple_of_8_renders(size: tuple[int, int]) -> None:
    result = render_shot(BAKERY.shots[0], BAKERY, size, 1)
    assert result.image.size == size
    for t in result.layout.texts:
        assert t.box is not None


@pytest.mark.parametrize("size", [(100, 100), (32, 64), (4096, 512)])
def test_unsupported_sizes_say_what_to_use(size: tuple[int, int]) -> None:
    with pytest.raises(RenderSizeError, match="multiples of 8"):
        render_shot(BAKERY.shots[0], BAKERY, size, 1)


# --- counts and colours ---------------------------------------------------------------

@pytest.mark.parametrize("count", [1, 2, 3, 5, 7, 12])
def test_object_counts_come_out_right(count: int) -> None:
    shot = Shot(index=0, prompt="p", objects=[SceneObject(name="apple", count=count), SceneObject(name="zorblax", count=2)])
    result = render_shot(shot, None, (512, 512), count)
    names = [p.name for p in result.placements]
    assert names.count("apple") == count and names.count("zorblax") == 2
    assert all(p.clipart for p in result.placements if p.name == "apple")
    assert not any(p.clipart for p in result.placements if p.name == "zorblax")  # labelled shape


def _components(mask: np.ndarray, min_size: int = 80) -> int:
    """Connected regions (4-neighbour) of at least ``min_size`` pixels."""
    seen = np.zeros_like(mask, dtype=bool)
    found = 0
    for y, x in zip(*np.nonzero(mask)):
        if seen[y, x]:
            continue
        queue, size = deque([(y, x)]), 0
        seen[y, x] = True
        while queue:
            cy, cx = queue.popleft()
            size += 1
            for ny, nx in ((cy + 1, cx), (cy - 1, cx), (cy, cx + 1), (cy, cx - 1)):
                if 0 <= ny < mask.shape[0] and 0 <= nx < mask.shape[1] and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    queue.append((ny, nx))
        found += size >= min_size
    return found


def test_three_red_balloons_are_three_red_blobs() -> None:
    plan = BAKERY.model_copy(update={"setting": None})
    for seed in range(3):
        result = render_shot(plan.shots[0], plan, (512, 512), seed)
        rgb = np.asarray(result.image).astype(int)
        red = (rgb[..., 0] > 150) & (rgb[..., 1] < 90) & (rgb[..., 2] < 90)
        assert _components(red, min_size=800) == 3  # balloon bodies (their knots are smaller)


def _blue_share(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    rgb = np.asarray(image.crop(box)).astype(int)
    return float(((rgb[..., 2] > rgb[..., 0] + 60) & (rgb[..., 2] > rgb[..., 1] + 30)).mean())


def test_blue_cow_is_blue() -> None:
    def cow(color: str | None) -> float:
        shot = Shot(index=0, prompt="cow", objects=[SceneObject(name="cow", color=color), SceneObject(name="bicycle")])
        result = render_shot(shot, ScenePlan(request="cow", shots=[shot]), (768, 512), 2)
        (placement,) = [p for p in result.placements if p.name == "cow"]
        return _blue_share(result.image, placement.box)

    assert cow("blue") > 0.12 and cow(None) < 0.01


# --- characters -----------------------------------------------------------------------

def _hue_histogram(image: Image.Image, box: tuple[int, int, int, int]) -> np.ndarray:
    rgb = np.asarray(image.crop(box).resize((48, 96))).reshape(-1, 3) / 255.0
    hist = np.zeros(12)
    for r, g, b in rgb:
        h, s, v = colorsys.rgb_to_hsv(r, g, b)
        if s > 0.35 and v > 0.25:
            hist[int(h * 12) % 12] += 1
    return hist / max(1.0, hist.sum())


def test_a_character_keeps_its_colours_across_shots_and_seeds() -> None:
    shots = [Shot(index=0, prompt="p", characters=["mira"]),
             Shot(index=1, prompt="p", characters=["bolt", "mira"], camera="close-up",
                  texts=[TextElement(text="Where is the map?", role="bubble", speaker="mira")])]
    plan = comic(shots)
    one, two = render_shot(shots[0], plan, (512, 512), 1), render_shot(shots[1], plan, (768, 512), 99)
    mira_1 = _hue_histogram(one.image, one.characters["mira"])
    mira_2 = _hue_histogram(two.image, two.characters["mira"])
    bolt_2 = _hue_histogram(two.image, two.characters["bolt"])
    assert np.abs(mira_1 - mira_2).sum() < 0.3
    assert np.abs(mira_1 - bolt_2).sum() > 0.8  # a different character really looks different
    assert one.used_openmoji  # the fox face


# --- text -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ocr():
    rapidocr = pytest.importorskip("rapidocr_onnxruntime")
    return rapidocr.RapidOCR(det_limit_side_len=512, det_limit_type="max")


def read(engine, image: Image.Image) -> str:
    found, _ = engine(np.asarray(image.convert("RGB")))
    text = "".join(item[1] for item in found or [])
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def squash(text: str) -> str:
    return "".join(text.split()).casefold()


def test_sign_text_is_readable(ocr) -> None:
    for seed in (0, 1):
        result = render_shot(BAKERY.shots[seed], BAKERY, (512, 512), seed)
        assert squash("FRESH BREAD DAILY") in read(ocr, result.image)


def test_bubble_and_caption_are_readable(ocr) -> None:
    shot = Shot(index=0, prompt="p", characters=["mira", "bolt"],
                texts=[TextElement(text="Where is the map?", role="bubble", speaker="mira"),
                       TextElement(text="Later that day", role="caption")])
    seen = read(ocr, render_shot(shot, comic([shot]), (512, 512), 4).image)
    assert "whereisthemap" in seen and "laterthatday" in seen


def test_emphasis_repair_is_readable_on_a_noisy_image(ocr) -> None:
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (384, 512, 3), dtype=np.uint8))
    assert "grandopening" not in read(ocr, noise)
    fixed = typeset(noise, "Grand Opening", (60, 120, 450, 230), "sign", emphasis=True)
    assert read(ocr, fixed) == "grandopening"


def test_fit_text_wraps_whole_words_inside_the_box() -> None:
    text = "The quick brown fox jumps over the lazy dog"
    fnt, lines = fit_text(text, (0, 0, 200, 120), max_size=60, min_size=8)
    assert " ".join(lines) == text
    assert all(fnt.getlength(line) <= 200 for line in lines)
    assert 8 <= fnt.size <= 60 and len(lines) > 1
    big, one = fit_text("Hi", (0, 0, 400, 100), max_size=40)
    assert big.size == 40 and one == ["Hi"]


def test_typeset_does_not_change_the_input_and_keeps_the_outside() -> None:
    base = Image.new("RGB", (256, 256), (10, 120, 200))
    out = typeset(base, "Día — ¡café!", (20, 20, 236, 90), "caption")
    assert base.getpixel((128, 50)) == (10, 120, 200)
    assert out.getpixel((128, 200)) == (10, 120, 200) and out.getpixel((5, 5)) == (10, 120, 200)
    assert out.crop((20, 20, 236, 90)).getcolors(65536) is not None


def test_masks_and_feathered_paste() -> None:
    mask = box_mask((100, 100), (20, 20, 80, 80), feather_px=10)
    assert mask.mode == "L" and mask.getpixel((50, 50)) == 255 and mask.getpixel((2, 2)) == 0
    assert 0 < mask.getpixel((20, 50)) < 255
    base, patch = Image.new("RGB", (100, 100), "black"), Image.new("RGB", (100, 100), "white")
    out = paste_feathered(base, patch, mask)
    assert out.getpixel((50, 50)) == (255, 255, 255) and out.getpixel((2, 2)) == (0, 0, 0)
    with pytest.raises(ValueError, match="same size"):
        paste_feathered(base, Image.new("RGB", (10, 10)), mask)


# --- the backend ----------------------------------------------------------------------

def test_sketch_backend_is_registered_and_batches_independently() -> None:
    assert "sketch" in available()
    gen = create("sketch")
    assert isinstance(gen, SketchGenerator) and gen.supports_batch and gen.max_batch == 8 and not gen.supports_edit
    shots = [Shot(index=0, prompt="a fox in the rain"), Shot(index=1, prompt="a fox in the rain")]
    batch = gen.generate(shots, (256, 256), [11, 12])
    alone = gen.generate([shots[1]], (256, 256), [12])
    assert len(batch) == 2 and png_bytes(batch[1]) == png_bytes(alone[0])
    assert all("credits" not in image.info for image in batch)  # raw mode uses no clip-art


def test_sketch_backend_credits_openmoji_and_refuses_edits() -> None:
    gen = create("sketch")
    images = gen.generate(BAKERY.shots[:2], (256, 256), [1, 2], plan=BAKERY)
    assert all(any("OpenMoji" in c for c in im.info.get("credits", [])) for im in images)
    with pytest.raises(BackendError, match="cannot edit"):
        gen.edit(images[0], Image.new("L", (256, 256)), "make it blue", 1)
    with pytest.raises(ValidationError):
        create("sketch", colour="blue")


def test_settings_are_recognised_as_places_not_objects() -> None:
    from tools.scenery import detect_setting, scene_look

    assert detect_setting("a bakery poster with three red balloons") == "bakery"
    assert detect_setting("three red balloons on a seat") is None  # "sea" needs a whole word
    unplanned = ScenePlan(request="a bakery poster", shots=[Shot(index=0, prompt="p")])
    assert scene_look(unplanned).kind == "shelf"  # the request names the place
    assert scene_look(None).kind == "studio"
