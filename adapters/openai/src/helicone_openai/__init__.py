"""OpenAI SDK clients that send through the Helicone AI Gateway.

```python
from helicone_openai import make_openai_client

client = make_openai_client(user_id="user-123")  # key from HELICONE_API_KEY
reply = client.chat.completions.create(model="gpt-4o-mini", messages=[...])
```

The factories load on first use, so discovering this package's plugin (``helicone adapters``,
``helicone config``) never imports the openai SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clients import (
        AsyncHeliconeOpenAI,
        HeliconeOpenAI,
        make_async_openai_client,
        make_openai_client,
    )

__all__ = [
    "AsyncHeliconeOpenAI",
    "HeliconeOpenAI",
    "make_async_openai_client",
    "make_openai_client",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'helicone_openai' has no attribute {name!r}")
    from . import clients

    return getattr(clients, name)
