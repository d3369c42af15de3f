"""The ``diffusers`` backend: any text-to-image pipeline (hub id or local folder), batched,
seeded per image, coherent across a batch, and able to repair regions by inpainting.

- Loading: :func:`tools.generators.diffusers_loading.load_pipeline` (fast failure offline).
  img2img and inpainting pipelines are made from the same components with ``from_pipe``.
- Seeds: every image has its own ``torch.Generator`` (on the CPU, so a seed means the same
  noise on every device). In independent mode — always in raw mode — the same seed and
  prompt give the same image whatever the batch size or position.
- Coherence (agent runs with several shots, ``coherence="shared"``): shared self-attention
  with the plan's first shot as the reference (:mod:`tools.generators.coherence`). Each
  sub-batch starts with the reference, so chunking does not change a single pixel.
- Layout (``layout_strength`` > 0): img2img from the sketch backend's storyboard frame of
  the shot, so objects land where the plan put them.
- Edits: inpainting of a mask, colour-matched to the surroundings and pasted back through
  the feathered mask, so pixels outside it do not change and no seam shows.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from typing import Any, ClassVar, Literal

from PIL import Image
from pydantic import Field

from tools.typeset import match_colors, paste_feathered
from tools.generators.base import BackendError, GeneratorOptions, register, report_step
from tools.scene import ScenePlan, Shot
from tools.render import render_shot
from tools.images import load_image

DEFAULT_MODEL = "stabilityai/sd-turbo"
TURBO_STEPS, DEFAULT_STEPS = 4, 30


class DiffusersOptions(GeneratorOptions):
    """Options of the diffusers backend (``--option key=value`` on the CLI)."""

    guidance_scale: float | None = Field(default=None, ge=0, le=30)
    """Classifier-free guidance; None: 0 for turbo models (they are distilled without it), else 7."""
    max_batch: int = Field(default=4, ge=1, le=8)
    """Most images per pipeline call; larger batches are split (memory)."""
    coherence: Literal["shared", "independent"] = "shared"
    """Multi-shot agent runs share self-attention with the first shot; raw runs never do."""
    layout_strength: float = Field(default=0.0, ge=0, le=1)
    """> 0: start from the storyboard frame of the plan (img2img) at this strength."""
    inpaint_strength: float = Field(default=0.85, gt=0, le=1)
    """How far an inpainted region may move from what was there."""
    blend_strength: float = Field(default=0.25, ge=0, le=1)
    """Strength of the low inpaint that blends re-typeset text into the picture (0: no blending)."""
    negative_prompt: str | None = None
    """Added to every shot's own negatives."""
    ip_adapter: str | None = None
    """IP-Adapter weights as ``repo/subfolder/file`` on the hub (``h94/IP-Adapter/models/ip-adapter_sd15.bin``)
    or a local file; with ``reference_images`` every image follows their look."""
    reference_images: list[str] = Field(default_factory=list, max_length=4)
    """Image files the IP-Adapter conditions on (a character sheet, a product photo)."""
    ip_adapter_scale: float = Field(default=0.6, ge=0, le=1)
    device: str = "auto"
    dtype: str = "auto"
    cpu_offload: bool = False
    attention_slicing: bool = False


def steps_for(steps: int, strength: float) -> int:
    """Steps that make an img2img/inpaint call run at least one denoising step.

    diffusers runs ``int(steps * strength)`` steps and raises when that is 0."""
    needed = steps
    while int(needed * strength) < 1:
        needed = max(needed + 1, math.ceil(1 / strength))
    return needed


