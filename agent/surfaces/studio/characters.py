"""Characters, per user: list, add (name, description, species, colours, reference images),
search by meaning, remove. The user is the settings panel's, inside the caller's namespace (a
token's users never reach another token's characters). Each handler returns the table and the
one-line message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.characters import has_memory, open_book
from agent.errors import InputError
from agent.surfaces.studio import render
from agent.surfaces.studio.core import Studio
from agent.surfaces.studio.options import Options

SEARCH_K = 5


def parse_colours(text: str | None) -> dict[str, str]:
    """``"coat=teal, hair=black"`` (commas or new lines) → ``{"coat": "teal", "hair": "black"}``."""
    colours: dict[str, str] = {}
    for pair in (text or "").replace("\n", ",").split(","):
        if not pair.strip():
            continue
        part, sep, colour = pair.partition("=")
        if not sep or not part.strip() or not colour.strip():
            raise InputError(f"colours want part=colour pairs (coat=teal, hair=black), got {pair.strip()!r}",
                             param="colours")
        colours[part.strip()] = colour.strip()
    return colours


def _listing(studio: Studio, user: str) -> str:
    if not has_memory(studio.settings):  # no memory yet: none is made just to list nothing
        return render.characters([], user)
    with open_book(studio.settings, user) as book:
        found = [(c.model_dump(mode="json"), None) for c in book.list()]
    return render.characters(found, user)


def list_characters(studio: Studio, owner: str, options: Options) -> tuple[str, str]:
    user = options.memory_user(studio, owner)
    return _listing(studio, user), render.message(None)


def add_character(studio: Studio, owner: str, options: Options, name: str | None, description: str | None,
                  species: str | None, colours: str | None, images: list[Any] | None) -> tuple[str, str]:
    """Enrol a character for the panel's user; its reference images are copied into memory."""
    user = options.memory_user(studio, owner)
    if not name or not name.strip():
        raise InputError("the character needs a name", param="name")
    attributes: dict[str, Any] = {"colours": parse_colours(colours)}
    if species and species.strip():
        attributes["species"] = species.strip()
    paths = [Path(getattr(item, "name", item)) for item in images or []]
    with open_book(studio.settings, user) as book:
        character = book.add(name.strip(), (description or "").strip() or name.strip(), attributes=attributes,
                             images=paths)
    return _listing(studio, user), render.message(f"remembered {character.name} for {user}", "info")


def search_characters(studio: Studio, owner: str, options: Options, query: str | None) -> tuple[str, str]:
    """The characters nearest in meaning to ``query``, best first; every character for no query."""
    user = options.memory_user(studio, owner)
    if not query or not query.strip() or not has_memory(studio.settings):
        return list_characters(studio, owner, options)
    with open_book(studio.settings, user) as book:
        found = [(c.model_dump(mode="json"), score) for c, score in book.search(query.strip(), k=SEARCH_K)]
    note = f"{len(found)} match(es) for {query.strip()!r}" if found else f"nothing matches {query.strip()!r}"
    return render.characters(found, user), render.message(note, "info")


def remove_character(studio: Studio, owner: str, options: Options, name: str | None) -> tuple[str, str]:
    user = options.memory_user(studio, owner)
    if not name or not name.strip():
        raise InputError("name the character to remove", param="name")
    with open_book(studio.settings, user) as book:
        removed = book.remove(name.strip())
    return _listing(studio, user), render.message(f"forgot {removed.name}", "info")
