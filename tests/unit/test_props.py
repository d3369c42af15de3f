"""Drawn props: each draws, is not blank, takes its colour; the art chain asks them first only
for the nouns OpenMoji lacks or draws wrong."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tools import art, clipart, props

PROPS = sorted(set(props.NAMES.values()))


def _fractions(image: Image.Image) -> dict[str, float]:
    arr = np.asarray(image.convert("RGBA")).astype(int)
    rgb, opaque = arr[..., :3], arr[..., 3] > 128
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    n = max(1, int(opaque.sum()))
    return {"red": float(((r > g + 60) & (r > b + 60) & opaque).sum() / n),
            "blue": float(((b > r + 60) & (b > g + 20) & opaque).sum() / n),
            "dark": float(((rgb.max(-1) < 50) & opaque).sum() / n),
            "opaque": n / opaque.size}


@pytest.mark.parametrize("prop", PROPS)
def test_each_prop_draws_a_sized_outlined_picture(prop: str) -> None:
    image = props.draw(prop, 96)
    assert image is not None and image.mode == "RGBA"
    assert max(image.size) in (95, 96, 97)
    seen = _fractions(image)
    assert seen["opaque"] > 0.2, "mostly empty"
    assert 0.03 < seen["dark"] < 0.7, "the dark outline is missing, or it is all outline"
    colours = {tuple(c) for c in np.asarray(image.convert("RGB"))[np.asarray(image)[..., 3] > 200].reshape(-1, 3)}
    assert len(colours) > 3, "a flat blob, not a drawing"


@pytest.mark.parametrize("prop", PROPS)
def test_each_prop_takes_its_colour(prop: str) -> None:
    red, blue = _fractions(props.draw(prop, 96, "red")), _fractions(props.draw(prop, 96, "blue"))
    assert red["red"] > blue["red"] + 0.05 and blue["blue"] > red["blue"] + 0.05, (red, blue)


def test_unknown_colour_keeps_the_props_own_and_drawing_is_deterministic() -> None:
    own, odd = props.draw("fire hydrant", 80), props.draw("fire hydrant", 80, "notacolour")
    assert own.tobytes() == odd.tobytes()
    assert _fractions(own)["red"] > 0.3  # hydrants are red unless asked otherwise
    assert props.draw("barn", 80, "blue").tobytes() == props.draw("barn", 80, "blue").tobytes()
    assert props.draw("bench", 1) is None


@pytest.mark.parametrize(("noun", "prop"), [
    ("bench", "bench"), ("park bench", "bench"), ("benches", "bench"), ("a red park bench", "bench"),
    ("fridge", "refrigerator"), ("hair dryer", "hair drier"), ("tv remote", "remote"), ("oven", "stove"),
    ("street light", "street lamp"), ("bookshelves", "bookshelf"), ("wooden fence", "fence"),
    ("mountain lake", "pond"), ("chest of drawers", "dresser"),
])
def test_nouns_and_phrases_find_their_prop(noun: str, prop: str) -> None:
    assert props._key(noun) == prop


def test_props_never_take_a_noun_clip_art_draws_by_its_whole_name() -> None:
    assert clipart.lookup("file cabinet") is not None
    assert not props.covers("file cabinet")  # OpenMoji's FILE CABINET, not a wardrobe
    for noun in ("cow", "chair", "bed", "zorblax", "park"):
        assert not props.covers(noun), noun


def test_the_art_chain_draws_coco_gaps_as_props_and_keeps_clip_art_elsewhere() -> None:
    for noun in ("parking meter", "bench", "microwave", "oven", "toaster", "sink", "refrigerator", "hair drier",
                 "fire hydrant", "baseball glove", "surfboard", "snowboard"):
        source = art.source_for(noun)
        assert source is not None and source.name == "props", noun
        assert art.draw(noun, 64, "green") is not None
    for noun in ("cow", "couch", "dining table", "toilet"):
        source = art.source_for(noun)
        assert source is not None and source.name == "clipart", noun
    names = [s.name for s in art.SOURCES]
    assert names.index("props") < names.index("clipart")
