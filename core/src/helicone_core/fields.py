"""Helicone's options as pydantic fields, declared once for the adapters built on pydantic models.

LlamaIndex LLMs and LangChain chat models are pydantic models; their Helicone adapters inherit
``HeliconeFields`` so every option is a typed, documented, serializable field with the same
name as the ``HeliconeConfig`` keyword. Requires pydantic 2 (install ``helicone-core[pydantic]``;
both frameworks bring it).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_serializer

from .config import HeliconeConfig, Mode
from .errors import InvalidOptionError
from .options import OPTIONS
from .ratelimit import RateLimitPolicy
from .secrets import Secret

__all__ = ["HELICONE_FIELD_NAMES", "HeliconeFields", "explicit_fields", "refuse_http_clients"]

_DOCS = {option.name: option.doc for option in OPTIONS}


def _field(name: str) -> Any:
    return Field(default=None, description=_DOCS[name])


class HeliconeFields(BaseModel):
    """Every Helicone option, plus the mode and the provider key of proxy mode.

    ``None`` means "not set". Values are checked when the adapter builds its ``HeliconeConfig``
    (see ``helicone_arguments``), so a bad one fails at construction. Keys are excluded from
    serialization; a reloaded object reads them from the environment.
    """

    mode: Mode | None = Field(default=None, description="'gateway' (default) or 'proxy'.")
    provider_api_key: SecretStr | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="Proxy mode: the provider's key, sent as Authorization. "
        "Env: HELICONE_PROVIDER_API_KEY.",
    )
    user_id: str | None = _field("user_id")
    session_id: str | uuid.UUID | None = _field("session_id")
    session_path: str | None = _field("session_path")
    session_name: str | None = _field("session_name")
    properties: dict[str, str] | None = _field("properties")
    cache_enabled: bool | None = _field("cache_enabled")
    cache_max_age: int | timedelta | None = _field("cache_max_age")
    cache_bucket_max_size: int | None = _field("cache_bucket_max_size")
    cache_seed: str | None = _field("cache_seed")
    cache_ignore_keys: list[str] | None = _field("cache_ignore_keys")
    retry_enabled: bool | None = _field("retry_enabled")
    retry_num: int | None = _field("retry_num")
    retry_factor: float | None = _field("retry_factor")
    retry_min_timeout: int | None = _field("retry_min_timeout")
    retry_max_timeout: int | None = _field("retry_max_timeout")
    rate_limit_policy: RateLimitPolicy | str | None = _field("rate_limit_policy")
    request_id: uuid.UUID | str | None = _field("request_id")
    prompt_id: str | None = _field("prompt_id")
    omit_request: bool | None = _field("omit_request")
    omit_response: bool | None = _field("omit_response")
    llm_security: Literal["basic", "advanced", True] | None = _field("llm_security")
    moderations_enabled: bool | None = _field("moderations_enabled")
    token_limit_handler: Literal["truncate", "middle-out", "fallback"] | None = _field(
        "token_limit_handler"
    )
    model_override: str | None = _field("model_override")
    posthog_key: SecretStr | None = Field(
        default=None, exclude=True, repr=False, description=_DOCS["posthog_key"]
    )
    posthog_host: str | None = _field("posthog_host")

    @field_serializer("rate_limit_policy")
    def _policy_as_text(self, value: RateLimitPolicy | str | None) -> str | None:
        return None if value is None else str(value)

    def helicone_arguments(self) -> dict[str, Any]:
        """The fields that are set, as ``HeliconeConfig`` keyword arguments (secrets unwrapped)."""
        arguments: dict[str, Any] = {}
        for name in HELICONE_FIELD_NAMES:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if value is not None:
                arguments[name] = value
        return arguments


HELICONE_FIELD_NAMES: tuple[str, ...] = tuple(HeliconeFields.model_fields)


def explicit_fields(config: HeliconeConfig) -> dict[str, Any]:
    """The field values a ``HeliconeConfig``'s explicit arguments amount to.

    An adapter given ``config=HeliconeConfig(user_id=...)`` sets these on itself, so its
    serialized form keeps them. Keys are left out: they are never serialized.
    """
    found: dict[str, Any] = {}
    for name in HELICONE_FIELD_NAMES:
        source = config.sources.get(name)
        value = getattr(config, name)
        if source is None or source.kind != "argument" or isinstance(value, Secret):
            continue
        found[name] = list(value) if isinstance(value, tuple) else value
    return found


#: The frameworks' parameters for a ready httpx client (LlamaIndex's and LangChain's spellings).
_HTTP_CLIENT_PARAMETERS = ("http_client", "async_http_client", "http_async_client")


def refuse_http_clients(arguments: Mapping[str, Any]) -> None:
    """Raise ``InvalidOptionError`` if ``arguments`` pass the framework a ready httpx client.

    Such a client would send around the shared transport: no shared connections, and no
    Helicone answer in the responses. Its settings have config fields instead.
    """
    for name in _HTTP_CLIENT_PARAMETERS:
        if arguments.get(name) is not None:
            raise InvalidOptionError(
                name,
                "is not taken: every request goes through the shared Helicone transport",
                "Leave it out; set proxy, verify or max_connections on the HeliconeConfig you pass",
            )
