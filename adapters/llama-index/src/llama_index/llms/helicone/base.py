"""``Helicone``: a LlamaIndex LLM for the Helicone AI Gateway, built on ``OpenAILike``."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

from llama_index.core.base.llms.types import ChatResponse, CompletionResponse
from llama_index.core.bridge.pydantic import ConfigDict, Field, PrivateAttr, field_serializer
from llama_index.core.constants import DEFAULT_NUM_OUTPUTS, DEFAULT_TEMPERATURE
from llama_index.llms.openai import OpenAI
from llama_index.llms.openai_like import OpenAILike

from helicone_core.config import DEFAULT_API_BASE, HeliconeConfig, Mode, config_from
from helicone_core.errors import InvalidOptionError
from helicone_core.fields import (
    HELICONE_FIELD_NAMES,
    HeliconeFields,
    explicit_fields,
    refuse_http_clients,
)
from helicone_core.headers import build_headers
from helicone_core.info import HeliconeInfo, InfoCapture, acapture_stream, capture_stream
from helicone_core.options import check_model
from helicone_core.secrets import SENSITIVE_HEADERS
from helicone_openai.clients import (
    AsyncHeliconeOpenAI,
    HeliconeOpenAI,
    make_async_openai_client,
    make_openai_client,
    shared_async_openai_client,
    shared_openai_client,
)

__all__ = ["DEFAULT_API_BASE", "DEFAULT_CONTEXT_WINDOW", "DEFAULT_MODEL", "Helicone"]

#: The public package's default model, kept.
DEFAULT_MODEL = "gpt-4o-mini"
#: The context window of the default model (gpt-4o-mini: 128k tokens). LlamaIndex sizes prompts
#: and chunks from it; set ``context_window`` for a model with a smaller one.
DEFAULT_CONTEXT_WINDOW = 128_000
#: The public package's default (its retries were LlamaIndex's on top of the SDK's).
DEFAULT_MAX_RETRIES = 5
#: LlamaIndex's OpenAI default.
DEFAULT_TIMEOUT = 60.0

R = TypeVar("R", ChatResponse, CompletionResponse)

logger = logging.getLogger(__name__)

#: The core's names for the fields this class takes under LlamaIndex's names.
_FIELD_NAMES = {"headers": "default_headers"}


def _attach(response: R, info: HeliconeInfo | None) -> R:
    if info is not None:
        response.additional_kwargs["helicone"] = info.as_dict()
    return response


class _StreamAttach:
    """``_attach`` for the chunks of one stream: they share one info, rendered once."""

    __slots__ = ("_shown",)

    def __init__(self) -> None:
        self._shown: dict[str, Any] | None = None

    def __call__(self, chunk: R, info: HeliconeInfo | None) -> R:
        if info is not None:
            if self._shown is None:
                self._shown = info.as_dict()
            # A copy per chunk, as in a non-streamed response: changing one changes no other.
            chunk.additional_kwargs["helicone"] = self._shown.copy()
        return chunk


def _unretried(name: str) -> Any:
    # LlamaIndex wraps OpenAI's request methods in tenacity retries that would multiply the
    # SDK's own; the SDK's honour Retry-After, so they are the one retry layer kept.
    method = getattr(OpenAI, name)
    return getattr(method, "__wrapped__", method)


def _with_info(name: str) -> Any:
    method = _unretried(name)

    @functools.wraps(method)
    def call(self: Helicone, *args: Any, **kwargs: Any) -> Any:
        capture = InfoCapture()
        with capture.active():
            response = method(self, *args, **kwargs)
        return _attach(response, capture.last)

    return call


def _with_ainfo(name: str) -> Any:
    method = _unretried(name)

    @functools.wraps(method)
    async def call(self: Helicone, *args: Any, **kwargs: Any) -> Any:
        capture = InfoCapture()
        with capture.active():
            response = await method(self, *args, **kwargs)
        return _attach(response, capture.last)

    return call


def _with_stream_info(name: str) -> Any:
    method = _unretried(name)

    @functools.wraps(method)
    def call(self: Helicone, *args: Any, **kwargs: Any) -> Iterator[Any]:
        return capture_stream(iter(method(self, *args, **kwargs)), _StreamAttach())

    return call


def _with_astream_info(name: str) -> Any:
    method: Callable[..., Awaitable[AsyncIterator[Any]]] = _unretried(name)

    @functools.wraps(method)
    async def call(self: Helicone, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        capture = InfoCapture()
        # Some methods send the request before returning the stream, some with its first chunk.
        with capture.active():
            chunks = await method(self, *args, **kwargs)
        return acapture_stream(chunks, _StreamAttach(), capture.last)

    return call


class Helicone(OpenAILike, HeliconeFields):  # type: ignore[misc]  # OpenAILike is untyped
    """Helicone AI Gateway LLM for LlamaIndex: OpenAI-compatible chat for any provider's model.

    A drop-in for the public ``llama-index-llms-helicone`` package: same import path, class name
    (``Helicone_LLM``), parameters and defaults, without its defects. Chat completions and tool
    calling are on by default (``is_chat_model`` / ``is_function_calling_model``); the key goes
    from ``api_key`` or ``HELICONE_API_KEY`` to the SDK (never from ``OPENAI_API_KEY``);
    ``HELICONE_API_BASE`` applies whenever ``api_base`` is not given; ``default_headers`` is
    copied, never changed; keys never appear in ``repr``, ``to_dict()`` or ``to_json()``.

    Every Helicone option is a keyword argument (``user_id``, ``session_id``, ``properties``,
    ``cache_enabled``, ``rate_limit_policy``, …, and ``mode="proxy"`` with
    ``provider_api_key``), or pass a ready ``config=HeliconeConfig(...)``; scopes apply.
    Requests go through the shared transport with one retry layer (the SDK's, ``max_retries``),
    streamed calls ask for usage, and every response carries Helicone's answer in
    ``response.additional_kwargs["helicone"]`` (``request_id``, ``cache_hit``, …).

    Examples:
        ```python
        from llama_index.llms.helicone import Helicone
        from llama_index.core.llms import ChatMessage

        llm = Helicone(model="gpt-4o-mini", user_id="user-123")  # key: HELICONE_API_KEY
        response = llm.chat([ChatMessage(role="user", content="Hello world!")])
        print(response, response.additional_kwargs["helicone"]["request_id"])
        ```
    """

    model: str = Field(
        default=DEFAULT_MODEL,
        description="Model routed by the Helicone AI Gateway: a name, 'model/provider', or a "
        "comma-separated fallback chain (see helicone_core.fallback_models).",
    )
    api_key: str | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="Helicone API key (env HELICONE_API_KEY); never serialized.",
    )
    api_base: str | None = Field(
        default=DEFAULT_API_BASE, description="Gateway base URL (env HELICONE_API_BASE)."
    )
    default_headers: dict[str, str] | None = Field(
        default=None, repr=False, description="Extra headers for every request."
    )
    context_window: int = Field(
        default=DEFAULT_CONTEXT_WINDOW,
        description="Tokens the model accepts; defaults to gpt-4o-mini's 128k.",
    )
    is_chat_model: bool = Field(default=True, description="Use the chat completions endpoint.")
    is_function_calling_model: bool = Field(default=True, description="The model can call tools.")

    # Validation errors must not quote the arguments: they hold the keys.
    model_config = ConfigDict(hide_input_in_errors=True)

    _helicone_config: HeliconeConfig = PrivateAttr()
    _helicone_headers: dict[str, str] = PrivateAttr()

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        temperature: float = DEFAULT_TEMPERATURE,
        max_tokens: int = DEFAULT_NUM_OUTPUTS,
        additional_kwargs: dict[str, Any] | None = None,
        max_retries: int | None = None,
        api_base: str | None = None,
        api_key: str | None = None,
        default_headers: dict[str, str] | None = None,
        config: HeliconeConfig | None = None,
        **kwargs: Any,
    ) -> None:
        check_model("model", model)
        refuse_http_clients(kwargs)
        options = {name: kwargs.pop(name) for name in HELICONE_FIELD_NAMES if name in kwargs}
        fields = HeliconeFields(**options)  # pydantic's type checks, before the core's
        timeout = kwargs.pop("timeout", None)
        try:
            helicone = config_from(
                config,
                # The public package serialized a missing key as "": not given, as None is.
                api_key=api_key or None,
                api_base=api_base or None,
                headers=dict(default_headers) if default_headers else None,
                max_retries=max_retries
                if max_retries is not None or config
                else DEFAULT_MAX_RETRIES,
                timeout=timeout if timeout is not None or config else DEFAULT_TIMEOUT,
                **fields.helicone_arguments(),
            )
        except InvalidOptionError as exc:
            raise exc.renamed(_FIELD_NAMES) from None
        if helicone.mode is Mode.GATEWAY and kwargs.get("is_chat_model") is False:
            # The AI Gateway serves chat completions only; False (the public package's
            # default, stored in objects it serialized) would send every call to a 404.
            logger.warning("is_chat_model=False ignored: the AI Gateway serves chat completions")
            kwargs["is_chat_model"] = True
        try:
            headers = build_headers(helicone)  # checks everything, and needs the keys
        except InvalidOptionError as exc:
            raise exc.renamed(_FIELD_NAMES) from None
        arguments: dict[str, Any] = dict(
            model=model,
            temperature=temperature,
            max_tokens=max_tokens,
            additional_kwargs=dict(additional_kwargs or {}),
            max_retries=helicone.max_retries,
            timeout=helicone.timeout,
            api_base=helicone.api_base,
            api_key=helicone.api_key.get_secret_value() if helicone.api_key else None,
            default_headers=dict(default_headers) if default_headers else None,
            **explicit_fields(helicone),  # so options given through config= serialize
            **kwargs,
        )
        super().__init__(**arguments)
        self._helicone_config = helicone
        self._helicone_headers = headers

    @classmethod
    def class_name(cls) -> str:
        return "Helicone_LLM"

    def __getstate__(self) -> dict[str, Any]:
        # A pickle never carries a key. The private attributes (clients, built headers) are
        # rebuilt by __init__ when LlamaIndex unpickles, and the key is read from the
        # environment then, as HeliconeConfig's own pickling promises.
        private = self.__pydantic_private__
        object.__setattr__(self, "__pydantic_private__", {})
        try:
            state: dict[str, Any] = super().__getstate__()
        finally:
            object.__setattr__(self, "__pydantic_private__", private)
        state["__dict__"] = {**state["__dict__"], "api_key": None, "config": self._helicone_config}
        return state

    @property
    def helicone_config(self) -> HeliconeConfig:
        """The resolved configuration every request of this LLM is sent with."""
        return self._helicone_config

    @field_serializer("default_headers")
    def _drop_credentials(self, headers: dict[str, str] | None) -> dict[str, str] | None:
        if headers is None:
            return None
        return {k: v for k, v in headers.items() if k.lower() not in SENSITIVE_HEADERS}

    # -- the OpenAI SDK clients: scope-aware, on the shared transport ---------------------------

    def _get_client(self) -> HeliconeOpenAI:
        # Built on first use and shared with every LLM of the same settings, as HeliconeChat
        # shares them, and kept here (the registry holds clients weakly); with
        # reuse_client=False a new client per call, as OpenAILike does.
        if not self.reuse_client:
            return make_openai_client(self._helicone_config)
        client: HeliconeOpenAI | None = getattr(self, "_client", None)
        if client is None or client.is_closed():
            client = shared_openai_client(self._helicone_config, self._helicone_headers)
            self._client = client
        return client

    def _get_aclient(self) -> AsyncHeliconeOpenAI:
        if not self.reuse_client:
            return make_async_openai_client(self._helicone_config)
        client: AsyncHeliconeOpenAI | None = getattr(self, "_aclient", None)
        if client is None or client.is_closed():
            client = shared_async_openai_client(self._helicone_config, self._helicone_headers)
            self._aclient = client
        return client

    def _get_model_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        model_kwargs: dict[str, Any] = super()._get_model_kwargs(**kwargs)
        if model_kwargs.get("stream"):
            # Token counts of streamed calls arrive only when asked for.
            model_kwargs.setdefault("stream_options", {"include_usage": True})
        return model_kwargs

    # -- one retry layer, and Helicone's answer on every response ------------------------------

    _chat = _with_info("_chat")
    _complete = _with_info("_complete")
    _stream_chat = _with_stream_info("_stream_chat")
    _stream_complete = _with_stream_info("_stream_complete")
    _achat = _with_ainfo("_achat")
    _acomplete = _with_ainfo("_acomplete")
    _astream_chat = _with_astream_info("_astream_chat")
    _astream_complete = _with_astream_info("_astream_complete")
