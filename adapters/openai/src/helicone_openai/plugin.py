"""Registers the ``openai`` adapter with the core, through the ``helicone`` entry point."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from typing import Any

from helicone_core import HeliconeInfo, capture_info, hookimpl
from helicone_core.adapters import Adapter, PromptRequest, PromptResult, ToolCall

__all__ = ["helicone_register_adapters", "run_prompt"]

_JSON_TYPES: dict[Any, str] = {int: "integer", float: "number", str: "string", bool: "boolean"}


@hookimpl
def helicone_register_adapters(register: Callable[[Adapter], None]) -> None:
    register(
        Adapter(
            name="openai",
            builds="openai.OpenAI / openai.AsyncOpenAI",
            requires=("openai",),
            modules=("openai",),
            run_prompt=run_prompt,
        )
    )


def tool_schema(func: Callable[..., Any]) -> dict[str, Any]:
    """The chat-completions ``tools`` entry for a function with annotated simple parameters."""
    hints = inspect.get_annotations(func, eval_str=True)
    properties = {
        name: {"type": _JSON_TYPES.get(hints.get(name), "string")}
        for name in inspect.signature(func).parameters
    }
    return {
        "type": "function",
        "function": {
            "name": func.__name__,
            "description": inspect.getdoc(func) or func.__name__,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": list(properties),
            },
        },
    }


def run_prompt(request: PromptRequest) -> PromptResult:
    """Run a prompt through the OpenAI SDK (sync or async, streamed or not, with tools)."""
    if request.use_async:
        return asyncio.run(_arun(request))
    from .clients import make_openai_client

    create: Any = make_openai_client(request.config).chat.completions.create
    conversation = _Conversation(request)
    with capture_info() as captured:
        while (arguments := conversation.next_request()) is not None:
            response = create(**arguments)
            if request.stream:
                for chunk in response:
                    conversation.receive_chunk(chunk)
            else:
                conversation.receive_message(response.choices[0].message)
    return conversation.result(captured.last)


async def _arun(request: PromptRequest) -> PromptResult:
    from .clients import make_async_openai_client

    create: Any = make_async_openai_client(request.config).chat.completions.create
    conversation = _Conversation(request)
    with capture_info() as captured:
        while (arguments := conversation.next_request()) is not None:
            response = await create(**arguments)
            if request.stream:
                async for chunk in response:
                    conversation.receive_chunk(chunk)
            else:
                conversation.receive_message(response.choices[0].message)
    return conversation.result(captured.last)


class _Conversation:
    """The messages of one prompt: runs tool calls until the model answers in text."""

    def __init__(self, request: PromptRequest) -> None:
        self.request = request
        self.messages: list[dict[str, Any]] = [{"role": "user", "content": request.prompt}]
        self.calls: list[ToolCall] = []
        self.pieces: list[str] = []
        self.done = False
        self.tools = {f.__name__: f for f in request.tools}

    def next_request(self) -> dict[str, Any] | None:
        if self.done:
            return None
        arguments: dict[str, Any] = {"model": self.request.model, "messages": self.messages}
        if self.tools:
            arguments["tools"] = [tool_schema(f) for f in self.tools.values()]
        if self.request.stream:
            # Streamed tool calls arrive in fragments; the demo streams text replies only.
            self.done = True
            arguments.update(stream=True, stream_options={"include_usage": True})
        return arguments

    def receive_chunk(self, chunk: Any) -> None:
        piece = (chunk.choices[0].delta.content or "") if chunk.choices else ""
        self._emit(piece)

    def receive_message(self, message: Any) -> None:
        if not message.tool_calls:
            self.done = True
            self._emit(message.content or "")
            return
        self.messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            arguments = json.loads(call.function.arguments or "{}")
            result = self.tools[call.function.name](**arguments)
            self.calls.append(ToolCall(call.function.name, arguments, result))
            self.messages.append(
                {"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)}
            )

    def _emit(self, piece: str) -> None:
        if piece:
            self.pieces.append(piece)
            if self.request.on_text is not None:
                self.request.on_text(piece)

    def result(self, info: HeliconeInfo | None) -> PromptResult:
        return PromptResult("".join(self.pieces), info, tuple(self.calls))
