"""Test helpers: ``LocalGateway``, a local stand-in for the Helicone AI Gateway.

```python
from helicone_core.testing import LocalGateway

with LocalGateway() as gw:                     # a real HTTP/1.1 server on 127.0.0.1, free port
    client = openai.OpenAI(base_url=gw.url, api_key=gw.api_key)
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=[...])
    assert gw.requests[-1].headers["authorization"] == f"Bearer {gw.api_key}"
```

Replies are deterministic (``"Echo: <last user message>"``; ``count to N`` streams N chunks; tools
get schema-valid arguments), and Helicone's headers behave as on the real gateway. Scripted faults
come from model names such as ``fault-429-once`` or from ``gw.fail_next(...)`` / ``gw.script(...)``.
Under pytest, the ``helicone_gateway`` fixture (``helicone_core.testing.pytest_plugin``) gives
each test a reset gateway with ``HELICONE_API_BASE``/``HELICONE_API_KEY`` pointing at it.

The names are imported lazily, so importing this package (and the pytest plugin) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helicone_core._lazy import lazy_attributes

if TYPE_CHECKING:
    from .faults import Fault, FaultKind
    from .gateway import DEFAULT_API_KEY, MODELS, LocalGateway
    from .limits import cents_cost
    from .records import Headers, RecordedRequest

__all__ = [
    "DEFAULT_API_KEY",
    "MODELS",
    "Fault",
    "FaultKind",
    "Headers",
    "LocalGateway",
    "RecordedRequest",
    "cents_cost",
]

_HOMES = {
    "DEFAULT_API_KEY": "gateway",
    "MODELS": "gateway",
    "LocalGateway": "gateway",
    "Fault": "faults",
    "FaultKind": "faults",
    "Headers": "records",
    "RecordedRequest": "records",
    "cents_cost": "limits",
}


__getattr__ = lazy_attributes(__name__, _HOMES)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
