"""Edits without a mask: the region comes from the instruction's position words; a recolour
with no place named is refused with a message naming the mask field as each surface calls it
(CLI ``--mask``: tests/e2e/test_edit_cli.py; HTTP ``mask``: test_openai_images_defaults.py;
MCP ``mask_path``: here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from PIL import Image, ImageChops

from agent.context import Settings
from agent.planning.edit import RECOLOUR_NEEDS_REGION, mask_named, words_region
from agent.surfaces.mcp.server import build_server


@pytest.mark.parametrize("words, box", [
    ("make the left half blue", (0, 0, 0.5, 1)),
    ("paint the right half of it orange", (0.5, 0, 1, 1)),
    ("turn the top half purple", (0, 0, 1, 0.5)),
    ("make the lower half green", (0, 0.5, 1, 1)),
])
def test_halves_are_the_halves(words: str, box: tuple[float, ...]) -> None:
    region = words_region(words)
    assert region is not None and (region.x0, region.y0, region.x1, region.y1) == box


def test_a_corner_is_still_a_corner_and_no_position_is_none() -> None:
    corner = words_region("make the top right corner red")
    assert corner is not None and corner.x0 >= 0.5 and corner.y1 <= 0.3
    assert words_region("make the car red") is None


def test_the_core_message_names_the_cli_flag_and_each_surface_renames_it() -> None:
    assert "pass --mask" in RECOLOUR_NEEDS_REGION and "say where" in RECOLOUR_NEEDS_REGION
    assert mask_named(RECOLOUR_NEEDS_REGION, "mask_path").startswith("recolouring needs a region: pass mask_path (")


def _call(settings: Settings, *steps: tuple[str, dict[str, Any]]) -> list[Any]:
    async def main() -> list[Any]:
        async with Client(build_server(settings)) as client:
            return [await client.call_tool(name, args) for name, args in steps]

    return anyio.run(main)


def test_mcp_edit_image_names_mask_path_and_follows_position_words(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIMNER_CLIP", "false")
    settings = Settings(home=tmp_path / "home", out_dir=tmp_path / "out")
    source = tmp_path / "wall.png"
    Image.new("RGB", (192, 128), (200, 200, 200)).save(source)
    refused, recoloured = _call(settings,
                                ("edit_image", {"image_path": str(source), "instruction": "make the car red"}),
                                ("edit_image", {"image_path": str(source), "instruction": "make the right half red"}))
    assert refused.is_error
    message = refused.content[0].text
    assert message.startswith("recolouring needs a region: pass mask_path (") and "--mask" not in message
    assert not recoloured.is_error, recoloured.content[0].text
    (path,) = [Path(b.uri.removeprefix("file://")) for b in recoloured.content if b.type == "resource_link"]
    with Image.open(path) as edited, Image.open(source) as original:
        changed = ImageChops.difference(edited.convert("RGB"), original.convert("RGB")).getbbox()
        assert edited.convert("RGB").getpixel((180, 64))[0] > edited.convert("RGB").getpixel((180, 64))[2] + 40
    assert changed is not None and changed[0] >= 80  # only the right half (and its feathered seam)
