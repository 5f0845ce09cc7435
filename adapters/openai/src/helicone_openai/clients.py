"""``make_openai_client`` and ``make_async_openai_client``: OpenAI SDK clients for Helicone."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import openai

from helicone_core.config import HeliconeConfig, config_from
from helicone_core.errors import explain_refusal
from helicone_core.headers import bearer_key, build_headers, merge_headers
from helicone_core.info import HeliconeInfo
from helicone_core.scope import current_scope
from helicone_core.transport import (
    ConnectionSettings,
    async_http_client,
    http_client,
    request_timeout,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from helicone_core.config import ConfigArguments

__all__ = [
    "AsyncHeliconeOpenAI",
    "HeliconeOpenAI",
    "make_async_openai_client",
    "make_openai_client",
]


def _with_scope(headers: dict[str, Any]) -> dict[str, Any]:
    active = current_scope()
    return headers if active is None else merge_headers(headers, active.headers)


def _explained(message: str, response: Any) -> str:
    return explain_refusal(
        message, response.status_code, response.request.headers, response.headers
    )


def _with_info(error: Any, response: Any) -> Any:
    error.helicone_info = HeliconeInfo.from_headers(response.headers, response.status_code)
    return error


class _HeliconeClientMixin:
    """What both SDK clients add: the scope in their default headers, Helicone-aware errors.

    The SDK builds each request's headers from ``default_headers`` (its own, then the config's
    Helicone headers) and then the call's ``extra_headers``. Adding the scope here puts it
    exactly between the two: above the config, below per-call headers.

    Errors stay the SDK's own types; their message adds the ``Helicone-Id`` and, for a 401,
    where the mode in use sends which key, and ``error.helicone_info`` holds the
    ``HeliconeInfo`` of the refusing response.
    """

    @property
    def default_headers(self) -> dict[str, Any]:
        return _with_scope(super().default_headers)  # type: ignore[misc]

    def _make_status_error(self, err_msg: str, *, body: object, response: Any) -> Any:
        error = super()._make_status_error(  # type: ignore[misc]
            _explained(err_msg, response), body=body, response=response
        )
        return _with_info(error, response)


class HeliconeOpenAI(_HeliconeClientMixin, openai.OpenAI):
    """``openai.OpenAI`` with the active ``helicone_core.scope`` and Helicone-aware errors."""


class AsyncHeliconeOpenAI(_HeliconeClientMixin, openai.AsyncOpenAI):
    """The async twin of ``HeliconeOpenAI``."""


def sdk_arguments(config: HeliconeConfig, headers: dict[str, str]) -> dict[str, Any]:
    """The keyword arguments an ``openai.OpenAI`` for ``config`` is built with (but the client)."""
    return {
        "api_key": bearer_key(config),
        "base_url": config.api_base,
        "timeout": request_timeout(config),
        "max_retries": config.max_retries,
        "default_headers": headers,
    }


_C = TypeVar("_C", HeliconeOpenAI, AsyncHeliconeOpenAI)
_shared_lock = threading.Lock()
_shared: weakref.WeakValueDictionary[tuple[Any, ...], Any] = weakref.WeakValueDictionary()


def _shared_client(
    kind: type[_C], config: HeliconeConfig, headers: dict[str, str], build: Callable[[], _C]
) -> _C:
    # Everything a client is built from: two configs that agree on all of it get one client.
    key = (
        kind,
        config.api_base,
        bearer_key(config),
        config.timeout,
        config.max_retries,
        frozenset(headers.items()),
        ConnectionSettings.from_config(config),
    )
    with _shared_lock:
        client: _C | None = _shared.get(key)
        if client is None or client.is_closed():
            client = _shared[key] = build()
        return client


def shared_openai_client(config: HeliconeConfig, headers: dict[str, str]) -> HeliconeOpenAI:
    """A ``HeliconeOpenAI`` for ``config`` sending ``headers``, shared by every caller that asks
    with the same values while any of them holds it.

    For model objects, which hold a client and never close it (as langchain-openai shares its
    default httpx client): a thousand objects built from one config cost one client. A closed
    one is replaced for later callers. Users who want a client of their own call
    ``make_openai_client``.
    """

    def build() -> HeliconeOpenAI:
        transport = http_client(config, headers=headers, scoped=False)
        return HeliconeOpenAI(**sdk_arguments(config, headers), http_client=transport)

    return _shared_client(HeliconeOpenAI, config, headers, build)


def shared_async_openai_client(
    config: HeliconeConfig, headers: dict[str, str]
) -> AsyncHeliconeOpenAI:
    """The async twin of ``shared_openai_client``."""

    def build() -> AsyncHeliconeOpenAI:
        transport = async_http_client(config, headers=headers, scoped=False)
        return AsyncHeliconeOpenAI(**sdk_arguments(config, headers), http_client=transport)

    return _shared_client(AsyncHeliconeOpenAI, config, headers, build)


def make_openai_client(
    config: HeliconeConfig | None = None, **arguments: Unpack[ConfigArguments]
) -> HeliconeOpenAI:
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
    headers = build_headers(config)
    return HeliconeOpenAI(
        **sdk_arguments(config, headers),
        http_client=http_client(config, headers=headers, scoped=False),
    )


def make_async_openai_client(
    config: HeliconeConfig | None = None, **arguments: Unpack[ConfigArguments]
) -> AsyncHeliconeOpenAI:
    """The ``openai.AsyncOpenAI`` twin of ``make_openai_client``.

    One client works across event loops (several ``asyncio.run()`` calls).
    """
    config = config_from(config, **arguments)
    headers = build_headers(config)
    return AsyncHeliconeOpenAI(
        **sdk_arguments(config, headers),
        http_client=async_http_client(config, headers=headers, scoped=False),
    )
