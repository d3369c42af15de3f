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
    GAP_WORDS,
    PHRASE_END,
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
    VERB_WORDS,
    WORN,
)
from tools.scene import Relation, SceneObject
from tools.scenery import names_setting

_TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*|[^\sa-z0-9]")
_COLOURS = set(COLOURS)
_LIGHT = set(LIGHT_WORDS)
MAX_PHRASE_WORDS = 4
_MULTI_NUMBERS = sorted((tuple(k.split()) for k in NUMBER_WORDS), key=len, reverse=True)


_OES_PLAIN = {"shoes", "toes", "canoes", "hoes", "oboes", "horseshoes", "tiptoes", "snowshoes"}


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
    if last in _OES_PLAIN:  # shoes, toes, canoes: only the -s goes
        return prefix + last[:-1]
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
    weak: bool = False
    """A bare unknown noun ("a windowsill"): an object only when it takes part in a relation."""


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


def drawable(name: str) -> bool:
    """Is ``name`` a thing the renderer can draw (a known noun or a clip-art entry)?"""
    if name in OBJECT_NOUNS or name in COMPOUND_NOUNS or name.rpartition(" ")[2] in OBJECT_NOUNS:
        return True
    try:
        from tools.clipart import lookup  # lazy: the clip-art index loads the renderer only when a noun is unknown
        from tools.props import covers as a_prop  # lazy: as above (drawn props: bench, microwave, barn…)
        from tools.roles import is_person  # lazy: as above (people and roles: chef, knight…)
    except ImportError:  # the renderer's clip-art index is optional for planning
        return True
    return lookup(name) is not None or a_prop(name) or is_person(name)


def _verb_like(word: str) -> bool:
    """A participle or verb that ends a noun phrase: "a robot holding…", "a car parked…"."""
    if "-" in word or word in OBJECT_NOUNS:
        return False  # "hand-painted", "sun-lit" are adjectives; "ring" and "bed" are things
    return (
        word in VERB_WORDS
        or (len(word) > 5 and word.endswith("ing"))
        or (len(word) > 3 and word.endswith("ed"))
        or (len(word) > 6 and word.endswith("ly"))
    )


def _looks_plural(word: str) -> bool:
    return singular(word) != word and word not in INVARIANT_NOUNS


def _chunk(words: list[str], j: int, single: bool) -> list[str]:
    """The words of the noun phrase from ``words[j]``: modifiers and the head, at most four.

    It stops at a function word, a number, punctuation or a verb; after a singular article a
    plural-looking word is a verb too ("a kid finds a seed").
    """
    chunk: list[str] = []
    k = j
    while k < len(words) and len(chunk) < MAX_PHRASE_WORDS:
        word = words[k]
        if not _is_word(word) or word in STOP or word in PHRASE_END or word in RELATION_FILLER \
                or word in NUMBER_WORDS or word.isdigit():
            break
        starts_compound = any(singular(" ".join(words[k : k + m])) in COMPOUND_NOUNS for m in (2, 3))
        if chunk and not starts_compound and (_verb_like(word) or (single and _looks_plural(word))):
            break
        chunk.append(word)
        k += 1
    return chunk


def _name(chunk: list[str]) -> str:
    """The thing a chunk names: a known compound at its end ("teddy bears"), else its last word."""
    for length in (3, 2):
        if len(chunk) >= length:
            name = singular(" ".join(chunk[-length:]))
            if name in COMPOUND_NOUNS:
                return name
    return singular(chunk[-1])


def _phrase_at(words: list[str], i: int) -> _Phrase | None:
    """The object phrase starting at token ``i``, or None when none starts there."""
    count, j = _number_at(words, i)
    definite = count is None and words[i] == "the"
    if definite:
        j = i + 1
    if count is None and not definite:
        return _bare_plural(words, i)
    if count is not None and not 1 <= count <= 20:
        return None
    chunk = _chunk(words, j, single=count == 1)
    if len(chunk) == 1 and chunk[0] in _COLOURS and not drawable(chunk[0]):
        return None  # "a red and white umbrella": a colour alone is not a thing ("an orange" is)
    if not chunk:
        return None
    colour = next((w for w in chunk[:-1] if w in _COLOURS), None)
    name = _name(chunk)
    if colour is not None and name.startswith(colour + " "):
        colour = None  # "golden retriever", "black widow": the colour word is part of the name
    if (name in NOT_OBJECTS and not (colour and name == "circle")) or name in _LIGHT or name in IMAGE_NOUNS:
        # ("in a circle" is a layout; "a yellow circle" is a shape to draw)
        return None
    # A bare "a X" is surely a thing when X is known to be one ("a cow"); otherwise ("a
    # windowsill", "a calm") only when a relation ties it to another object.
    weak = colour is None and count == 1 and words[i] in ("a", "an", "one") and len(chunk) == 1 and not drawable(name)
    obj = SceneObject(name=name, count=count or 1, color=colour)
    return _Phrase(obj=obj, start=i, end=j + len(chunk), definite=definite, weak=weak)


