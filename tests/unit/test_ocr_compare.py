"""The ocr critic without an OCR engine: normalisation, line assembly, CER, checks, repairs.

Engines are replaced by a scripted fake that returns fixed readings, so these tests pin
the comparison logic and run in milliseconds.
"""

from __future__ import annotations

import random

import pytest
from PIL import Image

from tools.critics import ocr, ocr_engines
from tools.critics.ocr import (
    OcrUnavailable,
    Reading,
    UnknownOcrEngineError,
    assemble,
    best_window,
    char_error_rate,
    check_texts,
    group_lines,
    match_text,
    merge_fragments,
    normalise,
    suggest_repairs,
)
from fake_ocr import ScriptedEngine
from tools.scene import Box, CheckResult, TextElement

IMAGE = Image.new("RGB", (400, 200), "white")


# ------------------------------------------------------------------------ normalise


def test_normalise_folds_full_width_case_and_whitespace():
    assert normalise("ＧＲＡＮＤ　ＯＰＥＮＩＮＧ！") == "grandopening!"
    assert normalise("Grand Opening!") == "grandopening!"
    assert normalise(" fresh\tbread \n daily ") == "freshbreaddaily"


def test_normalise_full_width_punctuation_matches_ascii():
    assert normalise("Hello，World：Yes？") == normalise("Hello, World: Yes?")


def test_normalise_folds_typographic_quotes_and_dashes():
    assert normalise("It’s 9–5") == normalise("It's 9-5")


def test_normalise_keeps_accents_and_letters_distinct():
    assert normalise("Café") != normalise("Cafe")
    assert normalise("BREAD") != normalise("BRED")


# ------------------------------------------------------------------------------ CER


def test_cer_exact_is_zero():
    assert char_error_rate("Grand Opening", "GRANDOPENING") == 0.0


def test_cer_counts_one_missing_letter():
    # "freshbreaddaily" has 15 characters; one is missing.
    assert char_error_rate("FRESH BREAD DAILY", "FRESH BRED DAILY") == pytest.approx(1 / 15)


def test_cer_uses_the_best_window_not_the_whole_reading():
    assert char_error_rate("OPEN", "we are OPEN all night") == 0.0
    assert char_error_rate("OPEN", "we are OPFN all night") == pytest.approx(0.25)


def test_cer_of_unrelated_text_is_high():
    assert char_error_rate("GRAND OPENING", "") == 1.0
    assert char_error_rate("GRAND OPENING", "xyz") > 0.7


def test_best_window_locates_the_substring():
    distance, start, end = best_window("bread", "freshbreddaily")
    assert distance == 1
    assert "freshbreddaily"[start:end] == "bred"


# ------------------------------------------------------------------- line assembly


def test_overlapping_fragments_merge_keeping_the_seam_once():
    # rapidocr's split of "The Glass Orchard": the "s" under the overlap is read twice.
    merged = merge_fragments([
        Reading("s Orchard", (188, 21, 380, 60), 0.9),
        Reading("The Glass", (10, 20, 200, 60), 0.95),
    ])
    assert [r.text for r in merged] == ["The Glass Orchard"]
    assert merged[0].box == (10, 20, 380, 60)
    assert merged[0].confidence == 0.9


def test_duplicate_fragments_collapse_to_the_longer_text():
    merged = merge_fragments([
        Reading("OPEN", (10, 10, 110, 50)),
        Reading("OPEN 24H", (8, 11, 180, 49)),
    ])
    assert [r.text for r in merged] == ["OPEN 24H"]


def test_separate_words_are_not_merged_even_when_letters_repeat():
    # "SALE" ends and "EVERYTHING" starts with E, but the boxes do not overlap.
    readings = [Reading("SALE", (10, 10, 110, 50)), Reading("EVERYTHING", (130, 10, 400, 50))]
    assert merge_fragments(readings) == readings
    # Boxes that only touch by a pixel are two words too.
    touching = [Reading("SALE", (10, 10, 110, 50)), Reading("EVERYTHING", (109, 10, 379, 50))]
    assert merge_fragments(touching) == touching


