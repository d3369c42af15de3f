"""How the critics share the CPU: how many images are judged at once, and how many threads
each engine instance gets, so that together they use the cores and no more.

A critique reads several images; one OCR call on a 512² frame is tens of milliseconds of
small convolutions, which one thread runs about as fast as two (the threads mostly wait on
each other). So the images are spread over ``critique_workers()`` threads, each with its
own engine instance of ``engine_threads()`` threads: 2 × 1 on a 2-core machine, 4 × 4 on 16.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 4
"""Images judged at once at most: beyond this, more threads per engine pay better than more
engine instances (each holds its own copy of the models)."""


def cpu_cores() -> int:
    """Cores this process may run on (its affinity mask, where the system has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def critique_workers() -> int:
    """Images judged concurrently (and engine instances kept for them)."""
    return max(1, min(cpu_cores(), MAX_WORKERS))


def engine_threads() -> int:
    """Threads each engine instance may use: the cores divided among the workers."""
    return max(1, cpu_cores() // critique_workers())


def map_ordered(fn: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> Iterator[R]:
    """``fn`` over ``items`` on up to ``workers`` threads; results in the order of ``items``,
    each yielded as soon as it and those before it are done. One item runs inline."""
    items = list(items)
    workers = min(len(items), workers or critique_workers())
    if workers <= 1:
        yield from (fn(item) for item in items)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="limner-critic") as pool:
        futures = [pool.submit(fn, item) for item in items]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()
