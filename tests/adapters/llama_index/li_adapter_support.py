"""Helpers shared by the LlamaIndex adapter tests: one code path for the eight call forms.

Imported by the test modules of this directory (pytest puts it on ``sys.path``); the name is
distinctive so it cannot shadow a helper of another test directory.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any

from llama_index.core.llms import ChatMessage

from helicone_core.testing import LocalGateway

MODEL = "gpt-4o-mini"
TIMEOUT = 10.0  # "does not hang" bound for every LLM the tests build

#: Every request method of a LlamaIndex LLM.
FORMS = (
    "chat",
    "complete",
    "stream_chat",
    "stream_complete",
    "achat",
    "acomplete",
    "astream_chat",
    "astream_complete",
)
STREAM_FORMS = tuple(form for form in FORMS if "stream" in form)


def argument_for(form: str, text: str) -> Any:
    """What a call form takes: a one-message chat list, or the prompt text."""
    return [ChatMessage(role="user", content=text)] if "chat" in form else text


async def invoke(llm: Any, form: str, text: str = "hi", **kwargs: Any) -> list[Any]:
    """Run one call form; returns ``[response]``, or every chunk of a streamed call.

    Sync forms are called from inside the test's event loop, which is fine: the gateway serves
    from its own threads.
    """
    argument = argument_for(form, text)
    method = getattr(llm, form)
    if form.startswith("astream"):
        return [chunk async for chunk in await method(argument, **kwargs)]
    if form.startswith("a"):
        return [await method(argument, **kwargs)]
    if form.startswith("stream"):
        return list(method(argument, **kwargs))
    return [method(argument, **kwargs)]


def text_of(response: Any) -> str:
    """The full text of a (final) ``ChatResponse`` or ``CompletionResponse``."""
    if hasattr(response, "message"):
        return str(response.message.content or "")
    return str(response.text)


def deltas_of(chunks: Sequence[Any]) -> str:
    return "".join(chunk.delta or "" for chunk in chunks)


def helicone_of(response: Any) -> dict[str, Any]:
    """What the adapter put in ``additional_kwargs["helicone"]`` (fails when it is missing)."""
    info = response.additional_kwargs.get("helicone")
    assert isinstance(info, dict), f"no Helicone info on {type(response).__name__}"
    return info


def counting(n: int) -> str:
    return " ".join(str(i) for i in range(1, n + 1))


def chat_requests(gateway: LocalGateway) -> list[Any]:
    return [r for r in gateway.requests if r.path == "/v1/chat/completions"]


def closed_port_url() -> str:
    """A base URL on which nothing listens: a request sent there fails to connect."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    return f"http://127.0.0.1:{port}/v1"


def multiply(a: int, b: int) -> int:
    """Multiply two integers and return the product."""
    return a * b
