"""Where an adapter's overhead goes: the profiles behind the explanations in RESULTS.md.

    uv run python bench/profile_overhead.py calls openai          # cProfile, N plain calls
    uv run python bench/profile_overhead.py stream langchain      # cProfile, N streamed calls
    uv run python bench/profile_overhead.py acalls llama-index    # cProfile, concurrent calls
    uv run python bench/profile_overhead.py memory llama-index    # tracemalloc, per object
    uv run python bench/profile_overhead.py memory-used llama-index  # RSS, after one call each
    uv run python bench/profile_overhead.py imports langchain     # -X importtime, fresh

Each profiles the suite's adapter and its counterpart the same way, then prints what the suite
spends more on: functions by own time (cProfile), allocation sites (tracemalloc) or modules
(import time) that the counterpart spends less or nothing on.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from contenders import PAIRS, Contender, Pair, reset_pools
from gateway import gateway_process
from isolated import CORE_IMPORT, HERE
from run import bytecode_cache

from helicone_core.transport import aclose_shared_pools

Key = tuple[str, int, str]


def _profile(run: Callable[[], Any]) -> tuple[float, dict[Key, tuple[float, float, int]]]:
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    run()
    profiler.disable()
    elapsed = time.perf_counter() - start
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    return elapsed, {key: (tt, ct, nc) for key, (_, nc, tt, ct, _) in stats.items()}


def _where(key: Key) -> str:
    path, line, name = key
    for marker in ("site-packages/", "/src/", "/lib/python"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{line}({name})"


def _print_diff(
    pair: Pair,
    n: int,
    suite: tuple[float, dict[Key, tuple[float, float, int]]],
    counterpart: tuple[float, dict[Key, tuple[float, float, int]]],
    top: int,
) -> None:
    (suite_s, suite_stats), (base_s, base_stats) = suite, counterpart
    print(
        f"{pair.suite.label}: {suite_s / n * 1e3:.3f} ms per call under the profiler; "
        f"{pair.counterpart.label}: {base_s / n * 1e3:.3f} ms ({suite_s / base_s:.3f}x)"
    )
    rows = []
    for key in suite_stats.keys() | base_stats.keys():
        tt, ct, calls = suite_stats.get(key, (0.0, 0.0, 0))
        base_tt, base_ct, base_calls = base_stats.get(key, (0.0, 0.0, 0))
        rows.append((tt - base_tt, ct - base_ct, calls - base_calls, calls, key))
    rows.sort(reverse=True)
    print(f"\nown time the suite spends more (µs per call), top {top}:")
    print(f"{'own +':>8} {'cum +':>8} {'calls +':>8} {'calls':>7}  function")
    for own, cumulative, more_calls, calls, key in rows[:top]:
        print(
            f"{own / n * 1e6:8.1f} {cumulative / n * 1e6:8.1f} {more_calls / n:8.2f}"
            f" {calls / n:7.2f}  {_where(key)}"
        )
    ours = [
        (ct, tt, calls, key)
        for key, (tt, ct, calls) in suite_stats.items()
        if any(m in key[0] for m in ("helicone_core", "helicone_openai", "helicone/"))
    ]
    ours.sort(reverse=True)
    print(f"\nthe suite's own functions by cumulative time (µs per call), top {top}:")
    for ct, tt, calls, key in ours[:top]:
        print(f"{ct / n * 1e6:8.1f} {tt / n * 1e6:8.1f} {calls / n:7.2f}  {_where(key)}")


def _profile_bursts(contender: Contender, url: str, n: int, rounds: int) -> tuple[float, Any]:
    """The async scenario's rounds (see ``scenarios.async_throughput``), the bursts profiled."""
    profiler = cProfile.Profile()
    elapsed = 0.0

    async def rounds_() -> None:
        nonlocal elapsed
        for _ in range(rounds):
            reset_pools()
            await aclose_shared_pools()
            target = contender.make_async(url)
            await contender.acall(target)
            start = time.perf_counter()
            profiler.enable()
            await asyncio.gather(*(contender.acall(target) for _ in range(n)))
            profiler.disable()
            elapsed += time.perf_counter() - start
            await contender.aclose(target)

    asyncio.run(rounds_())
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    return elapsed, {key: (tt, ct, nc) for key, (_, nc, tt, ct, _) in stats.items()}


def profile_calls(pair: Pair, mode: str, n: int, top: int) -> None:
    with gateway_process() as url:
        if mode == "acalls":
            rounds = 5
            suite = _profile_bursts(pair.suite, url, n, rounds)
            counterpart = _profile_bursts(pair.counterpart, url, n, rounds)
            _print_diff(pair, n * rounds, suite, counterpart, top)
            return

        def runner(contender: Contender) -> Callable[[], Any]:
            target = contender.build(url)
            if mode == "stream":

                def streams() -> None:
                    for _ in range(n):
                        for _ in contender.stream(target):
                            pass

                streams()
                return streams

            def calls() -> None:
                for _ in range(n):
                    contender.call(target)

            calls()
            return calls

        suite, counterpart = runner(pair.suite), runner(pair.counterpart)
        _print_diff(pair, n, _profile(suite), _profile(counterpart), top)


