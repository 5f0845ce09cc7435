"""``HeliconeChat``: a LangChain chat model for the Helicone AI Gateway, on langchain-openai."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import timedelta
from typing import Any, Literal

import openai
from langchain_core.language_models import LangSmithParams
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_openai.chat_models.base import BaseChatOpenAI
from pydantic import ConfigDict, Field, PrivateAttr, SecretStr, model_validator

from helicone_core.config import HeliconeConfig, config_from
from helicone_core.errors import InvalidOptionError
from helicone_core.fields import (
    HELICONE_FIELD_NAMES,
    HeliconeFields,
    explicit_fields,
    refuse_http_clients,
)
from helicone_core.headers import build_headers
from helicone_core.info import HeliconeInfo, InfoCapture, acapture_first, capture_first
from helicone_core.options import check_model
from helicone_openai.clients import shared_async_openai_client, shared_openai_client

__all__ = ["ChatHelicone", "HeliconeChat"]

#: ``response_metadata`` key holding Helicone's answer (``HeliconeInfo.as_dict()``).
METADATA_KEY = "helicone"


def _first(values: dict[str, Any], *names: str) -> Any:
    """The first of ``names`` given (removing them all), so aliases count once.

    A ``SecretStr`` is unwrapped: LangChain hands fields back as they are stored (for
    ``configurable_fields``, ``model_copy`` and friends), and the core takes plain strings.
    """
    found = None
    for name in names:
        value = values.pop(name, None)
        if found is None:
            found = value
    return found.get_secret_value() if isinstance(found, SecretStr) else found


class HeliconeChat(BaseChatOpenAI, HeliconeFields):
    """Chat model for the Helicone AI Gateway: ``ChatOpenAI``'s behaviour plus Helicone's features.

    Setup: ``pip install langchain-helicone`` and set ``HELICONE_API_KEY`` (``HELICONE_API_BASE``
    to point elsewhere than ``https://ai-gateway.helicone.ai/v1``). ``OPENAI_API_KEY`` and
    ``OPENAI_BASE_URL`` are never read.

    Every Helicone option is a field (``user_id``, ``session_id``, ``properties``,
    ``cache_enabled``, ``rate_limit_policy``, …, ``mode="proxy"`` with ``provider_api_key``), or
    pass ``helicone_config=HeliconeConfig(...)``; ``helicone_core.scope()`` applies per request.
    Streamed calls report token usage (``stream_usage`` is on); ``with_structured_output``
    defaults to ``json_schema``. Helicone's answer (``request_id``, ``cache_hit``, …) is in
    ``AIMessage.response_metadata["helicone"]``: on the message of ``invoke``/``batch``/
    ``ainvoke``, and on the first chunk of a stream (so once on the aggregated message).

    Example:
        ```python
        from langchain_helicone import HeliconeChat

        model = HeliconeChat(model="gpt-4o-mini", user_id="user-123")
        reply = model.invoke("Hello!")
        print(reply.content, reply.response_metadata["helicone"]["request_id"])
        ```
    """

    # Validation errors must not quote the arguments: they hold the keys.
    model_config = ConfigDict(hide_input_in_errors=True)

    model_name: str = Field(default="gpt-4o-mini", alias="model")
    openai_api_key: SecretStr | None = Field(default=None, alias="api_key", repr=False)
    """The Helicone API key (env ``HELICONE_API_KEY``)."""
    openai_api_base: str | None = Field(default=None, alias="base_url")
    """The gateway's base URL (env ``HELICONE_API_BASE``); ``api_base`` is accepted too."""
    default_headers: Mapping[str, str] | None = Field(default=None, exclude=True, repr=False)
    """Extra headers for every request; never serialized (they may hold credentials)."""
    helicone_config: HeliconeConfig | None = Field(default=None, exclude=True, repr=False)
    """A ready configuration; the other arguments apply on top. Set to the resolved one."""
    stream_usage: bool | None = True
    """Report token usage on streamed calls (langchain-openai turns it off for gateways)."""

    _bound_headers: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _resolve_helicone(cls, values: Any) -> Any:
        """Resolve the config once, and build the SDK clients on the shared transport.

        A distinct name, so BaseChatOpenAI's own validators still run (pydantic replaces a
        validator that reuses a parent's name). The clients are built here, so
        ``validate_environment`` keeps them instead of building ``openai.OpenAI`` clients.
        """
        if not isinstance(values, dict):
            return values
        values = dict(values)
        model = values.get("model", values.get("model_name"))
        if model is not None:
            check_model("model", model)
        refuse_http_clients(values)
        options = {name: values[name] for name in HELICONE_FIELD_NAMES if name in values}
        fields = HeliconeFields(**options)
        timeout = _first(values, "timeout", "request_timeout")
        if timeout is not None and not isinstance(timeout, (int, float, timedelta)):
            raise ValueError("timeout: pass the timeout in seconds (a number or a timedelta)")
        headers_in = values.get("default_headers")
        try:
            config = config_from(
                values.pop("helicone_config", None),
                api_key=_first(values, "api_key", "openai_api_key"),
                api_base=_first(values, "api_base", "base_url", "openai_api_base"),
                headers=dict(headers_in) if headers_in else None,
                timeout=timeout,
                max_retries=values.pop("max_retries", None),
                **fields.helicone_arguments(),
            )
            headers = build_headers(config)
        except InvalidOptionError as exc:
            raise exc.renamed({"headers": "default_headers"}) from None
        root = shared_openai_client(config, headers)
        aroot = shared_async_openai_client(config, headers)
        values.update(
            explicit_fields(config),  # so options given through helicone_config serialize
            helicone_config=config,
            openai_api_key=config.api_key.get_secret_value() if config.api_key else None,
            openai_api_base=config.api_base,
            request_timeout=config.timeout,
            max_retries=config.max_retries,
            default_headers=dict(headers_in) if headers_in else None,
            root_client=root,
            client=root.chat.completions,
            root_async_client=aroot,
            async_client=aroot.chat.completions,
        )
        return values

    # -- LangChain's conventions ----------------------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "helicone-chat"

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {
            "openai_api_key": "HELICONE_API_KEY",
            "provider_api_key": "HELICONE_PROVIDER_API_KEY",
        }

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return ["langchain_helicone", "chat_models"]

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {**super()._identifying_params, "api_base": self.openai_api_base}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = "helicone"
        params["ls_model_name"] = kwargs.get("model", self.model_name)
        return params

    def with_structured_output(
        self,
        schema: Any = None,
        *,
        method: Literal["function_calling", "json_mode", "json_schema"] = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[Any, Any]:
        """Like ``ChatOpenAI.with_structured_output``: ``json_schema`` by default."""
        return super().with_structured_output(
            schema, method=method, include_raw=include_raw, strict=strict, **kwargs
        )

    def bind(self, **kwargs: Any) -> Any:
        """Bind call arguments; ``extra_headers`` are carried by a copy of the model itself.

        LangChain drops a binding's arguments when a method of the bound model builds a new
        chain (``model.bind(extra_headers=...).with_structured_output(...)`` would lose the
        headers). Carried by the model, bound headers survive every such path; per-call
        ``extra_headers`` merge over them. They are never serialized.
        """
        headers = kwargs.pop("extra_headers", None)
        model: HeliconeChat = self
        if headers:
            model = self.model_copy()
            model._bound_headers = {**self._bound_headers, **headers}
        return super(HeliconeChat, model).bind(**kwargs)

    def _get_request_payload(
        self, input_: Any, *, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        headers = {**self._bound_headers, **(kwargs.pop("extra_headers", None) or {})}
        if headers:
            kwargs["extra_headers"] = headers
        payload: dict[str, Any] = super()._get_request_payload(input_, stop=stop, **kwargs)
        return payload

    # -- Helicone's answer in response_metadata --------------------------------------------------

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        capture = InfoCapture()
        with capture.active(), _KeepHeliconeInfo():
            result = super()._generate(messages, *args, **kwargs)
        return _attach_result(result, capture.last)

    async def _agenerate(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> ChatResult:
        capture = InfoCapture()
        with capture.active(), _KeepHeliconeInfo():
            result = await super()._agenerate(messages, *args, **kwargs)
        return _attach_result(result, capture.last)

    # The info goes on the first chunk only: chunks are added together and LangChain
    # concatenates repeated strings, so it travels once and reaches the aggregated message once.

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        chunks = iter(super()._stream(*args, **kwargs))
        with _KeepHeliconeInfo():
            started = capture_first(chunks)
            if started is not None:
                yield _attach_chunk(*started)
                yield from chunks

    async def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        chunks = aiter(super()._astream(*args, **kwargs))
        with _KeepHeliconeInfo():
            started = await acapture_first(chunks)
            if started is not None:
                yield _attach_chunk(*started)
                async for chunk in chunks:
                    yield chunk


class _KeepHeliconeInfo:
    """Keep ``error.helicone_info`` when langchain-openai re-raises an SDK error as its own.

    A class rather than @contextmanager: it is entered on every call.
    """

    def __enter__(self) -> None:
        pass

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> None:
        if isinstance(error, openai.APIError) and not hasattr(error, "helicone_info"):
            info = getattr(error.__cause__, "helicone_info", None)
            if info is not None:
                error.helicone_info = info  # type: ignore[attr-defined]


def _attach_chunk(chunk: ChatGenerationChunk, info: HeliconeInfo | None) -> ChatGenerationChunk:
    if info is not None:
        chunk.message.response_metadata[METADATA_KEY] = info.as_dict()
    return chunk


def _attach_result(result: ChatResult, info: HeliconeInfo | None) -> ChatResult:
    if info is not None:
        for generation in result.generations:
            generation.message.response_metadata[METADATA_KEY] = info.as_dict()
    return result


#: The conventional LangChain name (``ChatOpenAI``, ``ChatAnthropic``, …).
ChatHelicone = HeliconeChat
