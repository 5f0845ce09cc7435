"""``make_openai_client`` and ``make_async_openai_client``: OpenAI SDK clients for Helicone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import openai

from helicone_core.config import HeliconeConfig, config_from
from helicone_core.headers import bearer_key
from helicone_core.transport import async_http_client, http_client, request_timeout

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from helicone_core.config import ConfigArguments

__all__ = ["make_async_openai_client", "make_openai_client"]


def _sdk_arguments(config: HeliconeConfig) -> dict[str, Any]:
    return {
        "api_key": bearer_key(config),
        "base_url": config.api_base,
        "timeout": request_timeout(config),
        "max_retries": config.max_retries,
    }


def make_openai_client(
    config: HeliconeConfig | None = None, **arguments: Unpack[ConfigArguments]
) -> openai.OpenAI:
    """An ``openai.OpenAI`` that sends every request through Helicone.

    Takes a ``HeliconeConfig``, its keyword arguments (``api_key``, ``user_id``, ``properties``,
    ``cache_enabled``, ``timeout``, ``max_retries``, …), or both (the arguments win). The key
    comes from ``api_key`` or ``HELICONE_API_KEY``, never from ``OPENAI_API_KEY``; a missing or
    invalid value raises before anything is sent.

    The client sends through the shared transport: Helicone headers on every request, the active
    ``helicone_core.scope`` applied per request, connections shared with every other client of
    the same settings (streams included), and the SDK's own retries as the one retry layer.
    Read Helicone's answer for a call with ``helicone_core.capture_info()``.
    """
    config = config_from(config, **arguments)
    return openai.OpenAI(**_sdk_arguments(config), http_client=http_client(config))


def make_async_openai_client(
    config: HeliconeConfig | None = None, **arguments: Unpack[ConfigArguments]
) -> openai.AsyncOpenAI:
    """The ``openai.AsyncOpenAI`` twin of :func:`make_openai_client`.

    One client works across event loops (several ``asyncio.run()`` calls).
    """
    config = config_from(config, **arguments)
    return openai.AsyncOpenAI(**_sdk_arguments(config), http_client=async_http_client(config))
