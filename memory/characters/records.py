"""The character record: its schema, its limits, and the checks its fields go through.

``Character`` (with its ``Attributes`` and ``HistoryEntry``), ``CharacterError``, the name
rules (``slugify``: names differing only in case, apostrophes or space/-/_ are one
character; ``user_label``: a user id as a namespace label and folder name), the text a record
is indexed by (``index_text``), and the checks of names, descriptions, attributes and
timestamps shared by the book and the archive. Nothing here touches a store, a file or an image.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

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

_NAME = re.compile(r"^[\w '\-]+$")
_SEPARATORS = re.compile(r"[\s_\-]+")
_WORD = re.compile(r"[^\W_]+")

Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=ATTRIBUTE_MAX)]
"""One attribute's text (species, outfit, one colour, one accessory…)."""


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
