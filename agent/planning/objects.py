"""Objects in a request: noun phrases with their count, bound colour and spatial relation.

Read token by token rather than with one big regex, so that a colour binds to the noun
right after it ("a red car and a blue bench"), a compound stays one thing ("a teddy
bear"), and the words between two objects can be read as a relation ("a laptop left of
a cow" puts the relation on the laptop, the subject).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.planning.vocab import (
    COLOURS,
    COMPOUND_NOUNS,
    IMAGE_NOUNS,
    INVARIANT_NOUNS,
    IRREGULAR_PLURALS,
    LIGHT_WORDS,
    NOT_OBJECTS,
    NUMBER_WORDS,
    OBJECT_NOUNS,
    RELATION_FILLER,
    RELATION_PHRASES,
    STOP,
)
from tools.scene import Relation, SceneObject

_TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*|[^\sa-z0-9]")
_COLOURS = set(COLOURS)
_LIGHT = set(LIGHT_WORDS)
_SIZE_ADJECTIVES = set("small big large tiny little huge giant old young cute fluffy wooden shiny happy".split())
_MULTI_NUMBERS = sorted((tuple(k.split()) for k in NUMBER_WORDS), key=len, reverse=True)


def singular(word: str) -> str:
    """The singular of a noun or compound ("teddy bears" → "teddy bear", "people" → "person")."""
    head, _, last = word.rpartition(" ")
    prefix = f"{head} " if head else ""
    if last in IRREGULAR_PLURALS:
        return prefix + IRREGULAR_PLURALS[last]
    if last in INVARIANT_NOUNS:
        return word
    if len(last) > 4 and last.endswith("ies"):
        return prefix + last[:-3] + "y"
    if len(last) > 3 and re.search(r"(ches|shes|sses|xes|zzes|oes)$", last):
        return prefix + last[:-2]
    if len(last) > 2 and last.endswith("s") and not last.endswith(("ss", "us", "is")):
        return prefix + last[:-1]
    return word


@dataclass
class _Phrase:
    """An object and the token span it came from (end exclusive)."""

    obj: SceneObject
    start: int
    end: int
    definite: bool = False
    """Introduced by "the": an object only when something relates to it."""


def _number_at(words: list[str], i: int) -> tuple[int | None, int]:
    """The count that starts at ``words[i]`` and the index after it."""
    if words[i].isascii() and words[i].isdigit():
        return int(words[i]) if len(words[i]) <= 3 else None, i + 1
    for key in _MULTI_NUMBERS:
        if tuple(words[i : i + len(key)]) == key:
            return NUMBER_WORDS[" ".join(key)], i + len(key)
    return None, i


def _is_word(token: str) -> bool:
    return token[:1].isalnum()


def _drawable(name: str) -> bool:
    if name in OBJECT_NOUNS or name in COMPOUND_NOUNS or name.rpartition(" ")[2] in OBJECT_NOUNS:
        return True
    try:
        from tools.clipart import lookup
    except ImportError:  # the renderer's clip-art index is optional for planning
        return True
    return lookup(name) is not None


def _head(words: list[str], j: int) -> tuple[str, int]:
    """The noun at ``words[j]``, joined with the next words when they form a compound."""
    for length in (3, 2):
        if j + length <= len(words):
            name = singular(" ".join(words[j : j + length]))
            if name in COMPOUND_NOUNS:
                return name, j + length
    return singular(words[j]), j + 1


def _phrase_at(words: list[str], i: int) -> _Phrase | None:
    """The object phrase starting at token ``i``, or None when none starts there."""
    n = len(words)
    count, j = _number_at(words, i)
    definite = count is None and words[i] == "the"
    if definite:
        j = i + 1
    while j < n and words[j] in _SIZE_ADJECTIVES:
        j += 1
    colour = None
    if j + 1 < n and words[j] in _COLOURS and _is_word(words[j + 1]) and words[j + 1] not in STOP:
        colour, j = words[j], j + 1
    if j >= n or not _is_word(words[j]) or (count is None and colour is None and not definite):
        return None
    word = words[j]
    if word in STOP or word in NUMBER_WORDS or word in IMAGE_NOUNS or word.isdigit():
        return None
    if word in _COLOURS and colour is None and count is None:
        return None
    name, end = _head(words, j)
    if name in NOT_OBJECTS or word in NOT_OBJECTS or name in _LIGHT:
        return None
    if colour is None and (count is None or words[i] in ("a", "an", "one")) and not _drawable(name):
        # "a cow" is an object; "a calm day" is not.
        return None
    if count is not None and not 1 <= count <= 20:
        return None
    obj = SceneObject(name=name, count=count or 1, color=colour)
    return _Phrase(obj=obj, start=i, end=end, definite=definite)


def _relation(gap: list[str]) -> str | None:
    """The relation type the words between two objects state, if they state one."""
    words = [w for w in gap if w not in RELATION_FILLER and w != ","]
    return RELATION_PHRASES.get(" ".join(words)) if words else None


def extract_objects(text: str) -> list[SceneObject]:
    """Counted, coloured or related nouns of ``text`` (lower case, quotes and negatives blanked)."""
    words = _TOKEN.findall(text.lower())
    phrases: list[_Phrase] = []
    i = 0
    while i < len(words):
        phrase = _phrase_at(words, i)
        if phrase is None:
            i += 1
            continue
        phrases.append(phrase)
        i = phrase.end
    related: set[int] = set()
    for k in range(len(phrases) - 1):
        subject, target = phrases[k], phrases[k + 1]
        kind = _relation(words[subject.end : target.start])
        if kind and not subject.definite and subject.obj.relation is None:
            subject.obj.relation = Relation(type=kind, target=target.obj.name)  # type: ignore[arg-type]
            related.add(k + 1)
    objects: dict[tuple[str, str | None], SceneObject] = {}
    for k, phrase in enumerate(phrases):
        if phrase.definite and k not in related:
            continue
        objects.setdefault((phrase.obj.name, phrase.obj.color), phrase.obj)
    return list(objects.values())
