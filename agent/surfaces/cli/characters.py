"""The ``limner characters`` sub-app: enrol, list, show, search, forget, export and import characters."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

import typer

from agent.characters import open_book
from agent.errors import InputError
from agent.request import check_user
from agent.surfaces.cli.app import _print_json, _settings, app

characters_app = typer.Typer(help="Remembered characters: the same look next week, for you only.", no_args_is_help=True)
app.add_typer(characters_app, name="characters")
_USER_HELP = "Whose characters (a memory namespace; default: local)."


@contextmanager
def _book(user: str) -> Iterator[Any]:
    """The user's character book; memory errors become one-line errors."""
    from memory.characters import CharacterError  # lazy: memory.characters loads langgraph

    check_user(user)
    try:
        with open_book(_settings(), user) as book:
            yield book
    except CharacterError as error:
        raise InputError(str(error)) from None


def _character_json(character: Any, score: float | None = None) -> dict[str, Any]:
    data = character.model_dump(mode="json")
    return {**data, "score": round(score, 4)} if score is not None else data


@characters_app.command("add")
def characters_add(
    name: str = typer.Argument(..., help="The character's name (e.g. Mira)."),
    description: str = typer.Option(..., "--description", "-d", help="What they look like, in words."),
    image: list[Path] = typer.Option([], "--image", help="Reference image (repeatable)."),
    species: Optional[str] = typer.Option(None, "--species", help="What they are (fox, robot, woman)."),
    colour: list[str] = typer.Option([], "--colour", "--color", help="part=colour, e.g. coat=blue (repeatable)."),
    user: str = typer.Option("local", "--user", help=_USER_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the character as JSON."),
) -> None:
    """Enrol a character."""
    colours = {}
    for pair in colour:
        part, sep, value = pair.partition("=")
        if not sep or not part.strip() or not value.strip():
            raise InputError(f"--colour wants part=colour, got {pair!r}")
        colours[part.strip()] = value.strip()
    attributes = {"colours": colours, **({"species": species} if species else {})}
    with _book(user) as book:
        character = book.add(name, description, attributes=attributes, images=image)
    _print_json(_character_json(character)) if as_json else print(f"remembered {character.name} for {user}")


@characters_app.command("list")
def characters_list(user: str = typer.Option("local", "--user", help=_USER_HELP),
                    as_json: bool = typer.Option(False, "--json", help="One JSON array.")) -> None:
    """The user's characters, by name."""
    with _book(user) as book:
        characters = book.list()
    if as_json:
        _print_json([_character_json(c) for c in characters])
    for character in [] if as_json else characters:
        print(f"{character.name}: {character.description}")


@characters_app.command("show")
def characters_show(name: str = typer.Argument(...), user: str = typer.Option("local", "--user", help=_USER_HELP)) -> None:
    """One character, whole, as JSON."""
    with _book(user) as book:
        _print_json(_character_json(book.get(name)))


@characters_app.command("search")
def characters_search(
    query: str = typer.Argument(..., help="Words with the meaning you look for."),
    k: int = typer.Option(5, "-k", min=1, max=100, help="How many, best first."),
    user: str = typer.Option("local", "--user", help=_USER_HELP),
    as_json: bool = typer.Option(False, "--json", help="One JSON array, best first, with score."),
) -> None:
    """Characters nearest in meaning to QUERY (no cut-off)."""
    with _book(user) as book:
        found = book.search(query, k=k)
    if as_json:
        _print_json([_character_json(c, score) for c, score in found])
    for character, score in [] if as_json else found:
        print(f"{score:.3f}  {character.name}: {character.description}")


@characters_app.command("rm")
def characters_rm(name: str = typer.Argument(...), user: str = typer.Option("local", "--user", help=_USER_HELP)) -> None:
    """Forget a character (and its reference images)."""
    with _book(user) as book:
        removed = book.remove(name)
    print(f"forgot {removed.name}")


@characters_app.command("export")
def characters_export(path: Path = typer.Argument(..., help="A new folder or .zip file."),
                      user: str = typer.Option("local", "--user", help=_USER_HELP)) -> None:
    """Write the user's characters (JSON + images) to carry elsewhere."""
    with _book(user) as book:
        print(book.export(path))


@characters_app.command("import")
def characters_import(path: Path = typer.Argument(..., help="A folder or .zip from `characters export`."),
                      overwrite: bool = typer.Option(False, "--overwrite", help="Replace characters with the same name."),
                      user: str = typer.Option("local", "--user", help=_USER_HELP)) -> None:
    """Enrol the characters of an export (all or nothing)."""
    with _book(user) as book:
        imported = book.import_(path, overwrite=overwrite)
    print(f"imported {', '.join(c.name for c in imported) or 'nothing'}")
