"""Remembered characters in the loop: resolving a request against the user's memory, turning
a remembered character into the plan's character, and what finalize records.

Memory is opened only when there is one (the SQLite file exists, or a store URL is set), so a
user without characters never pays for loading the embedding model.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

from memory import STORE_FILE
from tools.scene import Character as PlanCharacter
from agent.planning.rules import extract_characters

if TYPE_CHECKING:  # pragma: no cover - types only
    from agent.context import Settings
    from memory.characters import Character, CharacterBook


def has_memory(settings: "Settings") -> bool:
    return bool(settings.store_url) or (settings.home / STORE_FILE).is_file()


@contextmanager
def open_book(settings: "Settings", user_id: str) -> Iterator["CharacterBook"]:
    """``user_id``'s characters (their namespace only)."""
    from memory.characters import CharacterBook  # lazy: opening memory loads the store and the embedding model
    from memory.embeddings import default_embedder  # lazy: opening memory loads the store and the embedding model
    from memory.store import open_store  # lazy: opening memory loads the store and the embedding model

    with open_store(settings.home, store_url=settings.store_url,
                    embedder=default_embedder(settings.embedding_model)) as store:
        yield CharacterBook(store, user_id, settings.home, image_embedder=clip_image_embedder(settings))


def _clip(settings: "Settings") -> tuple[Any, str | None]:
    from tools.critics.aggregate import configured_clip  # lazy: CLIP loads torch

    return configured_clip(settings.clip_settings())


def clip_image_embedder(settings: "Settings"):
    """Reference-image embeddings with the configured CLIP (identity checks compare against
    them); raises with the reason when CLIP cannot run here."""

    def embed(images: list) -> tuple[str, list[list[float]]]:
        model, reason = _clip(settings)
        if model is None:
            raise RuntimeError(reason or "CLIP unavailable")
        return model.id, model.embed_images(images).tolist()

    return embed


def reference_checks(settings: "Settings", user_id: str, images: dict[int, object],
                     shots: dict[int, object], plan_characters: list[PlanCharacter]) -> dict[int, list]:
    """``clip_identity`` against each remembered character's reference images, per shot it is in;
    skipped, with the reason, when CLIP or the references' embeddings are missing."""
    remembered_ids = {c.id: c for c in plan_characters if c.remembered}
    wanted = {i: [remembered_ids[c] for c in shots[i].characters if c in remembered_ids] for i in images}
    if not any(wanted.values()):
        return {}
    from tools.critics import clip  # lazy: CLIP loads torch

    with open_book(settings, user_id) as book:
        stored = {c.id: book.get(c.name) for c in remembered_ids.values()}
    model, reason = _clip(settings)
    results: dict[int, list] = {}
    for index, characters in wanted.items():
        for character in characters:
            memory = stored[character.id]
            if not memory.reference_images:
                continue
            label = f"{character.name}'s references"
            if model is None:
                results.setdefault(index, []).extend(clip.skipped(clip.CHECK_IDENTITY, f"identity vs {label}: {reason}"))
            elif not memory.image_embeddings or memory.image_embeddings.get("model") != model.id:
                note = memory.image_embeddings_note or "made by another CLIP model; re-add the images"
                results.setdefault(index, []).extend(clip.skipped(clip.CHECK_IDENTITY, f"no embeddings of {label} ({note})"))
            else:
                results.setdefault(index, []).extend(
                    clip.check_reference(model, images[index], memory.image_embeddings["rows"], label=label))
    return results


def remembered(settings: "Settings", user_id: str, text: str) -> list["Character"]:
    """The user's characters ``text`` names or describes (exact names first, then meaning
    above ``settings.character_threshold``); none without a memory."""
    if not has_memory(settings):
        return []

    with open_book(settings, user_id) as book:
        # A request that introduces someone new ("a fox named Pip") is about them: only exact
        # names resolve then, so a look-alike in memory does not take their place.
        new = [c for c in extract_characters(text) if not book.exists(c.name)]
        return book.resolve(text, 1.01 if new else settings.character_threshold)


def to_plan_character(character: "Character") -> PlanCharacter:
    """A remembered character as the plan draws it: species, colours per part, features."""
    attributes = character.attributes
    features = {key: value for key, value in {
        "hair": attributes.hair, "eyes": attributes.eyes, "outfit": attributes.outfit, "body": attributes.body,
        "accessories": ", ".join(attributes.accessories), "style": attributes.style_notes,
        "palette": ", ".join(attributes.palette),
    }.items() if value}
    species = attributes.species.split()[-1] if attributes.species else None
    return PlanCharacter(id=character.key, name=character.name, description=character.description,
                         species=species, colors=dict(attributes.colours), attributes=features, remembered=True)


def record_appearances(settings: "Settings", user_id: str, names: list[str], run_id: str, prompt: str) -> list[str]:
    """Append this run to each remembered character's history; log lines for any failure."""
    if not names or not has_memory(settings):
        return []
    try:
        with open_book(settings, user_id) as book:
            for name in names:
                book.append_history(name, run_id, prompt)
    except Exception as error:  # noqa: BLE001 - history is a record, never a reason to lose images
        return [f"memory: history not recorded ({type(error).__name__}: {error})"]
    return []