#: A bare coloured plural ("red flowers in a vase") is a few of them: drawn as this many.
SOME = 3
_BEFORE_BARE = {",", "and", "with", "of", "some", "many", "few", "several", "plus"}


def _bare_plural(words: list[str], i: int) -> _Phrase | None:
    """A coloured plural with no count ("red flowers in a blue vase", "… with yellow tulips"),
    at the start or after "and", "with", a comma: ``SOME`` of them in that colour."""
    if words[i] not in _COLOURS or (i > 0 and words[i - 1] not in _BEFORE_BARE):
        return None
    chunk = _chunk(words, i, single=False)
    if len(chunk) < 2 or not _looks_plural(chunk[-1]):
        return None
    name = _name(chunk)
    if name in NOT_OBJECTS or name in _LIGHT or name in IMAGE_NOUNS or not drawable(name):
        return None
    obj = SceneObject(name=name, count=SOME, color=chunk[0])
    return _Phrase(obj=obj, start=i, end=i + len(chunk), definite=False, weak=False)


def _relation(gap: list[str]) -> str | None:
    """The relation type the words between two objects state, if they state one.

    The relation phrase closes the gap; what comes before it may only be verbs and adverbs
    ("napping together on", "hovering above", "standing to the right of").
    """
    words = [w for w in gap if w != ","]
    for cut in range(len(words)):
        kind = RELATION_PHRASES.get(" ".join(w for w in words[cut:] if w not in RELATION_FILLER))
        if kind and all(_gap_filler(w) for w in words[:cut]):
            return kind
    return None


#: Worlds that are ground under a scene when something stands "on" them.
_GROUNDS = {"moon", "mars", "lunar surface"}
#: Weather, light and air: what something is "in" or "under" without it being an object.
_AMBIENT = set("rain snow fog mist storm sun sunshine sunlight shade dark darkness wind moonlight sky air water "
               "light shadow shadows breeze clouds".split())


#: Buildings and rooms: someone "in a hospital" is inside the place, not drawn in its doorway.
_BUILDINGS = set("hospital house home school church castle museum library office station airport restaurant cafe "
                 "café shop store hotel tower palace temple mall stadium theater theatre cinema bakery factory garage "
                 "room bedroom kitchen classroom hall gym studio lab laboratory warehouse prison jail bank".split())


def _not_a_thing(kind: str, target: str) -> bool:
    """Is the target of this relation a place or clothing rather than an object? The place
    is the backdrop and what is worn is a look, so neither takes part in the layout."""
    return names_setting(target) or (kind == "on" and target in _GROUNDS) or (
        kind in ("in", "under") and target in _AMBIENT) or (kind == "in" and target.split()[-1] in WORN | _BUILDINGS)


def _gap_filler(word: str) -> bool:
    return word in RELATION_FILLER or word in GAP_WORDS or _verb_like(word) or word.endswith("ly") or (
        word.endswith("s") and word not in STOP and word not in OBJECT_NOUNS and singular(word) != word
    )


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
        if kind and _not_a_thing(kind, target.obj.name):
            continue  # "a dog in the park", "a horse on the moon", "a man in a red coat"
        if kind and not subject.definite and subject.obj.relation is None:
            subject.obj.relation = Relation(type=kind, target=target.obj.name)  # type: ignore[arg-type]
            related.add(k + 1)
            # "a black cat and a white dog napping on a rug": both lie on the rug.
            if k > 0 and [w for w in words[phrases[k - 1].end : subject.start] if w != ","] == ["and"]:
                before = phrases[k - 1].obj
                if before.relation is None and not phrases[k - 1].definite:
                    before.relation = Relation(type=kind, target=target.obj.name)  # type: ignore[arg-type]
    objects: dict[tuple[str, str | None], SceneObject] = {}
    for k, phrase in enumerate(phrases):
        if phrase.definite and k not in related:
            continue
        if phrase.weak and k not in related and phrase.obj.relation is None:
            continue
        if phrase.definite and any(name == phrase.obj.name for name, _ in objects):
            continue  # "a stone well … next to the well": the one already named
        objects.setdefault((phrase.obj.name, phrase.obj.color), phrase.obj)
    return list(objects.values())