def test_fragments_on_different_lines_are_not_merged():
    readings = [Reading("GRAND", (10, 10, 120, 50)), Reading("DAY", (100, 70, 170, 110))]
    assert merge_fragments(readings) == readings


def test_words_are_ordered_left_to_right_and_lines_top_to_bottom():
    words = [
        Reading("BREAD", (120, 12, 220, 50)),
        Reading("DAILY", (100, 70, 200, 110)),
        Reading("FRESH", (10, 10, 110, 48)),
        Reading("BAKED", (10, 72, 95, 108)),
    ]
    for seed in range(5):
        random.Random(seed).shuffle(words)
        assert [line.text for line in group_lines(words)] == ["FRESH BREAD", "BAKED DAILY"]


def test_two_wrapped_signs_side_by_side_stay_contiguous():
    lines = assemble([
        Reading("SALE", (400, 12, 500, 50)),
        Reading("GRAND", (40, 10, 180, 50)),
        Reading("TODAY", (390, 70, 510, 110)),
        Reading("OPENING", (20, 70, 200, 110)),
    ])
    assert [line.text for line in lines] == ["GRAND", "OPENING", "SALE", "TODAY"]


# -------------------------------------------------------------------------- matching


def test_text_wrapped_over_two_lines_matches():
    lines = assemble([Reading("DAILY", (60, 70, 160, 110)), Reading("FRESH BREAD", (10, 10, 220, 50))])
    match = match_text("Fresh bread daily", lines)
    assert match.exact and match.score == 1.0
    assert match.found == "FRESH BREAD DAILY"
    assert match.box == [10, 10, 220, 110]


def test_match_reports_only_the_fragments_it_covers():
    lines = assemble([Reading("WELCOME", (10, 10, 200, 50)), Reading("OPEN", (10, 70, 100, 110))])
    match = match_text("open", lines)
    assert match.exact
    assert match.found == "OPEN"
    assert match.box == [10, 70, 100, 110]


# ----------------------------------------------------------------------- check_texts


def test_no_planned_text_is_one_skipped_check():
    engine = ScriptedEngine([Reading("HELLO", (0, 0, 10, 10))])
    (check,) = check_texts(IMAGE, [], engine=engine)
    assert check.name == "ocr" and check.status == "skipped"
    assert check.reason == "no text planned"
    assert engine.calls == 0


def test_pass_and_fail_from_one_read_of_the_image():
    engine = ScriptedEngine([
        Reading("GRANDOPENING", (20, 20, 380, 60)),
        Reading("FRESH BRED DAILY", (20, 120, 380, 160)),
    ])
    texts = [TextElement(text="Grand Opening"), TextElement(text="FRESH BREAD DAILY")]
    grand, bread = check_texts(IMAGE, texts, engine=engine)
    assert engine.calls == 1

    assert grand.status == "pass" and grand.score == 1.0
    assert grand.expected == "Grand Opening" and grand.found == "GRANDOPENING"
    assert grand.box == [20, 20, 380, 60]

    assert bread.status == "fail"
    assert bread.score == pytest.approx(1 - 1 / 15)
    assert bread.expected == "FRESH BREAD DAILY" and bread.found == "FRESH BRED DAILY"
    assert bread.box == [20, 120, 380, 160]
    assert bread.reason == "read 'FRESH BRED DAILY' (CER 0.07)"


def test_missing_text_fails_at_the_planned_box_with_the_whole_reading():
    engine = ScriptedEngine([Reading("SOMETHING ELSE", (0, 0, 100, 20))])
    planned = TextElement(text="OPEN", box=Box(x0=0.5, y0=0.5, x1=1.0, y1=1.0))
    (check,) = check_texts(IMAGE, [planned], engine=engine)
    assert check.status == "fail"
    assert check.found == "SOMETHING ELSE"
    assert check.box == [200, 100, 400, 200]
    assert check.reason.startswith("text not found")


