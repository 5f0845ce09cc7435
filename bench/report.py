"""The results as rows (one per measurement and adapter), the targets, and the table.

Targets are reported, never asserted: a row says ``met`` or ``MISSED`` (by the point estimate;
the 95% interval next to it says whether a miss stands out of the noise).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contenders import PAIRS, RAW
from isolated import CORE_IMPORT, FRAMEWORKS
from measure import median_ci, ratio, ratio_ci

#: ``import helicone_core`` budget, milliseconds.
CORE_IMPORT_MS = 30.0
LATENCY_RATIO = 1.03
IMPORT_RATIO = 1.05
ASYNC_RATIO = 1.0

COLUMNS = (
    "measurement",
    "adapter",
    "suite",
    "counterpart",
    "ratio",
    "95% CI",
    "raw httpx",
    "target",
    "",
)


def _row(
    measurement: str,
    adapter: str,
    suite: float | None,
    counterpart: float | None,
    *,
    ci: tuple[float, float] | None = None,
    raw: float | None = None,
    target: str = "",
    met: bool | None = None,
    note: str = "",
) -> dict[str, Any]:
    return {
        "measurement": measurement,
        "adapter": adapter,
        "suite": suite,
        "counterpart": counterpart,
        "ratio": ratio(suite, counterpart) if suite is not None and counterpart else None,
        "ci": list(ci) if ci else None,
        "raw_httpx": raw,
        "suite_vs_raw": ratio(suite, raw) if suite is not None and raw else None,
        "target": target,
        "met": met,
        "note": note,
    }


def _timing_rows(
    results: dict[str, Any],
    measurement: str,
    pick: Callable[[dict[str, Any]], dict[str, Any]],
    key: str,
    target: float | None = None,
) -> list[dict[str, Any]]:
    """Rows of a per-call timing (lower is better): ``pick`` finds the summary, ``key`` the value.

    The interval is the ratio's (medians only: the p90 rows have no target).
    """
    rows = []
    raw = pick(results[RAW.label])[key] if RAW.label in results else None
    for pair in PAIRS:
        suite, counterpart = pick(results[pair.suite.label]), pick(results[pair.counterpart.label])
        ci = None
        if key == "median_ms":
            ci = ratio_ci(suite["samples_ms"], counterpart["samples_ms"])
        rows.append(
            _row(
                measurement,
                pair.name,
                suite[key],
                counterpart[key],
                ci=ci,
                raw=raw,
                target="" if target is None else f"≤ {target:.2f}x",
                met=None if target is None else suite[key] <= counterpart[key] * target,
            )
        )
    return rows


def build_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every measurement present in ``results`` as table rows, targets evaluated."""
    rows: list[dict[str, Any]] = []
    if "latency" in results:
        latency = results["latency"]
        rows += _timing_rows(
            latency, "latency median (ms)", lambda r: r, "median_ms", LATENCY_RATIO
        )
        rows += _timing_rows(latency, "latency p90 (ms)", lambda r: r, "p90_ms")
    if "streaming" in results:
        streaming = results["streaming"]
        rows += _timing_rows(
            streaming,
            "stream: first chunk (ms)",
            lambda r: r["first_chunk"],
            "median_ms",
            LATENCY_RATIO,
        )
        rows += _timing_rows(
            streaming,
            "stream: last chunk (ms)",
            lambda r: r["last_chunk"],
            "median_ms",
            LATENCY_RATIO,
        )
    if "async" in results:
        throughput = results["async"]
        calls = throughput[RAW.label]["concurrent_calls"]
        raw = throughput[RAW.label]["calls_per_s"]
        for pair in PAIRS:
            suite, counterpart = throughput[pair.suite.label], throughput[pair.counterpart.label]
            rows.append(
                _row(
                    f"async: {calls} concurrent (calls/s)",
                    pair.name,
                    suite["calls_per_s"],
                    counterpart["calls_per_s"],
                    ci=ratio_ci(suite["samples"], counterpart["samples"]),
                    raw=raw,
                    target=f"≥ {ASYNC_RATIO:.2f}x",
                    met=suite["calls_per_s"] >= counterpart["calls_per_s"] * ASYNC_RATIO,
                )
            )
    if "connections" in results:
        counts = results["connections"]
        calls, objects = counts["calls"], counts["objects"]
        for mode, measurement in (
            ("plain", f"connections: {calls} calls, {objects} objects"),
            ("stream", f"connections: {calls} streams, {objects} objects"),
        ):
            for pair in PAIRS:
                suite = counts[pair.suite.label][mode]
                rows.append(
                    _row(
                        measurement,
                        pair.name,
                        suite,
                        counts[pair.counterpart.label][mode],
                        target="= 1",
                        met=suite == 1,
                    )
                )
    if "imports" in results:
        rows += _import_rows(results["imports"])
    if "memory" in results:
        memory = results["memory"]
        objects = memory[PAIRS[0].suite.label]["objects"]
        for key, measurement, target in (
            ("peak_rss_mb", f"memory: peak RSS, {objects} objects (MB)", "< 1.00x"),
            ("per_object_kb", "memory: RSS per object (KB)", ""),
        ):
            for pair in PAIRS:
                suite = memory[pair.suite.label][key]
                counterpart = memory[pair.counterpart.label][key]
                met = suite < counterpart if target else None
                rows.append(
                    _row(measurement, pair.name, suite, counterpart, target=target, met=met)
                )
    return rows


