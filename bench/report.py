"""The results as rows (one per measurement and adapter), the targets, and the table.

Targets are reported, never asserted: a row says ``met`` or ``MISSED``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contenders import PAIRS, RAW
from isolated import CORE_IMPORT, FRAMEWORKS
from measure import ratio

#: ``import helicone_core`` budget, milliseconds.
CORE_IMPORT_MS = 30.0
LATENCY_RATIO = 1.03
IMPORT_RATIO = 1.05
ASYNC_RATIO = 1.0

COLUMNS = ("measurement", "adapter", "suite", "counterpart", "ratio", "raw httpx", "target", "")


def _row(
    measurement: str,
    adapter: str,
    suite: float | None,
    counterpart: float | None,
    *,
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
        "raw_httpx": raw,
        "suite_vs_raw": ratio(suite, raw) if suite is not None and raw else None,
        "target": target,
        "met": met,
        "note": note,
    }


def _timing_rows(
    results: dict[str, Any],
    measurement: str,
    pick: Callable[[dict[str, Any]], float],
    target: float | None = None,
) -> list[dict[str, Any]]:
    rows = []
    raw = pick(results[RAW.label]) if RAW.label in results else None
    for pair in PAIRS:
        suite, counterpart = pick(results[pair.suite.label]), pick(results[pair.counterpart.label])
        met = None if target is None else suite <= counterpart * target
        label = "" if target is None else f"≤ {target:.2f}x"
        rows.append(
            _row(measurement, pair.name, suite, counterpart, raw=raw, target=label, met=met)
        )
    return rows


def build_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every measurement present in ``results`` as table rows, targets evaluated."""
    rows: list[dict[str, Any]] = []
    if "latency" in results:
        latency = results["latency"]
        rows += _timing_rows(latency, "latency median (ms)", lambda r: r["median_ms"], 1.03)
        rows += _timing_rows(latency, "latency p90 (ms)", lambda r: r["p90_ms"])
    if "streaming" in results:
        streaming = results["streaming"]
        rows += _timing_rows(
            streaming, "stream: first chunk (ms)", lambda r: r["first_chunk"]["median_ms"], 1.03
        )
        rows += _timing_rows(
            streaming, "stream: last chunk (ms)", lambda r: r["last_chunk"]["median_ms"], 1.03
        )
    if "async" in results:
        throughput = results["async"]
        calls = throughput[RAW.label]["concurrent_calls"]
        raw = throughput[RAW.label]["calls_per_s"]
        for pair in PAIRS:
            suite = throughput[pair.suite.label]["calls_per_s"]
            counterpart = throughput[pair.counterpart.label]["calls_per_s"]
            rows.append(
                _row(
                    f"async: {calls} concurrent (calls/s)",
                    pair.name,
                    suite,
                    counterpart,
                    raw=raw,
                    target=f"≥ {ASYNC_RATIO:.2f}x",
                    met=suite >= counterpart * ASYNC_RATIO,
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
            target=f"≤ {CORE_IMPORT_MS:.0f} ms, no framework",
            met=core["median_ms"] <= CORE_IMPORT_MS and not loaded,
            note=f"`{CORE_IMPORT}` loads: {', '.join(core['loaded']) or 'nothing watched'}",
        )
    ]
    for pair in PAIRS:
        suite = imports[pair.suite.import_statement]["median_ms"]
        counterpart = imports[pair.counterpart.import_statement]["median_ms"]
        rows.append(
            _row(
                "cold import (ms)",
                pair.name,
                suite,
                counterpart,
                target=f"≤ {IMPORT_RATIO:.2f}x",
                met=suite <= counterpart * IMPORT_RATIO,
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
        raw,
        row["target"],
        "" if row["met"] is None else _cell(row["met"]),
    ]


def text_table(rows: list[dict[str, Any]]) -> str:
    """A fixed-width table for the terminal."""
    lines = [list(COLUMNS), *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    numeric = {2, 3, 4, 5}
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
    header = ["measurement", "adapter", "suite", "counterpart", "ratio", "raw httpx (suite x)"]
    lines = [
        "| " + " | ".join([*header, "target", "met"]) + " |",
        "|" + "|".join(["---", "---", "---:", "---:", "---:", "---:", "---", "---"]) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in _cells(row)) + " |")
    notes = [f"{row['adapter']}: {row['note']}" for row in rows if row["note"]]
    return "\n".join(lines + (["", *notes] if notes else []))


def missed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for row in rows if row["met"] is False]
