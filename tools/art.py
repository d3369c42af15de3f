"""Where the sketch renderer gets the picture of a planned object: one chain of art sources.

Each source answers for the nouns it knows and draws them at a size and colour; the first
source that knows a noun wins, so a drawn shape ("triangle") or a drawn prop ("bench") is
preferred to the nearest clip-art, and clip-art to a labelled placeholder (which the
renderer draws itself when no source answers). The coverage check and its eval ask the same
chain (:func:`has_art`), so "drawn with art" means one thing everywhere.

A view other than the front is applied here, once, to whatever a source drew (see
:func:`viewed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PIL import Image, ImageFilter

from tools import clipart, clipart_semantic, figures, props, shapes
from tools.colors import darken


@dataclass(frozen=True)
class ArtSource:
    """One kind of art: ``covers(noun)`` says whether it can draw the noun, ``draw(noun,
    size_px, color)`` draws it as an RGBA image about ``size_px`` on its longer side (None if
    it cannot after all)."""

    name: str
    covers: Callable[[str], bool]
    draw: Callable[[str, int, str | None], Image.Image | None]


def _clipart_covers(noun: str) -> bool:
    return clipart.lookup(noun) is not None


def _clipart_draw(noun: str, size_px: int, color: str | None) -> Image.Image | None:
    return clipart.draw(noun, size_px, color)


#: First match wins: the more specific drawings come before clip-art.
SOURCES: list[ArtSource] = [
    ArtSource("roles", figures.is_person, figures.draw_person),  # people and roles: drawn like the cast
    ArtSource("shapes", shapes.covers, shapes.draw),
    ArtSource("props", props.covers, props.draw),  # before clip-art: only nouns it lacks or draws wrong
    ArtSource("clipart", _clipart_covers, _clipart_draw),
    ArtSource("clipart-meaning", clipart_semantic.covers, clipart_semantic.draw),  # last: torch only on a miss
]


def source_for(noun: str) -> ArtSource | None:
    """The source that draws ``noun``, or None (the noun becomes a labelled placeholder)."""
    return next((s for s in SOURCES if s.covers(noun)), None)


#: Sources whose drawings are (or may include) OpenMoji art, which must be credited.
_OPENMOJI_SOURCES = {"clipart", "clipart-meaning", "roles"}


def uses_openmoji(noun: str) -> bool:
    """Whether ``noun``'s drawing is OpenMoji art (role figures may wear OpenMoji props)."""
    source = source_for(noun)
    return source is not None and source.name in _OPENMOJI_SOURCES


def has_art(noun: str) -> bool:
    """True when some source draws ``noun`` (what the coverage figures count)."""
    return source_for(noun) is not None


def draw(noun: str, size_px: int, color: str | None = None, view: str | None = None) -> Image.Image | None:
    """``noun`` drawn by the first source that knows it, seen from ``view``; None if none does."""
    source = source_for(noun)
    art = source.draw(noun, size_px, color) if source else None
    if art is not None and view:
        art = viewed(art, view)
    return art


def viewed(art: Image.Image, view: str | None) -> Image.Image:
    """Art is drawn from the front; a product turnaround must still read as one: the side
    is the art narrowed, three-quarter less so, the top flattened, the back a plain silhouette
    of the art's own colour (no front details), mirrored."""
    if view in ("side", "three-quarter"):
        width = max(2, round(art.width * (0.42 if view == "side" else 0.72)))
        return art.resize((width, art.height), Image.LANCZOS)
    if view == "top":
        return art.resize((art.width, max(2, round(art.height * 0.45))), Image.LANCZOS)
    if view == "back":
        alpha = art.getchannel("A")
        solid = [p for p, a in zip(art.convert("RGB").getdata(), alpha.getdata()) if a > 200]
        if not solid:
            return art
        mean = tuple(sorted(c[i] for c in solid)[len(solid) // 2] for i in range(3))
        back = Image.new("RGBA", art.size, darken(mean, 0.2) + (0,))
        back.putalpha(alpha)
        edge = alpha.filter(ImageFilter.MaxFilter(3)).point(lambda a: 255 if a > 30 else 0)
        outline = Image.new("RGBA", art.size, (40, 40, 40, 0))
        outline.putalpha(edge)
        return Image.alpha_composite(outline, back).transpose(Image.FLIP_LEFT_RIGHT)
    return art


__all__ = ["ArtSource", "SOURCES", "draw", "has_art", "source_for", "uses_openmoji", "viewed"]
