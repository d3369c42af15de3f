"""Search notes in the shots: a shot that names a looked-up thing carries a short quoted note of
what the web says about it, with where it says it: ``(reference: "…" — example.org)``.

The note is data, never instructions: cleaned and length-capped by ``tools.search``,
JSON-quoted so that nothing inside it can end its quotation, and attributed. It goes into the
shot's ``long_prompt`` whole, and into ``prompt`` only as far as CLIP's 77-token budget allows
(shortened with "…", or not at all). Hard constraints (texts, objects, counts) never change.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from agent.planning.clip_budget import fits
from agent.planning.vocab import STOP
from tools.scene import ScenePlan
from tools.search import Note, clean_text

REFERENCE_CHARS = 140
"""Longest quote a shot carries from one note: its first sentences up to this many characters."""
MIN_QUOTE_WORDS = 4
"""A quote shortened to fit the CLIP prompt keeps at least this many words, or is left out."""
_GENERIC = re.compile(r"(?:\s+(?:appearance|look|looks|design|photos?|images?|pictures?))+$", re.I)


def subject_of(query: str) -> str:
    """What a query is about: "2026 Tesla Cybertruck appearance" → "2026 Tesla Cybertruck"."""
    return _GENERIC.sub("", " ".join(query.split())) or query


def mentions(text: str, subject: str) -> bool:
    """Does ``text`` name the subject? The longest run of its words found decides: two or more
    words (not starting or ending on a function word), or one capitalised name, case kept."""
    words = subject.split()
    for size in range(len(words), 0, -1):
        for start in range(len(words) - size + 1):
            run = words[start:start + size]
            if size == 1:
                word = run[0]
                if word[:1].isupper() and len(word) > 2 and word.lower() not in STOP \
                        and re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text):
                    return True
            elif run[0].lower() not in STOP and run[-1].lower() not in STOP \
                    and re.search(rf"(?<![\w-]){re.escape(' '.join(run))}(?![\w-])", text, re.I):
                return True
    return False


def source_name(url: str) -> str:
    """The site a note came from, as a reader names it: "https://www.example.org/x" → "example.org"."""
    host = (urlsplit(url).hostname or url).lower()
    return host[4:] if host.startswith("www.") else host


def _quote(snippet: str) -> str:
    """The note's first sentences, up to ``REFERENCE_CHARS``."""
    sentences = re.split(r"(?<=[.!?])\s+", snippet)
    quote = sentences[0]
    for sentence in sentences[1:]:
        if len(quote) + 1 + len(sentence) > REFERENCE_CHARS:
            break
        quote = f"{quote} {sentence}"
    return clean_text(quote, REFERENCE_CHARS)


def reference_text(note: Note) -> str:
    """The note as a shot carries it in full: ``(reference: "…" — site)``."""
    return _reference(_quote(note.snippet), note.url)


def _reference(quote: str, url: str) -> str:
    return f"(reference: {json.dumps(quote, ensure_ascii=False)} — {source_name(url)})"


def _fitted(prompt: str, notes: list[Note]) -> tuple[str, int, bool]:
    """``prompt`` with as many of the references as fit CLIP's budget, each quote shortened
    alike, word by word (never below ``MIN_QUOTE_WORDS``): (the prompt, how many references it
    carries, whether their quotes were shortened). A reference that cannot fit is left out."""
    quotes = [_quote(note.snippet).split() for note in notes]
    for count in range(len(notes), 0, -1):
        longest = max(len(words) for words in quotes[:count])
        for size in range(longest, MIN_QUOTE_WORDS - 1, -1):
            parts = [_reference(" ".join(words[:size]) + ("…" if size < len(words) else ""), note.url)
                     for words, note in zip(quotes[:count], notes)]
            candidate = ", ".join([prompt, *parts])
            if fits(candidate):
                return candidate, count, size < longest
    return prompt, 0, False


def _best_note(notes: list[Note], subject: str) -> Note | None:
    """The query's first note that names the subject (a page about it), else its first note."""
    return next((n for n in notes if mentions(f"{n.title} {n.snippet}", subject)), notes[0] if notes else None)


def with_references(plan: ScenePlan, queries: list[str], notes: list[Note]) -> tuple[ScenePlan, list[str]]:
    """``plan`` with one reference per looked-up thing in every shot that names it, and one log
    line per shot and reference. Running it again adds nothing."""
    chosen = []
    for query in dict.fromkeys(queries):
        subject = subject_of(query)
        note = _best_note([n for n in notes if n.query == query], subject)
        if note is not None:
            chosen.append((subject, note))
    shots, log = [], []
    for shot in plan.shots:
        long_form = shot.long_prompt or shot.prompt
        said = f"{shot.beat or ''} {long_form}"
        adding = [(subject, note) for subject, note in chosen
                  if mentions(said, subject) and reference_text(note) not in long_form]
        if not adding:
            shots.append(shot)
            continue
        long_form = ", ".join([long_form, *[reference_text(note) for _, note in adding]])
        # A prompt already cut to the budget has no room; a whole one takes what fits.
        prompt, carried, shortened = (shot.prompt, 0, False) if shot.long_prompt is not None \
            else _fitted(shot.prompt, [note for _, note in adding])
        for number, (subject, note) in enumerate(adding):
            where = "long_prompt only (no room in the 77-token prompt)" if number >= carried \
                else "prompt" + (" (shortened)" if shortened else "") + " and long_prompt"
            log.append(f"shot {shot.index + 1}: reference on {subject} from {source_name(note.url)} in {where}")
        shots.append(shot.model_copy(update={"prompt": prompt, "long_prompt": None if long_form == prompt else long_form}))
    return plan.model_copy(update={"shots": shots}), log


def sources(plan: ScenePlan | None, notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every page search found (url, title, query) and the shots that quote it (0-based)."""
    shots = plan.shots if plan is not None else []
    out = []
    for row in notes:
        note = Note(**{k: str(row.get(k, "")) for k in ("title", "snippet", "url", "query")})
        quoted = reference_text(note)
        out.append({"url": note.url, "title": note.title, "query": note.query,
                    "shots": [s.index for s in shots if quoted in (s.long_prompt or s.prompt)]})
    return out
