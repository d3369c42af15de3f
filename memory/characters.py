"""Characters a user has enrolled: records in the memory store, reference images on disk.

Each user's characters live in the store namespace ``(user_id, "characters")`` under the
slug of their name, and their reference images under ``<home>/characters/<user>/<slug>/``.
A ``CharacterBook`` is bound to one user: nothing it does reads or writes another's.

The indexed ``"text"`` of a record is the name, description and attributes in one string,
so a search for "a canine in spectacles" finds the fox whose record says "glasses".
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import unicodedata
import uuid
import zipfile
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Callable, Iterable, Iterator, Sequence
from urllib.parse import quote

from langgraph.store.base import BaseStore, PutOp
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from tools.images import MAX_FILE_BYTES, ImageInputError, load_image

NAME_MAX = 64
DESCRIPTION_MAX = 2000
ATTRIBUTE_MAX = 300
"""Longest text of one attribute (species, outfit, one colour, one accessory…)."""
LIST_MAX = 32
"""Most entries in one list or dict attribute (accessories, palette, colours)."""
IMAGES_MAX = 16
"""Most reference images per character."""
HISTORY_MAX = 500
"""History entries kept per character (the oldest go first)."""
PROMPT_MAX = 2000
RESOLVE_THRESHOLD = 0.35
"""Cosine similarity from which ``resolve`` counts a semantic match. With all-MiniLM-L6-v2 on
the test cast, right answers to paraphrased queries scored 0.33–0.58, the runner-up at most
0.32, and unrelated text at most 0.21."""
EXPORT_FORMAT = "limner-characters"
EXPORT_VERSION = 1
MANIFEST = "characters.json"
MANIFEST_MAX_BYTES = 32 * 1024 * 1024
IMPORT_MAX = 10_000

_NAME = re.compile(r"^[\w '\-]+$")
_SEPARATORS = re.compile(r"[\s_\-]+")
_WORD = re.compile(r"[^\W_]+")

Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=ATTRIBUTE_MAX)]
"""One attribute's text (species, outfit, one colour, one accessory…)."""


ImageEmbedder = Callable[[list[Image.Image]], tuple[str, Any]]
"""images → (model id, one embedding row per image)."""


class CharacterError(ValueError):
    """A character request that cannot be done: unknown or duplicate name, invalid input."""


