"""OpenMoji clip-art: noun lookup, tight rendering, recolouring, attribution."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from PIL import Image

from tools import clipart


def _name(noun: str, face: bool = False) -> str | None:
    char = clipart.lookup(noun, face=face)
    return unicodedata.name(char) if char else None


@pytest.mark.parametrize(
    ("noun", "expected"),
    [
        ("balloon", "BALLOON"), ("balloons", "BALLOON"), ("Balloons", "BALLOON"), ("cow", "COW"),
        ("bicycle", "BICYCLE"), ("puppy", "DOG"), ("kitten", "CAT"), ("car", "AUTOMOBILE"),
        ("tree", "DECIDUOUS TREE"), ("house", "HOUSE BUILDING"), ("bakery", "BREAD"),
        ("baguette", "BAGUETTE BREAD"), ("cherries", "CHERRIES"), ("loaf of bread", "BREAD"),
        ("a red car", "AUTOMOBILE"), ("hot air balloon", "BALLOON"), ("fox", "FOX FACE"),
        ("truck", "DELIVERY TRUCK"), ("mice", "MOUSE"),
    ],
)
def test_lookup_maps_nouns_to_emoji(noun: str, expected: str) -> None:
    assert _name(noun) == expected


def test_lookup_prefers_faces_for_characters_and_rejects_unknown_words() -> None:
    assert _name("cow", face=True) == "COW FACE"
    assert _name("puppy", face=True) == "DOG FACE"
    assert _name("robot", face=True) == "ROBOT FACE"
    assert clipart.lookup("zorblax") is None
    assert clipart.lookup("") is None


def test_index_covers_the_openmoji_set() -> None:
    assert len(clipart._index()) > 1000


def test_draw_is_rgba_tight_and_sized() -> None:
    art = clipart.draw("cow", 120)
    assert art is not None and art.mode == "RGBA"
    assert max(art.size) in (119, 120, 121)
    assert art.getchannel("A").getbbox() == (0, 0, *art.size)  # tight crop
    assert clipart.draw("zorblax", 120) is None


def _hue_fractions(art: Image.Image) -> dict[str, float]:
    arr = np.asarray(art.convert("RGBA")).astype(int)
    rgb, alpha = arr[..., :3], arr[..., 3] > 128
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    n = max(1, alpha.sum())
    return {
        "blue": float(((b > r + 60) & (b > g + 30) & alpha).sum() / n),
        "brown": float(((r > b + 40) & (r > g) & alpha).sum() / n),
        "saturated": float(((rgb.max(-1) - rgb.min(-1) > 60) & alpha).sum() / n),
        "mean": float(rgb[alpha].mean()),
    }


def test_recolour_makes_a_blue_cow_blue_and_keeps_the_outline() -> None:
    natural, blue = _hue_fractions(clipart.draw("cow", 160)), _hue_fractions(clipart.draw("cow", 160, "blue"))
    assert natural["blue"] < 0.01 and natural["brown"] > 0.15
    assert blue["blue"] > 0.15 and blue["brown"] < 0.02
    dark = np.asarray(clipart.draw("cow", 160, "blue"))[..., :3].max(-1) < 40
    assert dark.mean() > 0.1  # black outline survives


def test_recolour_handles_neutral_targets_and_neutral_art() -> None:
    white, black = _hue_fractions(clipart.draw("cow", 160, "white")), _hue_fractions(clipart.draw("cow", 160, "black"))
    assert white["saturated"] < 0.02 and white["mean"] > black["mean"] + 60
    robot = _hue_fractions(clipart.draw("robot", 160, "blue"))  # grey art: its greys are repainted
    assert robot["blue"] > 0.2
    assert clipart.draw("cow", 160, "notacolour") is not None  # unknown colour: natural colours


def test_attribution_and_usage_marks() -> None:
    assert "OpenMoji" in clipart.ATTRIBUTION and "CC BY-SA 4.0" in clipart.ATTRIBUTION
    assert clipart.uses_openmoji(clipart.draw("cow", 64))
    assert not clipart.uses_openmoji(Image.new("RGB", (8, 8)))
    assert clipart.credits(True) == [clipart.ATTRIBUTION] and clipart.credits(False) == []


# --- the full index: CLDR names of ZWJ sequences, OpenMoji extras, compounds, disk cache ---

COCO_ONCE_MISSING = ["bench", "backpack", "tie", "suitcase", "frisbee", "skis", "snowboard", "surfboard",
                     "tennis racket", "fork", "couch", "dining table", "remote", "microwave", "oven",
                     "toaster", "sink", "refrigerator", "vase", "scissors", "parking meter"]
# OpenMoji has no drawing for these (no Unicode emoji, none among its extras).
NO_ART = {"bench", "remote", "microwave", "oven", "toaster", "sink", "refrigerator", "parking meter"}


@pytest.mark.parametrize("noun", [n for n in COCO_ONCE_MISSING if n not in NO_ART])
def test_coco_classes_that_once_missed_now_resolve(noun: str) -> None:
    assert clipart.lookup(noun) is not None


@pytest.mark.parametrize("noun", sorted(NO_ART))
def test_nouns_without_art_still_return_none(noun: str) -> None:
    assert clipart.lookup(noun) is None  # a wrong drawing is worse than an honest labelled box


def test_zwj_sequences_resolve_and_draw_as_one_glyph() -> None:
    astronaut = clipart.lookup("astronaut")
    assert astronaut == "\U0001f9d1\u200d\U0001f680"  # ADULT ZWJ ROCKET, the gender-neutral form
    assert clipart.lookup("chef") == "\U0001f9d1\u200d\U0001f373"
    art, adult = clipart.draw("astronaut", 120), clipart.draw("adult", 120)
    assert art is not None and clipart.uses_openmoji(art)
    assert art.width < 1.3 * art.height  # one figure, not ADULT and ROCKET side by side
    assert np.abs(np.asarray(art.resize((64, 64))).astype(int) - np.asarray(adult.resize((64, 64))).astype(int)).mean() > 5


def test_extras_and_compounds_resolve() -> None:
    assert clipart.lookup("lighthouse") == "\ue212"  # an OpenMoji extra
    assert clipart.draw("lighthouse", 80) is not None
    assert _name("fork") == "FORK AND KNIFE" and _name("couches") == "COUCH AND LAMP"
    # a qualifier never draws the whole scene; people doing things match only whole
    for word in ("night", "right", "running", "straw"):
        assert clipart.lookup(word) is None, word


def test_index_is_cached_on_disk_and_reused(tmp_path, monkeypatch) -> None:
    from tools import clipart_index

    monkeypatch.setenv("LIMNER_HOME", str(tmp_path))
    path = clipart_index.cache_path()
    assert path.parent == tmp_path / "cache" and "openmoji-" in path.name
    first = clipart_index.load()
    assert path.is_file() and first["astronaut"][0] == clipart.lookup("astronaut")

    def no_rebuild(*_: object) -> dict:
        raise AssertionError("the index was rebuilt instead of read from the cache")

    monkeypatch.setattr(clipart_index, "build", no_rebuild)
    assert clipart_index.load() == first
    path.write_text("{not json", encoding="utf-8")  # a damaged cache is rebuilt, not an error
    monkeypatch.undo()
    monkeypatch.setenv("LIMNER_HOME", str(tmp_path))
    assert clipart_index.load() == first


def test_index_build_is_deterministic() -> None:
    from tools import clipart_index

    assert clipart_index.build() == clipart_index.build()


# --- OpenMoji's metadata: annotations of the extras, newer emoji, compounds -----------------

def test_extras_are_named_by_openmojis_own_annotations() -> None:
    from tools import clipart_index

    meta = clipart_index.metadata()
    assert meta["E001"].annotation == "donkey" and meta["E001"].kind == "animals-nature"
    assert clipart.lookup("narwhal") == "\ue006" and clipart.lookup("wheelbarrow") == "\ue344"
    # Extras once named by hand from the wrong code point: the annotation now decides.
    assert clipart.lookup("espresso machine") == "\ue150" and clipart.lookup("french press") == "\ue151"
    assert clipart.lookup("dining table") == "\ue200"  # a set table (E1CB, once "dining table", is a cable)
    assert clipart.lookup("space shuttle") == "\ue20b"
    assert clipart.lookup("qr code") == "\ue1d8" and clipart.lookup("coffee shop") != "\ue1d8"
    # Logos, UI icons and real people are not things to draw.
    for noun in ("github", "hamburger menu", "trump", "download"):
        assert clipart.lookup(noun) is None, noun


def test_emoji_newer_than_pythons_unicode_tables_are_indexed() -> None:
    assert clipart.lookup("goose") == "\U0001fabf" and clipart.lookup("jellyfish") == "\U0001fabc"


def test_a_compound_falls_back_to_its_head_not_its_first_word() -> None:
    for noun in ("park bench", "fire hydrant", "bar stool"):  # once NATIONAL PARK, FIRE, CHOCOLATE BAR
        assert clipart.lookup(noun) is None, noun
    assert _name("pizza slice") == "SLICE OF PIZZA" and _name("wooden chair") == "CHAIR"
    assert clipart.lookup("ice shelf") == "\ue2c6" and clipart.lookup("shelf") is None  # annotations match whole


def test_metadata_is_imported_from_openmojis_json(tmp_path) -> None:
    from tools import clipart_index

    rows = [{"hexcode": "E001", "group": "extras-openmoji", "subgroups": "animals-nature", "annotation": "donkey",
             "tags": "", "openmoji_tags": "mule, ass", "skintone": ""},
            {"hexcode": "1F44B-1F3FB", "group": "people-body", "subgroups": "hand-fingers-open",
             "annotation": "waving hand: light skin tone", "tags": "hand", "openmoji_tags": "", "skintone": 1}]
    source = tmp_path / "openmoji.json"
    source.write_text(__import__("json").dumps(rows), encoding="utf-8")
    out = clipart_index.import_metadata(source, "0.0.1", tmp_path)
    lines = [line for line in out.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert lines == ["hexcode\tgroup\tsubgroup\tannotation\ttags\topenmoji_tags",
                     "E001\textras-openmoji\tanimals-nature\tdonkey\t\tmule, ass"]  # skin tones left out
    shipped = clipart_index.metadata_path()
    assert shipped is not None and shipped.name == "openmoji-17.0.0.tsv"
