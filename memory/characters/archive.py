"""The export format of a user's characters, and reading it back safely.

An export is a folder or a ``.zip`` file holding ``characters.json`` (the manifest: format,
version, one entry per character) and the reference images under ``images/<slug>/…``.
``write_export`` writes one; ``read_export`` opens one (unpacking a zip to a temporary folder,
refusing unsafe members and oversized files), checks the manifest and every entry, and yields
the characters with the paths of their images. Storing them is the book's business
(``CharacterBook.export`` / ``CharacterBook.import_``); this module knows only records.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Iterator

from pydantic import ValidationError

from memory.characters.records import (
    HISTORY_MAX,
    Character,
    CharacterError,
    HistoryEntry,
    _attributes,
    _clean_description,
    _clean_name,
    _now,
    _pydantic_message,
    _timestamp,
)
from tools.images import MAX_FILE_BYTES

EXPORT_FORMAT = "limner-characters"
EXPORT_VERSION = 1
MANIFEST = "characters.json"
MANIFEST_MAX_BYTES = 32 * 1024 * 1024
IMPORT_MAX = 10_000


def write_export(path: Path, characters: Callable[[], Iterable[Character]]) -> Path:
    """Write ``characters()`` to ``path``: a folder, or a ``.zip`` file, holding
    ``characters.json`` and ``images/<slug>/…``. Refuses to overwrite (checked before
    ``characters`` is called)."""
    if path.exists() and (path.is_file() or any(path.iterdir())):
        raise CharacterError(f"{path} already exists: export to a new folder or .zip file")
    entries, files = [], []
    for character in characters():
        refs = []
        for image in character.reference_images:
            arcname = f"images/{character.key}/{image.name}"
            if image.is_file():
                refs.append(arcname)
                files.append((image, arcname))
        entry = character.model_dump(mode="json")
        entry["reference_images"] = refs
        entries.append(entry)
    manifest = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "exported": _now(), "characters": entries}
    text = json.dumps(manifest, indent=2, ensure_ascii=False)
    if path.suffix.lower() == ".zip":
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, text)
            for source, arcname in files:
                archive.write(source, arcname)
    else:
        path.mkdir(parents=True, exist_ok=True)
        (path / MANIFEST).write_text(text, encoding="utf-8")
        for source, arcname in files:
            (path / arcname).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, path / arcname)
    return path


@contextmanager
def read_export(path: Path) -> Iterator[list[tuple[Character, list[Path]]]]:
    """The characters of the export at ``path`` (folder or ``.zip``), each with the paths of
    its reference images, valid inside the ``with``. The manifest and every entry are checked
    (format, version, names, limits, image paths, no name twice); images are not decoded."""
    with _opened_export(path) as root:
        entries = _read_manifest(root / MANIFEST, path)
        characters: list[tuple[Character, list[Path]]] = []
        seen: set[str] = set()
        for number, entry in enumerate(entries, start=1):
            character, image_paths = _entry(entry, root, number)
            if character.key in seen:
                raise CharacterError(f"{path}: {character.name!r} appears twice")
            seen.add(character.key)
            characters.append((character, image_paths))
        yield characters


class _opened_export:
    """An export as a folder: itself, or a zip's members unpacked to a temporary folder
    (only regular files, no absolute or parent paths, each under the image size limit)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tmp: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> Path:
        if self.path.is_dir():
            return self.path
        if not self.path.is_file():
            raise CharacterError(f"{self.path}: no such export (a folder or a .zip file)")
        try:
            archive = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as error:
            raise CharacterError(f"{self.path}: not a readable zip file ({error})") from None
        self._tmp = tempfile.TemporaryDirectory(prefix="limner-import-")
        root = Path(self._tmp.name)
        with archive:
            for info in archive.infolist():
                member = PurePosixPath(info.filename)
                if info.is_dir():
                    continue
                if member.is_absolute() or ".." in member.parts or "\\" in info.filename:
                    raise CharacterError(f"{self.path}: refuses the unsafe member {info.filename!r}")
                limit = MANIFEST_MAX_BYTES if info.filename == MANIFEST else MAX_FILE_BYTES
                if info.file_size > limit:
                    raise CharacterError(f"{self.path}: {info.filename} is larger than {limit // 2**20} MiB")
                target = root / member
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(target, "wb") as sink:
                    data = source.read(limit + 1)
                    if len(data) > limit:
                        raise CharacterError(f"{self.path}: {info.filename} is larger than {limit // 2**20} MiB")
                    sink.write(data)
        return root

    def __exit__(self, *exc: Any) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def _read_manifest(manifest: Path, source: Path) -> list[dict]:
    if not manifest.is_file():
        raise CharacterError(f"{source}: no {MANIFEST} in it; is it a limner character export?")
    if manifest.stat().st_size > MANIFEST_MAX_BYTES:
        raise CharacterError(f"{source}: {MANIFEST} is larger than {MANIFEST_MAX_BYTES // 2**20} MiB")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CharacterError(f"{source}: {MANIFEST} is not valid JSON ({error})") from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise CharacterError(f"{source}: {MANIFEST} is not a limner character export")
    if data.get("version") != EXPORT_VERSION:
        raise CharacterError(f"{source}: export version {data.get('version')!r}; this limner reads {EXPORT_VERSION}")
    entries = data.get("characters")
    if not isinstance(entries, list) or len(entries) > IMPORT_MAX:
        raise CharacterError(f"{source}: 'characters' must be a list of at most {IMPORT_MAX} entries")
    return entries


def _entry(entry: object, root: Path, number: int) -> tuple[Character, list[Path]]:
    if not isinstance(entry, dict):
        raise CharacterError(f"character #{number} is not an object")
    where = f"character #{number} ({entry.get('name')!r})"
    refs = entry.get("reference_images", [])
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise CharacterError(f"{where}: reference_images must be a list of paths")
    paths = []
    for ref in refs:
        relative = PurePosixPath(ref)
        if relative.is_absolute() or ".." in relative.parts or "\\" in ref:
            raise CharacterError(f"{where}: refuses the image path {ref!r}")
        paths.append(root / relative)
    name = _clean_name(entry.get("name"))
    description = _clean_description(entry.get("description", ""))
    attrs = _attributes(entry.get("attributes") or {})
    now = _now()
    try:
        history = [HistoryEntry.model_validate(h) for h in (entry.get("history") or [])][-HISTORY_MAX:]
    except ValidationError as error:
        raise CharacterError(f"{where}: invalid history: {_pydantic_message(error)}") from None
    character = Character(
        name=name,
        description=description,
        attributes=attrs,
        created=_timestamp(entry.get("created"), now),
        updated=_timestamp(entry.get("updated"), now),
        history=history,
    )
    return character, paths
