"""Reading only what needs reading: planned regions first, the whole image only when a region
does not hold its text, no OCR for shots without text, and the ``no_text`` check.

The engine here is a fake that sees only the pixels it is given: the test image is noise, so
the fake finds where a crop came from and returns the texts "drawn" inside it, in the crop's
coordinates, as a real engine reading a crop would.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from tools.critics import ocr_regions
from tools.critics.aggregate import critique_image, critique_images, preload, text_checks
from tools.critics.no_text import check_no_text, forbids_text
from tools.critics.ocr import check_texts, suggest_repairs
from tools.critics.ocr_engines import Reading, get_engine, register_engine
from tools.critics.workers import critique_workers, engine_threads, cpu_cores, map_ordered
from tools.scene import Box, SceneObject, Shot, TextElement

SIZE = (400, 300)


def noise(seed: int = 0) -> Image.Image:
    pixels = np.random.default_rng(seed).integers(0, 256, size=(SIZE[1], SIZE[0], 3), dtype=np.uint8)
    return Image.fromarray(pixels)


class SceneReader:
    """Reads the texts "drawn" at full-image boxes that lie inside whatever it is given."""

    name = "scene"

    def __init__(self, full: Image.Image, drawn: list[tuple[str, tuple[int, int, int, int]]]) -> None:
        self.full = np.asarray(full)
        self.drawn = drawn
        self.sizes: list[tuple[int, int]] = []
        self._lock = threading.Lock()

    def _offset(self, crop: np.ndarray) -> tuple[int, int]:
        height, width = crop.shape[:2]
        ys, xs = np.nonzero((self.full[:, :, 0] == crop[0, 0, 0]) & (self.full[:, :, 1] == crop[0, 0, 1]))
        for y, x in zip(ys, xs):
            if np.array_equal(self.full[y:y + height, x:x + width], crop):
                return int(x), int(y)
        raise AssertionError("the engine was given pixels that are not from the image")

    def read(self, image: Image.Image) -> list[Reading]:
        with self._lock:
            self.sizes.append(image.size)
        dx, dy = self._offset(np.asarray(image.convert("RGB")))
        width, height = image.size
        found = []
        for text, (x0, y0, x1, y1) in self.drawn:
            if x0 >= dx and y0 >= dy and x1 <= dx + width and y1 <= dy + height:
                found.append(Reading(text, (x0 - dx, y0 - dy, x1 - dx, y1 - dy)))
        return found


TOP = Box(x0=0.1, y0=0.05, x1=0.9, y1=0.25)  # pixels (40, 15, 360, 75)
TOP_PIXELS = [40, 15, 360, 75]


def test_text_in_its_planned_box_is_read_there_only():
    image = noise()
    engine = SceneReader(image, [("FRESH BREAD", (80, 30, 320, 60)), ("SALE", (150, 240, 250, 280))])
    (check,) = check_texts(image, [TextElement(text="Fresh Bread", box=TOP)], engine=engine)
    assert check.status == "pass" and check.box == [80, 30, 320, 60]  # in the whole image's coordinates
    window = ocr_regions.read_window(TextElement(text="x", box=TOP), SIZE)
    assert engine.sizes == [(window[2] - window[0], window[3] - window[1])]  # one read: the planned region
    assert engine.sizes[0][0] * engine.sizes[0][1] < SIZE[0] * SIZE[1] / 3


def test_text_drawn_outside_its_planned_box_is_found_and_failed_with_its_box():
    image = noise()
    engine = SceneReader(image, [("FRESH BREAD", (80, 230, 320, 270))])  # planned at the top, drawn at the bottom
    texts = [TextElement(text="FRESH BREAD", box=TOP)]
    (check,) = check_texts(image, texts, engine=engine)
    assert check.status == "fail" and check.found == "FRESH BREAD"
    assert check.box == [80, 230, 320, 270]  # where it was read
    assert "outside its planned box" in check.reason and str(TOP_PIXELS) in check.reason
    assert engine.sizes[-1] == SIZE  # found by reading the whole image after the region
    (repair,) = suggest_repairs([check], texts, image_size=SIZE)
    assert repair.kind == "retypeset" and repair.box == TOP_PIXELS  # typeset again where it was planned


def test_a_little_off_its_box_is_still_placed():
    image = noise()
    engine = SceneReader(image, [("OPEN", (120, 60, 280, 95))])  # spills 20 px below the box
    (check,) = check_texts(image, [TextElement(text="OPEN", box=TOP)], engine=engine)
    assert check.status == "pass" and check.box == [120, 60, 280, 95]


def test_a_misspelling_in_its_box_fails_on_the_whole_image_reading():
    image = noise()
    engine = SceneReader(image, [("FRESH BRED", (80, 30, 320, 60)), ("SALE", (150, 240, 250, 280))])
    (check,) = check_texts(image, [TextElement(text="FRESH BREAD", box=TOP)], engine=engine)
    assert check.status == "fail" and check.found == "FRESH BRED" and 0.8 < check.score < 1.0
    assert engine.sizes[-1] == SIZE and len(engine.sizes) == 2


def test_texts_whose_regions_touch_are_read_together_and_unplanned_ones_in_the_whole_image():
    image = noise()
    left, right = Box(x0=0.05, y0=0.1, x1=0.45, y1=0.3), Box(x0=0.47, y0=0.1, x1=0.95, y1=0.3)
    engine = SceneReader(image, [("OPEN", (40, 40, 160, 80)), ("CLOSED", (200, 40, 360, 80)), ("EXIT", (10, 250, 90, 290))])
    texts = [TextElement(text="OPEN", box=left), TextElement(text="CLOSED", box=right), TextElement(text="EXIT")]
    checks = check_texts(image, texts, engine=engine)
    assert [c.status for c in checks] == ["pass", "pass", "pass"]
    assert len(engine.sizes) == 2 and engine.sizes[1] == SIZE  # one read for both regions, one of the whole
    assert checks[2].box == [10, 250, 90, 290]


def test_a_text_in_its_neighbours_region_is_not_where_it_was_planned():
    image = noise()
    left, right = Box(x0=0.05, y0=0.1, x1=0.45, y1=0.3), Box(x0=0.47, y0=0.1, x1=0.95, y1=0.3)
    engine = SceneReader(image, [("OPEN", (200, 40, 360, 80))])  # drawn in the right box only
    checks = check_texts(image, [TextElement(text="OPEN", box=left), TextElement(text="SHUT", box=right)], engine=engine)
    assert [c.status for c in checks] == ["fail", "fail"]
    assert "outside its planned box" in checks[0].reason and checks[0].box == [200, 40, 360, 80]


def test_read_windows_merge_only_what_touches():
    texts = [TextElement(text="a", box=Box(x0=0.0, y0=0.0, x1=0.2, y1=0.1)),
             TextElement(text="b", box=Box(x0=0.22, y0=0.0, x1=0.4, y1=0.1)),
             TextElement(text="c", box=Box(x0=0.0, y0=0.8, x1=0.3, y1=0.95)),
             TextElement(text="d")]
    windows = ocr_regions.read_windows(texts, (1000, 1000))
    assert [w.texts for w in windows] == [(0, 1), (2,)]
    assert all(ocr_regions.placed(w.box, texts[w.texts[0]], (1000, 1000)) or len(w.texts) > 1 for w in windows)
    assert ocr_regions.placed([10, 10, 20, 20], texts[3], (1000, 1000))  # no planned box: anywhere is fine


class CountingReader:
    name = "counting"
    calls = 0
    readings: list[Reading] = []

    def read(self, image: Image.Image) -> list[Reading]:
        CountingReader.calls += 1
        return list(self.readings)


register_engine("counting", CountingReader)


def test_a_shot_without_text_is_not_read_at_all():
    CountingReader.calls = 0
    checks = text_checks(noise(), Shot(index=0, prompt="a fox", negatives=["people"]), "counting")
    assert [c.status for c in checks] == ["skipped"] and CountingReader.calls == 0


@pytest.mark.parametrize(("negatives", "forbidden"), [
    (["text"], True), (["any words"], True), (["lettering", "watermark"], True), (["written captions"], True),
    (["people"], False), (["signs of rust"], False), ([], False),
])
def test_which_negatives_forbid_text(negatives, forbidden):
    assert forbids_text(negatives) is forbidden


def test_no_text_negative_reads_the_image_and_fails_on_text_with_its_box():
    image = noise()
    lake = SceneObject(name="lake", box=Box(x0=0.2, y0=0.4, x1=0.8, y1=0.9))
    engine = SceneReader(image, [("lake", (150, 180, 250, 220)), ("SALE 50%", (20, 20, 120, 50)), ("l", (300, 30, 305, 40))])
    shot = Shot(index=0, prompt="a lake", objects=[lake], negatives=["text"])
    register_engine("scene-lake", lambda: engine)
    verdict = critique_image(image, shot, ocr_engine="scene-lake")
    (check,) = [c for c in verdict.checks if c.name == "no_text"]
    # The storyboard's label of the planned lake, inside the lake's box, is no text in the picture;
    # a single stray glyph is not either.
    assert check.status == "fail" and check.found == "SALE 50%" and check.box == [20, 20, 120, 50]
    assert [(r.kind, r.check, r.box) for r in verdict.repairs] == [("inpaint", "no_text", [20, 20, 120, 50])]
    clean = SceneReader(image, [("lake", (150, 180, 250, 220))])
    (ok,) = check_no_text(image, [lake], engine=clean)
    assert ok.status == "pass" and len(clean.sizes) == 1


def test_concurrent_critique_gives_each_image_its_own_verdict_in_order():
    images = {i: noise(i) for i in range(6)}
    drawn = {i: [("OPEN" if i % 2 else "OPNE", (80, 30, 320, 60))] for i in images}
    readers = {i: SceneReader(images[i], drawn[i]) for i in images}

    class ByImage:
        """Each read goes to the reader of the image the pixels came from."""

        name = "by-image"

        def read(self, image: Image.Image) -> list[Reading]:
            for reader in readers.values():
                try:
                    return reader.read(image)
                except AssertionError:
                    continue
            raise AssertionError("the engine was given pixels of no test image")

    engine = ByImage()
    register_engine("by-image", lambda: engine)
    shots = {i: Shot(index=i, prompt="p", texts=[TextElement(text="OPEN", box=TOP)],
                     objects=[SceneObject(name="ball", color="red", box=Box(x0=0.3, y0=0.5, x1=0.6, y1=0.9))])
             for i in images}
    together = list(critique_images(images, shots, ocr_engine="by-image"))
    alone = [critique_image(images[i], shots[i], ocr_engine="by-image") for i in images]
    assert [i for i, _ in together] == list(images)
    assert [v for _, v in together] == alone
    assert [[c.status for c in v.checks if c.name == "ocr"] for v in alone] == [["fail"], ["pass"]] * 3


def test_workers_and_engine_threads_share_the_cores():
    assert 1 <= critique_workers() <= cpu_cores()
    assert critique_workers() * engine_threads() <= max(cpu_cores(), critique_workers())
    assert list(map_ordered(lambda x: x * x, range(20), workers=4)) == [x * x for x in range(20)]


def test_preload_loads_only_what_is_asked():
    from tools.critics.aggregate import ClipSettings

    assert preload(None, ClipSettings(enabled=False)) is None
    CountingReader.calls = 0
    thread = preload("counting", None)
    thread.join(timeout=10)
    assert not thread.is_alive() and isinstance(get_engine("counting"), CountingReader) and CountingReader.calls == 0
