"""The ``ocr`` critic: is every planned text in the image, spelled exactly?

The image is read once; the fragments the engine returns are assembled into lines by
geometry (engines split, duplicate and misorder fragments), and each planned text is
compared with the reading after normalisation (NFKC, case-folding, no whitespace), so a
check fails on spelling, never on an engine's spacing or full-width punctuation. A
failure carries the character error rate, what was read and where, and
:func:`suggest_repairs` turns it into a re-typeset action.
"""

from __future__ import annotations

import re
import unicodedata
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

Box4 = tuple[int, int, int, int]

# --------------------------------------------------------------------------- normalise

# Typographic variants NFKC keeps apart but that no reader of an image can tell apart
# (and that engines emit at random): curly quotes, primes, dashes.
_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
})
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The form texts are compared in: NFKC, case-folded, typographic quotes and dashes
    folded to ASCII, all whitespace removed.

    NFKC maps full-width punctuation to ASCII ("，" → ","); removing whitespace makes
    "GRANDOPENING" (rapidocr drops spaces between capitals) equal "Grand Opening".
    """
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
    return _SPACE.sub("", folded)


# --------------------------------------------------------------------- line assembly


@dataclass(frozen=True)
class Line:
    """Fragments on one text line, left to right."""

    readings: tuple[Reading, ...]

    @property
    def text(self) -> str:
        return " ".join(r.text for r in self.readings)

    @property
    def box(self) -> Box4:
        return _union(r.box for r in self.readings)


def _union(boxes) -> Box4:
    boxes = list(boxes)
    return (
        min(b[0] for b in boxes), min(b[1] for b in boxes),
        max(b[2] for b in boxes), max(b[3] for b in boxes),
    )


def _vertical_overlap(a: Box4, b: Box4) -> float:
    """Shared height as a fraction of the shorter box: 1.0 for boxes on the same line."""
    shared = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, shared) / max(1, min(a[3] - a[1], b[3] - b[1]))


def _same_line(a: Box4, b: Box4) -> bool:
    return _vertical_overlap(a, b) >= 0.5


def _seam_length(left: str, right: str, expected_chars: float) -> int:
    """How many characters at the end of ``left`` are repeated at the start of ``right``.

    Several lengths can match ("ss" / "s…"); the one closest to what the box overlap
    predicts wins, and lengths far beyond that prediction are coincidences.
    """
    limit = min(len(left), len(right), max(1, round(expected_chars) + 2))
    candidates = [
        k for k in range(1, limit + 1) if left[-k:].casefold() == right[:k].casefold()
    ]
    if not candidates:
        return 0
    return min(candidates, key=lambda k: (abs(k - expected_chars), -k))


def _merge_pair(a: Reading, b: Reading) -> Reading | None:
    """One reading for two fragments of the same text, or None if they are distinct."""
    if not _same_line(a.box, b.box):
        return None
    left, right = (a, b) if (a.box[0], a.box[2]) <= (b.box[0], b.box[2]) else (b, a)
    overlap = min(left.box[2], right.box[2]) - right.box[0]
    if overlap <= 0:
        return None
    box = _union([a.box, b.box])
    confidence = min(a.confidence, b.confidence)
    # 1. Duplicates: one box mostly inside the other and one text inside the other.
    narrow = min(a.width, b.width)
    na, nb = normalise(a.text), normalise(b.text)
    if overlap >= 0.6 * max(1, narrow) and (na in nb or nb in na):
        keep = a if len(na) >= len(nb) else b
        return Reading(text=keep.text, box=box, confidence=confidence)
    # 2. Overlapping fragments of one line: keep the repeated seam once.
    char_width = (left.width + right.width) / max(1, len(left.text) + len(right.text))
    expected_chars = overlap / max(1.0, char_width)
    if expected_chars < 0.25:
        return None  # boxes that merely touch: two words, not one split word
    k = _seam_length(left.text, right.text, expected_chars)
    if k == 0:
        return None
    return Reading(text=left.text + right.text[k:], box=box, confidence=confidence)


def merge_fragments(readings: Sequence[Reading]) -> list[Reading]:
    """Merge duplicated and overlapping fragments of the same line into single readings.

    rapidocr can split "The Glass Orchard" into "The Glass" and "s Orchard" with
    overlapping boxes; merged, that is "The Glass Orchard" again. Fragments that do not
    overlap horizontally are left alone (they are separate words or separate texts).
    """
    pending = list(readings)
    merged = True
    while merged:
        merged = False
        for i in range(len(pending)):
            for j in range(i + 1, len(pending)):
                combined = _merge_pair(pending[i], pending[j])
                if combined is not None:
                    pending[i] = combined
                    del pending[j]
                    merged = True
                    break
            if merged:
                break
    return pending


def group_lines(readings: Sequence[Reading]) -> list[Line]:
    """Lines in reading order: words left to right, lines top to bottom within a block.

    A fragment joins a line when it overlaps it vertically and is not far to its side
    (a large gap means another column). Lines that sit under each other and overlap
    horizontally form a block, so a two-line sign stays contiguous even beside another
    sign at the same height; blocks are ordered top to bottom, then left to right.
    """
    lines: list[list[Reading]] = []
    for r in sorted(readings, key=lambda r: ((r.box[1] + r.box[3]) / 2, r.box[0])):
        for line in lines:
            span = _union(x.box for x in line)
            height = max(r.height, span[3] - span[1])
            gap = max(r.box[0] - span[2], span[0] - r.box[2])
            if _same_line(r.box, span) and gap <= 2.0 * height:
                line.append(r)
                break
        else:
            lines.append([r])
    built = [Line(tuple(sorted(line, key=lambda r: r.box[0]))) for line in lines]

    blocks: list[list[Line]] = []
    for line in sorted(built, key=lambda l: (l.box[1], l.box[0])):
        best, best_shared = None, 0
        for block in blocks:
            last = block[-1].box
            shared = min(last[2], line.box[2]) - max(last[0], line.box[0])
            height = max(last[3] - last[1], line.box[3] - line.box[1])
            gap = line.box[1] - last[3]  # negative when the lines' boxes touch or overlap
            if shared > best_shared and -0.5 * height <= gap <= 1.0 * height:
                best, best_shared = block, shared
        if best is None:
            blocks.append([line])
        else:
            best.append(line)
    blocks.sort(key=lambda b: (b[0].box[1], b[0].box[0]))
    return [line for block in blocks for line in block]


def assemble(readings: Sequence[Reading]) -> list[Line]:
    """Engine fragments → lines in reading order (merge fragments, then group)."""
    return group_lines(merge_fragments(readings))


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
        return list(_union(r.box for r in self.readings)) if self.readings else None


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


def check_texts(
    image: Image.Image, texts: Sequence[TextElement], engine: str | OcrEngine = DEFAULT_ENGINE
) -> list[CheckResult]:
    """One ``ocr`` check per planned text: pass only when it is read exactly.

    ``engine`` is a registered name (see :func:`engine_names`) or an engine object. The
    image is read once for all texts. Without planned texts the result is a single
    skipped check; when the engine cannot load or fails, every text is skipped with the
    reason (a critic never invents a score). An unknown engine name raises
    :class:`UnknownOcrEngineError`, because that is a configuration mistake to fix.
    """
    if not texts:
        return [CheckResult(name=CHECK_NAME, status="skipped", reason="no text planned")]

    def skipped(reason: str) -> list[CheckResult]:
        return [
            CheckResult(name=CHECK_NAME, status="skipped", expected=t.text, reason=reason)
            for t in texts
        ]

    # 1. Read the image once.
    label = engine if isinstance(engine, str) else engine.name
    try:
        reader = get_engine(engine) if isinstance(engine, str) else engine
        readings = reader.read(image)
    except OcrError as exc:
        return skipped(f"ocr engine {label!r} could not run: {exc}")
    # 2. Assemble fragments into lines in reading order.
    lines = assemble(readings)
    # 3. Compare every planned text with the same reading.
    results = []
    for element in texts:
        if not normalise(element.text):
            results.append(CheckResult(
                name=CHECK_NAME, status="skipped", expected=element.text,
                reason="planned text has no visible characters",
            ))
            continue
        results.append(_result(element, match_text(element.text, lines), image.size))
    return results


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
