"""Build-once caches that remember failures too.

Loading an OCR engine or a CLIP model takes seconds, and finding out that one cannot load
(a missing package, no weights, an unreachable hub) can take as long: both the value and
the remembered failure are kept per process, so a batch pays once, not once per image.
"""

from __future__ import annotations

import threading
from typing import Callable, Generic, Hashable, TypeVar

V = TypeVar("V")


class LoadOnce(Generic[V]):
    """Values built once per key; a failure of a ``remembered`` type is stored and raised
    again (as a fresh exception of that type) on every later ``get`` of the key."""

    def __init__(self, remembered: type[Exception] | tuple[type[Exception], ...] = ()) -> None:
        self._remembered = remembered
        self._values: dict[Hashable, object] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], V]) -> V:
        with self._lock:
            if key not in self._values:
                try:
                    self._values[key] = build()
                except self._remembered as exc:  # type: ignore[misc] - a type or a tuple of types
                    self._values[key] = exc
            value = self._values[key]
        if isinstance(value, Exception) and isinstance(value, self._remembered):
            raise type(value)(str(value))
        return value  # type: ignore[return-value]

    def forget(self, key: Hashable | None = None) -> None:
        """Drop one key, or everything (after installing a package or downloading weights)."""
        with self._lock:
            if key is None:
                self._values.clear()
            else:
                self._values.pop(key, None)
