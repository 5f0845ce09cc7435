"""``Helicone`` inside LlamaIndex's own machinery: tools, agents, structured output, query engines.

The local gateway calls a tool when one is offered ("What is 3 times 4?" → ``multiply(a=3,
b=4)``), answers a tool result with ``"Tool result: <content>"``, and answers a JSON-schema
response format or a forced tool call with schema-valid values taken from the prompt.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from li_adapter_support import TIMEOUT, helicone_of, multiply
from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.llms import ChatMessage
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from llama_index.llms.helicone import Helicone
from pydantic import BaseModel

from helicone_core import capture_info, scope
from helicone_core.testing import LocalGateway

ASYNC = pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])


class Album(BaseModel):
    """An album."""

    title: str
    year: int


@pytest.fixture
def llm(helicone_gateway: LocalGateway) -> Helicone:
    return Helicone(timeout=TIMEOUT)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Any:
    """LlamaIndex's global ``Settings``, restored after the test."""
    for name in ("_llm", "_embed_model", "_callback_manager", "_prompt_helper"):
        monkeypatch.setattr(Settings, name, getattr(Settings, name))
    return Settings


def tool_names(request: Any) -> list[str]:
    return [tool["function"]["name"] for tool in request.json.get("tools") or []]


# --- tools ----------------------------------------------------------------------------------------


@ASYNC
async def test_predict_and_call(
    helicone_gateway: LocalGateway, llm: Helicone, use_async: bool
) -> None:
    tools = [FunctionTool.from_defaults(fn=multiply)]
    if use_async:
        response = await llm.apredict_and_call(tools, user_msg="What is 3 times 4?")
    else:
        response = llm.predict_and_call(tools, user_msg="What is 3 times 4?")

    assert str(response) == "12"
    [source] = response.sources
    assert source.tool_name == "multiply"
    assert source.raw_input["kwargs"] == {"a": 3, "b": 4}
    [sent] = helicone_gateway.requests
    assert tool_names(sent) == ["multiply"]


@ASYNC
async def test_chat_with_tools_then_the_tool_result(
    helicone_gateway: LocalGateway, llm: Helicone, use_async: bool
) -> None:
    tool = FunctionTool.from_defaults(fn=multiply)
    if use_async:
        response = await llm.achat_with_tools([tool], user_msg="What is 6 times 7?")
    else:
        response = llm.chat_with_tools([tool], user_msg="What is 6 times 7?")

    [call] = llm.get_tool_calls_from_response(response)
    assert (call.tool_name, call.tool_kwargs) == ("multiply", {"a": 6, "b": 7})
    assert helicone_of(response)["request_id"] == helicone_gateway.requests[0].helicone_id

    result = tool(**call.tool_kwargs)
    history = [
        ChatMessage(role="user", content="What is 6 times 7?"),
        response.message,
        ChatMessage(
            role="tool", content=str(result), additional_kwargs={"tool_call_id": call.tool_id}
        ),
    ]
    final = await llm.achat(history) if use_async else llm.chat(history)

    assert final.message.content == "Tool result: 42"
    first, second = helicone_gateway.requests
    assert tool_names(first) == ["multiply"]
    assert second.json["messages"][1]["tool_calls"][0]["id"] == call.tool_id
    assert second.json["messages"][2] == {
        "role": "tool",
        "content": "42",
        "tool_call_id": call.tool_id,
    }


# The workflows package lists the agent's members with inspect.getmembers, which touches
# pydantic's deprecated attributes; that noise is LlamaIndex's, not the adapter's.
@pytest.mark.filterwarnings("ignore::DeprecationWarning:inspect")
async def test_function_agent_finishes_with_the_tool_result(
    helicone_gateway: LocalGateway, llm: Helicone
) -> None:
    agent = FunctionAgent(tools=[multiply], llm=llm)
    session = str(uuid.uuid4())

    with scope(session_id=session, session_path="/agent"):
        result = await agent.run(user_msg="What is 5 times 6?")

    assert str(result) == "Tool result: 30"
    first, second = helicone_gateway.requests
    assert first.json["stream"] is True  # the agent streams its LLM calls
    assert tool_names(first) == ["multiply"]
    assert second.json["messages"][-1]["role"] == "tool"
    assert second.json["messages"][-1]["content"] == "30"
    for sent in (first, second):
        assert sent.status == 200
        assert sent.headers["Helicone-Session-Id"] == session
        assert sent.headers["Helicone-Session-Path"] == "/agent"


# --- structured output ----------------------------------------------------------------------------


@ASYNC
async def test_structured_predict(
    helicone_gateway: LocalGateway, llm: Helicone, use_async: bool
) -> None:
    prompt = PromptTemplate("Make up an album about {topic} released in 1999.")
    if use_async:
        album = await llm.astructured_predict(Album, prompt, topic="rain")
    else:
        album = llm.structured_predict(Album, prompt, topic="rain")

    assert isinstance(album, Album)
    assert album.year == 1999
    [sent] = helicone_gateway.requests
    assert tool_names(sent) == ["Album"]
    assert sent.json["messages"][-1]["content"] == "Make up an album about rain released in 1999."


@ASYNC
async def test_as_structured_llm_chat(
    helicone_gateway: LocalGateway, llm: Helicone, use_async: bool
) -> None:
    structured = llm.as_structured_llm(Album)
    messages = [ChatMessage(role="user", content="An album from 2004, please.")]

    with capture_info() as captured:
        response = await structured.achat(messages) if use_async else structured.chat(messages)

    assert isinstance(response.raw, Album)
    assert response.raw.year == 2004
    assert Album.model_validate_json(response.message.content or "") == response.raw
    [sent] = helicone_gateway.requests
    assert tool_names(sent) == ["Album"]
    # StructuredLLM builds a new ChatResponse, so Helicone's answer is read with capture_info.
    assert captured.last is not None
    assert captured.last.request_id == sent.helicone_id


# --- a query engine with Settings.llm -------------------------------------------------------------


@ASYNC
async def test_query_engine_with_settings_llm(
    helicone_gateway: LocalGateway, llm: Helicone, settings: Any, use_async: bool
) -> None:
    settings.llm = llm
    settings.embed_model = MockEmbedding(embed_dim=8)
    documents = [
        Document(text="The capital of Zorbia is Quux."),
        Document(text="Zorbian cats purr in three-four time."),
        Document(text="Quux has a famous clock tower."),
    ]
    index = VectorStoreIndex.from_documents(documents)
    engine = index.as_query_engine(similarity_top_k=2)
    question = "What is the capital of Zorbia?"

    with scope(user_id="rag-user"):
        response = await engine.aquery(question) if use_async else engine.query(question)

    answer = str(response)
    assert answer.startswith("Echo: Context information is below.")
    assert question in answer
    assert len(response.source_nodes) == 2
    [sent] = helicone_gateway.requests  # the embeddings are mocked: one LLM call, no more
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["Helicone-User-Id"] == "rag-user"
    prompt = sent.json["messages"][-1]["content"]
    for node in response.source_nodes:
        assert node.get_content() in prompt
