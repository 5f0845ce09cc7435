"""What is measured: each adapter next to its hand-wired counterpart, and raw httpx as the floor.

Both sides of a pair send the same request on the wire: the same base URL, key and Helicone
headers (``Helicone-User-Id: bench``), the same body. Where a suite class asks for more by
default (token usage on streams), the counterpart is asked for it too, so the gateway does the
same work for both. Framework imports happen inside the functions, so a fresh interpreter that
measures one contender (``isolated.py``) loads only what that contender needs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

#: The local gateway's key (``helicone_core.testing.gateway.DEFAULT_API_KEY``, checked by
#: ``run.py``), spelled out so a fresh interpreter measuring a counterpart never loads the core.
DEFAULT_API_KEY = "sk-helicone-local"
MODEL = "gpt-4o-mini"
USER_ID = "bench"
HELLO = "hello"
COUNT = "count to 200"  # the local gateway streams exactly 200 content chunks for it
#: Helicone's headers but the key, as a hand-wired client is given them (the SDKs add the key).
HELICONE_HEADERS = {"Helicone-User-Id": USER_ID}


def _nothing(_: Any) -> None:
    return None


async def _aclose_sdk(client: Any) -> None:
    await client.close()


async def _aclose_langchain(model: Any) -> None:
    await model.root_async_client.close()


async def _aclose_llama_index(llm: Any) -> None:
    # LlamaIndex builds its SDK client on first use and keeps it in a private attribute.
    client = getattr(llm, "_aclient", None)
    if client is not None:
        await client.close()


async def _aclose_httpx(client: Any) -> None:
    await client.aclose()


@dataclass(frozen=True)
class Contender:
    """One way of calling the gateway: how to build it and how to call it."""

    label: str
    #: What a fresh interpreter imports to use it (its cold import time is measured).
    import_statement: str
    build: Callable[[str], Any]
    call: Callable[[Any], Any]
    stream: Callable[[Any], Iterable[Any]]
    acall: Callable[[Any], Awaitable[Any]]
    #: The object async calls are made on; ``build`` when the same object does both.
    build_async: Callable[[str], Any] | None = None
    close: Callable[[Any], None] = _nothing
    #: Closes the async object's own connections (the suite's shared pools are closed apart).
    aclose: Callable[[Any], Awaitable[None]] = _aclose_sdk

    def make_async(self, url: str) -> Any:
        return (self.build_async or self.build)(url)


@dataclass(frozen=True)
class Pair:
    """An adapter of the suite and the framework integration it is built on, hand-wired."""

    name: str
    suite: Contender
    counterpart: Contender


# --- openai -------------------------------------------------------------------------------------


def _config(url: str) -> Any:
    from helicone_core import HeliconeConfig

    return HeliconeConfig(api_key=DEFAULT_API_KEY, api_base=url, user_id=USER_ID, max_retries=0)


def _suite_openai(url: str) -> Any:
    from helicone_openai import make_openai_client

    return make_openai_client(_config(url))


def _suite_async_openai(url: str) -> Any:
    from helicone_openai import make_async_openai_client

    return make_async_openai_client(_config(url))


def _openai_arguments(url: str) -> dict[str, Any]:
    return {
        "api_key": DEFAULT_API_KEY,
        "base_url": url,
        "default_headers": HELICONE_HEADERS,
        "max_retries": 0,
    }


def _openai(url: str) -> Any:
    import openai

    return openai.OpenAI(**_openai_arguments(url))


def _async_openai(url: str) -> Any:
    import openai

    return openai.AsyncOpenAI(**_openai_arguments(url))


def _openai_call(client: Any) -> Any:
    return client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": HELLO}]
    )


def _openai_stream(client: Any) -> Iterable[Any]:
    return client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": COUNT}], stream=True
    )


async def _openai_acall(client: Any) -> Any:
    return await client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": HELLO}]
    )


def _close(client: Any) -> None:
    client.close()


OPENAI = Pair(
    "openai",
    Contender(
        "helicone-openai",
        "from helicone_openai import make_openai_client",
        _suite_openai,
        _openai_call,
        _openai_stream,
        _openai_acall,
        build_async=_suite_async_openai,
        close=_close,
    ),
    Contender(
        "openai.OpenAI",
        "import openai",
        _openai,
        _openai_call,
        _openai_stream,
        _openai_acall,
        build_async=_async_openai,
        close=_close,
    ),
)


# --- LangChain ----------------------------------------------------------------------------------


def _helicone_chat(url: str) -> Any:
    from langchain_helicone import HeliconeChat

    return HeliconeChat(model=MODEL, api_key=DEFAULT_API_KEY, base_url=url, user_id=USER_ID)


def _chat_openai(url: str) -> Any:
    from langchain_openai import ChatOpenAI

    # stream_usage: HeliconeChat asks for token usage on streams; ChatOpenAI turns it off for
    # a custom base_url unless asked.
    return ChatOpenAI(
        model=MODEL,
        base_url=url,
        api_key=DEFAULT_API_KEY,
        default_headers=HELICONE_HEADERS,
        stream_usage=True,
    )


def _langchain_call(model: Any) -> Any:
    return model.invoke(HELLO)


def _langchain_stream(model: Any) -> Iterable[Any]:
    return model.stream(COUNT)


async def _langchain_acall(model: Any) -> Any:
    return await model.ainvoke(HELLO)


LANGCHAIN = Pair(
    "langchain",
    Contender(
        "HeliconeChat",
        "from langchain_helicone import HeliconeChat",
        _helicone_chat,
        _langchain_call,
        _langchain_stream,
        _langchain_acall,
        aclose=_aclose_langchain,
    ),
    Contender(
        "ChatOpenAI",
        "from langchain_openai import ChatOpenAI",
        _chat_openai,
        _langchain_call,
        _langchain_stream,
        _langchain_acall,
        aclose=_aclose_langchain,
    ),
)


# --- LlamaIndex ---------------------------------------------------------------------------------


def _helicone_llm(url: str) -> Any:
    from llama_index.llms.helicone import Helicone

    return Helicone(model=MODEL, api_key=DEFAULT_API_KEY, api_base=url, user_id=USER_ID)


def _openai_like(url: str) -> Any:
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(
        model=MODEL,
        api_base=url,
        api_key=DEFAULT_API_KEY,
        default_headers=HELICONE_HEADERS,
        is_chat_model=True,
        max_tokens=256,  # Helicone sends the public package's default, 256
    )


def _messages(text: str) -> list[Any]:
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role="user", content=text)]


def _llama_call(llm: Any) -> Any:
    return llm.chat(_messages(HELLO))


def _helicone_llm_stream(llm: Any) -> Iterable[Any]:
    return llm.stream_chat(_messages(COUNT))


def _openai_like_stream(llm: Any) -> Iterable[Any]:
    # Helicone asks for token usage on streams; OpenAILike sends what it is given.
    return llm.stream_chat(_messages(COUNT), stream_options={"include_usage": True})


async def _llama_acall(llm: Any) -> Any:
    return await llm.achat(_messages(HELLO))


LLAMA_INDEX = Pair(
    "llama-index",
    Contender(
        "Helicone",
        "from llama_index.llms.helicone import Helicone",
        _helicone_llm,
        _llama_call,
        _helicone_llm_stream,
        _llama_acall,
        aclose=_aclose_llama_index,
    ),
    Contender(
        "OpenAILike",
        "from llama_index.llms.openai_like import OpenAILike",
        _openai_like,
        _llama_call,
        _openai_like_stream,
        _llama_acall,
        aclose=_aclose_llama_index,
    ),
)


# --- raw httpx: the floor -----------------------------------------------------------------------


def _raw_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {DEFAULT_API_KEY}", **HELICONE_HEADERS}


#: The SDKs wait minutes for a reply; httpx's default 5 s made the floor's 200-connection bursts
#: fail now and then on this 2-CPU machine, where the gateway shares the CPUs.
_RAW_TIMEOUT = 60.0


def _raw(url: str) -> Any:
    import httpx

    return httpx.Client(base_url=url, headers=_raw_headers(), timeout=_RAW_TIMEOUT)


def _raw_async(url: str) -> Any:
    import httpx

    return httpx.AsyncClient(base_url=url, headers=_raw_headers(), timeout=_RAW_TIMEOUT)


def _body(text: str, stream: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"model": MODEL, "messages": [{"role": "user", "content": text}]}
    if stream:
        body["stream"] = True  # as the openai pair sends it
    return body


def _raw_call(client: Any) -> Any:
    response = client.post("/chat/completions", json=_body(HELLO))
    response.raise_for_status()
    return response.json()


def _raw_stream(client: Any) -> Iterable[Any]:
    with client.stream("POST", "/chat/completions", json=_body(COUNT, stream=True)) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                yield line


async def _raw_acall(client: Any) -> Any:
    response = await client.post("/chat/completions", json=_body(HELLO))
    response.raise_for_status()
    return response.json()


RAW = Contender(
    "raw httpx",
    "import httpx",
    _raw,
    _raw_call,
    _raw_stream,
    _raw_acall,
    build_async=_raw_async,
    close=_close,
    aclose=_aclose_httpx,
)

PAIRS = (OPENAI, LANGCHAIN, LLAMA_INDEX)
CONTENDERS = {c.label: c for pair in PAIRS for c in (pair.suite, pair.counterpart)} | {
    RAW.label: RAW
}


def reset_pools() -> None:
    """Start the next scenario with no open connection in any shared pool.

    The suite's shared pools, and langchain-openai's: ``ChatOpenAI`` objects with the same base
    URL and timeout share one cached httpx client (a private cache, cleared when it exists).
    """
    from helicone_core.transport import close_shared_pools

    close_shared_pools()
    try:
        from langchain_openai.chat_models import _client_utils
    except ImportError:
        return
    for name in ("_cached_sync_httpx_client", "_cached_async_httpx_client"):
        cached = getattr(_client_utils, name, None)
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()
