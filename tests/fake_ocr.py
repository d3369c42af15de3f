"""An OCR engine for tests: it returns the readings it was given, wherever it is asked to
read, and counts how often it was asked."""

from __future__ import annotations

from PIL import Image

from tools.critics.ocr_engines import Reading


class ScriptedEngine:
    """Returns the readings it was given and counts how often it was asked to read."""

    name = "scripted"

    def __init__(self, readings: list[Reading]) -> None:
        self.readings = readings
        self.calls = 0

    def read(self, image: Image.Image) -> list[Reading]:
        self.calls += 1
        return list(self.readings)
