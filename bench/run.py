"""Benchmarks: the suite next to hand-wired clients, measured in one run, printed as ratios.

    python -m uv run python bench/run.py            # full run
    python -m uv run python bench/run.py --quick    # CI: small N, proves it works

The local gateway runs in a separate process (``helicone gateway``), so its work does not share
this interpreter. Runs are interleaved (A, B, A, B, …) so machine noise cancels in the ratios.
Nothing here asserts a time; ``--check`` only fails when a connection count is wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import openai

from helicone_core import HeliconeConfig, build_headers
from helicone_core.testing.gateway import DEFAULT_API_KEY, STATS_PATH
from helicone_core.transport import close_shared_pools
from helicone_openai import make_openai_client

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = [{"role": "user", "content": "hello"}]


@contextmanager
def gateway_process() -> Iterator[str]:
    """``helicone gateway`` in its own process; yields its base URL."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "helicone_core.cli", "gateway", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/models", headers={"Authorization": f"Bearer {DEFAULT_API_KEY}"})
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the gateway did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def connections(url: str) -> int:
    """TCP connections the gateway accepted so far (each call here opens one more)."""
    response = httpx.get(url.removesuffix("/v1") + STATS_PATH)
    return int(response.json()["connections_accepted"])


# --- contenders ---------------------------------------------------------------------------------


def config(url: str) -> HeliconeConfig:
    return HeliconeConfig(api_key=DEFAULT_API_KEY, api_base=url, user_id="bench", max_retries=0)


def suite_client(url: str) -> openai.OpenAI:
    return make_openai_client(config(url))


def hand_wired_client(url: str) -> openai.OpenAI:
    headers = build_headers(config(url))
    headers.pop("Authorization")
    return openai.OpenAI(
        api_key=DEFAULT_API_KEY, base_url=url, default_headers=headers, max_retries=0
    )


def timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def interleaved(contenders: dict[str, Callable[[], Any]], n: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for call in contenders.values():
        call()  # warm up: first connection, imports, caches
    for _ in range(n):
        for name, call in contenders.items():
            samples[name].append(timed(call))
    return samples


def latency(url: str, n: int) -> dict[str, Any]:
    suite, hand = suite_client(url), hand_wired_client(url)
    raw = httpx.Client(headers={"Authorization": f"Bearer {DEFAULT_API_KEY}"})
    body = {"model": "gpt-4o-mini", "messages": MESSAGES}
    samples = interleaved(
        {
            "helicone-openai": lambda: suite.chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES
            ),
            "openai.OpenAI": lambda: hand.chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES
            ),
            "raw httpx": lambda: raw.post(f"{url}/chat/completions", json=body).raise_for_status(),
        },
        n,
    )
    return summarize(samples, baseline="openai.OpenAI")


def streaming(url: str, n: int) -> dict[str, Any]:
    suite, hand = suite_client(url), hand_wired_client(url)
    prompt = [{"role": "user", "content": "count to 200"}]

    def consume(client: openai.OpenAI) -> Callable[[], None]:
        def run() -> None:
            for _ in client.chat.completions.create(
                model="gpt-4o-mini", messages=prompt, stream=True
            ):
                pass

        return run

    samples = interleaved({"helicone-openai": consume(suite), "openai.OpenAI": consume(hand)}, n)
    return summarize(samples, baseline="openai.OpenAI")


def connection_counts(url: str, calls: int = 100, objects: int = 10) -> dict[str, int]:
    """TCP connections for ``calls`` calls spread over ``objects`` separately built clients."""
    results = {}
    for name, build in (("helicone-openai", suite_client), ("openai.OpenAI", hand_wired_client)):
        for stream in (False, True):
            close_shared_pools()
            before = connections(url)
            clients = [build(url) for _ in range(objects)]
            for i in range(calls):
                response = clients[i % objects].chat.completions.create(
                    model="gpt-4o-mini", messages=MESSAGES, stream=stream
                )
                if stream:
                    for _ in response:  # type: ignore[union-attr]
                        pass
            results[f"{name}{' stream' if stream else ''}"] = connections(url) - before - 1
            for client in clients:
                client.close()
    return results


def import_time(module: str, runs: int) -> float:
    """Median seconds to import ``module`` in a fresh interpreter."""
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import time; t=time.perf_counter(); import {module}; "
                "print(time.perf_counter()-t)",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(float(out.stdout))
    return statistics.median(times)


def summarize(samples: dict[str, list[float]], baseline: str) -> dict[str, Any]:
    base = statistics.median(samples[baseline])
    rows = {}
    for name, values in samples.items():
        ordered = sorted(values)
        median = statistics.median(ordered)
        rows[name] = {
            "median_ms": round(median * 1000, 3),
            "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1] * 1000, 3),
            "ratio": round(median / base, 3),
        }
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small N, for CI")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--check", action="store_true", help="exit 1 if a connection count is off")
    args = parser.parse_args()
    n = 20 if args.quick else 500
    with gateway_process() as url:
        results: dict[str, Any] = {
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "python": platform.python_version(),
            "openai": openai.__version__,
            "latency": latency(url, n),
            "streaming_200_chunks": streaming(url, max(5, n // 10)),
            "connections_100_calls_10_objects": connection_counts(url),
            "import_s": {
                m: round(import_time(m, 3 if args.quick else 7), 4)
                for m in ("helicone_core", "helicone_openai", "openai")
            },
        }
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    counts = results["connections_100_calls_10_objects"]
    if args.check and (counts["helicone-openai"] != 1 or counts["helicone-openai stream"] != 1):
        print(f"connection counts are off: {counts}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
