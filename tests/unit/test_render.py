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
from tools.scene import Box, Character, SceneObject, ScenePlan, Shot, TextElement

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


# --- time of day and weather ------------------------------------------------------------

FOX = Character(id="mira", name="Mira", species="fox", colors={"body": "orange", "outfit": "green"})
SIGN = Box(x0=0.15, y0=0.03, x1=0.85, y1=0.2)


def story(setting: str | None = "forest", seed: int = 3, size: tuple[int, int] = (512, 384), text: bool = True,
          **fields):
    """The fox under a sign (placed, so the layout cannot move between variants) on ``setting``."""
    texts = [TextElement(text="THE BIG DAY", role="sign", box=SIGN)] if text else []
    shot = Shot(index=0, prompt="Mira waits", characters=["mira"], texts=texts, **fields)
    plan = ScenePlan(request="a fox story", setting=setting, characters=[FOX], shots=[shot])
    return render_shot(shot, plan, size, seed)


def luma(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(float) @ np.array([0.2126, 0.7152, 0.0722])


def background_mask(result) -> np.ndarray:
    """True outside the text boxes and character figures: what the scenery alone decides."""
    W, H = result.image.size
    mask = np.ones((H, W), bool)
    for x0, y0, x1, y1 in [t.box.to_pixels(W, H) for t in result.layout.texts] + list(result.characters.values()):
        mask[y0:y1, x0:x1] = False
    return mask


def streaks(image: Image.Image) -> np.ndarray:
    """Thin bright lines: pixels brighter than both neighbours two pixels away left and right."""
    lum = luma(image)
    mid = lum[:, 2:-2]
    return (mid > lum[:, :-4] + 10) & (mid > lum[:, 4:] + 10)


def test_unset_time_and_weather_change_nothing() -> None:
    for setting in ("forest", "bakery", None, "beach"):
        plain = story(setting)
        explicit = story(setting, time_of_day=None, weather=None, view=None)
        assert png_bytes(plain.image) == png_bytes(explicit.image)
    from tools.scenery import scene_look

    look = scene_look(BAKERY, BAKERY.shots[0])
    assert look.time is None and look.weather is None and look.outside is None
    night = ScenePlan(request="a forest at night", setting="forest", light="night", shots=[Shot(index=0, prompt="p")])
    assert scene_look(night, night.shots[0]).night  # the light word still decides without a time


@pytest.mark.parametrize("fields", [dict(time_of_day="dusk"), dict(weather="rain"), dict(weather="storm"),
                                    dict(weather="snow", time_of_day="night"), dict(weather="fog"), dict(weather="wind"),
                                    dict(weather="cloudy", time_of_day="morning")])
def test_time_and_weather_are_deterministic_per_seed(fields: dict) -> None:
    a, b = story(**fields), story(**fields)
    assert png_bytes(a.image) == png_bytes(b.image)
    if "weather" in fields:
        assert png_bytes(a.image) != png_bytes(story(seed=4, **fields).image)


def test_night_is_far_darker_than_noon_but_the_figure_stays_readable() -> None:
    noon, night = story(time_of_day="noon"), story(time_of_day="night")
    mask = background_mask(noon)
    H = noon.image.size[1]
    sky, ground = mask.copy(), mask.copy()
    sky[int(H * 0.5):] = False
    ground[:int(H * 0.72)] = False
    lum_noon, lum_night = luma(noon.image), luma(night.image)
    assert lum_night[sky].mean() < 0.35 * lum_noon[sky].mean()
    assert lum_night[ground].mean() < 0.6 * lum_noon[ground].mean()  # the ground darkens too
    x0, y0, x1, y1 = night.characters["mira"]
    fig_noon, fig_night = np.asarray(noon.image)[y0:y1, x0:x1], np.asarray(night.image)[y0:y1, x0:x1]
    assert (fig_noon == fig_night).all(-1).mean() > 0.4  # the figure itself is drawn as by day
    orange = [((f[..., 0] > 200) & (f[..., 1] > 90) & (f[..., 1] < 170) & (f[..., 2] < 90)).sum()
              for f in (fig_noon.astype(int), fig_night.astype(int))]
    assert orange[0] > 500 and abs(orange[1] - orange[0]) < 0.1 * orange[0]  # the orange fox reads by night too


def test_time_of_day_wins_over_the_light_word() -> None:
    assert png_bytes(story(light="night", time_of_day="noon").image) == png_bytes(story(time_of_day="noon").image)
    assert png_bytes(story(light="night", time_of_day="noon").image) != png_bytes(story(light="night").image)


def test_dawn_and_dusk_skies_are_warm_low_down() -> None:
    for time in ("dawn", "dusk"):
        result = story(setting="meadow", time_of_day=time)  # open sky: a forest's tree line hides the horizon
        rgb = np.asarray(result.image).astype(int)
        H = rgb.shape[0]
        low = rgb[int(H * 0.42):int(H * 0.52)][background_mask(result)[int(H * 0.42):int(H * 0.52)]]
        assert (low[:, 0] > low[:, 2] + 40).mean() > 0.5  # pink-orange near the horizon


def test_rain_draws_many_thin_streaks() -> None:
    dry, wet = story(), story(weather="rain")
    assert png_bytes(dry.image) != png_bytes(wet.image)
    mask = background_mask(dry)[:, 2:-2]
    assert streaks(wet.image)[mask].mean() > 0.008
    assert streaks(wet.image)[mask].mean() > 4 * streaks(dry.image)[mask].mean()
    sky = mask.copy()
    sky[dry.image.size[1] // 2:] = False
    rgb = np.asarray(wet.image).astype(int)[:, 2:-2][sky]
    assert (rgb.max(-1) - rgb.min(-1)).mean() < (lambda d: (d.max(-1) - d.min(-1)).mean())(
        np.asarray(dry.image).astype(int)[:, 2:-2][sky])  # a greyer sky


def test_storm_is_dark_with_heavy_rain_and_a_bolt() -> None:
    calm, storm = story(), story(weather="storm")
    mask = background_mask(calm)
    assert luma(storm.image)[mask].mean() < 0.8 * luma(calm.image)[mask].mean()
    assert streaks(storm.image)[mask[:, 2:-2]].mean() > streaks(story(weather="rain").image)[mask[:, 2:-2]].mean()
    rgb = np.asarray(storm.image).astype(int)
    bolt = (rgb.min(-1) > 225) & (rgb[..., 2] < rgb[..., 0] - 8) & mask  # pale yellow-white
    assert bolt.sum() > 60


def test_snow_whitens_the_ground_and_falls() -> None:
    plain, snow = story(), story(weather="snow")
    H = plain.image.size[1]
    ground = background_mask(plain)
    ground[:int(H * 0.72)] = False
    assert luma(snow.image)[ground].mean() > luma(plain.image)[ground].mean() + 40
    rgb = np.asarray(snow.image).astype(int)[ground]
    assert (rgb.min(-1) > 175).mean() > 0.8  # white, not just lighter
    sky = background_mask(plain)
    sky[H // 2:] = False
    flakes = (np.asarray(snow.image).min(-1) > 248) & sky
    assert flakes.sum() > 100


def test_fog_lowers_contrast_most_at_the_horizon() -> None:
    clear, fog = story(text=False), story(text=False, weather="fog")
    mask = background_mask(clear)
    assert luma(fog.image)[mask].std() < 0.8 * luma(clear.image)[mask].std()

    def scene(weather):  # a small object, so the scenery is most of the frame
        shot = Shot(index=0, prompt="p", weather=weather,
                    objects=[SceneObject(name="tent", box=Box(x0=0.4, y0=0.62, x1=0.6, y1=0.85))])
        return render_shot(shot, ScenePlan(request="camp", setting="forest", shots=[shot]), (512, 384), 1).image

    assert luma(scene("fog")).std() < 0.8 * luma(scene(None)).std()  # the whole image
    H = clear.image.size[1]
    diff = np.abs(np.asarray(fog.image).astype(int) - np.asarray(clear.image).astype(int)).sum(-1)
    assert diff[int(H * 0.55):int(H * 0.65)][mask[int(H * 0.55):int(H * 0.65)]].mean() > \
        diff[:int(H * 0.1)][mask[:int(H * 0.1)]].mean()  # thicker toward the horizon


def test_cloudy_and_wind_add_their_marks() -> None:
    plain = story(time_of_day="noon")
    for weather in ("cloudy", "wind"):
        other = story(time_of_day="noon", weather=weather)
        mask = background_mask(plain)
        changed = (np.abs(np.asarray(other.image).astype(int) - np.asarray(plain.image).astype(int)).sum(-1) > 30) & mask
        assert changed.mean() > 0.01, weather
    assert png_bytes(story(weather="clear").image) == png_bytes(story(weather="clear").image)


def test_weather_stays_under_text_and_figures() -> None:
    calm = story(time_of_day="noon")
    x0, y0, x1, y1 = SIGN.to_pixels(*calm.image.size)
    w, h = x1 - x0, y1 - y0
    inner = (x0 + w // 8, y0 + h // 5, x1 - w // 8, y1 - h // 5)
    cx0, cy0, cx1, cy1 = calm.characters["mira"]
    for fields in (dict(weather="storm", time_of_day="night"), dict(weather="snow"), dict(weather="fog"),
                   dict(weather="rain", time_of_day="dusk"), dict(weather="wind")):
        other = story(**fields)
        panel = np.asarray(other.image.crop(inner))
        assert (panel.max(-1) < 90).mean() > 0.05, fields  # the sign's ink is there...
        assert (np.asarray(calm.image.crop(inner)) == panel).all(-1).mean() > 0.97, fields  # ...and unchanged
        a, b = np.asarray(calm.image)[cy0:cy1, cx0:cx1], np.asarray(other.image)[cy0:cy1, cx0:cx1]
        assert (a == b).all(-1).mean() > 0.4, fields  # the figure is drawn over the weather


def test_night_storm_sign_is_readable(ocr) -> None:
    assert squash("THE BIG DAY") in read(ocr, story(weather="storm", time_of_day="night").image)


def test_interiors_show_time_and_weather_through_a_window() -> None:
    def bakery(**fields):
        shot = Shot(index=0, prompt="p", characters=["mira"], texts=[TextElement(text="FRESH BREAD", role="sign", box=SIGN)],
                    **fields)
        return render_shot(shot, ScenePlan(request="bakery", setting="bakery", characters=[FOX], shots=[shot]),
                           (768, 512), 3)

    plain, rain = bakery(), bakery(weather="rain")
    diff = np.abs(np.asarray(rain.image).astype(int) - np.asarray(plain.image).astype(int)).sum(-1) > 24
    ys, xs = np.nonzero(diff)
    assert len(ys) > 2000
    assert diff.mean() < 0.2 and ys.max() < 0.7 * 512  # only a window on the wall changed
    window = np.asarray(rain.image)[ys.min():ys.max(), xs.min():xs.max()]
    assert streaks(Image.fromarray(window)).mean() > 0.005  # rain seen through it
    night = bakery(time_of_day="night")
    mask = background_mask(plain)
    assert luma(night.image)[mask].mean() < 0.75 * luma(plain.image)[mask].mean()  # a darker room


def test_time_and_weather_show_without_a_setting_or_plan() -> None:
    staged = story(setting=None, time_of_day="night")
    studio = story(setting=None)
    assert luma(staged.image)[background_mask(staged)].mean() < 0.5 * luma(studio.image)[background_mask(studio)].mean()
    gen = create("sketch")
    plain, rainy = gen.generate([Shot(index=0, prompt="a fox"), Shot(index=0, prompt="a fox", weather="rain")],
                                (256, 256), [5, 5])
    assert png_bytes(plain) != png_bytes(rainy) and streaks(rainy).mean() > 0.005


def test_back_view_hides_the_face() -> None:
    front, back = story(time_of_day="noon"), story(time_of_day="noon", view="back")
    x0, y0, x1, y1 = front.characters["mira"]
    diff = np.abs(np.asarray(back.image).astype(int) - np.asarray(front.image).astype(int)).sum(-1) > 30
    assert diff.any() and not diff[:, :x0].any() and not diff[:, x1:].any()  # only the figure changed
    head = (x0, y0, x1, y0 + (y1 - y0) * 2 // 5)
    white = lambda im: (np.asarray(im.crop(head)).min(-1) > 235).mean()  # noqa: E731
    assert white(back.image) < 0.5 * white(front.image)  # no white muzzle and eyes from behind
