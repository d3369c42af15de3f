"""Contact sheet: every image of a run on one page, labelled, so a person sees the batch at once."""

from __future__ import annotations

import math

from PIL import Image, ImageDraw

from tools.fonts import font

CELL = 256
GAP = 12
LABEL_HEIGHT = 26


def contact_sheet(images: list[Image.Image | None], labels: list[str]) -> Image.Image:
    """A grid of thumbnails with a label under each; a missing image is shown as a marked gap."""
    count = max(1, len(images))
    columns = min(4, count)
    rows = math.ceil(count / columns)
    width = columns * CELL + (columns + 1) * GAP
    height = rows * (CELL + LABEL_HEIGHT) + (rows + 1) * GAP
    sheet = Image.new("RGB", (width, height), (246, 244, 240))
    draw = ImageDraw.Draw(sheet)
    label_font = font(14)
    for index, (image, label) in enumerate(zip(images, labels)):
        col, row = index % columns, index // columns
        x = GAP + col * (CELL + GAP)
        y = GAP + row * (CELL + LABEL_HEIGHT + GAP)
        if image is None:
            draw.rectangle((x, y, x + CELL, y + CELL), outline=(190, 60, 60), width=2)
            draw.line((x, y, x + CELL, y + CELL), fill=(190, 60, 60), width=2)
        else:
            thumb = image.convert("RGB")
            thumb.thumbnail((CELL, CELL), reducing_gap=1.0)  # box-reduce first: 512² → 256² is one cheap step
            sheet.paste(thumb, (x + (CELL - thumb.width) // 2, y + (CELL - thumb.height) // 2))
        draw.text((x + 2, y + CELL + 5), label, fill=(40, 40, 40), font=label_font)
    return sheet
