"""One user's characters: ``CharacterBook``, the records in the store and their images on disk.

Each user's characters live in the store namespace ``(user_id, "characters")`` under the
slug of their name, and their reference images under ``<home>/characters/<user>/<slug>/``.
A ``CharacterBook`` is bound to one user: nothing it does reads or writes another's. It
enrols, updates, removes, lists, searches and resolves characters, records their history,
and exports/imports them (the format itself is ``memory.characters.archive``'s).

The indexed ``"text"`` of a record is the name, description and attributes in one string,
so a search for "a canine in spectacles" finds the fox whose record says "glasses".
"""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator, Sequence

from langgraph.store.base import BaseStore, PutOp
from PIL import Image

from memory.characters.archive import read_export, write_export
from memory.characters.images import _decode_images, _ImageSwap
from memory.characters.records import (
    HISTORY_MAX,
    PROMPT_MAX,
    Attributes,
    Character,
    CharacterError,
    HistoryEntry,
    _attributes,
    _clean_description,
    _clean_name,
    _now,
    _words,
    index_text,
    slugify,
    user_label,
)

RESOLVE_THRESHOLD = 0.35
"""Cosine similarity from which ``resolve`` counts a semantic match. With all-MiniLM-L6-v2 on
the test cast, right answers to paraphrased queries scored 0.33–0.58, the runner-up at most
0.32, and unrelated text at most 0.21."""


ImageEmbedder = Callable[[list[Image.Image]], tuple[str, Any]]
"""images → (model id, one embedding row per image)."""


