"""Registers the ``llama-index`` adapter with the core, through the ``helicone`` entry point."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from helicone_core import HeliconeInfo, capture_info, hookimpl
from helicone_core.adapters import Adapter, PromptRequest, PromptResult, ToolCall

__all__ = ["helicone_register_adapters", "run_prompt"]


@hookimpl
def helicone_register_adapters(register: Callable[[Adapter], None]) -> None:
    register(
        Adapter(
            name="llama-index",
            builds="llama_index.llms.helicone.Helicone",
            requires=("llama-index-core", "llama-index-llms-openai-like"),
            modules=("llama_index.core", "llama_index.llms.openai_like"),
            run_prompt=run_prompt,
        )
    )


def _info(response: Any) -> HeliconeInfo | None:
    found = response.additional_kwargs.get("helicone")
    return HeliconeInfo(**found) if found else None


def run_prompt(request: PromptRequest) -> PromptResult:
    """Run a prompt through LlamaIndex's own chat, streaming, async and tool machinery."""
    from llama_index.core.llms import ChatMessage

    from .base import Helicone

    llm = Helicone(model=request.model, config=request.config)
    if request.tools:
        return _with_tools(llm, request)
    messages = [ChatMessage(role="user", content=request.prompt)]
    if request.use_async:
        response = asyncio.run(llm.achat(messages))
    elif request.stream:
        response = None
        for response in llm.stream_chat(messages):
            if response.delta and request.on_text is not None:
                request.on_text(response.delta)
        assert response is not None
    else:
        response = llm.chat(messages)
    return PromptResult(response.message.content or "", _info(response))


def _with_tools(llm: Any, request: PromptRequest) -> PromptResult:
    from llama_index.core.tools import FunctionTool

    tools = [FunctionTool.from_defaults(fn=f) for f in request.tools]
    with capture_info() as captured:
        response = llm.predict_and_call(tools, user_msg=request.prompt)
    calls = tuple(
        ToolCall(source.tool_name, dict(source.raw_input.get("kwargs", {})), source.raw_output)
        for source in response.sources
    )
    return PromptResult(str(response), captured.last, calls)
