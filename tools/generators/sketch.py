"""The ``sketch`` backend: the offline default, drawing each shot as a storyboard frame.

It needs no model and no network, is deterministic per seed, and draws exactly what the
plan says (text, counts, colours, characters), which makes it the composition source for
other backends and the reference the critics are tested against. It cannot edit pixels
from a prompt: text repair goes through :func:`tools.typeset.typeset` instead.
"""

from __future__ import annotations

from typing import ClassVar

from PIL import Image

from tools import clipart
from tools.generators.base import BackendError, GeneratorOptions, register
from tools.render import render_shot
from tools.scene import ScenePlan, Shot


class SketchOptions(GeneratorOptions):
    """The sketch backend has no model or steps; the inherited fields are accepted and ignored."""


class SketchGenerator:
    """Renders shots with :func:`tools.render.render_shot`.

    Images that contain OpenMoji clip-art carry ``info["credits"]`` with its attribution; every
    frame carries ``info["drawing"]`` (a :class:`tools.critics.coverage.Drawing`): which
    objects were drawn as clip-art and which as labelled placeholders, for the coverage check.
    """

    name: ClassVar[str] = "sketch"
    supports_edit: ClassVar[bool] = False
    supports_batch: ClassVar[bool] = True

    def __init__(self, options: SketchOptions | None = None) -> None:
        self.options = options or SketchOptions()
        self.max_batch = 8

    def generate(
        self,
        shots: list[Shot],
        size: tuple[int, int],
        seeds: list[int],
        plan: ScenePlan | None = None,
    ) -> list[Image.Image]:
        """One frame per shot, frame i from seeds[i]; independent of batch size and position."""
        if len(seeds) != len(shots):
            raise BackendError(f"got {len(shots)} shots but {len(seeds)} seeds; pass one seed per shot")
        return self.generate_items([(shot, seed, plan) for shot, seed in zip(shots, seeds)], size)

    def generate_items(self, items: list[tuple[Shot, int, ScenePlan | None]], size: tuple[int, int]) -> list[Image.Image]:
        """One frame per (shot, seed, plan): shots of different plans in one call (a scaled-out
        generator merges concurrent runs' shots this way); each frame is the one it would be alone."""
        images = []
        for shot, seed, plan in items:
            result = render_shot(shot, plan, tuple(size), int(seed))
            image = result.image
            if result.used_openmoji:
                image.info["credits"] = clipart.credits(True)  # per image: finalize writes it
            images.append(image)
        return images

    def edit(self, image: Image.Image, mask: Image.Image, prompt: str, seed: int,
             strength: float | None = None) -> Image.Image:
        """Not supported: the sketch backend draws plans, it cannot repaint pixels from a prompt."""
        raise BackendError(
            "the sketch backend cannot edit images (it draws plans, it does not inpaint); "
            "text repairs use tools.typeset.typeset, and inpainting needs a backend with "
            "supports_edit, e.g. --backend diffusers"
        )


def _factory(options: GeneratorOptions) -> SketchGenerator:
    return SketchGenerator(options if isinstance(options, SketchOptions) else SketchOptions())


register("sketch", SketchOptions, _factory)