#: Where the suite's own code lives (paths), to attribute allocations to its lines.
SUITE_CODE = ("helicone_core/", "helicone_openai/", "langchain_helicone/", "llms/helicone/")


def _site(frames: list[Any]) -> str:
    """The outermost line of the suite's code on the stack, else the allocating line."""
    for frame in frames:  # oldest first
        if any(part in frame.filename for part in SUITE_CODE):
            return _where((frame.filename, frame.lineno, ""))
    inner = frames[-1]
    return _where((inner.filename, inner.lineno, ""))


def profile_memory(pair: Pair, n: int, top: int) -> None:
    url = "http://127.0.0.1:9/v1"  # objects are built, never called
    for contender in (pair.suite, pair.counterpart):
        kept = [contender.build(url)]
        tracemalloc.start(25)
        before = tracemalloc.take_snapshot()
        kept.extend(contender.build(url) for _ in range(n))
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        sites: dict[str, list[float]] = {}
        for stat in after.compare_to(before, "traceback"):
            frames = [f for f in stat.traceback if "tracemalloc" not in f.filename]
            if not frames:
                continue
            entry = sites.setdefault(_site(frames), [0.0, 0.0])
            entry[0] += stat.size_diff
            entry[1] += stat.count_diff
        total = sum(size for size, _ in sites.values())
        print(f"\n{contender.label}: {total / n / 1024:.1f} KiB per object (tracemalloc)")
        print("   KiB  blocks  where (the suite's outermost line, else the allocating line)")
        ranked = sorted(sites.items(), key=lambda item: -item[1][0])
        for where, (size, count) in ranked[:top]:
            print(f"{size / n / 1024:6.2f}  {count / n:6.1f}  {where}")
        del kept


_USED_CHILD = """
import gc, sys
sys.path.insert(0, {here!r})
from contenders import CONTENDERS
from isolated import _rss_kb
contender = CONTENDERS[{label!r}]
kept = [contender.build({url!r})]
contender.call(kept[0])
gc.collect()
before = _rss_kb("VmRSS")
for _ in range({n} - 1):
    kept.append(contender.build({url!r}))
    contender.call(kept[-1])
gc.collect()
print((_rss_kb("VmRSS") - before) / ({n} - 1))
"""


def profile_memory_used(pair: Pair, n: int) -> None:
    """RSS growth per object once each object has made one call (fresh interpreters).

    The memory scenario only builds objects; classes that build their SDK client on first use
    (LlamaIndex's) pay for it here.
    """
    with gateway_process() as url:
        for contender in (pair.suite, pair.counterpart):
            code = _USED_CHILD.format(here=str(HERE), label=contender.label, url=url, n=n)
            done = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            )
            kib = float(done.stdout.strip().splitlines()[-1])
            print(f"{contender.label}: {kib:.1f} KiB per object after one call each ({n} objects)")


def _import_times(statement: str) -> dict[str, tuple[int, int]]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
    )
    modules = {}
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            own, cumulative, name = line.removeprefix("import time:").split("|")
            modules[name.strip()] = (int(own), int(cumulative))
    return modules


def profile_imports(pair: Pair | None, top: int) -> None:
    statements = (
        (CORE_IMPORT, "import sys")
        if pair is None
        else (pair.suite.import_statement, pair.counterpart.import_statement)
    )
    for statement in statements:
        _import_times(statement)  # write the bytecode cache
    suite, base = (_import_times(s) for s in statements)
    extra = {name: times for name, times in suite.items() if name not in base}
    total = sum(own for own, _ in extra.values())
    print(
        f"`{statements[0]}` imports {len(extra)} modules that `{statements[1]}` does not: "
        f"{total / 1000:.1f} ms of own import time (under -X importtime)"
    )
    for name, (own, cumulative) in sorted(extra.items(), key=lambda kv: -kv[1][0])[:top]:
        print(f"{own / 1000:8.1f} {cumulative / 1000:8.1f} ms  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "what", choices=("calls", "stream", "acalls", "memory", "memory-used", "imports")
    )
    parser.add_argument("adapter", choices=[*(p.name for p in PAIRS), "core"])
    parser.add_argument("-n", type=int, help="calls, streams or objects (default: by kind)")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    bytecode_cache()
    pair = next((p for p in PAIRS if p.name == args.adapter), None)
    if args.what == "imports":
        profile_imports(pair, args.top)
        return 0
    if pair is None:
        parser.error("core: only imports")
    defaults = {"calls": 2000, "stream": 100, "acalls": 200, "memory": 1000, "memory-used": 200}
    n = args.n or defaults[args.what]
    if args.what == "memory-used":
        profile_memory_used(pair, n)
    elif args.what == "memory":
        profile_memory(pair, n, args.top)
    else:
        profile_calls(pair, args.what, n, args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
