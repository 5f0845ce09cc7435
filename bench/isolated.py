"""Measurements that need a fresh interpreter each: cold import time and memory.

One child interpreter per sample. It times its import statement first, with nothing imported
but ``sys`` and ``time``; then, for a memory sample, it builds the objects and reads its peak
RSS. The parent alternates the children (A, B, A, B, …) as the other scenarios do.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from contenders import PAIRS, Contender

HERE = Path(__file__).resolve().parent

#: Modules whose presence after ``import helicone_core`` would mean it loaded a framework.
FRAMEWORKS = ("openai", "langchain_core", "langchain_openai", "llama_index.core")
#: Reported with them: the core's one HTTP dependency, which it too loads on first use only.
WATCHED = (*FRAMEWORKS, "httpx")
CORE_IMPORT = "import helicone_core"

_CHILD = """
import sys, time
start = time.perf_counter()
{statement}
seconds = time.perf_counter() - start
result = {{"seconds": seconds, "loaded": [m for m in {watched!r} if m in sys.modules]}}
if {objects}:
    sys.path.insert(0, {here!r})
    from isolated import build_many
    result.update(build_many({label!r}, {objects}, {url!r}))
import json, os
print(json.dumps(result), flush=True)
os._exit(0)  # skip the teardown of everything imported: it measures nothing
"""


def _child(statement: str, label: str | None = None, objects: int = 0, url: str = "") -> Any:
    code = _CHILD.format(
        statement=statement,
        watched=WATCHED,
        objects=objects if label else 0,
        here=str(HERE),
        label=label,
        url=url,
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"the child for {statement!r} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _rss_kb(field: str) -> float | None:
    """``VmHWM`` (peak) or ``VmRSS`` (now) of this process, KiB (Linux)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def _peak_kb() -> float:
    # Not ru_maxrss: on Linux it carries the parent's peak across fork and exec.
    peak = _rss_kb("VmHWM")
    if peak is None:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = peak / 1024 if sys.platform == "darwin" else peak  # bytes there, KiB elsewhere
    return float(peak)


def build_many(label: str, objects: int, url: str) -> dict[str, float]:
    """Build ``objects`` objects of contender ``label`` and keep them: peak RSS and growth."""
    import gc

    from contenders import CONTENDERS

    contender = CONTENDERS[label]
    kept = [contender.build(url)]  # the first one loads whatever its class loads lazily
    gc.collect()
    before = _rss_kb("VmRSS") or _peak_kb()
    kept.extend(contender.build(url) for _ in range(objects - 1))
    gc.collect()
    after = _rss_kb("VmRSS") or _peak_kb()
    return {
        "peak_rss_mb": _peak_kb() / 1024,
        "per_object_kb": (after - before) / max(1, objects - 1),
    }


def fresh_interpreters(
    runs: int, memory_runs: int, objects: int, url: str, warmup: bool = True
) -> dict[str, Any]:
    """Cold import time of the core and of every contender (``runs`` runs, median), and memory
    after building ``objects`` objects (the first ``memory_runs`` runs, median).

    "Cold" is a fresh interpreter, as after an install that compiled the bytecode, not a first
    import ever: the bytecode cache (see ``run.bytecode_cache``) is written by this process's
    own imports before, and with ``warmup`` a first, discarded run of each also warms the file
    system cache.
    """
    contenders: list[Contender] = [c for pair in PAIRS for c in (pair.suite, pair.counterpart)]
    jobs: list[tuple[str, str | None]] = [
        (CORE_IMPORT, None),
        *((c.import_statement, c.label) for c in contenders),
    ]
    seconds: dict[str, list[float]] = {statement: [] for statement, _ in jobs}
    loaded: dict[str, list[str]] = {}
    memory: dict[str, list[dict[str, float]]] = {label: [] for _, label in jobs if label}
    # Run -1 is the discarded warm-up; memory does not depend on it, so it starts there.
    first = -1 if warmup else 0
    for i in range(first, runs):
        for statement, label in jobs if i % 2 else reversed(jobs):
            measure_memory = label is not None and i - first < memory_runs
            sample = _child(statement, label if measure_memory else None, objects, url)
            if i >= 0:
                seconds[statement].append(sample["seconds"])
                loaded[statement] = sample["loaded"]
            if label and measure_memory:
                memory[label].append(sample)
    imports = {
        statement: {
            "median_ms": round(statistics.median(values) * 1000, 1),
            "min_ms": round(min(values) * 1000, 1),
            "runs": len(values),
            "loaded": loaded[statement],
            "samples_ms": [round(v * 1000, 2) for v in values],
        }
        for statement, values in seconds.items()
    }
    memory_results = {
        label: {
            "peak_rss_mb": round(statistics.median(s["peak_rss_mb"] for s in samples), 1),
            "per_object_kb": round(statistics.median(s["per_object_kb"] for s in samples), 2),
            "objects": objects,
            "runs": len(samples),
        }
        for label, samples in memory.items()
        if samples  # none when only imports are measured
    }
    return {"imports": imports, "memory": memory_results}
