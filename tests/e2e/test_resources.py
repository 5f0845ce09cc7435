"""Resources: many model objects keep sockets bounded, event loops come and go, exit is clean."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from adapter_drivers import ADAPTERS

from helicone_core.testing import LocalGateway

SCRIPT_PREAMBLE = """
import asyncio, gc, os, sys, warnings
sys.path.insert(0, {drivers!r})
from adapter_drivers import ask, build
from helicone_core.transport import close_shared_pools
api = dict(api_key={key!r}, api_base={url!r}, max_retries=0)
def open_fds():
    return len(os.listdir("/proc/self/fd"))
"""

MANY_OBJECTS = """
baseline = None
for n in range(10_000):
    obj = build({adapter!r}, **api)
    if n % 1000 == 0:
        # Use some of them, so their clients have connections to leave behind.
        asyncio.run(ask({adapter!r}, obj, "sync", "hi"))
        asyncio.run(ask({adapter!r}, obj, "async", "hi"))
    del obj
    if n == 1000:
        gc.collect()
        baseline = open_fds()
gc.collect()
print(baseline, open_fds())
"""

MANY_LOOPS = """
obj = build({adapter!r}, **api)
for _ in range(20):
    assert asyncio.run(ask({adapter!r}, obj, "async", "hi")) == "Echo: hi"
    assert asyncio.run(ask({adapter!r}, obj, "astream", "hi")) == "Echo: hi"
print("ok")
"""

CLEAN_EXIT = """
obj = build({adapter!r}, **api)
asyncio.run(ask({adapter!r}, obj, "sync", "hi"))
asyncio.run(ask({adapter!r}, obj, "stream", "hi"))
asyncio.run(ask({adapter!r}, obj, "async", "hi"))
print("ok")
"""


def run(script: str, gw: LocalGateway, adapter: str) -> subprocess.CompletedProcess[str]:
    drivers = os.path.dirname(__file__)
    code = SCRIPT_PREAMBLE.format(drivers=drivers, key=gw.api_key, url=gw.url)
    code += script.format(adapter=adapter)
    return subprocess.run(
        # -W error::ResourceWarning and dev mode: an unclosed socket or client at exit shows.
        [sys.executable, "-X", "dev", "-W", "default::ResourceWarning", "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_10000_objects_keep_file_descriptors_bounded(
    helicone_gateway: LocalGateway, adapter: str
) -> None:
    done = run(MANY_OBJECTS, helicone_gateway, adapter)
    assert done.returncode == 0, done.stderr[-3000:]
    baseline, final = map(int, done.stdout.split())
    assert final <= baseline + 4, (baseline, final)
    # All those objects shared a pool: one sync and one async connection per loop at most.
    assert helicone_gateway.connections_accepted <= 12


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_20_sequential_asyncio_runs_with_one_object(
    helicone_gateway: LocalGateway, adapter: str
) -> None:
    done = run(MANY_LOOPS, helicone_gateway, adapter)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"
    assert "Event loop is closed" not in done.stderr


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_interpreter_exit_prints_no_warnings(helicone_gateway: LocalGateway, adapter: str) -> None:
    done = run(CLEAN_EXIT, helicone_gateway, adapter)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"
    noisy = [
        line
        for line in done.stderr.splitlines()
        if "Warning" in line or "unclosed" in line.lower() or "Exception ignored" in line
    ]
    assert noisy == [], done.stderr[-3000:]
