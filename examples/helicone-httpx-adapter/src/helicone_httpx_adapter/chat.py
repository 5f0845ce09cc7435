"""Chat completions with plain httpx, sent through helicone-core's transport.

``http_client(config)`` / ``async_http_client(config)`` give a client that carries the Helicone
headers (``build_headers(config)``: authentication, plugin headers, options), applies the active
``helicone_core.scope`` when each request is sent, shares the process's connection pools, and
reports every response to the ``helicone_response`` hook. All this module adds is the
chat-completions protocol.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import typing
from collections.abc import Callable
from typing import Any

import httpx
from helicone_core import HeliconeConfig, HeliconeInfo, async_http_client, http_client
from helicone_core.adapters import PromptRequest, PromptResult, ToolCall
from helicone_core.headers import build_headers, merge_headers

__all__ = ["ADAPTER_HEADERS", "headers", "run_prompt"]

#: What this adapter adds to its own requests, below the config's headers (a user's value wins).
ADAPTER_HEADERS = {"Helicone-Property-Adapter": "httpx"}

_JSON_TYPES: dict[Any, str] = {int: "integer", float: "number", str: "string", bool: "boolean"}


def headers(config: HeliconeConfig) -> dict[str, str]:
    """The headers of this adapter's clients: ``ADAPTER_HEADERS`` under ``build_headers``."""
    return merge_headers(ADAPTER_HEADERS, build_headers(config))


def run_prompt(request: PromptRequest) -> PromptResult:
    """Run one prompt: sync or async, streamed or not, with or without tools.

    The result carries the reply and the ``HeliconeInfo`` of the response it came from (the
    last one, when tool calls took several).
    """
    if request.use_async:
        return asyncio.run(_arun(request))
    chat = _Chat(request)
    with http_client(request.config, headers=headers(request.config)) as client:
        while (body := chat.next_body()) is not None:
            with client.stream("POST", chat.url, json=body) as response:
                chat.start(response)
                if request.stream:
                    for line in response.iter_lines():
                        chat.receive_line(line)
                else:
                    response.read()
                    chat.receive_message(response.json()["choices"][0]["message"])
    return chat.result()


async def _arun(request: PromptRequest) -> PromptResult:
    chat = _Chat(request)
    async with async_http_client(request.config, headers=headers(request.config)) as client:
        while (body := chat.next_body()) is not None:
            async with client.stream("POST", chat.url, json=body) as response:
                chat.start(response)
                if request.stream:
                    async for line in response.aiter_lines():
                        chat.receive_line(line)
                else:
                    await response.aread()
                    chat.receive_message(response.json()["choices"][0]["message"])
    return chat.result()


def _tool_schema(func: Callable[..., Any]) -> dict[str, Any]:
    """The ``tools`` entry for a function with simple annotated parameters."""
    hints = typing.get_type_hints(func)
    properties = {
        name: {"type": _JSON_TYPES.get(hints.get(name), "string")}
        for name in inspect.signature(func).parameters
    }
    parameters = {"type": "object", "properties": properties, "required": list(properties)}
    description = inspect.getdoc(func) or func.__name__
    return {
        "type": "function",
        "function": {"name": func.__name__, "description": description, "parameters": parameters},
    }


class _Chat:
    """One prompt's messages: tool calls are run and answered until the model replies in text."""

    def __init__(self, request: PromptRequest) -> None:
        if request.stream and request.tools:
            raise ValueError("the httpx adapter streams text replies only: drop stream or tools")
        self.request = request
        self.url = f"{request.config.api_base}/chat/completions"
        self.messages: list[dict[str, Any]] = [{"role": "user", "content": request.prompt}]
        self.tools = {tool.__name__: tool for tool in request.tools}
        self.calls: list[ToolCall] = []
        self.pieces: list[str] = []
        self.info: HeliconeInfo | None = None
        self.done = False

    def next_body(self) -> dict[str, Any] | None:
        """The next request's JSON body, or ``None`` once the model has replied."""
        if self.done:
            return None
        body: dict[str, Any] = {"model": self.request.model, "messages": self.messages}
        if self.tools:
            body["tools"] = [_tool_schema(tool) for tool in self.tools.values()]
        if self.request.stream:
            body["stream"] = True
            self.done = True
        return body

    def start(self, response: httpx.Response) -> None:
        """Fail on an error status; keep what Helicone said about this response."""
        response.raise_for_status()
        self.info = HeliconeInfo.from_headers(response.headers, response.status_code)

    def receive_line(self, line: str) -> None:
        """One line of a streamed reply (server-sent events)."""
        data = line.removeprefix("data:").strip()
        if line.startswith("data:") and data != "[DONE]":
            for choice in json.loads(data)["choices"]:
                self._emit(choice["delta"].get("content") or "")

    def receive_message(self, message: dict[str, Any]) -> None:
        """A complete reply: text ends the conversation; tool calls are run and answered."""
        if not message.get("tool_calls"):
            self.done = True
            self._emit(message.get("content") or "")
            return
        self.messages.append(message)
        for call in message["tool_calls"]:
            name = call["function"]["name"]
            arguments = json.loads(call["function"]["arguments"] or "{}")
            result = self.tools[name](**arguments)
            self.calls.append(ToolCall(name, arguments, result))
            content = json.dumps(result)
            self.messages.append({"role": "tool", "tool_call_id": call["id"], "content": content})

    def _emit(self, piece: str) -> None:
        if piece:
            self.pieces.append(piece)
            if self.request.on_text is not None:
                self.request.on_text(piece)

    def result(self) -> PromptResult:
        return PromptResult("".join(self.pieces), self.info, tuple(self.calls))
