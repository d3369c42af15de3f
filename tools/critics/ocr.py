"""The ``ocr`` critic: is every planned text in the image, spelled exactly, where planned?

Each planned text is looked for where it was planned first (its box, read at the region's
own pixels), and in the whole image only when the region does not hold it. The fragments
the engine returns are assembled into lines by geometry (engines split, duplicate and
misorder fragments), and each planned text is compared with the reading after
normalisation (NFKC, case-folding, no whitespace), so a check fails on spelling, never on
an engine's spacing or full-width punctuation. A failure carries the character error rate,
what was read and where (also for a text spelled right but drawn outside its planned box),
and :func:`suggest_repairs` turns it into a re-typeset action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from PIL import Image

from tools.critics.ocr_engines import (
    OcrEngine,
    OcrError,
    OcrUnavailable,
    Reading,
    UnknownOcrEngineError,
    engine_names,
    get_engine,
)
from tools.critics.ocr_lines import Line, assemble, group_lines, merge_fragments, normalise, union_box
from tools.critics.ocr_regions import placed, placement_window, read_windows, shifted, within
from tools.scene import CheckResult, RepairAction, TextElement

__all__ = [
    "DEFAULT_ENGINE",
    "Line",
    "OcrEngine",
    "OcrError",
    "OcrUnavailable",
    "Reading",
    "TextMatch",
    "UnknownOcrEngineError",
    "assemble",
    "best_window",
    "char_error_rate",
    "check_texts",
    "engine_names",
    "get_engine",
    "group_lines",
    "match_text",
    "merge_fragments",
    "normalise",
    "suggest_repairs",
]

CHECK_NAME = "ocr"
DEFAULT_ENGINE = "rapidocr"
LOCATE_MAX_CER = 0.4
"""Above this CER the best window is a coincidence, not a misspelling of the text."""


# -------------------------------------------------------------------------- compare


def best_window(pattern: str, text: str) -> tuple[int, int, int]:
    """Edit distance from ``pattern`` to its best-matching substring of ``text``.

    Returns ``(distance, start, end)`` with ``text[start:end]`` the window. Free start and
    end in the text (Sellers' algorithm), so the text around the match costs nothing.
    """
    if pattern in text:
        start = text.index(pattern)
        return 0, start, start + len(pattern)
    n = len(text)
    prev = [0] * (n + 1)
    prev_start = list(range(n + 1))
    for i in range(1, len(pattern) + 1):
        cur = [i] + [0] * n
        cur_start = [0] * (n + 1)
        char = pattern[i - 1]
        for j in range(1, n + 1):
            best, start = prev[j - 1] + (char != text[j - 1]), prev_start[j - 1]
            if prev[j] + 1 < best:
                best, start = prev[j] + 1, prev_start[j]
            if cur[j - 1] + 1 < best:
                best, start = cur[j - 1] + 1, cur_start[j - 1]
            cur[j], cur_start[j] = best, start
        prev, prev_start = cur, cur_start
    end = min(range(n + 1), key=lambda j: (prev[j], j))
    return prev[end], prev_start[end], end


def char_error_rate(expected: str, read: str) -> float:
    """CER of ``expected`` against the best-matching window of ``read``, both normalised.

    0.0 means the text appears exactly; 1.0 (or more) means nothing like it was read.
    """
    pattern = normalise(expected)
    if not pattern:
        return 0.0
    distance, _, _ = best_window(pattern, normalise(read))
    return distance / len(pattern)


@dataclass(frozen=True)
class TextMatch:
    """How one expected text compares with the assembled reading of an image."""

    expected: str
    exact: bool
    cer: float
    readings: tuple[Reading, ...]
    """The fragments the best window covers; empty when nothing like the text was read."""
    found: str | None
    """Raw text of those fragments, or the whole raw reading when nothing matched."""

    @property
    def score(self) -> float:
        return min(1.0, max(0.0, 1.0 - self.cer))

    @property
    def box(self) -> list[int] | None:
        return list(union_box(r.box for r in self.readings)) if self.readings else None


def match_text(expected: str, lines: Sequence[Line]) -> TextMatch:
    """Compare one expected text with lines in reading order.

    The lines are joined into one normalised string, so the text matches inside a line
    or across consecutive lines (a sign wrapped over two lines). Each normalised
    character remembers its fragment, so the match maps back to raw text and boxes.
    """
    pattern = normalise(expected)
    fragments = [r for line in lines for r in line.readings]
    text, owner = [], []
    for index, reading in enumerate(fragments):
        piece = normalise(reading.text)
        text.append(piece)
        owner.extend([index] * len(piece))
    joined = "".join(text)
    whole = " ".join(line.text for line in lines) or None
    if not joined:
        return TextMatch(expected, exact=False, cer=1.0, readings=(), found=whole)
    distance, start, end = best_window(pattern, joined)
    cer = distance / max(1, len(pattern))
    if cer > LOCATE_MAX_CER or end <= start:
        return TextMatch(expected, exact=False, cer=cer, readings=(), found=whole)
    used = sorted(set(owner[start:end]))
    covered = tuple(fragments[i] for i in used)
    found = " ".join(r.text for r in covered)
    return TextMatch(expected, exact=distance == 0, cer=cer, readings=covered, found=found)


# ---------------------------------------------------------------------------- check


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _planned_pixels(element: TextElement, size: tuple[int, int] | None) -> list[int] | None:
    if element.box is None or size is None:
        return None
    return list(element.box.to_pixels(*size))


def _result(element: TextElement, match: TextMatch, size: tuple[int, int]) -> CheckResult:
    if match.exact:
        return CheckResult(
            name=CHECK_NAME, status="pass", score=1.0, expected=element.text,
            found=match.found, box=match.box, reason=f"read {_short(match.found or '')!r} (exact match)",
        )
    if match.found is None:
        reason = "no text read in the image"
    elif match.readings:
        reason = f"read {_short(match.found)!r} (CER {match.cer:.2f})"
    else:
        reason = f"text not found; read {_short(match.found)!r} (best CER {match.cer:.2f})"
    return CheckResult(
        name=CHECK_NAME, status="fail", score=match.score, expected=element.text,
        found=match.found, box=match.box or _planned_pixels(element, size), reason=reason,
    )


def _misplaced(element: TextElement, match: TextMatch, size: tuple[int, int]) -> CheckResult:
    """Spelled right, but read outside the planned box: a failure that says where it was read."""
    planned = _planned_pixels(element, size)
    return CheckResult(
        name=CHECK_NAME, status="fail", score=0.0, expected=element.text, found=match.found, box=match.box,
        reason=f"read {_short(match.found or '')!r} at {match.box}, outside its planned box {planned}",
    )


def _judge_in_whole_image(
    element: TextElement, readings: Sequence[Reading], lines: Sequence[Line], size: tuple[int, int]
) -> CheckResult:
    """The verdict on one planned text from the reading of the whole image."""
    match = match_text(element.text, lines)
    if not match.exact or placed(match.box, element, size):
        return _result(element, match, size)
    # Read exactly, but first elsewhere: a second copy may still sit where it was planned.
    window = placement_window(element, size)
    if window is not None:
        inner = match_text(element.text, assemble(within(readings, window)))
        if inner.exact:
            return _result(element, inner, size)
    return _misplaced(element, match, size)


def check_texts(
    image: Image.Image, texts: Sequence[TextElement], engine: str | OcrEngine = DEFAULT_ENGINE
) -> list[CheckResult]:
    """One ``ocr`` check per planned text: pass only when it is read exactly, where planned.

    ``engine`` is a registered name (see :func:`engine_names`) or an engine object.

    1. Planned regions first: a text with a planned box is looked for in its read window
       (:mod:`tools.critics.ocr_regions`), read at the region's own pixels; texts whose
       windows touch are read together. Read there exactly, it passes.
    2. What the regions did not hold, and every text without a planned box, is looked for
       in the whole image, read once for all of them. Read exactly inside its placement
       window (or anywhere, when unplanned), it passes; read exactly elsewhere, it fails as
       misplaced, with the box where it was read; otherwise it fails with what was read.

    A failure is therefore always judged on the reading of the whole image. Without planned texts the result is a single skipped check; when
    the engine cannot load or fails, every text is skipped with the reason (a critic never
    invents a score). An unknown engine name raises :class:`UnknownOcrEngineError`,
    because that is a configuration mistake to fix.
    """
    if not texts:
        return [CheckResult(name=CHECK_NAME, status="skipped", reason="no text planned")]

    def skipped(reason: str) -> list[CheckResult]:
        return [
            CheckResult(name=CHECK_NAME, status="skipped", expected=t.text, reason=reason)
            for t in texts
        ]

    label = engine if isinstance(engine, str) else engine.name
    results: dict[int, CheckResult] = {}
    visible = []
    for index, element in enumerate(texts):
        if normalise(element.text):
            visible.append(index)
        else:
            results[index] = CheckResult(
                name=CHECK_NAME, status="skipped", expected=element.text,
                reason="planned text has no visible characters",
            )
    try:
        reader = get_engine(engine) if isinstance(engine, str) else engine
        # 1. The planned regions, each read at its own pixels.
        for window in read_windows(texts, image.size, only=visible):
            readings = shifted(reader.read(image.crop(window.box)), window.box[:2])
            lines = assemble(readings)
            for index in window.texts:
                match = match_text(texts[index].text, lines)
                if match.exact and placed(match.box, texts[index], image.size):
                    results[index] = _result(texts[index], match, image.size)
        # 2. The whole image, read once, for what the regions did not hold.
        rest = [index for index in visible if index not in results]
        if rest:
            readings = reader.read(image)
            lines = assemble(readings)
            for index in rest:
                results[index] = _judge_in_whole_image(texts[index], readings, lines, image.size)
    except OcrError as exc:
        return skipped(f"ocr engine {label!r} could not run: {exc}")
    return [results[index] for index in range(len(texts))]


def suggest_repairs(
    checks: Sequence[CheckResult],
    texts: Sequence[TextElement],
    image_size: tuple[int, int] | None = None,
) -> list[RepairAction]:
    """A ``retypeset`` action for every failed ``ocr`` check.

    The action targets the planned box (converted with ``image_size``, which the planned
    boxes need because they are normalised), else the box where the misspelling was read.
    Planned texts are paired with checks by their text, in order, so repeated identical
    texts keep their own boxes.
    """
    unused = list(texts)
    actions = []
    for check in checks:
        if check.name != CHECK_NAME or check.status != "fail":
            continue
        element = next((t for t in unused if t.text == check.expected), None)
        if element is not None:
            unused.remove(element)
        planned = _planned_pixels(element, image_size) if element is not None else None
        actions.append(RepairAction(
            kind="retypeset", check=CHECK_NAME, target=check.expected, box=planned or check.box,
        ))
    return actions