class DiffusersGenerator:
    """A diffusers pipeline behind the Generator protocol; the model loads on first use."""

    name: ClassVar[str] = "diffusers"
    supports_edit: ClassVar[bool] = True
    supports_batch: ClassVar[bool] = True

    def __init__(self, options: DiffusersOptions | None = None) -> None:
        self.options = options or DiffusersOptions()
        self.max_batch = self.options.max_batch
        self.model = self.options.model or DEFAULT_MODEL
        turbo = "turbo" in self.model.lower()
        self.steps = self.options.steps or (TURBO_STEPS if turbo else DEFAULT_STEPS)
        self.guidance = self.options.guidance_scale if self.options.guidance_scale is not None else (0.0 if turbo else 7.0)
        if bool(self.options.ip_adapter) != bool(self.options.reference_images):
            raise BackendError("ip_adapter and reference_images go together: set both or neither")
        self._pipes: dict[str, Any] = {}
        self._references: dict[str, tuple[Shot, int]] = {}
        """Plan request → its reference shot and seed, so a later single-shot call (a repair)
        is drawn coherent with the batch."""

    # -- pipelines -------------------------------------------------------------------------
    def pipeline(self, kind: Literal["text2image", "image2image", "inpaint"] = "text2image") -> Any:
        """The pipeline of ``kind``; all kinds share one set of components."""
        if "text2image" not in self._pipes:
            from tools.generators.diffusers_loading import load_pipeline  # lazy: loads diffusers and torch

            o = self.options
            if o.ip_adapter:  # a missing adapter fails before minutes of loading the model
                from tools.generators.diffusers_loading import ip_adapter_source  # lazy: loads diffusers and torch

                ip_adapter_source(o.ip_adapter)
            pipe = load_pipeline(self.model, device=o.device, dtype=o.dtype,
                                 cpu_offload=o.cpu_offload, attention_slicing=o.attention_slicing)
            if o.ip_adapter:
                from tools.generators.diffusers_loading import load_ip_adapter  # lazy: loads diffusers and torch

                load_ip_adapter(pipe, o.ip_adapter, o.ip_adapter_scale)
            self._pipes["text2image"] = pipe
        if kind not in self._pipes:
            from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting

            factory = AutoPipelineForImage2Image if kind == "image2image" else AutoPipelineForInpainting
            try:
                pipe = factory.from_pipe(self._pipes["text2image"])
            except (ValueError, KeyError) as error:
                raise BackendError(f"{self.model!r} has no {kind} variant in diffusers: {error}") from error
            pipe.set_progress_bar_config(disable=True)
            self._pipes[kind] = pipe
        return self._pipes[kind]

    # -- prompts ---------------------------------------------------------------------------
    def _prompt(self, shot: Shot, plan: ScenePlan | None) -> str:
        if plan is None:
            return shot.prompt
        extras = [plan.style, shot.light or plan.light]
        extras = [e for e in extras if e and e.lower() not in shot.prompt.lower()]
        return ", ".join([shot.prompt, *extras])

    def _negative(self, shot: Shot, plan: ScenePlan | None) -> str | None:
        parts = list(shot.negatives or (plan.negatives if plan else []))
        if self.options.negative_prompt:
            parts.append(self.options.negative_prompt)
        return ", ".join(dict.fromkeys(parts)) or None

    def truncation(self, prompt: str) -> str | None:
        """What the text encoder will not read of ``prompt`` (CLIP reads 77 tokens), or None."""
        tokenizer = getattr(self.pipeline(), "tokenizer", None)
        if tokenizer is None:
            return None
        limit = tokenizer.model_max_length
        ids = tokenizer(prompt, truncation=False, add_special_tokens=True).input_ids
        if len(ids) <= limit:
            return None
        dropped = tokenizer.decode(ids[limit - 1 : -1]).strip()
        return f"prompt is {len(ids)} tokens, the text encoder reads {limit}: dropped {dropped[:120]!r}"

    # -- generation ------------------------------------------------------------------------
    def generate(self, shots: list[Shot], size: tuple[int, int], seeds: list[int],
                 plan: ScenePlan | None = None) -> list[Image.Image]:
        """One image per shot, image i from seeds[i]; see the module docstring for coherence."""
        if len(seeds) != len(shots):
            raise BackendError(f"got {len(shots)} shots but {len(seeds)} seeds; pass one seed per shot")
        width, height = size
        if width % 8 or height % 8:
            raise BackendError(f"diffusers needs sizes in multiples of 8, got {width}x{height}")
        coherent = plan is not None and self.options.coherence == "shared" and len(plan.shots) > 1
        reference = self._reference_for(shots, seeds, plan) if coherent else None
        images: list[Image.Image] = []
        remaining = list(zip(shots, seeds))
        while remaining:
            # Each sub-batch starts with the reference: the batch's own, or a copy dropped afterwards.
            borrow = reference is not None and remaining[0][0] is not reference[0]
            take = max(1, self.max_batch - borrow)
            part, remaining = remaining[:take], remaining[take:]
            if borrow:
                part = [reference, *part]
            drawn = self._draw([s for s, _ in part], [seed for _, seed in part], size, plan, reference is not None)
            images.extend(drawn[1:] if borrow else drawn)
        return images

    def _reference_for(self, shots: list[Shot], seeds: list[int], plan: ScenePlan) -> tuple[Shot, int] | None:
        if shots[0].index == 0:
            self._references[plan.request] = (shots[0], seeds[0])
            return shots[0], seeds[0]
        return self._references.get(plan.request)

    def _draw(self, shots: list[Shot], seeds: list[int], size: tuple[int, int], plan: ScenePlan | None,
              coherent: bool) -> list[Image.Image]:
        import torch

        from tools.generators.coherence import shared_attention  # lazy: loads torch

        width, height = size
        prompts = [self._prompt(s, plan) for s in shots]
        warnings = [self.truncation(p) for p in prompts]
        kwargs: dict[str, Any] = {
            "prompt": prompts,
            "guidance_scale": self.guidance,
            "generator": [torch.Generator("cpu").manual_seed(int(s)) for s in seeds],
            "output_type": "pil",
        }
        if self.guidance > 1:
            kwargs["negative_prompt"] = [self._negative(s, plan) or "" for s in shots]
        if self.options.reference_images:
            kwargs["ip_adapter_image"] = self._reference_images()
        strength = self.options.layout_strength
        if plan is not None and strength > 0:
            pipe = self.pipeline("image2image")
            kwargs["image"] = [self._layout(s, plan, size, seed) for s, seed in zip(shots, seeds)]
            kwargs["strength"] = strength
            steps = steps_for(self.steps, strength)
            total = int(steps * strength)
        else:
            pipe = self.pipeline("text2image")
            kwargs.update(height=height, width=width)
            steps = total = self.steps
        kwargs["num_inference_steps"] = steps
        kwargs["callback_on_step_end"] = _step_callback(total)
        sharing = shared_attention(pipe, len(shots)) if coherent else nullcontext()
        try:
            with sharing, torch.inference_mode():
                images = pipe(**kwargs).images
        except torch.OutOfMemoryError as error:
            raise BackendError(
                f"out of GPU memory for {len(shots)} images at {width}x{height}; lower max_batch "
                "(--option max_batch=1), the size, or set --option cpu_offload=true"
            ) from error
        for image, warning in zip(images, warnings):
            if warning:
                image.info["warnings"] = [warning]
        return list(images)

    def _reference_images(self) -> list[Image.Image]:
        try:
            return [load_image(path).convert("RGB") for path in self.options.reference_images]
        except Exception as error:  # noqa: BLE001 - a bad file is a configuration mistake to report
            raise BackendError(f"cannot use reference image: {error}") from error

    def _layout(self, shot: Shot, plan: ScenePlan, size: tuple[int, int], seed: int) -> Image.Image:
        return render_shot(shot, plan, size, seed).image.convert("RGB")

    # -- edits -----------------------------------------------------------------------------
    def edit(self, image: Image.Image, mask: Image.Image, prompt: str, seed: int,
             strength: float | None = None) -> Image.Image:
        """Inpaint the white of ``mask``; outside it the result is ``image`` exactly."""
        import torch

        strength = self.options.inpaint_strength if strength is None else strength
        if strength <= 0:
            return image.copy()
        base = image.convert("RGB")
        width, height = base.size
        if width % 8 or height % 8:
            raise BackendError(f"diffusers edits need sizes in multiples of 8, got {width}x{height}")
        mask = mask.convert("L").resize(base.size)
        steps = steps_for(self.steps, strength)
        pipe = self.pipeline("inpaint")
        with torch.inference_mode():
            painted = pipe(
                prompt=prompt, image=base, mask_image=mask, strength=strength, num_inference_steps=steps,
                guidance_scale=self.guidance, generator=torch.Generator("cpu").manual_seed(int(seed)),
                height=height, width=width, output_type="pil",
                callback_on_step_end=_step_callback(int(steps * strength)),
            ).images[0]
        painted = match_colors(painted.convert("RGB").resize(base.size), base, mask)
        return paste_feathered(base, painted, mask)

    def blend(self, image: Image.Image, mask: Image.Image, prompt: str, seed: int) -> Image.Image:
        """A low-strength inpaint that settles re-typeset text into the picture."""
        return self.edit(image, mask, prompt, seed, strength=self.options.blend_strength)


def _step_callback(total: int) -> Any:
    def on_step_end(pipe: Any, step: int, timestep: Any, callback_kwargs: dict[str, Any]) -> dict[str, Any]:
        report_step(step + 1, total)
        return callback_kwargs

    return on_step_end


def _factory(options: GeneratorOptions) -> DiffusersGenerator:
    if not isinstance(options, DiffusersOptions):
        options = DiffusersOptions(**options.model_dump(exclude_unset=True))
    return DiffusersGenerator(options)


register("diffusers", DiffusersOptions, _factory, supports_edit=True)