def _import_rows(imports: dict[str, Any]) -> list[dict[str, Any]]:
    core = imports[CORE_IMPORT]
    loaded = [m for m in core["loaded"] if m in FRAMEWORKS]
    rows = [
        _row(
            "cold import (ms)",
            "core",
            core["median_ms"],
            None,
            ci=median_ci(core["samples_ms"]),  # of the time itself: there is no counterpart
            target=f"≤ {CORE_IMPORT_MS:.0f} ms, no framework",
            met=core["median_ms"] <= CORE_IMPORT_MS and not loaded,
            note=f"`{CORE_IMPORT}` loads: {', '.join(core['loaded']) or 'nothing watched'}",
        )
    ]
    for pair in PAIRS:
        suite = imports[pair.suite.import_statement]
        counterpart = imports[pair.counterpart.import_statement]
        rows.append(
            _row(
                "cold import (ms)",
                pair.name,
                suite["median_ms"],
                counterpart["median_ms"],
                ci=ratio_ci(suite["samples_ms"], counterpart["samples_ms"]),
                target=f"≤ {IMPORT_RATIO:.2f}x",
                met=suite["median_ms"] <= counterpart["median_ms"] * IMPORT_RATIO,
            )
        )
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "met" if value else "MISSED"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def _interval(row: dict[str, Any]) -> str:
    if row["ci"] is None:
        return ""
    low, high = row["ci"]
    # A ratio's interval, or for a row without counterpart the value's own (milliseconds).
    return f"{low:.3f} to {high:.3f}" if row["counterpart"] else f"{low:.1f} to {high:.1f} ms"


def _cells(row: dict[str, Any]) -> list[str]:
    raw = _cell(row["raw_httpx"])
    if row["suite_vs_raw"] is not None:
        raw += f" ({row['suite_vs_raw']:.2f}x)"
    return [
        row["measurement"],
        row["adapter"],
        _cell(row["suite"]),
        _cell(row["counterpart"]),
        "—" if row["ratio"] is None else f"{row['ratio']:.3f}",
        _interval(row),
        raw,
        row["target"],
        "" if row["met"] is None else _cell(row["met"]),
    ]


def text_table(rows: list[dict[str, Any]]) -> str:
    """A fixed-width table for the terminal."""
    lines = [list(COLUMNS), *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    numeric = {2, 3, 4, 5, 6}
    out = []
    for number, line in enumerate(lines):
        cells = [
            cell.rjust(width) if i in numeric and number else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
        if number == 0:
            out.append("  ".join("-" * width for width in widths))
    notes = [f"{row['adapter']}: {row['note']}" for row in rows if row["note"]]
    return "\n".join(out + notes) + "\n"


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """The same table in Markdown (for docs/benchmarks.md and bench/RESULTS.md)."""
    header = ["measurement", "adapter", "suite", "counterpart", "ratio", "95% CI"]
    header += ["raw httpx (suite x)", "target", "met"]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---", "---", "---:", "---:", "---:", "---:", "---:", "---", "---"]) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in _cells(row)) + " |")
    notes = [f"{row['adapter']}: {row['note']}" for row in rows if row["note"]]
    return "\n".join(lines + (["", *notes] if notes else []))


def missed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for row in rows if row["met"] is False]