class CharacterBook:
    """One user's characters in ``store``, with their reference images under ``home``."""

    def __init__(self, store: BaseStore, user_id: str, home: Path,
                 image_embedder: ImageEmbedder | None = None) -> None:
        self.store = store
        self.image_embedder = image_embedder
        """Makes the reference images' embeddings (CLIP); without it they are skipped, said so."""
        self.user_id = user_id
        self.home = Path(home)
        self.label = user_label(user_id)
        self.namespace: tuple[str, str] = (self.label, "characters")
        self.folder = self.home / "characters" / self.label

    # ---- reading -------------------------------------------------------------------------

    def get(self, name: str) -> Character:
        """The character called ``name`` (case-insensitive); CharacterError when unknown."""
        key = slugify(name) if isinstance(name, str) else ""
        item = self.store.get(self.namespace, key) if key else None
        if item is None:
            known = sorted(str(i.value.get("name")) for i in self.store.search(self.namespace, limit=11))
            hint = f"known: {', '.join(known[:10])}{', …' if len(known) > 10 else ''}" if known else "none enrolled yet"
            raise CharacterError(f"no character named {name!r} ({hint})")
        return self._from_value(item.value)

    def exists(self, name: str) -> bool:
        key = slugify(name) if isinstance(name, str) else ""
        return bool(key) and self.store.get(self.namespace, key) is not None

    def list(self) -> list[Character]:
        """All this user's characters, sorted by name (case-insensitive)."""
        characters = [self._from_value(item.value) for item in self._items()]
        return sorted(characters, key=lambda c: (c.name.casefold(), c.name))

    def search(self, query: str, k: int = 5) -> list[tuple[Character, float]]:
        """The ``k`` characters nearest in meaning to ``query``, best first, with their
        cosine similarity (no threshold)."""
        if not isinstance(query, str) or not query.strip() or k < 1:
            return []
        items = self.store.search(self.namespace, query=query, limit=min(int(k), 100))
        return [
            (self._from_value(item.value), float(item.score if item.score is not None else 0.0))
            for item in items
            if tuple(item.namespace) == self.namespace
        ]

    def resolve(self, text: str, threshold: float = RESOLVE_THRESHOLD, *, k: int = 3) -> list[Character]:
        """The characters ``text`` is about: those it names (whole words, any case, with any
        of space/-/_ between a name's words; the longest name wins where names overlap), in
        order of mention, then up to ``k`` semantic matches scoring at least ``threshold``
        (cosine similarity, -1…1)."""
        if not isinstance(text, str) or not text.strip():
            return []
        # 1. Names: match word sequences against every name (records decoded only when named)
        by_words: dict[tuple[str, ...], dict[str, Any]] = {}
        for item in self._items():
            words = _words(str(item.value.get("name", "")))
            if words:
                by_words.setdefault(words, item.value)
        longest = max(map(len, by_words), default=0)
        tokens = _words(text)
        found: list[Character] = []
        keys: set[str] = set()
        position = 0
        while position < len(tokens):
            for length in range(min(longest, len(tokens) - position), 0, -1):
                value = by_words.get(tokens[position : position + length])
                if value is not None:
                    character = self._from_value(value)
                    if character.key not in keys:
                        found.append(character)
                        keys.add(character.key)
                    position += length
                    break
            else:
                position += 1
        # 2. Meaning
        for character, score in self.search(text, k=k):
            if score >= threshold and character.key not in keys:
                found.append(character)
                keys.add(character.key)
        return found

    # ---- writing -------------------------------------------------------------------------

    def add(
        self,
        name: str,
        description: str,
        *,
        attributes: Attributes | dict | None = None,
        images: Sequence[str | Path] = (),
    ) -> Character:
        """Enrol a character. Its images are checked (all of them, before anything is
        written) and copied as PNG under this user's folder."""
        # 1. Check inputs
        name = _clean_name(name)
        description = _clean_description(description)
        attrs = _attributes(attributes)
        key = slugify(name)
        existing = self.store.get(self.namespace, key)
        if existing is not None:
            raise CharacterError(
                f"a character named {existing.value.get('name', name)!r} already exists: update it or remove it first"
            )
        decoded = _decode_images(images)
        # 2. Copy the images, then write the record
        now = _now()
        character = Character(name=name, description=description, attributes=attrs, created=now, updated=now)
        self._embed_images(character, decoded)
        with self._images_for(key, keep=[], new=decoded) as paths:
            character.reference_images = paths
            self._put(character)
        return character

    def update(self, name: str, /, **fields: Any) -> Character:
        """Change a character. Fields: ``name`` (rename), ``description``, ``attributes`` (a
        mapping merged over the current ones), ``images`` (replace all reference images),
        ``add_images`` (append)."""
        allowed = {"name", "description", "attributes", "images", "add_images"}
        unknown = sorted(set(fields) - allowed)
        if unknown:
            raise CharacterError(f"cannot update {', '.join(unknown)}: the fields are {', '.join(sorted(allowed))}")
        # 1. Check inputs
        current = self.get(name)
        new_name = _clean_name(fields["name"]) if "name" in fields else current.name
        new_key = slugify(new_name)
        if new_key != current.key and self.exists(new_name):
            raise CharacterError(f"cannot rename {current.name!r} to {new_name!r}: that name is taken")
        description = _clean_description(fields["description"]) if "description" in fields else current.description
        attrs = _attributes(fields.get("attributes"), base=current.attributes)
        if "images" in fields:
            keep, new = [], _decode_images(fields["images"])
        else:
            keep, new = list(current.reference_images), []
        if "add_images" in fields:
            new += _decode_images(fields["add_images"], already=len(keep) + len(new))
        # 2. Images and record
        updated = current.model_copy(
            update={"name": new_name, "description": description, "attributes": attrs, "updated": _now()}
        )
        images_change = "images" in fields or "add_images" in fields or new_key != current.key
        if not images_change:
            self._put(updated)
            return updated
        if "images" in fields or "add_images" in fields:
            kept = [Image.open(p).convert("RGB") for p in keep]
            self._embed_images(updated, [*kept, *new])
        with self._images_for(new_key, keep=keep, new=new) as paths:
            updated.reference_images = paths
            self._put(updated)
            if new_key != current.key:
                self.store.delete(self.namespace, current.key)
        if new_key != current.key:
            shutil.rmtree(self.folder / current.key, ignore_errors=True)
        return updated

    def remove(self, name: str) -> Character:
        """Forget a character and delete its reference images; returns what was removed."""
        character = self.get(name)
        self.store.delete(self.namespace, character.key)
        shutil.rmtree(self.folder / character.key, ignore_errors=True)
        return character

    def append_history(self, name: str, run_id: str, prompt: str) -> Character:
        """Record that ``name`` appeared in run ``run_id`` (keeps the last HISTORY_MAX)."""
        character = self.get(name)
        entry = HistoryEntry(run_id=str(run_id), date=_now(), prompt=str(prompt)[:PROMPT_MAX])
        character.history = [*character.history, entry][-HISTORY_MAX:]
        # The indexed text did not change: keep the vector, skip the embedding.
        self._put(character, index=False)
        return character

    def bulk_put(self, characters: Sequence[Character], *, batch: int = 256) -> None:
        """Write records as they are (names checked, images not copied), ``batch`` at a time
        in one embedding call each: for imports and benchmarks."""
        for start in range(0, len(characters), batch):
            chunk = characters[start : start + batch]
            ops = [PutOp(self.namespace, slugify(_clean_name(c.name)), self._to_value(c)) for c in chunk]
            self.store.batch(ops)

    # ---- export / import -----------------------------------------------------------------

    def export(self, path: str | Path) -> Path:
        """Write all this user's characters to ``path``: a folder, or a ``.zip`` file, holding
        ``characters.json`` and ``images/<slug>/…``. Refuses to overwrite."""
        return write_export(Path(path), self.list)

    def import_(self, path: str | Path, *, overwrite: bool = False) -> list[Character]:
        """Enrol the characters of an export (folder or ``.zip``). Everything is checked
        first (format, names, limits, every image); a name this user already has is refused
        unless ``overwrite``; nothing is written when anything is wrong."""
        path = Path(path)
        with read_export(path) as characters:
            # 1. Check the manifest and every entry (read_export), then names and images
            taken = [c.name for c, _ in characters if self.exists(c.name)]
            if taken and not overwrite:
                raise CharacterError(
                    f"{path}: this user already has {', '.join(taken)}: pass overwrite=True to replace them"
                )
            for character, image_paths in characters:
                _decode_images(image_paths)  # every image, before anything is written
            # 2. Write, one character at a time
            imported = []
            for character, image_paths in characters:
                decoded = _decode_images(image_paths)
                self._embed_images(character, decoded)  # with this machine's CLIP, not the exporter's
                with self._images_for(character.key, keep=[], new=decoded) as paths:
                    character.reference_images = paths
                    self._put(character)
                imported.append(character)
        return imported

    # ---- internals -----------------------------------------------------------------------

    def _items(self) -> Iterator[Any]:
        # Large pages: each page is a query sorted by update time, so small ones cost O(n²).
        offset, page = 0, 10_000
        while True:
            items = self.store.search(self.namespace, limit=page, offset=offset)
            yield from (item for item in items if tuple(item.namespace) == self.namespace)
            if len(items) < page:
                return
            offset += page

    def _to_value(self, character: Character) -> dict[str, Any]:
        value = character.model_dump(mode="json")
        value["reference_images"] = [self._relative(p) for p in character.reference_images]
        value["text"] = index_text(character)
        return value

    def _from_value(self, value: dict[str, Any]) -> Character:
        data = {k: v for k, v in value.items() if k != "text"}
        data["reference_images"] = [self.home / PurePosixPath(p) for p in data.get("reference_images", [])]
        return Character.model_validate(data)

    def _relative(self, path: Path) -> str:
        try:
            return Path(path).relative_to(self.home).as_posix()
        except ValueError:
            return Path(path).as_posix()

    def _embed_images(self, character: Character, images: list[Image.Image]) -> None:
        """Set the character's image embeddings for ``images``, or the note saying why not."""
        character.image_embeddings, character.image_embeddings_note = None, ""
        if not images:
            return
        if self.image_embedder is None:
            character.image_embeddings_note = "skipped: no image embedder configured"
            return
        try:
            model_id, rows = self.image_embedder(images)
        except Exception as error:  # noqa: BLE001 - no weights, no network: recorded, never invented
            character.image_embeddings_note = f"skipped: {str(error).splitlines()[0][:200] or type(error).__name__}"
            return
        character.image_embeddings = {"model": model_id, "rows": [list(map(float, row)) for row in rows]}

    def _put(self, character: Character, *, index: bool | None = None) -> None:
        self.store.put(self.namespace, character.key, self._to_value(character), index=False if index is False else None)

    def _images_for(self, key: str, *, keep: list[Path], new: list[Image.Image]) -> "_ImageSwap":
        return _ImageSwap(self.folder / key, keep, new)
