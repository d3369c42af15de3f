"""Schemathesis hooks for limner's API (loaded with ``SCHEMATHESIS_HOOKS=tests.schemathesis_hooks``).

A JSON Schema can say an upload is a PNG, JPEG or WebP file, not that it decodes or how many
pixels it has; Schemathesis's own sample for ``image/png`` is a 1×1 image, which the API
refuses by design (images are at least 32×32). So the image media types get a strategy that
draws real images of a size the API takes: valid requests then carry valid images, and only the
negative phases send bytes that are not one.
"""

from __future__ import annotations

import io

import schemathesis
from hypothesis import strategies as st
from PIL import Image

SIDES = st.integers(min_value=32, max_value=160)
COLORS = st.tuples(*(st.integers(min_value=0, max_value=255) for _ in range(3)))


@st.composite
def images(draw: st.DrawFn, image_format: str) -> bytes:
    """A real ``image_format`` image, 32 to 160 pixels a side, of one drawn colour (white or
    black among them, so some masks select everything and some nothing)."""
    size = (draw(SIDES), draw(SIDES))
    color = draw(st.one_of(st.just((255, 255, 255)), st.just((0, 0, 0)), COLORS))
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=image_format)
    return buffer.getvalue()


schemathesis.openapi.media_type("image/png", images("PNG"))
schemathesis.openapi.media_type("image/jpeg", images("JPEG"))
schemathesis.openapi.media_type("image/webp", images("WEBP"))


@schemathesis.hook
def filter_case(context: schemathesis.HookContext, case: schemathesis.Case) -> bool:
    """Drop one case Schemathesis 4.32 mislabels. For a multipart body whose file parts have a
    custom strategy, its coverage phase sends one body it calls positive, made of those files
    and an empty string for every other required field: an empty ``prompt``, which the schema
    itself forbids (``minLength: 1``). Every other case, that phase's negative ones for
    ``prompt`` included, still runs."""
    meta = case.meta
    data = getattr(meta.phase, "data", None) if meta is not None else None
    mislabelled = (getattr(data, "description", None) == "Multipart body with custom encoding"
                   and meta.generation.mode.is_positive and isinstance(case.body, dict)
                   and any(value == "" for value in case.body.values()))
    return not mislabelled
