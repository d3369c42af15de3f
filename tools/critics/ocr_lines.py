"""Reading assembly for the OCR critic: normalisation and fragments → ordered lines.

Pure functions on ``Reading`` lists (no engine needed): engines split, duplicate and
misorder fragments, so lines are rebuilt from geometry before any comparison.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

from tools.critics.ocr_engines import Reading

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
        return union_box(r.box for r in self.readings)


def union_box(boxes) -> Box4:
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
    box = union_box([a.box, b.box])
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
            span = union_box(x.box for x in line)
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
