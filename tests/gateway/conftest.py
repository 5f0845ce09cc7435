"""Shared setup for the LocalGateway tests: one TLS context, a fake clock, the gateway, clients.

Every module gets, without defining anything:

* ``server`` - a LocalGateway running for the whole module;
* ``gw`` - that gateway, ``reset()`` before the test;
* ``client`` - an ``httpx.Client`` on ``gw.url`` sending the gateway's key;
* ``make_client`` - builds more such clients (other headers, base URL or timeout);
* ``tls`` - the one TLS context to pass as ``verify=`` to any other httpx call;
* ``clock`` - a module-wide ``FakeClock`` (the gateway only uses it if the module asks).

A module changes what it needs by defining a fixture of the same name: ``gateway_options``
(keyword arguments for LocalGateway, e.g. ``{"clock": clock}`` or ``{"api_key": KEY}``) or
``client`` (e.g. ``make_client({"Helicone-Cache-Enabled": "true"})``).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from helicone_core.testing import LocalGateway

MakeClient = Callable[..., httpx.Client]


class FakeClock:
    """A clock for ``LocalGateway(clock=...)`` that only moves when a test changes ``now``."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def tls() -> ssl.SSLContext:
    # One TLS context for every client: httpx would otherwise build one per client (~25 ms).
    return ssl.create_default_context()


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def gateway_options() -> dict[str, Any]:
    """Keyword arguments for the module's LocalGateway; override in a module to change them."""
    return {}


@pytest.fixture(scope="module")
def server(gateway_options: dict[str, Any]) -> Iterator[LocalGateway]:
    with LocalGateway(**gateway_options) as gateway:
        yield gateway


@pytest.fixture
def gw(server: LocalGateway) -> LocalGateway:
    server.reset()
    return server


@pytest.fixture
def make_client(gw: LocalGateway, tls: ssl.SSLContext) -> Iterator[MakeClient]:
    """``make_client(headers=None, *, base_url=gw.url, timeout=10)``: a client sending the
    gateway's key plus ``headers``, closed after the test."""
    with ExitStack() as clients:

        def make(
            headers: Mapping[str, str] | None = None,
            *,
            base_url: str | None = None,
            timeout: float = 10,
        ) -> httpx.Client:
            client = httpx.Client(
                base_url=base_url or gw.url,
                headers={"Authorization": f"Bearer {gw.api_key}", **(headers or {})},
                timeout=timeout,
                verify=tls,
            )
            return clients.enter_context(client)

        yield make


@pytest.fixture
def client(make_client: MakeClient) -> httpx.Client:
    return make_client()