class Attributes(BaseModel):
    """What a character looks like; every field optional."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    species: Short = ""
    """e.g. "red fox", "human"."""
    body: Short = ""
    """Build, size, age: "small and round"."""
    hair: Short = ""
    eyes: Short = ""
    outfit: Short = ""
    colours: dict[Short, Short] = Field(default_factory=dict, max_length=LIST_MAX)
    """Part → colour name: {"fur": "orange", "scarf": "teal"}."""
    accessories: list[Short] = Field(default_factory=list, max_length=LIST_MAX)
    palette: list[Short] = Field(default_factory=list, max_length=LIST_MAX)
    """Colour names the character is drawn in."""
    style_notes: str = Field("", max_length=DESCRIPTION_MAX)
    """How to draw them: "thick outlines, flat colours"."""


class HistoryEntry(BaseModel):
    """One run the character appeared in."""

    run_id: str
    date: str
    """ISO 8601, UTC."""
    prompt: str


class Character(BaseModel):
    """A remembered character."""

    name: str
    description: str = ""
    attributes: Attributes = Field(default_factory=Attributes)
    reference_images: list[Path] = Field(default_factory=list)
    """Copies of the enrolled images, under ``<home>/characters/<user>/<slug>/``."""
    created: str
    """ISO 8601, UTC."""
    updated: str
    history: list[HistoryEntry] = Field(default_factory=list)
    image_embeddings: dict[str, Any] | None = None
    """CLIP embeddings of the reference images: ``{"model": id, "rows": [[…], …]}`` (identity
    checks compare images against them); None when they could not be made."""
    image_embeddings_note: str = ""
    """Why there are none ("skipped: <reason>"), when there are reference images."""

    @property
    def key(self) -> str:
        """The store key: the slug of the name."""
        return slugify(self.name)


def slugify(name: str) -> str:
    """The key of a name: case-folded, apostrophes dropped, spaces/-/_ runs as one '-'.

    Names differing only in those ("Mr Fox", "mr-fox", "MR_FOX") are the same character."""
    folded = unicodedata.normalize("NFKC", name).casefold().replace("'", "")
    return _SEPARATORS.sub("-", folded).strip("-")


def user_label(user_id: str) -> str:
    """The namespace label and folder name of a user id: the id itself when it is made of
    letters, digits and ``@+-_~``; otherwise percent-encoded (injective, so two users never
    share a label, and never a path separator or a dot)."""
    if not isinstance(user_id, str) or not user_id.strip() or len(user_id) > 256:
        raise CharacterError("user_id must be a non-empty string of at most 256 characters")
    label = quote(user_id, safe="@+-_~").replace(".", "%2E")
    return "%6Cangraph" if label == "langgraph" else label  # LangGraph reserves that root label


def index_text(character: Character) -> str:
    """The text embedded for search: name, description, then the attributes flattened."""
    a = character.attributes
    parts = [f"{character.name}.", character.description.strip()]
    for label, value in (("species", a.species), ("body", a.body), ("hair", a.hair), ("eyes", a.eyes), ("outfit", a.outfit)):
        if value:
            parts.append(f"{label}: {value}.")
    if a.colours:
        parts.append("colours: " + ", ".join(f"{part} {colour}" for part, colour in a.colours.items()) + ".")
    if a.accessories:
        parts.append("accessories: " + ", ".join(a.accessories) + ".")
    if a.palette:
        parts.append("palette: " + ", ".join(a.palette) + ".")
    if a.style_notes:
        parts.append(f"style: {a.style_notes}")
    return " ".join(part for part in parts if part)


def _words(text: str) -> tuple[str, ...]:
    """The words of ``text`` for name matching: runs of letters/digits, case-folded."""
    return tuple(word.casefold() for word in _WORD.findall(unicodedata.normalize("NFKC", text)))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _timestamp(value: object, default: str) -> str:
    """``value`` when it is an ISO 8601 timestamp, else ``default``."""
    try:
        return datetime.fromisoformat(value).isoformat() if isinstance(value, str) else default
    except ValueError:
        return default


def _clean_name(name: object) -> str:
    if not isinstance(name, str):
        raise CharacterError("a character name must be text")
    cleaned = " ".join(unicodedata.normalize("NFC", name).split())
    if not 1 <= len(cleaned) <= NAME_MAX:
        raise CharacterError(f"a character name must be 1–{NAME_MAX} characters (got {len(cleaned)})")
    if not _NAME.match(cleaned) or not slugify(cleaned):
        raise CharacterError(
            f"invalid character name {cleaned!r}: use letters, digits, spaces, apostrophes, '-' and '_'"
        )
    return cleaned


def _clean_description(description: object) -> str:
    if not isinstance(description, str):
        raise CharacterError("a character description must be text")
    description = description.strip()
    if len(description) > DESCRIPTION_MAX:
        raise CharacterError(
            f"the description is {len(description)} characters; the limit is {DESCRIPTION_MAX}: shorten it"
        )
    return description


def _attributes(value: Attributes | dict | None, base: Attributes | None = None) -> Attributes:
    if value is None:
        return base or Attributes()
    if isinstance(value, Attributes):
        value = value.model_dump(exclude_unset=True)
    if not isinstance(value, dict):
        raise CharacterError("attributes must be a mapping of attribute name to value")
    merged = {**(base.model_dump() if base else {}), **value}
    try:
        return Attributes.model_validate(merged)
    except ValidationError as error:
        raise CharacterError(f"invalid attributes: {_pydantic_message(error)}") from None


def _pydantic_message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in error.errors())
    return str(error)


def _decode_images(paths: Iterable[str | Path], already: int = 0) -> list[Image.Image]:
    paths = list(paths)
    if already + len(paths) > IMAGES_MAX:
        raise CharacterError(f"at most {IMAGES_MAX} reference images per character")
    images = []
    for path in paths:
        try:
            images.append(load_image(path))
        except ImageInputError as error:
            raise CharacterError(f"reference image refused: {error}") from None
    return images


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
        path = Path(path)
        if path.exists() and (path.is_file() or any(path.iterdir())):
            raise CharacterError(f"{path} already exists: export to a new folder or .zip file")
        entries, files = [], []
        for character in self.list():
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

    def import_(self, path: str | Path, *, overwrite: bool = False) -> list[Character]:
        """Enrol the characters of an export (folder or ``.zip``). Everything is checked
        first (format, names, limits, every image); a name this user already has is refused
        unless ``overwrite``; nothing is written when anything is wrong."""
        path = Path(path)
        with _opened_export(path) as root:
            # 1. Check the manifest and every entry
            entries = _read_manifest(root / MANIFEST, path)
            characters: list[tuple[Character, list[Path]]] = []
            seen: set[str] = set()
            for number, entry in enumerate(entries, start=1):
                character, image_paths = _entry(entry, root, number)
                if character.key in seen:
                    raise CharacterError(f"{path}: {character.name!r} appears twice")
                seen.add(character.key)
                characters.append((character, image_paths))
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


class _ImageSwap:
    """Stage a character's image folder beside the live one and swap it in; the ``with``
    body writes the record. If the body fails, the old folder comes back."""

    def __init__(self, target: Path, keep: list[Path], new: list[Image.Image]) -> None:
        self.target, self.keep, self.new = target, keep, new
        self.staging = target.parent / f".staging-{target.name}-{uuid.uuid4().hex[:8]}"
        self.aside = target.parent / f".old-{target.name}-{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> list[Path]:
        names: list[str] = []
        if not self.keep and not self.new:
            self.staging = None  # type: ignore[assignment]
        else:
            self.staging.mkdir(parents=True)
            try:
                for number, source in enumerate(self.keep, start=1):
                    names.append(f"ref-{number:02d}{source.suffix or '.png'}")
                    shutil.copyfile(source, self.staging / names[-1])
                for number, image in enumerate(self.new, start=len(self.keep) + 1):
                    names.append(f"ref-{number:02d}.png")
                    image.save(self.staging / names[-1], format="PNG")
            except BaseException:
                shutil.rmtree(self.staging, ignore_errors=True)
                raise
        if self.target.exists():
            self.target.rename(self.aside)
        if self.staging is not None:
            self.staging.rename(self.target)
            return [self.target / name for name in names]
        return []

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            shutil.rmtree(self.target, ignore_errors=True)
            if self.aside.exists():
                self.aside.rename(self.target)
        else:
            shutil.rmtree(self.aside, ignore_errors=True)


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
