"""The local gateway in its own process, and what it counted."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from helicone_core.testing.gateway import DEFAULT_API_KEY, STATS_PATH


@contextmanager
def gateway_process() -> Iterator[str]:
    """``helicone gateway`` on 127.0.0.1 in its own process; yields its base URL (``.../v1``)."""
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
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the gateway did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def connections_accepted(url: str) -> int:
    """TCP connections the gateway accepted so far, this request's own connection included.

    Each call opens one connection of its own (no client is kept), so a count taken after a
    scenario is one more than the scenario's.
    """
    response = httpx.get(url.removesuffix("/v1") + STATS_PATH)
    return int(response.json()["connections_accepted"])
