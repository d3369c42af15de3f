"""``simulated-gpu``: a backend for the scale benchmark and the tests only, never for users.

It behaves the way a GPU does from the scheduler's point of view: one backend call takes a
fixed wall time (``seconds_per_call``) whatever its batch size up to ``max_batch``, so figures
measured with it are about scheduling (replicas, batching, queues), not about this machine's
CPU. The images are cheap, deterministic per (prompt, seed) colour fields, so a test can tell
whose image is whose. It draws each shot from its own plan (``generate_items``), so a Serve
replica merges shots of different runs into one call, as a diffusion pipeline batches prompts.

It is registered when this module is imported (``limner eval scale`` and the tests import it);
nothing in limner imports it otherwise, so ``limner backends`` never offers it. A scaled-out
server records the module of each run's backend, so executors and replicas import it too.
"""

from __future__ import annotations

import hashlib
import time
from typing import ClassVar

import numpy as np
from PIL import Image
from pydantic import Field

from tools.generators.base import BackendError, GeneratorOptions, register
from tools.scene import ScenePlan, Shot

NAME = "simulated-gpu"


class SimulatedGpuOptions(GeneratorOptions):
    """How the simulated device behaves."""

    seconds_per_call: float = Field(default=1.0, ge=0, le=60)
    """Wall time of one backend call, whatever its batch size (up to ``max_batch``)."""
    max_batch: int = Field(default=8, ge=1, le=64)
    """Largest batch one call takes."""


class SimulatedGpu:
    """A device with a fixed cost per call; see the module docstring."""

    name: ClassVar[str] = NAME
    supports_edit: ClassVar[bool] = False
    supports_batch: ClassVar[bool] = True

    def __init__(self, options: SimulatedGpuOptions) -> None:
        self.options = options
        self.max_batch = options.max_batch
        self.calls = 0
        """Backend calls so far (each one ``seconds_per_call`` long)."""

    def generate(self, shots: list[Shot], size: tuple[int, int], seeds: list[int],
                 plan: ScenePlan | None = None) -> list[Image.Image]:
        if len(seeds) != len(shots):
            raise BackendError(f"got {len(shots)} shots but {len(seeds)} seeds; pass one seed per shot")
        return self.generate_items([(shot, seed, plan) for shot, seed in zip(shots, seeds)], size)

    def generate_items(self, items: list[tuple[Shot, int, ScenePlan | None]], size: tuple[int, int]) -> list[Image.Image]:
        """One call for shots of any plans: ``seconds_per_call`` of wall time, then one image per shot."""
        if len(items) > self.max_batch:
            raise BackendError(f"a batch of {len(items)} is larger than max_batch {self.max_batch}")
        self.calls += 1
        time.sleep(self.options.seconds_per_call)
        return [frame(shot.prompt, seed, size) for shot, seed, _ in items]

    def edit(self, image: Image.Image, mask: Image.Image, prompt: str, seed: int,
             strength: float | None = None) -> Image.Image:
        raise BackendError("the simulated-gpu backend cannot edit images (it exists for the scale benchmark)")


def frame(prompt: str, seed: int, size: tuple[int, int]) -> Image.Image:
    """A colour field with noise: the colour from the prompt, the noise from the seed."""
    digest = hashlib.sha256(prompt.encode()).digest()
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 48, size=(size[1] // 8, size[0] // 8, 1), dtype=np.uint8)
    tile = np.clip(np.frombuffer(digest[:3], dtype=np.uint8).astype(np.int16) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(tile, "RGB").resize(size, Image.Resampling.NEAREST)


def _factory(options: GeneratorOptions) -> SimulatedGpu:
    return SimulatedGpu(options if isinstance(options, SimulatedGpuOptions) else SimulatedGpuOptions())


register(NAME, SimulatedGpuOptions, _factory, supports_edit=False)
