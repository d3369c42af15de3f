"""Remembered characters in runs: the plan resolves them for their user only, the renderer uses
their colours, finalize records history and offers new ones; the characters CLI end to end."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from agent.characters import open_book
from agent.planning.planner import make_plan
from agent.planning.preview import remembered_characters
from agent.request import build_request
from agent.run import run


@pytest.fixture
def mira(settings):
    with open_book(settings, "ana") as book:
        book.add("Mira", "a small red fox with a teal scarf and round glasses",
                 attributes={"species": "red fox", "colours": {"scarf": "teal", "coat": "yellow"}})
        book.add("Bolt", "a tall grey wolf in a yellow raincoat", attributes={"species": "wolf"})
    return settings


def _plan(settings, prompt: str, user: str):
    request = build_request(prompt, settings=settings, seed=0, user_id=user)
    characters, _ = remembered_characters(settings, request)
    return make_plan(request, settings, remembered=characters)


def test_plans_resolve_names_and_descriptions_for_their_user_only(mira) -> None:
    plan = _plan(mira, "two images of Mira reading a map", "ana")
    (character,) = plan.characters
    assert (character.name, character.species, character.remembered) == ("Mira", "fox", True)
    assert character.colors == {"scarf": "teal", "coat": "yellow"}
    assert all(shot.characters == ["mira"] for shot in plan.shots)
    assert "a small red fox with a teal scarf" in plan.shots[0].prompt
    assert [c.name for c in _plan(mira, "the little fox with glasses and a scarf having tea", "ana").characters] == ["Mira"]
    # Another user has no Mira: the name is just a word, nothing of ana's leaks into the plan.
    assert _plan(mira, "two images of Mira reading a map", "ben").characters == []
    # Someone new with a look-alike description stays new.
    assert [(c.name, c.remembered) for c in _plan(mira, "a fox named Pip with a blue hat", "ana").characters] == [("Pip", False)]
    # This request's own colours win for this run; the rest of the remembered look stays.
    said = _plan(mira, "Mira the green fox", "ana").characters[0]
    assert said.colors == {"scarf": "teal", "coat": "yellow", "body": "green"} and said.remembered


def test_generate_uses_memory_records_history_and_offers_new_characters(mira) -> None:
    report = run(build_request("Mira and a fox named Pip by a lake", settings=mira, seed=1, user_id="ana"), settings=mira)
    assert report["characters"]["remembered"] == ["Mira"]
    assert [o["name"] for o in report["characters"]["offer_to_remember"]] == ["Pip"]
    assert "--user ana" in report["characters"]["offer_to_remember"][0]["command"]
    with open_book(mira, "ana") as book:
        assert [h.run_id for h in book.get("Mira").history] == [report["run_id"]]
    other = run(build_request("Mira by a lake", settings=mira, seed=1, user_id="ben"), settings=mira)
    assert other["characters"]["remembered"] == []


def test_characters_cli(mira, tmp_path: Path, monkeypatch, capsys) -> None:
    """Through the CLI's own entry point, in-process (one embedder load, not one per command)."""
    from types import SimpleNamespace

    from agent.surfaces.cli import main

    monkeypatch.setenv("LIMNER_HOME", str(mira.home))

    def limner(*args: str) -> SimpleNamespace:
        monkeypatch.setattr(sys, "argv", ["limner", "characters", *args])
        code = 0
        try:
            main()
        except SystemExit as exit_:
            code = exit_.code or 0
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)

    listed = limner("list", "--user", "ana", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [c["name"] for c in json.loads(listed.stdout)] == ["Bolt", "Mira"]
    found = json.loads(limner("search", "a canine in spectacles", "--user", "ana", "--json").stdout)
    assert found[0]["name"] == "Mira" and found[0]["score"] >= found[1]["score"]
    assert json.loads(limner("list", "--user", "ben", "--json").stdout) == []
    for args, message in [
        (("show", "Nobody", "--user", "ana"), "no character named 'Nobody'"),
        (("add", "Mira", "--description", "again", "--user", "ana"), "already exists"),
        (("add", "Zed", "--description", "x" * 5000, "--user", "ana"), "description"),
        (("add", "Zed", "--description", "a cat", "--image", str(tmp_path / "missing.png"), "--user", "ana"), "missing.png"),
        (("rm", "Mira", "--user", "ben"), "no character named 'Mira'"),
        (("list", "--user", "../ana"), "user id"),
    ]:
        result = limner(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("error:") and message in result.stderr and "Traceback" not in result.stderr
    assert [c["name"] for c in json.loads(limner("list", "--user", "ana", "--json").stdout)] == ["Bolt", "Mira"]


def test_reference_images_get_clip_embeddings_or_say_why_not(settings, tmp_path: Path) -> None:
    from PIL import Image

    from memory.characters import CharacterBook
    from memory.store import open_store
    from memory.embeddings import default_embedder

    Image.new("RGB", (32, 32), (200, 90, 40)).save(tmp_path / "ref.png")
    fake = lambda images: ("fake-clip", [[1.0, 0.0, 0.0] for _ in images])  # noqa: E731

    def broken(images):
        raise RuntimeError("no CLIP weights here")

    with open_store(settings.home, embedder=default_embedder()) as store:
        made = CharacterBook(store, "ana", settings.home, image_embedder=fake).add(
            "Mira", "a fox", images=[tmp_path / "ref.png"])
        assert made.image_embeddings == {"model": "fake-clip", "rows": [[1.0, 0.0, 0.0]]}
        skipped = CharacterBook(store, "ana", settings.home, image_embedder=broken).add(
            "Bolt", "a wolf", images=[tmp_path / "ref.png"])
        assert skipped.image_embeddings is None and skipped.image_embeddings_note == "skipped: no CLIP weights here"
        plain = CharacterBook(store, "ana", settings.home).add("Pip", "a fox")
        assert plain.image_embeddings is None and plain.image_embeddings_note == ""


def test_identity_against_references_is_skipped_with_the_reason_offline(settings, tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (32, 32), (200, 90, 40)).save(tmp_path / "ref.png")
    with open_book(settings, "ana") as book:
        mira = book.add("Mira", "a small red fox", attributes={"species": "fox"}, images=[tmp_path / "ref.png"])
    assert mira.image_embeddings is None and mira.image_embeddings_note.startswith("skipped: ")
    report = run(build_request("Mira in the snow", settings=settings, seed=2, user_id="ana"), settings=settings)
    identity = [c for c in report["images"][0]["checks"] if c["reason"].startswith("identity vs Mira's references")]
    assert identity and identity[0]["status"] == "skipped"
