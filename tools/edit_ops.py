"""The pixel side of edit mode, in one place: the exact edits that need no model (text into a
region, recolouring a masked region, cropping and extending the canvas), the user's mask, and
carrying out a planned edit (``apply_edit``) with a backend, plus what the critique compares
the result against (``reference``). The offline default backend edits with the exact
operations; model backends use them for the parts a model would only get approximately right
(the glyphs).

Every operation changes pixels only inside its region; masks are feathered by at most
``FEATHER_PX`` so that no seam shows and nothing further out moves.
"""

from __future__ import annotations

import colorsys
import re

import numpy as np
from PIL import Image, ImageChops, ImageFilter

from tools.colors import parse_color
from tools.generators.base import BackendError, Generator
from tools.images import ImageInputError, load_image, open_limited
from tools.scene import EditSpec
from tools.typeset import paste_feathered, typeset

FEATHER_PX = 8
"""Furthest a feathered edge reaches outside its region."""

PixelBox = tuple[int, int, int, int]


def feathered(mask: Image.Image, feather_px: int = FEATHER_PX) -> Image.Image:
    """``mask`` with a soft edge that reaches at most ``feather_px`` outside it (and keeps the
    region itself fully selected)."""
    mask = mask.convert("L")
    grown = mask.filter(ImageFilter.MaxFilter(2 * (feather_px // 2) + 1))
    soft = grown.filter(ImageFilter.GaussianBlur(feather_px / 4))
    # The blur's faint tails are cut where ``feather_px`` ends, and the region stays fully on.
    reach = mask.filter(ImageFilter.MaxFilter(2 * feather_px - 1))
    return ImageChops.lighter(mask, ImageChops.darker(soft, reach))


def mask_bbox(mask: Image.Image, threshold: int = 127) -> PixelBox | None:
    """The pixel box of the mask's selected area, or None when nothing is selected."""
    return mask.convert("L").point(lambda v: 255 if v > threshold else 0).getbbox()


def region_colour(image: Image.Image, box: PixelBox) -> tuple[int, int, int]:
    """The median colour of ``box``: what new text's panel is matched to."""
    crop = np.asarray(image.convert("RGB").crop(box)).reshape(-1, 3)
    return tuple(int(v) for v in np.median(crop, axis=0))  # type: ignore[return-value]


def add_text(image: Image.Image, text: str, box: PixelBox, role: str = "sign",
             mask: Image.Image | None = None) -> Image.Image:
    """``text`` typeset exactly into ``box`` on a panel in the region's own colour, blended in
    through the feathered region; outside it the image is unchanged."""
    base = image.convert("RGB")
    lettered = typeset(base, text, box, role, background=region_colour(base, box))
    if mask is None:
        mask = Image.new("L", base.size, 0)
        mask.paste(255, box)
    return paste_feathered(base, lettered, feathered(mask))


def recolour(image: Image.Image, mask: Image.Image, colour: str) -> Image.Image:
    """The masked pixels turned ``colour`` (its hue and saturation, their own lightness, so
    shading and texture stay); outside the feathered mask nothing changes."""
    rgb = parse_color(colour)
    if rgb is None:
        raise ValueError(f"unknown colour {colour!r}")
    hue, _, saturation = colorsys.rgb_to_hls(*(c / 255 for c in rgb))
    base = image.convert("RGB")
    pixels = np.asarray(base, dtype=np.float32) / 255
    lightness = (pixels.max(axis=2) + pixels.min(axis=2)) / 2
    # Keep each pixel's lightness, take the target's hue and saturation (HLS → RGB, vectorised).
    q = np.where(lightness < 0.5, lightness * (1 + saturation), lightness + saturation - lightness * saturation)
    p = 2 * lightness - q

    def channel(t: float) -> np.ndarray:
        t = t % 1.0
        if t < 1 / 6:
            return p + (q - p) * 6 * t
        if t < 1 / 2:
            return q
        if t < 2 / 3:
            return p + (q - p) * (2 / 3 - t) * 6
        return p

    out = np.stack([channel(hue + 1 / 3), channel(hue), channel(hue - 1 / 3)], axis=2)
    painted = Image.fromarray(np.clip(out * 255, 0, 255).round().astype(np.uint8), "RGB")
    return paste_feathered(base, painted, feathered(mask))


def parse_aspect(aspect: str) -> float:
    """"16:9" → 1.777…; "1:1" → 1.0."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[:x/]\s*(\d+(?:\.\d+)?)\s*", aspect)
    if not match or float(match[2]) == 0 or float(match[1]) == 0:
        raise ValueError(f"not an aspect ratio: {aspect!r} (use W:H, e.g. 16:9)")
    return float(match[1]) / float(match[2])


def crop_to_aspect(image: Image.Image, aspect: str, around: PixelBox | None = None) -> tuple[Image.Image, PixelBox]:
    """The largest crop of ratio ``aspect``, centred on ``around`` (or the image), and its box."""
    width, height = image.size
    ratio = parse_aspect(aspect)
    crop_w, crop_h = (width, round(width / ratio)) if width / height < ratio else (round(height * ratio), height)
    crop_w, crop_h = min(crop_w, width), min(crop_h, height)
    cx, cy = ((around[0] + around[2]) / 2, (around[1] + around[3]) / 2) if around else (width / 2, height / 2)
    x0 = int(min(max(0, round(cx - crop_w / 2)), width - crop_w))
    y0 = int(min(max(0, round(cy - crop_h / 2)), height - crop_h))
    box = (x0, y0, x0 + crop_w, y0 + crop_h)
    return image.crop(box), box


def extend_canvas(image: Image.Image, aspect: str) -> tuple[Image.Image, PixelBox, Image.Image]:
    """The image centred on a canvas of ratio ``aspect`` (never smaller), the new area filled
    with a blurred mirror of the picture's edges; returns the canvas, where the original sits,
    and the mask of the new area (for a model to paint over)."""
    width, height = image.size
    ratio = parse_aspect(aspect)
    new_w, new_h = (round(height * ratio), height) if width / height < ratio else (width, round(width / ratio))
    new_w, new_h = max(new_w, width), max(new_h, height)
    x0, y0 = (new_w - width) // 2, (new_h - height) // 2
    pixels = np.asarray(image.convert("RGB"))
    padded = np.pad(pixels, ((y0, new_h - height - y0), (x0, new_w - width - x0), (0, 0)), mode="symmetric")
    canvas = Image.fromarray(padded).filter(ImageFilter.GaussianBlur(12))
    canvas.paste(image.convert("RGB"), (x0, y0))
    mask = Image.new("L", (new_w, new_h), 255)
    mask.paste(0, (x0, y0, x0 + width, y0 + height))
    return canvas, (x0, y0, x0 + width, y0 + height), mask


def preservation(original: Image.Image, edited: Image.Image, keep: Image.Image) -> tuple[float, float]:
    """(mean absolute difference 0–255, fraction of pixels off by more than 8 levels) over the
    pixels ``keep`` selects (white = must not change)."""
    selected = np.asarray(keep.convert("L")) > 127
    if not selected.any():
        return 0.0, 0.0
    diff = np.abs(np.asarray(original.convert("RGB"), dtype=np.int16) - np.asarray(edited.convert("RGB"), dtype=np.int16))
    per_pixel = diff.max(axis=2)[selected]
    return float(per_pixel.mean()), float((per_pixel > 8).mean())


def load_mask(path: str, size: tuple[int, int]) -> tuple[Image.Image, list[str]]:
    """The user's mask as "L" (white = edit) at ``size``, and notes about what was done to it;
    ImageInputError when it cannot be read or selects nothing."""
    with open_limited(path) as raw:
        if raw.mode in ("RGBA", "LA", "PA") or "transparency" in raw.info:
            alpha = raw.convert("RGBA").getchannel("A")
            mask, kind = alpha.point(lambda v: 255 - v), "RGBA (transparent = edit)"
        else:
            mask, kind = raw.convert("L"), "greyscale (white = edit)"
    notes = [f"mask read as {kind}"]
    if mask.size != tuple(size):
        notes.append(f"mask resized from {mask.size[0]}x{mask.size[1]} to the image's {size[0]}x{size[1]}")
        mask = mask.resize(size, Image.NEAREST)
    if mask_bbox(mask) is None:
        raise ImageInputError(f"the mask {path} selects nothing (no pixel is white, or transparent in an RGBA mask)")
    return mask, notes


EXACT = {"add_text", "recolour", "crop", "extend"}


def cannot_edit(generator: Generator, spec: EditSpec) -> str | None:
    """Why ``generator`` cannot carry out ``spec``, or None when it can."""
    return edit_refusal(generator.name, generator.supports_edit, spec.operation, spec.instruction)


def edit_refusal(backend: str, can_edit: bool, operation: str, instruction: str) -> str | None:
    """Why backend ``backend`` (which can or cannot do model edits) cannot do ``operation``."""
    if operation in EXACT or can_edit:
        return None
    return (f"the {backend} backend cannot do {instruction!r} offline: it can add or replace "
            "quoted text in a region, recolour a masked region, crop or extend the canvas. For other "
            "edits use --backend diffusers (local inpainting) or --backend openai")


def source(spec: EditSpec) -> Image.Image:
    """The image being edited (the run folder's copy of the first input)."""
    return load_image(spec.inputs[0])


def region_mask(spec: EditSpec) -> Image.Image:
    """What may change, at the input's size: the user's mask, else the planned box, else all."""
    if spec.mask:
        return Image.open(spec.mask).convert("L")
    mask = Image.new("L", spec.size, 0 if spec.region else 255)
    if spec.region is not None:
        mask.paste(255, spec.region.to_pixels(*spec.size))
    return mask


def _multiple_of_8(canvas: Image.Image, placed: PixelBox,
                   mask: Image.Image) -> tuple[Image.Image, PixelBox, Image.Image]:
    """Diffusion models want sides in multiples of 8: trim the canvas (never the original)."""
    width, height = canvas.size
    w8, h8 = width - width % 8, height - height % 8
    if (w8, h8) == (width, height) or w8 < placed[2] or h8 < placed[3]:
        return canvas, placed, mask
    return canvas.crop((0, 0, w8, h8)), placed, mask.crop((0, 0, w8, h8))


def apply_edit(generator: Generator, spec: EditSpec, seed: int) -> Image.Image:
    """One edited image for ``spec`` (``seed`` matters for model edits only)."""
    reason = cannot_edit(generator, spec)
    if reason:
        raise BackendError(reason)
    image = source(spec)
    mask = region_mask(spec)
    if spec.operation == "add_text":
        box = spec.region.to_pixels(*spec.size) if spec.region else (0, 0, *spec.size)
        return add_text(image, spec.text or "", box, "sign", mask=mask if spec.mask else None)
    if spec.operation == "recolour":
        return recolour(image, mask, spec.color or "")
    if spec.operation == "crop":
        return _cropped(spec, image)
    if spec.operation == "extend":
        canvas, placed, new_area = extend_canvas(image, spec.aspect or "3:2")
        if not generator.supports_edit:
            return canvas
        canvas, placed, new_area = _multiple_of_8(canvas, placed, new_area)
        return generator.edit(canvas, new_area, f"{spec.instruction}; continue the scene seamlessly", seed)
    return generator.edit(image, feathered(mask), spec.instruction, seed)


def _cropped(spec: EditSpec, image: Image.Image) -> Image.Image:
    """The crop the plan asks for, centred on its region when it has one."""
    around = spec.region.to_pixels(*spec.size) if spec.region else None
    return crop_to_aspect(image, spec.aspect or "1:1", around)[0]


def reference(spec: EditSpec, edited: Image.Image) -> tuple[Image.Image, Image.Image]:
    """(what ``edited`` should equal where it must not change, and that "must not change" mask),
    both at ``edited``'s size."""
    image = source(spec)
    if spec.operation == "crop":
        cropped = _cropped(spec, image)
        return cropped, Image.new("L", cropped.size, 255)
    if spec.operation == "extend":
        canvas, _, new_area = extend_canvas(image, spec.aspect or "3:2")
        keep = new_area.point(lambda v: 255 - v).crop((0, 0, *edited.size))
        # A model's repaint of the new area is pasted through a feathered mask: the original's
        # outermost pixels may blend by design, so they are not held to "unchanged".
        keep = keep.filter(ImageFilter.MinFilter(2 * (FEATHER_PX // 2) + 1))
        return canvas.crop((0, 0, *edited.size)), keep
    keep = feathered(region_mask(spec)).point(lambda v: 255 if v == 0 else 0)
    return image, keep

