"""Edit mode pieces: reading the instruction, masks, the exact operations, and the repair that
composites the input back when an edit changed what it should not."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from PIL import Image, ImageDraw

from agent.planning.edit import edit_operation, load_mask
from tools import edit_ops
from tools.generators.base import GeneratorOptions, register


@pytest.mark.parametrize(
    "instruction, expected",
    [
        ("put a sign that says 'OPEN' above the door", ("add_text", "OPEN", None)),
        ("replace the title with “Spring Sale”", ("add_text", "Spring Sale", None)),
        ("make the car red", ("recolour", None, "red")),
        ("crop it to a square", ("crop", None, None)),
        ("extend the canvas to 16:9", ("extend", None, None)),
        ("give this cat a detective hat", ("inpaint", None, None)),
    ],
)
def test_edit_operation(instruction: str, expected: tuple) -> None:
    assert edit_operation(instruction) == expected


def test_masks_follow_both_conventions_and_are_resized(tmp_path: Path) -> None:
    grey = Image.new("L", (64, 48), 0)
    grey.paste(255, (10, 10, 30, 20))
    grey.save(tmp_path / "grey.png")
    mask, notes = load_mask(tmp_path / "grey.png", (64, 48))
    assert edit_ops.mask_bbox(mask) == (10, 10, 30, 20) and notes == ["mask read as greyscale (white = edit)"]
    rgba = Image.new("RGBA", (32, 24), (255, 255, 255, 255))
    ImageDraw.Draw(rgba).rectangle([4, 4, 11, 9], fill=(0, 0, 0, 0))
    rgba.save(tmp_path / "rgba.png")
    mask, notes = load_mask(tmp_path / "rgba.png", (64, 48))
    assert edit_ops.mask_bbox(mask) == (8, 8, 24, 20)
    assert notes[-1] == "mask resized from 32x24 to the image's 64x48"


def test_feathering_reaches_at_most_8px() -> None:
    mask = Image.new("L", (100, 100), 0)
    mask.paste(255, (40, 40, 60, 60))
    soft = np.asarray(edit_ops.feathered(mask))
    assert soft[40:60, 40:60].min() == 255  # the region itself stays fully selected
    touched = np.argwhere(soft > 0)
    assert touched.min() >= 40 - edit_ops.FEATHER_PX and touched.max() < 60 + edit_ops.FEATHER_PX


def test_exact_operations() -> None:
    image = Image.new("RGB", (120, 80), (200, 180, 160))
    mask = Image.new("L", (120, 80), 0)
    mask.paste(255, (30, 20, 90, 60))
    blue = np.asarray(edit_ops.recolour(image, mask, "blue"))
    r, g, b = blue[40, 60]
    assert b > r and b > g and tuple(blue[2, 2]) == (200, 180, 160)
    cropped, box = edit_ops.crop_to_aspect(image, "1:1")
    assert cropped.size == (80, 80) and box == (20, 0, 100, 80)
    canvas, placed, new_area = edit_ops.extend_canvas(image, "2:1")
    assert canvas.size == (160, 80) and placed == (20, 0, 140, 80)
    assert np.array_equal(np.asarray(canvas.crop(placed)), np.asarray(image))
    with pytest.raises(ValueError, match="not an aspect ratio"):
        edit_ops.parse_aspect("wide")


class SmudgeGenerator:
    """A backend whose edits brighten the whole image: the preservation check must catch it."""

    name: ClassVar[str] = "smudge"
    supports_edit: ClassVar[bool] = True
    supports_batch: ClassVar[bool] = True
    max_batch = 1

    def generate(self, shots, size, seeds, plan=None):
        return [Image.new("RGB", size, (128, 128, 128)) for _ in shots]

    def edit(self, image, mask, prompt, seed, strength=None):
        return Image.fromarray(np.clip(np.asarray(image, int) + 40, 0, 255).astype("uint8"))


register("smudge", GeneratorOptions, lambda options: SmudgeGenerator(), supports_edit=True)


def test_an_edit_that_changes_too_much_is_restored(settings, tmp_path: Path) -> None:
    from agent.request import build_request
    from agent.run import run

    image = Image.new("RGB", (96, 64), (90, 120, 150))
    image.save(tmp_path / "in.png")
    mask = Image.new("L", (96, 64), 0)
    mask.paste(255, (30, 20, 60, 44))
    mask.save(tmp_path / "mask.png")
    request = build_request("give the square a hat", settings=settings, mode="edit", backend="smudge", seed=1,
                            inputs=[tmp_path / "in.png"], mask=tmp_path / "mask.png")
    report = run(request, settings=settings)
    (edited,) = report["images"]
    assert [r["kind"] for r in edited["repairs"]] == ["restore"] and edited["passed"]
    out = np.asarray(Image.open(edited["path"]), int)
    assert tuple(out[2, 2]) == (90, 120, 150)  # outside: the input again
    assert tuple(out[32, 45]) == (130, 160, 190)  # inside: the edit kept


def _tiny_clipseg(folder: Path) -> Path:
    """A random-weight CLIPSeg saved like a hub model (tokenizer written offline from open_clip)."""
    import torch
    from transformers import CLIPSegConfig, CLIPSegForImageSegmentation, CLIPSegProcessor, ViTImageProcessor

    from tools.testing.tiny_pipeline import offline_clip_tokenizer

    config = CLIPSegConfig(
        text_config=dict(vocab_size=49408, hidden_size=32, intermediate_size=37, num_attention_heads=4,
                         num_hidden_layers=2, max_position_embeddings=77),
        vision_config=dict(image_size=32, patch_size=8, hidden_size=32, intermediate_size=37,
                           num_attention_heads=4, num_hidden_layers=3),
        projection_dim=32, reduce_dim=16, extract_layers=[1, 2], decoder_num_attention_heads=4,
        decoder_intermediate_size=37,
    )
    torch.manual_seed(0)
    CLIPSegForImageSegmentation(config).save_pretrained(folder)
    image_processor = ViTImageProcessor(size={"height": 32, "width": 32})
    CLIPSegProcessor(image_processor=image_processor, tokenizer=offline_clip_tokenizer(folder / "tok")).save_pretrained(folder)
    return folder


def test_text_to_mask_with_a_segmenter_and_without_one(settings, tmp_path: Path, monkeypatch) -> None:
    from agent.planning.edit import plan_edit
    from agent.request import build_request
    from tools import segment

    Image.new("RGB", (64, 48), (90, 120, 150)).save(tmp_path / "in.png")
    with_segmenter = settings.model_copy(update={"segmenter": "CIDAS/clipseg-rd64-refined"})
    edit_request = lambda text: build_request(text, settings=with_segmenter, mode="edit", seed=1, backend="smudge",  # noqa: E731
                                              inputs=[tmp_path / "in.png"])

    def plan_edit_of(request, segmenter):
        return plan_edit(request.prompt, request.inputs, request.mask, request.out_dir, request.n or 1, segmenter)

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    # The model is not here: the plan says so and falls back, it never guesses a region.
    plan = plan_edit_of(edit_request("give the car a roof box"), "CIDAS/clipseg-rd64-refined")
    assert plan.edit.region is None and plan.notes[-1].startswith("text-to-mask skipped: CIDAS/clipseg-rd64-refined "
                                                                   "is not in the local cache")
    with pytest.raises(Exception, match="recolouring needs a region"):
        plan_edit_of(edit_request("make the car red"), "CIDAS/clipseg-rd64-refined")
    # A (tiny, random) CLIPSeg from a folder: the region is its mask of "car".
    model = str(_tiny_clipseg(tmp_path / "clipseg"))
    monkeypatch.setattr(segment, "THRESHOLD", 0.0)  # random weights: take every pixel it scores
    plan = plan_edit_of(edit_request("make the car red"), model)
    assert plan.edit.region_source == "mask" and plan.edit.mask and plan.edit.color == "red"
    assert plan.notes[-1] == f"region from text-to-mask of 'car' ({model})"
