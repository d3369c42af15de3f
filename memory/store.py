"""The long-term memory store: a LangGraph ``BaseStore`` with a vector index over each
record's ``"text"`` field.

- Default: a SQLite file ``<home>/memory.sqlite`` (``SqliteStore`` + the sqlite-vec
  extension). This Python's stdlib ``sqlite3`` cannot load extensions, so the connection
  comes from ``pysqlite3`` (PyPI ``pysqlite3-binary``).
- ``store_url="postgresql://…"``: PostgreSQL with pgvector (``PostgresStore``).

Either way the store records which embedder indexed it; opening it with another one (other
model or other size) is refused, since its vectors would not be comparable.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from langgraph.store.base import BaseStore

from memory import STORE_FILE
from memory.embeddings import Embedder, default_embedder

"""The SQLite file under LIMNER_HOME when no store URL is given."""
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT_S = 5
"""Longest wait for a PostgreSQL server to answer before giving up."""
SETUP_LOCK_ID = 0x6C6D656D  # "lmem": the advisory lock that serialises the store's migrations
INDEX_NAMESPACE = ("limner", "store")
"""Where the store keeps the record of the embedder that indexed it (not a user namespace)."""


class MemoryStoreError(RuntimeError):
    """The memory store cannot be opened: unknown URL scheme, server unreachable, missing
    extension, or an index built by another embedder."""


def index_config(embedder: Embedder) -> dict[str, Any]:
    """LangGraph's index configuration: embed the ``"text"`` field of each record."""
    # SqliteStore (langgraph-checkpoint-sqlite 3.1) reads "text_fields" and ignores "fields"
    # (it would embed the whole JSON record); PostgresStore reads "fields". Give both.
    return {"dims": embedder.dims, "embed": embedder, "fields": ["text"], "text_fields": ["text"]}


@contextmanager
def open_store(
    home: Path, *, store_url: str | None = None, embedder: Embedder | None = None
) -> Iterator[BaseStore]:
    """The memory store, set up and ready; closed when the ``with`` block ends.

    ``home``: LIMNER_HOME (the SQLite file lives there); ``store_url``: a
    ``postgresql://`` URL to use PostgreSQL + pgvector instead; ``embedder``: the text
    embedder (default: the bundled all-MiniLM-L6-v2)."""
    if store_url is not None and not store_url.strip():
        store_url = None
    if store_url is not None and not store_url.startswith(POSTGRES_SCHEMES):
        scheme = store_url.split("://", 1)[0] if "://" in store_url else store_url
        raise MemoryStoreError(
            f"unknown memory store URL scheme {scheme!r}: use postgresql://user:password@host/db "
            "for PostgreSQL + pgvector, or leave the store URL unset for the SQLite file in LIMNER_HOME"
        )
    embedder = embedder or default_embedder()
    opener = _open_sqlite(Path(home) / STORE_FILE, embedder) if store_url is None else _open_postgres(store_url, embedder)
    with opener as store:
        _check_index(store, embedder)
        yield store


@contextmanager
def _open_sqlite(path: Path, embedder: Embedder) -> Iterator[BaseStore]:
    try:
        from pysqlite3 import dbapi2 as sqlite3
    except ImportError:
        raise MemoryStoreError(
            "the SQLite memory store needs an sqlite3 that can load extensions: pip install pysqlite3-binary"
        ) from None
    from langgraph.store.sqlite import SqliteStore

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MemoryStoreError(f"cannot create the memory store folder {path.parent}: {error}") from None
    try:
        # timeout: wait for another process's write (CLI and server on one file) instead of failing.
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10)
    except sqlite3.Error as error:
        raise MemoryStoreError(f"{path}: cannot open the memory store ({error})") from None
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        # foreign_keys stays off, as SqliteStore expects: with it on, every put (an INSERT OR
        # REPLACE) would cascade-delete the record's vector, so a put with index=False would
        # drop the record from semantic search. The cost: a deleted record's vector stays
        # behind (never returned: searches join on the records table).
        store = SqliteStore(conn, index=index_config(embedder))  # type: ignore[arg-type] - a pysqlite3 connection
        try:
            store.setup()  # loads sqlite-vec into this connection, runs the migrations
        except (sqlite3.Error, AttributeError, ImportError) as error:
            raise MemoryStoreError(
                f"{path}: cannot set up the memory store ({error.__class__.__name__}: {error}); "
                "it needs pysqlite3-binary and sqlite-vec"
            ) from None
        yield store
    finally:
        conn.close()


@contextmanager
def _open_postgres(url: str, embedder: Embedder) -> Iterator[BaseStore]:
    try:
        import psycopg
        from psycopg.rows import dict_row

        from langgraph.store.postgres import PostgresStore
    except ImportError:
        raise MemoryStoreError(
            "a PostgreSQL memory store needs: pip install langgraph-checkpoint-postgres 'psycopg[binary,pool]'"
        ) from None
    where = _redact(url)
    try:
        conn = psycopg.Connection.connect(
            url, autocommit=True, prepare_threshold=0, row_factory=dict_row, connect_timeout=CONNECT_TIMEOUT_S
        )
    except psycopg.Error as error:
        raise MemoryStoreError(f"cannot reach the PostgreSQL memory store at {where}: {_first_line(error)}") from None
    with conn:
        # Exact ("flat") search: every search is filtered to one user's namespace, and an HNSW
        # index would look at its ~40 nearest vectors across all users first, then filter,
        # so a user among many could get fewer results than asked for, or none.
        index = {**index_config(embedder), "ann_index_config": {"kind": "flat", "vector_type": "vector"}}
        store = PostgresStore(conn, index=index)  # type: ignore[arg-type]
        try:
            # Under an advisory lock: several processes (a scaled-out server's executors) may open
            # the store at the same moment, and two concurrent migrations collide.
            conn.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK_ID,))
            try:
                store.setup()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK_ID,))
        except psycopg.Error as error:
            raise MemoryStoreError(
                f"cannot set up the PostgreSQL memory store at {where}: {_first_line(error)} "
                "(it needs the pgvector extension, and the right to CREATE EXTENSION vector once)"
            ) from None
        yield store


def _check_index(store: BaseStore, embedder: Embedder) -> None:
    wanted = {"embedder": getattr(embedder, "name", type(embedder).__name__), "dims": embedder.dims}
    item = store.get(INDEX_NAMESPACE, "index")
    if item is None:
        store.put(INDEX_NAMESPACE, "index", wanted, index=False)
        return
    found = {"embedder": item.value.get("embedder"), "dims": item.value.get("dims")}
    if found != wanted:
        raise MemoryStoreError(
            f"this memory store was indexed by {found['embedder']} ({found['dims']}-d), not by "
            f"{wanted['embedder']} ({wanted['dims']}-d): open it with that embedder, or use another store"
        )


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else error.__class__.__name__
