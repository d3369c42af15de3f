"""Characters a user has enrolled: records in the memory store, reference images on disk.

- ``records``: the schema (``Character``, ``Attributes``, ``HistoryEntry``), ``CharacterError``,
  the limits, the name rules (``slugify``, ``user_label``) and ``index_text``.
- ``images``: decoding offered reference images; swapping a character's image folder.
- ``archive``: the export format (a folder or ``.zip``): ``write_export`` / ``read_export``.
- ``book``: ``CharacterBook(store, user_id, home)``: enrol, search, resolve, update,
  export/import one user's characters, never another's.

Dependencies point one way: records ← images, archive ← book. Everything public is
re-exported here: ``from memory.characters import CharacterBook`` is the way in.
"""

from memory.characters.records import (
    ATTRIBUTE_MAX,
    DESCRIPTION_MAX,
    HISTORY_MAX,
    IMAGES_MAX,
    LIST_MAX,
    NAME_MAX,
    PROMPT_MAX,
    Attributes,
    Character,
    CharacterError,
    HistoryEntry,
    Short,
    index_text,
    slugify,
    user_label,
)
from memory.characters.archive import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    IMPORT_MAX,
    MANIFEST,
    MANIFEST_MAX_BYTES,
    read_export,
    write_export,
)
from memory.characters.book import RESOLVE_THRESHOLD, CharacterBook, ImageEmbedder

__all__ = [
    "ATTRIBUTE_MAX",
    "DESCRIPTION_MAX",
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "HISTORY_MAX",
    "IMAGES_MAX",
    "IMPORT_MAX",
    "LIST_MAX",
    "MANIFEST",
    "MANIFEST_MAX_BYTES",
    "NAME_MAX",
    "PROMPT_MAX",
    "RESOLVE_THRESHOLD",
    "Attributes",
    "Character",
    "CharacterBook",
    "CharacterError",
    "HistoryEntry",
    "ImageEmbedder",
    "Short",
    "index_text",
    "read_export",
    "slugify",
    "user_label",
    "write_export",
]
