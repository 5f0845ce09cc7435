"""Interleaved sampling and the statistics reported."""

from __future__ import annotations

import gc
import math
import statistics
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def interleave(samplers: dict[str, Callable[[], T]], n: int, warmup: int = 2) -> dict[str, list[T]]:
    """``n`` samples of each sampler, taken in turns (A, B, C, C, B, A, A, B, …).

    The order flips every round so no contender always runs right after another one; machine
    noise lands on every contender alike and cancels in the ratios. The first ``warmup`` calls
    of each (first connection, lazy imports, caches) are dropped.
    """
    names = list(samplers)
    for _ in range(warmup):
        for name in names:
            samplers[name]()
    gc.collect()
    samples: dict[str, list[T]] = {name: [] for name in names}
    for i in range(n):
        for name in names if i % 2 == 0 else reversed(names):
            samples[name].append(samplers[name]())
    return samples


async def ainterleave(
    samplers: dict[str, Callable[[], Awaitable[T]]], n: int, warmup: int = 1
) -> dict[str, list[T]]:
    """:func:`interleave` for coroutine samplers, one at a time on the running loop."""
    names = list(samplers)
    for _ in range(warmup):
        for name in names:
            await samplers[name]()
    gc.collect()
    samples: dict[str, list[T]] = {name: [] for name in names}
    for i in range(n):
        for name in names if i % 2 == 0 else reversed(names):
            samples[name].append(await samplers[name]())
    return samples


def p90(values: Sequence[float]) -> float:
    """The 90th percentile, nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """Median and p90 of durations in seconds, in milliseconds."""
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 3),
        "p90_ms": round(p90(seconds) * 1000, 3),
        "n": len(seconds),
    }


def ratio(value: float, baseline: float) -> float | None:
    return round(value / baseline, 3) if baseline else None
