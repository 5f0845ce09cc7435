"""One way to drive every adapter in every call form, for the cross-adapter tests.

``build(adapter, **options)`` makes the adapter's model object from ``HeliconeConfig`` keywords;
``ask(adapter, obj, form, prompt, model=...)`` runs one prompt in one call form and returns the
reply text (a stream is read to its end).
"""

from __future__ import annotations

from typing import Any

from helicone_core import HeliconeConfig

ADAPTERS = ("openai", "llama-index", "langchain")
FORMS = ("sync", "async", "stream", "astream")


def build(adapter: str, **options: Any) -> Any:
    config = HeliconeConfig(**options)
    if adapter == "openai":
        from helicone_openai import make_async_openai_client, make_openai_client

        return make_openai_client(config), make_async_openai_client(config)
    if adapter == "llama-index":
        from llama_index.llms.helicone import Helicone

        return Helicone(config=config)
    from langchain_helicone import HeliconeChat

    return HeliconeChat(helicone_config=config)


async def ask(adapter: str, obj: Any, form: str, prompt: str, model: str = "gpt-4o-mini") -> str:
    if adapter == "openai":
        return await _ask_openai(obj, form, prompt, model)
    if adapter == "llama-index":
        return await _ask_llama_index(obj, form, prompt, model)
    return await _ask_langchain(obj, form, prompt, model)


async def _ask_openai(clients: Any, form: str, prompt: str, model: str) -> str:
    sync, aclient = clients
    arguments = {"model": model, "messages": [{"role": "user", "content": prompt}]}
    if form == "sync":
        return str(sync.chat.completions.create(**arguments).choices[0].message.content)
    if form == "async":
        reply = await aclient.chat.completions.create(**arguments)
        return str(reply.choices[0].message.content)
    if form == "stream":
        chunks = sync.chat.completions.create(**arguments, stream=True)
        return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    chunks = await aclient.chat.completions.create(**arguments, stream=True)
    return "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])


async def _ask_llama_index(llm: Any, form: str, prompt: str, model: str) -> str:
    from llama_index.core.llms import ChatMessage

    llm = llm.model_copy(update={"model": model}) if model != llm.model else llm
    messages = [ChatMessage(role="user", content=prompt)]
    if form == "sync":
        return str(llm.chat(messages).message.content)
    if form == "async":
        return str((await llm.achat(messages)).message.content)
    if form == "stream":
        return "".join(c.delta or "" for c in llm.stream_chat(messages))
    return "".join([c.delta or "" async for c in await llm.astream_chat(messages)])


async def _ask_langchain(model_obj: Any, form: str, prompt: str, model: str) -> str:
    if form == "sync":
        return str(model_obj.invoke(prompt, model=model).content)
    if form == "async":
        return str((await model_obj.ainvoke(prompt, model=model)).content)
    if form == "stream":
        return "".join(str(c.content) for c in model_obj.stream(prompt, model=model))
    return "".join([str(c.content) async for c in model_obj.astream(prompt, model=model)])


def build_direct(adapter: str, **options: Any) -> Any:
    """The adapter's model object from keyword arguments given to the adapter itself."""
    if adapter == "openai":
        from helicone_openai import make_openai_client

        return make_openai_client(**options)
    if "headers" in options:
        options["default_headers"] = options.pop("headers")
    if adapter == "llama-index":
        from llama_index.llms.helicone import Helicone

        return Helicone(**options)
    from langchain_helicone import HeliconeChat

    return HeliconeChat(**options)
