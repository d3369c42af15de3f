"""Long-term memory: a LangGraph store with a vector index, and the characters kept in it.

- ``memory.embeddings``: ``Embedder`` / ``default_embedder()`` (all-MiniLM-L6-v2, offline).
- ``memory.store``: ``open_store(home, store_url=…, embedder=…)``: SQLite file by default,
  PostgreSQL + pgvector for a ``postgresql://`` URL.
- ``memory.characters``: ``CharacterBook(store, user_id, home)``: enrol, search, resolve,
  update, export/import one user's characters, never another's.
"""

STORE_FILE = "memory.sqlite"
"""The SQLite store's file under the limner home: known without importing the store (and
langgraph with it), so asking "is there a memory?" costs nothing."""
