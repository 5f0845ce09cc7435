"""Registers the ``langchain`` adapter with the core, through the ``helicone`` entry point."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from helicone_core import HeliconeInfo, hookimpl
from helicone_core.adapters import Adapter, PromptRequest, PromptResult, ToolCall

__all__ = ["helicone_register_adapters", "run_prompt"]


@hookimpl
def helicone_register_adapters(register: Callable[[Adapter], None]) -> None:
    register(
        Adapter(
            name="langchain",
            builds="langchain_helicone.HeliconeChat",
            requires=("langchain-core", "langchain-openai"),
            modules=("langchain_core", "langchain_openai"),
            run_prompt=run_prompt,
        )
    )


def _info(message: Any) -> HeliconeInfo | None:
    found = message.response_metadata.get("helicone")
    return HeliconeInfo(**found) if found else None


def run_prompt(request: PromptRequest) -> PromptResult:
    """Run a prompt through LangChain: invoke, ainvoke, stream, or a tool-calling loop."""
    from .chat_models import HeliconeChat

    model = HeliconeChat(model=request.model, helicone_config=request.config)
    if request.tools:
        return _with_tools(model, request)
    message: Any = None
    if request.use_async:
        message = asyncio.run(model.ainvoke(request.prompt))
    elif request.stream:
        for chunk in model.stream(request.prompt):
            if chunk.content and request.on_text is not None:
                request.on_text(str(chunk.content))
            message = chunk if message is None else message + chunk
        assert message is not None, "the stream ended without a chunk"
    else:
        message = model.invoke(request.prompt)
    return PromptResult(str(message.content), _info(message))


def _with_tools(model: Any, request: PromptRequest) -> PromptResult:
    from langchain_core.messages import HumanMessage, ToolMessage
    from langchain_core.tools import tool

    tools = {f.__name__: tool(f) for f in request.tools}
    bound = model.bind_tools(list(tools.values()))
    messages: list[Any] = [HumanMessage(request.prompt)]
    calls: list[ToolCall] = []
    while True:
        reply = bound.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            return PromptResult(str(reply.content), _info(reply), tuple(calls))
        for call in reply.tool_calls:
            result = tools[call["name"]].invoke(call["args"])
            calls.append(ToolCall(call["name"], dict(call["args"]), result))
            messages.append(ToolMessage(str(result), tool_call_id=call["id"]))
