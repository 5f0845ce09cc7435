"""pytest plugin ``helicone``: a ``LocalGateway`` for every test.

Fixtures:

- ``helicone_gateway``: a running ``LocalGateway``, started once per test session and
  ``reset()`` before each test (records, connection count, cache, rate limits, scripted faults,
  REST data and unavailable models are fresh). For the duration of the test
  ``HELICONE_API_BASE`` is ``gw.url`` and ``HELICONE_API_KEY`` is ``gw.api_key``, and
  ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` are removed, so code under test can only reach the
  local gateway.
- ``helicone_gateway_session``: the session-wide gateway itself, without the per-test reset or
  environment changes.

```python
def test_reply(helicone_gateway):
    llm = Helicone(model="gpt-4o-mini")  # picks up the environment
    assert llm.complete("hi").text == "Echo: hi"
    assert len(helicone_gateway.requests) == 1
```

Registered through the ``pytest11`` entry point ``helicone``; without it, enable the plugin with
``-p helicone_core.testing.pytest_plugin``. The server is imported only when a fixture is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from helicone_core.testing.gateway import LocalGateway

__all__ = ["helicone_gateway", "helicone_gateway_session"]


@pytest.fixture(scope="session")
def helicone_gateway_session() -> Iterator[LocalGateway]:
    """One ``LocalGateway`` for the whole session, closed at the end."""
    from helicone_core.testing.gateway import LocalGateway

    with LocalGateway() as gateway:
        yield gateway


@pytest.fixture
def helicone_gateway(
    helicone_gateway_session: LocalGateway, monkeypatch: pytest.MonkeyPatch
) -> LocalGateway:
    """The session gateway, reset, with the Helicone environment pointing at it."""
    gateway = helicone_gateway_session
    gateway.reset()
    monkeypatch.setenv("HELICONE_API_BASE", gateway.url)
    monkeypatch.setenv("HELICONE_API_KEY", gateway.api_key)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    return gateway
