"""Long-term memory: the embedder, the store (SQLite and PostgreSQL + pgvector, the same
tests on both) and the character book on top of it."""

from __future__ import annotations

import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from memory_services import database_url, postgres_url  # noqa: F401 - the fixture

from memory.characters import Character, CharacterBook, CharacterError, index_text, slugify, user_label
from memory.embeddings import Embedder, EmbedderError, default_embedder
from memory.store import MemoryStoreError, open_store

REPO = Path(__file__).resolve().parents[2]


# ---- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return default_embedder()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest) -> str | None:
    """None (the SQLite file in home) or a fresh PostgreSQL database for this test."""
    if request.param == "sqlite":
        return None
    import psycopg

    server = request.getfixturevalue("postgres_url")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(server, name)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def store(home: Path, store_url: str | None, embedder: Embedder):
    with open_store(home, store_url=store_url, embedder=embedder) as opened:
        yield opened


def image(path: Path, colour: str = "red", size: tuple[int, int] = (24, 16)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    picture = Image.new("RGB", size, colour)
    picture.putpixel((1, 1), (0, 0, 255))
    picture.save(path)
    return path


def huge_png(path: Path, width: int = 10_000, height: int = 5_000) -> Path:
    """A 70-byte PNG whose header claims 50 million pixels (over limner's 40M, under Pillow's
    own bomb limits, so it is load_image's check that refuses it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b""))
    return path


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


# A cast whose records share no word with the queries below.
CAST = {
    "Pip": ("A small fox who wears round glasses and reads books", {"species": "fox", "accessories": ["glasses"]}),
    "Grey": ("A grey wolf in a yellow raincoat and rubber boots", {"species": "wolf", "outfit": "raincoat"}),
    "Sir Roland": ("A knight in silver armour riding a white horse", {"species": "human", "outfit": "armour"}),
    "Nana Rose": ("An old woman baking bread and cakes, flour on her apron", {"species": "human"}),
    "Bolt": ("A robot with a red antenna and metal arms", {"species": "robot"}),
    "Ember": ("A dragon with green scales and big wings who breathes fire", {"species": "dragon"}),
    "Whiskers": ("A ginger cat asleep on a cushion", {"species": "cat"}),
    "Merlin": ("A wizard with a long beard, a pointed hat and a staff", {"species": "human"}),
}
# query → the character it must rank first (paraphrase, synonym, hypernym)
QUERIES = {
    "a canine in spectacles": "Pip",
    "an animal dressed for wet weather": "Grey",
    "a warrior on horseback": "Sir Roland",
    "somebody who makes pastries": "Nana Rose",
    "a mechanical automaton": "Bolt",
    "a flying reptile": "Ember",
    "a sleeping kitty": "Whiskers",
    "a sorcerer casting spells": "Merlin",
}
STOPWORDS = {"a", "an", "in", "on", "for", "who", "the", "and", "of"}


def enrol_cast(book: CharacterBook) -> None:
    for name, (description, attributes) in CAST.items():
        book.add(name, description, attributes=attributes)


# ---- embedder -------------------------------------------------------------------------------


def test_embedder_is_normalised_loaded_once_and_callable(embedder: Embedder) -> None:
    assert default_embedder() is embedder and embedder.dims == 384
    vectors = embedder(["a fox", "a wolf"])
    assert vectors == embedder.embed_documents(["a fox", "a wolf"]) and embedder.embed_documents([]) == []
    assert all(abs(sum(x * x for x in v) - 1.0) < 1e-4 for v in vectors)
    query = embedder.embed_query("a fox")
    assert len(query) == 384 and max(abs(a - b) for a, b in zip(query, vectors[0])) < 1e-5


def test_an_unloadable_model_is_a_remembered_embedder_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-model-here")
    for _ in range(2):
        with pytest.raises(EmbedderError, match="no-model-here"):
            default_embedder(missing)


# ---- store ----------------------------------------------------------------------------------


def test_open_store_refuses_unknown_schemes(home: Path, embedder: Embedder) -> None:
    for url in ("mysql://localhost/db", "sqlite:///tmp/x.db", "localhost:5432"):
        with pytest.raises(MemoryStoreError, match="unknown memory store URL scheme"):
            with open_store(home, store_url=url, embedder=embedder):
                pass
    assert not home.exists()


def test_open_store_fails_fast_when_postgres_is_unreachable(home: Path, embedder: Embedder, monkeypatch) -> None:
    import memory.store

    # Nothing listening: refused at once.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = time.perf_counter()
    with pytest.raises(MemoryStoreError, match="cannot reach the PostgreSQL memory store at postgresql://u:\\*\\*\\*@"):
        with open_store(home, store_url=f"postgresql://u:secret@127.0.0.1:{port}/db", embedder=embedder):
            pass
    assert time.perf_counter() - start < 2
    # A listener that never answers: given up after the connect timeout (2 s here, 5 s by default).
    monkeypatch.setattr(memory.store, "CONNECT_TIMEOUT_S", 2)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        start = time.perf_counter()
        with pytest.raises(MemoryStoreError, match="cannot reach"):
            with open_store(home, store_url=f"postgresql://u@127.0.0.1:{silent.getsockname()[1]}/db", embedder=embedder):
                pass
        assert time.perf_counter() - start < 4.5


class _ScriptedModel:
    """A stand-in sentence-transformers model: fixed-size vectors from a queue of values."""

    def __init__(self, dims: int) -> None:
        self.dims = dims

    def get_embedding_dimension(self) -> int:
        return self.dims

    def encode(self, texts, **_):
        return [[1.0] + [0.0] * (self.dims - 1) for _ in texts]


def test_a_store_refuses_another_embedder(home: Path, store_url: str | None, embedder: Embedder) -> None:
    with open_store(home, store_url=store_url, embedder=embedder) as store:
        CharacterBook(store, "alice", home).add("Pip", "a fox")
    other = Embedder(_ScriptedModel(8), name="tiny-test-model", threads=None)
    with pytest.raises(MemoryStoreError, match=r"indexed by sentence-transformers/all-MiniLM-L6-v2 \(384-d\)"):
        with open_store(home, store_url=store_url, embedder=other):
            pass
    with open_store(home, store_url=store_url, embedder=embedder) as store:
        assert [c.name for c in CharacterBook(store, "alice", home).list()] == ["Pip"]


WRITER = """
import sys
from pathlib import Path
from memory.characters import CharacterBook
from memory.store import open_store
home, url, picture = Path(sys.argv[1]), sys.argv[2] or None, sys.argv[3]
with open_store(home, store_url=url) as store:
    book = CharacterBook(store, "alice", home)
    book.add("Pip", "A small fox who wears round glasses", attributes={"colours": {"fur": "orange"}}, images=[picture])
    book.append_history("Pip", "run-1", "Pip at the seaside")
print("written")
"""


@pytest.mark.slow
def test_characters_persist_across_processes(home: Path, store_url: str | None, embedder: Embedder, tmp_path: Path) -> None:
    picture = image(tmp_path / "pip.png", "orange")
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(home), store_url or "", str(picture)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0 and "written" in done.stdout, done.stderr[-2000:]
    with open_store(home, store_url=store_url, embedder=embedder) as store:
        book = CharacterBook(store, "alice", home)
        pip = book.get("pip")
        assert pip.attributes.colours == {"fur": "orange"} and [h.run_id for h in pip.history] == ["run-1"]
        assert [c.name for c, _ in book.search("a canine in spectacles", k=1)] == ["Pip"]
        (reference,) = pip.reference_images
        assert reference.parent == home / "characters" / "alice" / "pip"
        assert not ImageChops.difference(Image.open(reference).convert("RGB"), Image.open(picture).convert("RGB")).getbbox()


# ---- semantic search ------------------------------------------------------------------------


def test_search_finds_characters_by_meaning_not_words(store, home: Path) -> None:
    book = CharacterBook(store, "alice", home)
    enrol_cast(book)
    words = lambda text: set(re.findall(r"[a-z]+", text.lower())) - STOPWORDS  # noqa: E731
    failures = []
    for query, expected in QUERIES.items():
        record = index_text(book.get(expected))
        assert not words(query) & words(record), f"{query!r} shares words with {expected}'s record"
        results = book.search(query, k=3)
        names = [c.name for c, _ in results]
        scores = [s for _, s in results]
        assert scores == sorted(scores, reverse=True) and len(results) == 3
        if names[0] != expected:
            failures.append(f"{query!r}: {names} (scores {[round(s, 3) for s in scores]})")
    assert not failures, failures
    # The canonical case: the fox with glasses before the wolf in a raincoat.
    names = [c.name for c, _ in book.search("a canine in spectacles", k=len(CAST))]
    assert names.index("Pip") < names.index("Grey")


def test_resolve_names_first_then_meaning(store, home: Path) -> None:
    book = CharacterBook(store, "alice", home)
    enrol_cast(book)
    book.add("Pip Squeak", "A tiny mouse with a bell")
    # Named (whole words, any case; the longer name wins), in order of mention.
    assert [c.name for c in book.resolve("MERLIN teaches pip squeak a trick", threshold=2)] == ["Merlin", "Pip Squeak"]
    assert [c.name for c in book.resolve("Pip's new hat", threshold=2)] == ["Pip"]
    assert book.resolve("Pipe organ and Merlins", threshold=2) == []
    assert [c.name for c in book.resolve("pip-squeak, Pip_Squeak, PIP SQUEAK", threshold=2)] == ["Pip Squeak"]
    # Then meaning, above the threshold.
    resolved = [c.name for c in book.resolve("Merlin meets a canine in spectacles", threshold=0.4)]
    assert resolved[:2] == ["Merlin", "Pip"]
    assert book.resolve("a spreadsheet of quarterly taxes", threshold=0.45) == []


# ---- user isolation -------------------------------------------------------------------------


def test_one_user_never_sees_another_users_characters(store, home: Path) -> None:
    alice, bob = CharacterBook(store, "alice", home), CharacterBook(store, "bob", home)
    alice.add("Pip", "A small fox who wears round glasses", images=[image(home.parent / "in" / "pip.png")])
    bob.add("Grey", "A grey wolf in a yellow raincoat")

    assert [c.name for c in alice.list()] == ["Pip"] and [c.name for c in bob.list()] == ["Grey"]
    assert [c.name for c, _ in bob.search("a canine in spectacles", k=5)] == ["Grey"]
    assert [c.name for c in bob.resolve("Pip and a fox with glasses", threshold=0.0)] == ["Grey"]
    with pytest.raises(CharacterError, match="no character named 'Pip'"):
        bob.get("Pip")
    with pytest.raises(CharacterError):
        bob.remove("Pip")
    with pytest.raises(CharacterError):
        bob.update("Pip", description="stolen")
    with pytest.raises(CharacterError):
        bob.append_history("Pip", "r", "p")
    # Bob's own Pip is another record, in another folder.
    bob.add("Pip", "A parrot")
    assert alice.get("Pip").description == "A small fox who wears round glasses"
    assert alice.get("Pip").reference_images[0].is_file()
    bob.remove("Pip")
    assert alice.get("Pip").reference_images[0].is_file() and [c.name for c in alice.list()] == ["Pip"]


def test_user_ids_with_separators_cannot_reach_each_other(store, home: Path, tmp_path: Path) -> None:
    ids = ["a", "a.characters", "a/../b", "a%2Echaracters", "langgraph", "ünï code"]
    assert len({user_label(i) for i in ids}) == len(ids)
    assert all("." not in user_label(i) and "/" not in user_label(i) for i in ids)
    picture = image(tmp_path / "pip.png")
    for number, user in enumerate(ids):
        CharacterBook(store, user, home).add("Pip", f"version {number}", images=[picture])
    for number, user in enumerate(ids):
        book = CharacterBook(store, user, home)
        assert [(c.name, c.description) for c in book.list()] == [("Pip", f"version {number}")]
        assert [c.description for c, _ in book.search("Pip", k=10)] == [f"version {number}"]
    assert sorted(p.name for p in (home / "characters").iterdir()) == sorted(user_label(i) for i in ids)
    with pytest.raises(CharacterError, match="user_id"):
        CharacterBook(store, "", home)


# ---- bad input ------------------------------------------------------------------------------


def test_bad_input_is_refused_and_nothing_changes(store, home: Path, tmp_path: Path) -> None:
    alice, bob = CharacterBook(store, "alice", home), CharacterBook(store, "bob", home)
    alice.add("Pip", "A small fox", images=[image(tmp_path / "pip.png")])
    alice.add("Rex", "A dog")
    bob.add("Grey", "A wolf")
    before = ([c.model_dump() for c in alice.list()], files_under(home))
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("this is not a picture")
    cases = {
        "unknown": lambda: alice.get("Nobody"),
        "unknown update": lambda: alice.update("Nobody", description="x"),
        "unknown remove": lambda: alice.remove("Nobody"),
        "another user's": lambda: alice.get("Grey"),
        "duplicate": lambda: alice.add("PIP", "another fox"),
        "duplicate slug": lambda: alice.add(" pip ", "x"),
        "huge description": lambda: alice.add("Big", "x" * 2001),
        "bad name characters": lambda: alice.add("Pip/../../etc", "x"),
        "empty name": lambda: alice.add("  ", "x"),
        "long name": lambda: alice.add("n" * 65, "x"),
        "unknown attribute": lambda: alice.add("Typo", "x", attributes={"colour": "red"}),
        "long attribute": lambda: alice.add("Long", "x", attributes={"accessories": ["y" * 301]}),
        "not an image": lambda: alice.add("Fake", "x", images=[tmp_path / "pip.png", not_an_image]),
        "missing image": lambda: alice.add("Gone", "x", images=[tmp_path / "nowhere.png"]),
        "huge image": lambda: alice.add("Bomb", "x", images=[huge_png(tmp_path / "bomb.png")]),
        "update with a bad image": lambda: alice.update("Pip", images=[not_an_image]),
        "update unknown field": lambda: alice.update("Pip", colour="red"),
        "rename onto a taken name": lambda: alice.update("Pip", name="REX"),
    }
    for label, call in cases.items():
        with pytest.raises(CharacterError):
            call()
        assert ([c.model_dump() for c in alice.list()], files_under(home)) == before, label
    assert [c.name for c in bob.list()] == ["Grey"]


def test_names_are_checked_and_matched_case_insensitively(store, home: Path) -> None:
    book = CharacterBook(store, "alice", home)
    made = book.add("  Mr   O'Brien-Fox_2 ", "An Irish fox")
    assert made.name == "Mr O'Brien-Fox_2" and made.key == slugify("mr obrien fox 2") == "mr-obrien-fox-2"
    assert book.get("MR O'BRIEN FOX_2").name == made.name
    assert book.add("Zoë", "a girl").key == "zoë" and book.get("ZOË").name == "Zoë"
    assert book.add("n" * 64, "long").name == "n" * 64


# ---- update, history, remove ----------------------------------------------------------------


def test_update_rename_history_and_remove(store, home: Path, tmp_path: Path) -> None:
    book = CharacterBook(store, "alice", home)
    book.add("Pip", "A small fox who wears round glasses", attributes={"hair": "short"}, images=[image(tmp_path / "a.png", "red")])
    book.add("Grey", "A grey wolf in a yellow raincoat")

    updated = book.update("Pip", description="A fox in a spacesuit", attributes={"colours": {"suit": "white"}})
    assert updated.attributes.hair == "short" and updated.attributes.colours == {"suit": "white"}
    assert book.search("an astronaut", k=1)[0][0].name == "Pip"

    # History does not re-index, and the record stays searchable (both backends).
    for run in range(3):
        book.append_history("pip", f"run-{run}", f"prompt {run}")
    pip = book.get("Pip")
    assert [h.run_id for h in pip.history] == ["run-0", "run-1", "run-2"] and pip.updated == updated.updated
    assert book.search("an astronaut", k=1)[0][0].name == "Pip"

    pip = book.update("Pip", add_images=[image(tmp_path / "b.png", "blue")])
    assert [p.name for p in pip.reference_images] == ["ref-01.png", "ref-02.png"]
    renamed = book.update("Pip", name="Captain Pip")
    assert [p.parent.name for p in renamed.reference_images] == ["captain-pip", "captain-pip"]
    assert all(p.is_file() for p in renamed.reference_images) and not (book.folder / "pip").exists()
    assert [h.run_id for h in renamed.history] == ["run-0", "run-1", "run-2"]
    with pytest.raises(CharacterError, match="taken"):
        book.update("Captain Pip", name="grey")
    assert [c.name for c in book.list()] == ["Captain Pip", "Grey"]
    assert book.search("an astronaut", k=1)[0][0].name == "Captain Pip"

    replaced = book.update("captain pip", images=[image(tmp_path / "c.png", "green")])
    assert len(replaced.reference_images) == 1
    assert Image.open(replaced.reference_images[0]).getpixel((5, 5)) == (0, 128, 0)

    removed = book.remove("CAPTAIN PIP")
    assert removed.name == "Captain Pip" and not (book.folder / "captain-pip").exists()
    assert [c.name for c in book.list()] == ["Grey"]
    assert [c.name for c, _ in book.search("an astronaut", k=5)] == ["Grey"]


# ---- export / import ------------------------------------------------------------------------


@pytest.mark.parametrize("archive", ["export.zip", "export-folder"])
def test_export_import_round_trip_with_images(store, home: Path, tmp_path: Path, archive: str) -> None:
    alice, bob = CharacterBook(store, "alice", home), CharacterBook(store, "bob", home)
    alice.add(
        "Pip", "A small fox who wears round glasses",
        attributes={"species": "fox", "colours": {"fur": "orange"}, "palette": ["orange", "cream"]},
        images=[image(tmp_path / "a.png", "orange"), image(tmp_path / "b.png", "white", (8, 30))],
    )
    alice.append_history("Pip", "run-7", "Pip at the beach")
    alice.add("Grey", "A grey wolf in a yellow raincoat")

    exported = alice.export(tmp_path / archive)
    with pytest.raises(CharacterError, match="already exists"):
        alice.export(exported)
    imported = bob.import_(exported)
    assert sorted(c.name for c in imported) == ["Grey", "Pip"]

    for theirs, ours in zip(alice.list(), bob.list()):
        assert theirs.model_dump(exclude={"reference_images"}) == ours.model_dump(exclude={"reference_images"})
        assert len(theirs.reference_images) == len(ours.reference_images)
        for a, b in zip(theirs.reference_images, ours.reference_images):
            assert b.parent == home / "characters" / "bob" / ours.key
            assert not ImageChops.difference(Image.open(a).convert("RGB"), Image.open(b).convert("RGB")).getbbox()
    assert [c.name for c, _ in bob.search("a canine in spectacles", k=1)] == ["Pip"]

    # Again: refused without overwrite (nothing changes), replaced with it.
    bob.update("Pip", description="changed")
    with pytest.raises(CharacterError, match="overwrite"):
        bob.import_(exported)
    assert bob.get("Pip").description == "changed"
    bob.import_(exported, overwrite=True)
    assert bob.get("Pip").description == "A small fox who wears round glasses"
    assert len(bob.get("Pip").reference_images) == 2


def test_import_refuses_unsafe_or_broken_exports(store, home: Path, tmp_path: Path) -> None:
    book = CharacterBook(store, "alice", home)
    book.add("Keep", "already here")
    before = ([c.model_dump() for c in book.list()], files_under(home))
    manifest = '{"format": "limner-characters", "version": 1, "characters": [%s]}'
    bad = {
        "slip.zip": {"characters.json": manifest % '{"name": "A", "reference_images": ["../a.png"]}', "../a.png": b"x"},
        "absolute.zip": {"characters.json": manifest % '{"name": "A", "reference_images": ["/etc/passwd"]}'},
        "not-image.zip": {"characters.json": manifest % '{"name": "A", "reference_images": ["images/a/x.png"]}', "images/a/x.png": b"nope"},
        "twice.zip": {"characters.json": manifest % '{"name": "A"}, {"name": "a"}'},
        "bad-name.zip": {"characters.json": manifest % '{"name": "A/B"}'},
        "not-ours.zip": {"characters.json": '{"characters": []}'},
        "no-manifest.zip": {"x.txt": b"x"},
    }
    for name, members in bad.items():
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as archive:
            for member, data in members.items():
                archive.writestr(member, data)
        with pytest.raises(CharacterError):
            book.import_(path)
        assert ([c.model_dump() for c in book.list()], files_under(home)) == before, name
    (tmp_path / "garbage.zip").write_bytes(b"PK not really")
    with pytest.raises(CharacterError, match="zip"):
        book.import_(tmp_path / "garbage.zip")


def test_a_book_can_be_used_from_several_threads(store, home: Path) -> None:
    book = CharacterBook(store, "alice", home)
    errors: list[BaseException] = []

    def enrol(number: int) -> None:
        try:
            book.add(f"Twin {number}", f"twin number {number}")
            book.search("twin", k=2)
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=enrol, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(book.list()) == 6


def test_bulk_put_and_character_records(store, home: Path) -> None:
    book = CharacterBook(store, "alice", home)
    now = "2026-01-01T00:00:00+00:00"
    book.bulk_put([Character(name=f"Clone {n}", description=f"clone {n}", created=now, updated=now) for n in range(30)], batch=7)
    assert len(book.list()) == 30 and book.get("clone 29").created == now
