"""repair: targeted fixes for images that failed a check; images that passed are never touched.

- ``retypeset``: draw the expected text into its box again, larger, wrapped, at maximum
  contrast (the repair mode of ``tools.typeset.typeset``);
- ``regenerate``: the shot again with a new seed (also how a failed generation is retried);
- ``inpaint``: the backend's edit on the defect's region when it can edit, else regenerate.
Each round writes new files (``work/shot-NN-rK.png``) and records before/after.
"""

from __future__ import annotations

from typing import Any

from PIL import Image
from langgraph.runtime import Runtime

from agent.backends import generator_for
from agent.context import Settings
from agent.nodes.common import emit, timed, work_path
from agent.nodes.generate import credits_of, drawing_of, generate_images
from agent.state import ImageRecord, RepairRecord, State
from tools.typeset import box_mask, typeset
from tools.scene import EditSpec, RepairAction, Shot
from tools.edit_ops import apply_edit, reference

_SEED_STEP = 1_000_003  # a prime stride: repaired seeds never collide with the batch's S+i


def _regenerate(state: State, shot: Shot, seed: int) -> Image.Image:
    generator = generator_for(state.request)
    if state.plan is not None and state.plan.edit is not None:  # an edit is redone, not drawn anew

        return apply_edit(generator, state.plan.edit, seed)
    result = generate_images(generator, [shot], [seed], state.request.size, state.plan)[0]
    if isinstance(result, Exception):
        raise result
    return result


def _retypeset(image: Image.Image, shot: Shot, action: RepairAction) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """The image with the text drawn again, and the box it went into."""
    element = next((t for t in shot.texts if t.text == action.target), None)
    role = element.role if element else "sign"
    box = action.box
    if box is None and element is not None and element.box is not None:
        box = list(element.box.to_pixels(*image.size))
    if box is None:  # nowhere planned: a band across the upper third
        width, height = image.size
        box = [width // 10, height // 12, width - width // 10, height // 3]
    return typeset(image, action.target or "", tuple(box), role, emphasis=True), tuple(box)


def _restore(spec: EditSpec, image: Image.Image) -> Image.Image:
    """The input composited back wherever the edit should not have changed anything."""
    expected, keep = reference(spec, image)
    if expected.size != image.size:
        return expected
    return Image.composite(expected, image.convert("RGB"), keep)


def _mask(image: Image.Image, action: RepairAction) -> Image.Image:
    """The feathered mask of an action's box (the whole image when it names none)."""
    width, height = image.size
    return box_mask((width, height), tuple(action.box or (0, 0, width, height)), feather_px=8)


def repair_image(state: State, record: ImageRecord, shot: Shot, round_: int) -> ImageRecord:
    """Apply every suggested repair of one failed image; returns the updated record."""
    actions = record.critique.repairs if record.critique else []
    image = Image.open(record.path).convert("RGB") if record.path else None
    seed, credits, drawing, done = record.seed, list(record.credits), record.drawing, []
    generator = generator_for(state.request)
    # Repair seeds follow from the image's seed and the round: a repeated run repeats its repairs.
    repair_seed = (record.seed + _SEED_STEP * round_) % 2**32
    spec = state.plan.edit if state.plan is not None else None
    for action in actions:
        before = record.path or "(missing)"
        if action.kind == "restore" and image is not None and spec is not None:
            image = _restore(spec, image)
        elif action.kind == "retypeset" and image is not None:
            image, box = _retypeset(image, shot, action)
            if round_ == 1 and spec is None and hasattr(generator, "blend"):
                # Settle the glyphs into the picture once; later rounds keep them crisp and exact.
                mask = box_mask(image.size, box, feather_px=8)
                image = generator.blend(image, mask, f'the text "{action.target}"', repair_seed)
        elif action.kind == "inpaint" and image is not None and generator.supports_edit:
            seed = repair_seed
            image = generator.edit(image, _mask(image, action), action.target or shot.prompt, seed)
        else:  # regenerate, or an inpaint the backend cannot do
            seed = repair_seed
            image = _regenerate(state, shot, seed)
            credits = credits_of(image)
            drawing = drawing_of(image)
        done.append((action, before))
    path = work_path(state.request, shot.index, round_)
    image.save(path, format="PNG")
    repairs = [
        RepairRecord(
            round=round_, kind=action.kind, check=action.check, target=action.target, box=action.box,
            before=before, after=str(path), seed=seed if action.kind != "retypeset" else None,
        )
        for action, before in done
    ]
    return ImageRecord(
        shot=record.shot, seed=seed, path=str(path), critique=None,
        repairs=record.repairs + repairs, credits=credits, drawing=drawing,
    )


@timed("repair")
def repair(state: State, runtime: Runtime[Settings]) -> dict[str, Any]:
    round_ = state.rounds + 1
    shots = {shot.index: shot for shot in state.shots}
    images = []
    for record in state.images:
        if record.passed or not (record.critique and record.critique.repairs):
            images.append(record)
            continue
        try:
            updated = repair_image(state, record, shots[record.shot], round_)
        except Exception as error:  # noqa: BLE001 - a failed repair keeps the image as it was
            emit("repair", shot=record.shot, ok=False, error=str(error))
            images.append(record)
            continue
        emit("repair", shot=record.shot, ok=True, actions=[r.kind for r in updated.repairs[len(record.repairs):]])
        images.append(updated)
    return {"images": images, "rounds": round_}
