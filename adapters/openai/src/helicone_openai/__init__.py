"""OpenAI SDK clients that send through the Helicone AI Gateway.

::

    from helicone_openai import make_openai_client

    client = make_openai_client(user_id="user-123")  # key from HELICONE_API_KEY
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=[...])
"""

from __future__ import annotations

from .clients import make_async_openai_client, make_openai_client

__all__ = ["make_async_openai_client", "make_openai_client"]
