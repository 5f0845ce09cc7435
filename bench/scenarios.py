"""The scenarios run against the gateway from this process: latency, streaming, async, connections.

Each returns plain data keyed by contender label; ``report.py`` turns it into rows and ratios.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

from contenders import PAIRS, RAW, Contender, reset_pools
from gateway import connections_accepted
from measure import ainterleave, interleave, summary_ms

from helicone_core.transport import aclose_shared_pools

CONTENDERS: list[Contender] = [c for pair in PAIRS for c in (pair.suite, pair.counterpart)]


def _timed(contender: Contender, target: Any) -> Callable[[], float]:
    def sample() -> float:
        start = time.perf_counter()
        contender.call(target)
        return time.perf_counter() - start

    return sample


def latency(url: str, n: int) -> dict[str, Any]:
    """Sequential non-streaming calls: median and p90 per contender, interleaved."""
    reset_pools()
    samplers = {c.label: _timed(c, c.build(url)) for c in [*CONTENDERS, RAW]}
    return {label: summary_ms(values) for label, values in interleave(samplers, n).items()}


def _streamed(contender: Contender, target: Any) -> Callable[[], tuple[float, float, int]]:
    def sample() -> tuple[float, float, int]:
        start = time.perf_counter()
        first = None
        chunks = 0
        for _ in contender.stream(target):
            if first is None:
                first = time.perf_counter()
            chunks += 1
        end = time.perf_counter()
        return (first or end) - start, end - start, chunks

    return sample


def streaming(url: str, n: int) -> dict[str, Any]:
    """Streamed 200-chunk replies: time to the first chunk and to the end of the stream."""
    reset_pools()
    samplers = {c.label: _streamed(c, c.build(url)) for c in [*CONTENDERS, RAW]}
    results = {}
    for label, samples in interleave(samplers, n).items():
        results[label] = {
            "first_chunk": summary_ms([s[0] for s in samples]),
            "last_chunk": summary_ms([s[1] for s in samples]),
            "chunks": samples[0][2],
        }
    return results


def async_throughput(url: str, calls: int, rounds: int) -> dict[str, Any]:
    """``calls`` concurrent calls (``asyncio.gather``) on one object: calls per second.

    Every round starts from the same state for every contender: a freshly built object and no
    open connection anywhere (the suite's shared pools and langchain-openai's cached clients
    are closed too), then one untimed call (lazy clients, first connection), then the timed
    burst; the object's connections are closed after it. Warm pools would make the rounds
    depend on what ran before: httpcore's pool bookkeeping grows with the connections it holds
    and which of them expired, and that swings a round by 5x. All rounds share one event loop.
    """

    async def run() -> dict[str, list[float]]:
        def sampler(contender: Contender) -> Callable[[], Any]:
            async def sample() -> float:
                reset_pools()
                await aclose_shared_pools()
                target = contender.make_async(url)
                await contender.acall(target)
                start = time.perf_counter()
                await asyncio.gather(*(contender.acall(target) for _ in range(calls)))
                elapsed = time.perf_counter() - start
                await contender.aclose(target)
                return calls / elapsed

            return sample

        samples = await ainterleave({c.label: sampler(c) for c in [*CONTENDERS, RAW]}, rounds)
        await aclose_shared_pools()
        return samples

    results = {}
    for label, values in asyncio.run(run()).items():
        results[label] = {
            "calls_per_s": round(statistics.median(values), 1),
            "min": round(min(values), 1),
            "max": round(max(values), 1),
            "rounds": len(values),
            "concurrent_calls": calls,
            "samples": [round(v, 1) for v in values],
        }
    return results


def connection_counts(url: str, calls: int = 100, objects: int = 10) -> dict[str, Any]:
    """TCP connections the gateway accepted for ``calls`` calls over ``objects`` objects.

    The objects are built separately with the same settings and called in turn, plain and then
    streamed; every pool is closed first (``reset_pools``) so each count is one scenario's.
    """
    results: dict[str, Any] = {"calls": calls, "objects": objects}
    for contender in CONTENDERS:
        counts = {}
        for mode in ("plain", "stream"):
            reset_pools()
            gc.collect()
            before = connections_accepted(url)
            targets = [contender.build(url) for _ in range(objects)]
            for i in range(calls):
                target = targets[i % objects]
                if mode == "stream":
                    for _ in contender.stream(target):
                        pass
                else:
                    contender.call(target)
            # The second count's own request opened one connection too.
            counts[mode] = connections_accepted(url) - before - 1
            for target in targets:
                contender.close(target)
        results[contender.label] = counts
    reset_pools()
    return results
