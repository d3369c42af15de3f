from __future__ import annotations

import pytest

from tools.memo import LoadOnce


class Unavailable(RuntimeError):
    pass


def test_values_and_remembered_failures_are_built_once() -> None:
    calls: list[str] = []

    def build(value: str) -> str:
        calls.append(value)
        if value == "missing":
            raise Unavailable("no weights")
        return value.upper()

    cache: LoadOnce[str] = LoadOnce(remembered=Unavailable)
    assert cache.get("a", lambda: build("a")) == "A" and cache.get("a", lambda: build("a")) == "A"
    for _ in range(2):
        with pytest.raises(Unavailable, match="no weights"):
            cache.get("m", lambda: build("missing"))
    assert calls == ["a", "missing"]
    cache.forget("m")
    with pytest.raises(Unavailable):
        cache.get("m", lambda: build("missing"))
    assert calls == ["a", "missing", "missing"]


def test_other_errors_are_not_remembered() -> None:
    cache: LoadOnce[int] = LoadOnce(remembered=Unavailable)
    with pytest.raises(ZeroDivisionError):
        cache.get("x", lambda: 1 // 0)
    assert cache.get("x", lambda: 7) == 7
