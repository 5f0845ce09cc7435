"""Interleaved sampling and the statistics reported."""

from __future__ import annotations

import gc
import math
import random
import statistics
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

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


def summary_ms(seconds: Sequence[float]) -> dict[str, Any]:
    """Median and p90 of durations in seconds, in milliseconds, and the samples (in order)."""
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 3),
        "p90_ms": round(p90(seconds) * 1000, 3),
        "n": len(seconds),
        "samples_ms": [round(s * 1000, 4) for s in seconds],
    }


def ratio_ci(
    values: Sequence[float], baseline: Sequence[float], reps: int = 1000, seed: int = 0
) -> tuple[float, float] | None:
    """95% bootstrap interval of ``median(values) / median(baseline)``.

    The samples are paired by index (taken in the same interleaved round), so rounds are
    resampled together and noise shared by a round stays out of the interval.
    """
    n = min(len(values), len(baseline))
    if n < 2:
        return None
    rng = random.Random(seed)
    indices = range(n)
    ratios = []
    for _ in range(reps):
        picked = rng.choices(indices, k=n)
        base = statistics.median(baseline[i] for i in picked)
        ratios.append(statistics.median(values[i] for i in picked) / base if base else math.inf)
    ratios.sort()
    return round(ratios[int(0.025 * reps)], 3), round(ratios[int(0.975 * reps) - 1], 3)


def median_ci(
    values: Sequence[float], reps: int = 1000, seed: int = 0
) -> tuple[float, float] | None:
    """95% bootstrap interval of ``median(values)``."""
    if len(values) < 2:
        return None
    rng = random.Random(seed)
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(reps))
    return round(medians[int(0.025 * reps)], 3), round(medians[int(0.975 * reps) - 1], 3)


def ratio(value: float, baseline: float) -> float | None:
    return round(value / baseline, 3) if baseline else None