def test_nothing_read_fails_with_score_zero_and_no_box_when_unplanned():
    (check,) = check_texts(IMAGE, [TextElement(text="OPEN")], engine=ScriptedEngine([]))
    assert check.status == "fail" and check.score == 0.0
    assert check.found is None and check.box is None
    assert check.reason == "no text read in the image"


def test_unavailable_engine_skips_every_text_with_the_reason(monkeypatch):
    def broken() -> ScriptedEngine:
        raise OcrUnavailable("weights missing; pip install something")

    monkeypatch.setitem(ocr_engines._FACTORIES, "broken", broken)
    ocr_engines.clear_engine_cache()
    checks = check_texts(IMAGE, [TextElement(text="A"), TextElement(text="B")], engine="broken")
    assert [c.status for c in checks] == ["skipped", "skipped"]
    assert all(c.score is None for c in checks)
    assert all("weights missing" in c.reason for c in checks)
    ocr_engines.clear_engine_cache()


def test_engine_failures_are_remembered(monkeypatch):
    attempts = []

    def broken() -> ScriptedEngine:
        attempts.append(1)
        raise OcrUnavailable("no")

    monkeypatch.setitem(ocr_engines._FACTORIES, "broken", broken)
    ocr_engines.clear_engine_cache()
    for _ in range(3):
        with pytest.raises(OcrUnavailable):
            ocr.get_engine("broken")
    assert len(attempts) == 1
    ocr_engines.clear_engine_cache()


def test_unknown_engine_name_raises_with_the_choices():
    with pytest.raises(UnknownOcrEngineError, match="easyocr.*rapidocr"):
        check_texts(IMAGE, [TextElement(text="A")], engine="tesseract")


def test_built_in_engines_are_registered():
    assert {"rapidocr", "easyocr"} <= set(ocr.engine_names())


# -------------------------------------------------------------------------- repairs


def _failed(expected: str, box: list[int] | None) -> CheckResult:
    return CheckResult(name="ocr", status="fail", score=0.5, expected=expected, box=box)


def test_failed_check_suggests_retypeset_into_the_planned_box():
    texts = [TextElement(text="OPEN", box=Box(x0=0.1, y0=0.2, x1=0.6, y1=0.4))]
    (action,) = suggest_repairs([_failed("OPEN", [1, 2, 3, 4])], texts, image_size=(400, 200))
    assert action.kind == "retypeset" and action.check == "ocr"
    assert action.target == "OPEN"
    assert action.box == [40, 40, 240, 80]


def test_repair_falls_back_to_the_found_box():
    (action,) = suggest_repairs([_failed("OPEN", [1, 2, 3, 4])], [TextElement(text="OPEN")])
    assert action.box == [1, 2, 3, 4]


def test_only_failed_ocr_checks_get_repairs():
    checks = [
        CheckResult(name="ocr", status="pass", score=1.0, expected="A"),
        CheckResult(name="ocr", status="skipped", expected="B"),
        CheckResult(name="color", status="fail", score=0.1),
        _failed("C", None),
    ]
    actions = suggest_repairs(checks, [TextElement(text=t) for t in "ABC"])
    assert [a.target for a in actions] == ["C"]


def test_repeated_texts_keep_their_own_planned_boxes():
    texts = [
        TextElement(text="EXIT", box=Box(x0=0.0, y0=0.0, x1=0.5, y1=0.5)),
        TextElement(text="EXIT", box=Box(x0=0.5, y0=0.5, x1=1.0, y1=1.0)),
    ]
    actions = suggest_repairs([_failed("EXIT", None), _failed("EXIT", None)], texts, image_size=(100, 100))
    assert [a.box for a in actions] == [[0, 0, 50, 50], [50, 50, 100, 100]]
