"""Benchmarks: each adapter next to its hand-wired counterpart and raw httpx, in one run.

    uv run python bench/run.py                        # full run (several minutes)
    uv run python bench/run.py --quick --check        # CI: small N; exit 1 if a count is off
    uv run python bench/run.py --json results.json --markdown results.md

The local gateway runs in a separate process (``helicone gateway``) on 127.0.0.1, so its work
does not share this interpreter. Runs are interleaved (A, B, A, B, …) so machine noise cancels
in the ratios. Import time and memory are measured in fresh interpreters (``isolated.py``).
Nothing here asserts a time: the targets are reported (``report.py``), and ``--check`` only
fails when one of the suite's connection counts is not exactly 1.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import isolated
import report
import scenarios
from contenders import DEFAULT_API_KEY, PAIRS
from gateway import gateway_process

from helicone_core.testing.gateway import DEFAULT_API_KEY as GATEWAY_KEY

SCENARIOS = ("latency", "streaming", "async", "connections", "imports", "memory")

DISTRIBUTIONS = (
    "helicone-core",
    "helicone-openai",
    "langchain-helicone",
    "llama-index-llms-helicone",
    "openai",
    "langchain-core",
    "langchain-openai",
    "llama-index-core",
    "llama-index-llms-openai",
    "llama-index-llms-openai-like",
    "httpx",
    "httpcore",
    "pydantic",
)


@dataclass(frozen=True)
class Sizes:
    latency_calls: int
    streams: int
    async_calls: int
    async_rounds: int
    import_runs: int
    memory_objects: int
    memory_runs: int
    connection_calls: int = 100
    connection_objects: int = 10
    import_warmup: bool = True


FULL = Sizes(500, 100, 200, 20, 9, 1000, 3)
#: CI: connection counts over 20 calls (still 10 objects) and no discarded import run keep it
#: under a minute.
QUICK = Sizes(20, 5, 50, 3, 2, 100, 1, connection_calls=20, import_warmup=False)


HERE = Path(__file__).resolve().parent
#: Bytecode for this run and every process it starts (gitignored, like all of bench/results/).
PYCACHE = HERE / "results" / "pycache"


def bytecode_cache() -> None:
    """Read and write bytecode in ``PYCACHE``, here and in every process started from here.

    An environment may set ``PYTHONDONTWRITEBYTECODE`` over an install without bytecode; every
    import then compiles from source, and cold import times measure the compiler. With a cache
    of its own (``PYTHONPYCACHEPREFIX``), the bench measures imports as after an install that
    compiled the bytecode (pip's default), and leaves no file in the source tree.
    """
    PYCACHE.mkdir(parents=True, exist_ok=True)
    os.environ["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.pycache_prefix = str(PYCACHE)
    sys.dont_write_bytecode = False


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    memory_gb = None
    with contextlib.suppress(ValueError, OSError, AttributeError):
        memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": memory_gb,
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }


def load_average() -> float | None:
    """The 1-minute load average: other work on the machine shows in the numbers."""
    try:
        return round(os.getloadavg()[0], 2)
    except (OSError, AttributeError):
        return None


def checkout() -> dict[str, Any]:
    """The commit measured, and whether the suite's sources differ from it."""

    def git(*arguments: str) -> str:
        done = subprocess.run(
            ["git", *arguments], cwd=HERE.parent, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD") or None,
        "suite_sources_modified": bool(git("status", "--porcelain", "core", "adapters")),
    }


def versions() -> dict[str, str]:
    found = {}
    for name in DISTRIBUTIONS:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def run(sizes: Sizes, only: tuple[str, ...], log: Any) -> dict[str, Any]:
    results: dict[str, Any] = {}

    def step(name: str, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        start = time.perf_counter()
        print(f"[bench] {name} …", file=log, flush=True)
        result = measure()
        print(f"[bench] {name}: {time.perf_counter() - start:.1f} s", file=log, flush=True)
        return result

    measures: dict[str, Callable[[str], dict[str, Any]]] = {
        "latency": lambda url: scenarios.latency(url, sizes.latency_calls),
        "streaming": lambda url: scenarios.streaming(url, sizes.streams),
        "async": lambda url: scenarios.async_throughput(url, sizes.async_calls, sizes.async_rounds),
        "connections": lambda url: scenarios.connection_counts(
            url, sizes.connection_calls, sizes.connection_objects
        ),
    }
    with gateway_process() as url:
        for name, measure in measures.items():
            if name in only:
                results[name] = step(name, lambda: measure(url))  # noqa: B023 (called at once)
    if {"imports", "memory"} & set(only):
        # One fresh interpreter per sample does both: it times its import, then builds objects
        # (which never connect: the gateway is gone by now).
        fresh = step(
            "imports and memory (fresh interpreters)",
            lambda: isolated.fresh_interpreters(
                sizes.import_runs,
                sizes.memory_runs if "memory" in only else 0,
                sizes.memory_objects,
                url,
                warmup=sizes.import_warmup,
            ),
        )
        results.update({name: fresh[name] for name in ("imports", "memory") if name in only})
    return results


def connection_problems(results: dict[str, Any]) -> list[str]:
    """The suite's connection counts that are not exactly 1."""
    counts = results.get("connections")
    if counts is None:
        return ["the connections scenario did not run"]
    return [
        f"{pair.suite.label} {mode}: {counts[pair.suite.label][mode]}"
        for pair in PAIRS
        for mode in ("plain", "stream")
        if counts[pair.suite.label][mode] != 1
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small N, for CI")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--markdown", type=Path, help="also write the table here, in Markdown")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a suite connection count is not 1"
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        metavar="PATH",
        help="measure nothing: print (and --markdown) the table of a run saved with --json",
    )
    parser.add_argument(
        "--only",
        help=f"comma-separated scenarios to run (default: all of {', '.join(SCENARIOS)})",
    )
    args = parser.parse_args()
    only = tuple(args.only.split(",")) if args.only else SCENARIOS
    unknown = set(only) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    sizes = QUICK if args.quick else FULL
    if DEFAULT_API_KEY != GATEWAY_KEY:
        parser.error("contenders.DEFAULT_API_KEY is not the local gateway's key")

    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        rows = report.build_rows(saved["results"])
        print(f"{saved['mode']} run, {saved['date']}, {saved['runtime_s']} s")
        print(report.text_table(rows))
        if args.markdown:
            args.markdown.write_text(report.markdown_table(rows) + "\n")
        return 0

    started = time.perf_counter()
    load_before = load_average()
    bytecode_cache()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results = run(sizes, only, log=sys.stderr)
    rows = report.build_rows(results)
    document = {
        "date": date,
        "mode": "quick" if args.quick else "full",
        "sizes": asdict(sizes),
        "bytecode_cache": str(PYCACHE.relative_to(HERE.parent)),
        "runtime_s": round(time.perf_counter() - started, 1),
        "machine": machine(),
        "load_average_1min": {"before": load_before, "after": load_average()},
        "versions": versions(),
        "checkout": checkout(),
        "results": results,
        "rows": rows,
        "missed": [f"{row['measurement']} / {row['adapter']}" for row in report.missed(rows)],
    }

    load = document["load_average_1min"]
    print(
        f"{document['mode']} run, {date}, {document['runtime_s']} s; "
        f"{document['machine']['cpus']} CPUs, {document['machine']['python']}; "
        f"load average {load['before']} before, {load['after']} after"
    )
    print(report.text_table(rows))
    if args.json:
        args.json.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    if args.markdown:
        args.markdown.write_text(report.markdown_table(rows) + "\n")

    problems = connection_problems(results)
    if args.check and problems:
        print(f"connection counts are off: {'; '.join(problems)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
