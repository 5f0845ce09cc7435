"""HeliconeChat end to end: LangChain's own APIs, over real sockets, against the LocalGateway.

Every test builds its model from the environment the ``helicone_gateway`` fixture sets
(``HELICONE_API_BASE``/``HELICONE_API_KEY``) unless it is about construction, and checks both
what the caller got back and what the gateway received (``helicone_gateway.requests``). Models
get a 10 s timeout so that a regression fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import ConfigurableField
from langchain_core.tools import tool
from pydantic import BaseModel, Field, SecretStr

from helicone_core import HeliconeConfig, scope
from helicone_core.testing import LocalGateway
from helicone_core.transport import close_shared_pools
from langchain_helicone import ChatHelicone, HeliconeChat

MODEL = "gpt-4o-mini"
TIMEOUT = 10  # "does not hang" bound for every model


def make(**arguments: Any) -> HeliconeChat:
    arguments.setdefault("timeout", TIMEOUT)
    return HeliconeChat(**arguments)


def info_of(message: BaseMessage) -> dict[str, Any]:
    found = message.response_metadata.get("helicone")
    assert isinstance(found, dict), f"no Helicone info in {message.response_metadata!r}"
    return found


def aggregate(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    assert chunks, "the stream yielded nothing"
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


async def astream_all(model: Any, text: str, **kwargs: Any) -> list[AIMessageChunk]:
    return [chunk async for chunk in model.astream(text, **kwargs)]


def request_with_text(gateway: LocalGateway, text: str) -> Any:
    """The one request whose last message says ``text``."""
    [found] = [r for r in gateway.requests if r.json["messages"][-1].get("content") == text]
    return found


class Person(BaseModel):
    """A person mentioned in the text."""

    name: str = Field(description="The person's name")
    age: int = Field(description="The person's age in years")


class Echo(BaseModel):
    """What json_mode replies carry on the local gateway: ``{"echo": <prompt>}``."""

    echo: str


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two whole numbers."""
    return a * b


# --- LCEL, tools, structured output -------------------------------------------------------------


def test_lcel_chain_prompt_model_parser(helicone_gateway: LocalGateway) -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You answer briefly."), ("human", "Tell me about {topic}")]
    )
    chain = prompt | make() | StrOutputParser()

    answer = chain.invoke({"topic": "otters"})

    assert answer == "Echo: Tell me about otters"
    [sent] = helicone_gateway.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.json["messages"] == [
        {"role": "system", "content": "You answer briefly."},
        {"role": "user", "content": "Tell me about otters"},
    ]


def test_tool_calling_loop_executes_the_tool_and_sends_the_result_back(
    helicone_gateway: LocalGateway,
) -> None:
    model = make().bind_tools([multiply])
    messages: list[BaseMessage] = [HumanMessage("What is 3 times 4?")]

    first = model.invoke(messages)
    assert isinstance(first, AIMessage)
    [call] = first.tool_calls
    assert (call["name"], call["args"]) == ("multiply", {"a": 3, "b": 4})
    messages += [first, ToolMessage(str(multiply.invoke(call["args"])), tool_call_id=call["id"])]
    final = model.invoke(messages)

    assert final.content == "Tool result: 12"
    assert final.tool_calls == []
    ask, answer = helicone_gateway.requests
    assert ask.json["tools"][0]["function"]["name"] == "multiply"
    assert answer.json["messages"][-1] == {
        "role": "tool",
        "content": "12",
        "tool_call_id": call["id"],
    }
    assert answer.json["messages"][-2]["tool_calls"][0]["id"] == call["id"]
    # Helicone's answer rides on bind_tools replies too, each its own request.
    assert info_of(first)["request_id"] == ask.helicone_id
    assert info_of(final)["request_id"] == answer.helicone_id


@pytest.mark.parametrize(
    ("method", "schema", "expected", "wire"),
    [
        ("json_schema", Person, Person(name="Alice", age=30), "json_schema"),
        ("function_calling", Person, Person(name="Alice", age=30), "tools"),
        ("json_mode", Echo, Echo(echo='JSON please: "Alice" is 30'), "json_object"),
    ],
)
def test_structured_output_in_every_method(
    helicone_gateway: LocalGateway,
    method: str,
    schema: type[BaseModel],
    expected: BaseModel,
    wire: str,
) -> None:
    structured = make().with_structured_output(schema, method=method)  # type: ignore[arg-type]

    result = structured.invoke('JSON please: "Alice" is 30')

    assert result == expected
    [sent] = helicone_gateway.requests
    if wire == "tools":
        assert "response_format" not in sent.json
        assert sent.json["tools"][0]["function"]["name"] == "Person"
    else:
        assert sent.json["response_format"]["type"] == wire


def test_with_structured_output_defaults_to_json_schema(helicone_gateway: LocalGateway) -> None:
    make().with_structured_output(Person).invoke('"Bob" is 41')

    [sent] = helicone_gateway.requests
    assert sent.json["response_format"]["type"] == "json_schema"
    assert sent.json["response_format"]["json_schema"]["name"] == "Person"
    assert "tools" not in sent.json


def test_structured_output_with_include_raw_carries_helicone_info(
    helicone_gateway: LocalGateway,
) -> None:
    out = make().with_structured_output(Person, include_raw=True).invoke('"Cleo" is 7')

    assert out["parsed"] == Person(name="Cleo", age=7)
    assert out["parsing_error"] is None
    [sent] = helicone_gateway.requests
    assert info_of(out["raw"])["request_id"] == sent.helicone_id


# --- streaming, batch, Helicone info ------------------------------------------------------------


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
async def test_stream_reports_usage_and_helicone_info_once(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    model = make()

    if use_async:
        chunks = await astream_all(model, "count to 5")
    else:
        chunks = list(model.stream("count to 5"))
    total = aggregate(chunks)

    assert total.content == "1 2 3 4 5"
    assert total.usage_metadata is not None
    assert total.usage_metadata["input_tokens"] == 3
    assert total.usage_metadata["output_tokens"] == 5
    assert total.usage_metadata["total_tokens"] == 8
    [sent] = helicone_gateway.requests
    assert sent.json["stream"] is True
    assert sent.json["stream_options"] == {"include_usage": True}
    with_info = [i for i, chunk in enumerate(chunks) if "helicone" in chunk.response_metadata]
    assert with_info == [0]
    assert info_of(total) == {
        "request_id": sent.helicone_id,
        "fallback_index": 0,
        "status_code": 200,
    }


def test_stream_usage_is_on_by_default() -> None:
    assert make(api_key="sk-helicone-x", base_url="http://127.0.0.1:9/v1").stream_usage is True


def test_invoke_carries_helicone_info_of_its_request(helicone_gateway: LocalGateway) -> None:
    model = make(cache_enabled=True)

    first = model.invoke("cache me")
    second = model.invoke("cache me")

    miss, hit = helicone_gateway.requests
    assert info_of(first)["request_id"] == miss.helicone_id
    assert info_of(first)["cache_hit"] is False
    assert info_of(first)["status_code"] == 200
    assert info_of(second)["request_id"] == hit.helicone_id
    assert info_of(second)["cache_hit"] is True
    assert first.content == second.content == "Echo: cache me"


async def test_ainvoke_carries_helicone_info_of_its_request(
    helicone_gateway: LocalGateway,
) -> None:
    reply = await make().ainvoke("hello async")

    assert reply.content == "Echo: hello async"
    [sent] = helicone_gateway.requests
    assert info_of(reply) == {
        "request_id": sent.helicone_id,
        "fallback_index": 0,
        "status_code": 200,
    }


@pytest.mark.parametrize("use_async", [False, True], ids=["batch", "abatch"])
async def test_batch_gives_each_item_its_own_request_id(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    texts = [f"item {i}" for i in range(5)]
    model = make()

    replies = await model.abatch(texts) if use_async else model.batch(texts)

    assert [r.content for r in replies] == [f"Echo: {t}" for t in texts]
    ids = [info_of(r)["request_id"] for r in replies]
    assert len(set(ids)) == len(texts)
    for text, request_id in zip(texts, ids, strict=True):
        assert request_with_text(helicone_gateway, text).helicone_id == request_id


async def test_fifty_concurrent_ainvoke_calls_each_get_their_own_scope_and_info(
    helicone_gateway: LocalGateway,
) -> None:
    model = make()

    async def one(i: int) -> tuple[uuid.UUID, AIMessage]:
        request_id = uuid.uuid4()
        with scope(request_id=request_id, user_id=f"user-{i}"):
            await asyncio.sleep(0)  # let the other tasks interleave with this one's scope
            return request_id, await model.ainvoke(f"message {i}")

    results = await asyncio.gather(*(one(i) for i in range(50)))

    by_id = {r.helicone_id: r for r in helicone_gateway.requests}
    assert len(by_id) == 50
    for i, (request_id, reply) in enumerate(results):
        assert reply.content == f"Echo: message {i}"
        assert info_of(reply)["request_id"] == str(request_id)
        sent = by_id[str(request_id)]
        assert sent.headers["helicone-request-id"] == str(request_id)
        assert sent.headers["helicone-user-id"] == f"user-{i}"
        assert sent.json["messages"][-1]["content"] == f"message {i}"
    users = Counter(r.headers["helicone-user-id"] for r in helicone_gateway.requests)
    assert users == Counter({f"user-{i}": 1 for i in range(50)})


# --- headers: per call, bound, scoped, configured -----------------------------------------------


def test_per_call_headers_reach_the_wire_and_beat_scope_and_config(
    helicone_gateway: LocalGateway,
) -> None:
    model = make(user_id="config-user", properties={"Source": "config"})

    with scope(user_id="scope-user", properties={"Source": "scope"}):
        model.invoke("scoped")
        model.invoke(
            "per call",
            extra_headers={
                "helicone-user-id": "call-user",  # another spelling: still one header
                "Helicone-Property-Source": "call",
                "X-Trace": "t-1",
            },
        )
    model.invoke("plain")

    scoped, per_call, plain = helicone_gateway.requests
    assert scoped.helicone_headers == {
        "helicone-user-id": "scope-user",
        "helicone-property-source": "scope",
    }
    assert per_call.helicone_headers == {
        "helicone-user-id": "call-user",
        "helicone-property-source": "call",
    }
    assert per_call.headers["x-trace"] == "t-1"
    assert plain.helicone_headers == {
        "helicone-user-id": "config-user",
        "helicone-property-source": "config",
    }


async def test_per_call_headers_reach_the_wire_when_streaming(
    helicone_gateway: LocalGateway,
) -> None:
    model = make(user_id="config-user")

    list(model.stream("sync", extra_headers={"Helicone-User-Id": "stream-user"}))
    await astream_all(model, "async", extra_headers={"Helicone-User-Id": "astream-user"})

    sync_sent, async_sent = helicone_gateway.requests
    assert sync_sent.headers["helicone-user-id"] == "stream-user"
    assert async_sent.headers["helicone-user-id"] == "astream-user"


def test_bound_headers_reach_the_wire_and_per_call_headers_beat_them(
    helicone_gateway: LocalGateway,
) -> None:
    model = make(user_id="config-user")
    bound = model.bind(extra_headers={"Helicone-Property-Bound": "yes", "Helicone-User-Id": "b"})

    bound.invoke("bound")
    list(bound.stream("bound stream"))
    bound.batch(["bound batch"])
    bound.invoke("override", extra_headers={"Helicone-User-Id": "call-user"})
    model.invoke("unbound")

    invoked, streamed, batched, overridden, unbound = helicone_gateway.requests
    for sent in (invoked, streamed, batched):
        assert sent.helicone_headers == {
            "helicone-user-id": "b",
            "helicone-property-bound": "yes",
        }
    assert overridden.helicone_headers == {
        "helicone-user-id": "call-user",
        "helicone-property-bound": "yes",
    }
    assert unbound.helicone_headers == {"helicone-user-id": "config-user"}


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
def test_bound_headers_survive_with_structured_output(
    helicone_gateway: LocalGateway, method: str
) -> None:
    # LangChain's RunnableBinding forwards with_structured_output to the bare model and drops
    # its kwargs (plain ChatOpenAI loses the headers here); HeliconeChat.bind keeps them.
    bound = make().bind(extra_headers={"Helicone-Property-Bound": "yes"})
    schema = Echo if method == "json_mode" else Person

    bound.with_structured_output(schema, method=method).invoke('JSON: "Dana" is 5')  # type: ignore[arg-type]

    [sent] = helicone_gateway.requests
    assert sent.headers["helicone-property-bound"] == "yes"


def test_bound_headers_survive_bind_tools(helicone_gateway: LocalGateway) -> None:
    bound = make().bind(extra_headers={"Helicone-Property-Bound": "yes"}).bind_tools([multiply])

    reply = bound.invoke("What is 2 times 5?")

    assert reply.tool_calls[0]["args"] == {"a": 2, "b": 5}
    [sent] = helicone_gateway.requests
    assert sent.headers["helicone-property-bound"] == "yes"
    assert sent.json["tools"][0]["function"]["name"] == "multiply"


async def test_scopes_apply_to_every_call_path(helicone_gateway: LocalGateway) -> None:
    model = make(properties={"App": "demo"})
    session = uuid.uuid4()

    with scope(session_id=session, session_path="/agent", properties={"Step": "outer"}):
        model.invoke("invoke")
        with scope(user_id="inner-user", properties={"Step": "inner"}):
            list(model.stream("stream"))
        model.batch(["batch"])
        await model.ainvoke("ainvoke")
        await astream_all(model, "astream")
    model.invoke("outside")

    *inside, outside = helicone_gateway.requests
    assert len(inside) == 5
    for sent in inside:
        assert sent.headers["helicone-session-id"] == str(session)
        assert sent.headers["helicone-session-path"] == "/agent"
        assert sent.headers["helicone-property-app"] == "demo"
    steps = {r.json["messages"][-1]["content"]: r.headers["helicone-property-step"] for r in inside}
    assert steps == {
        "invoke": "outer",
        "stream": "inner",
        "batch": "outer",
        "ainvoke": "outer",
        "astream": "outer",
    }
    assert request_with_text(helicone_gateway, "stream").headers["helicone-user-id"] == "inner-user"
    assert outside.helicone_headers == {"helicone-property-app": "demo"}


def test_options_as_fields_become_helicone_headers(helicone_gateway: LocalGateway) -> None:
    session = uuid.uuid4()
    model = make(
        user_id="alice",
        session_id=session,
        session_path="/a/b",
        session_name="agent",
        properties={"App": "demo", "Env": "test"},
        cache_enabled=True,
        cache_max_age=3600,
        cache_seed="seed-1",
        retry_enabled=True,
        retry_num=3,
        rate_limit_policy="100;w=3600;s=user",
        omit_request=True,
        token_limit_handler="truncate",
        model_override="gpt-4o",
    )

    reply = model.invoke("hi")

    [sent] = helicone_gateway.requests
    assert sent.helicone_headers == {
        "helicone-user-id": "alice",
        "helicone-session-id": str(session),
        "helicone-session-path": "/a/b",
        "helicone-session-name": "agent",
        "helicone-property-app": "demo",
        "helicone-property-env": "test",
        "helicone-cache-enabled": "true",
        "helicone-cache-seed": "seed-1",
        "helicone-retry-enabled": "true",
        "helicone-retry-num": "3",
        "helicone-ratelimit-policy": "100;w=3600;s=user",
        "helicone-omit-request": "true",
        "helicone-token-limit-exception-handler": "truncate",
        "helicone-model-override": "gpt-4o",
    }
    assert sent.headers["cache-control"] == "max-age=3600"
    assert info_of(reply)["rate_limit_policy"] == "100;w=3600;s=user"
    assert info_of(reply)["rate_limit_remaining"] == 99


def test_options_from_helicone_config_and_fields_on_top(helicone_gateway: LocalGateway) -> None:
    config = HeliconeConfig(user_id="config-user", properties={"App": "demo"}, cache_enabled=True)

    make(helicone_config=config).invoke("config")
    make(helicone_config=config, user_id="field-user").invoke("field on top")

    from_config, on_top = helicone_gateway.requests
    assert from_config.helicone_headers == {
        "helicone-user-id": "config-user",
        "helicone-property-app": "demo",
        "helicone-cache-enabled": "true",
    }
    assert on_top.helicone_headers["helicone-user-id"] == "field-user"
    assert on_top.helicone_headers["helicone-property-app"] == "demo"


def test_proxy_mode_sends_the_provider_key_and_helicone_auth(
    helicone_gateway: LocalGateway,
) -> None:
    model = make(mode="proxy", provider_api_key="sk-proj-provider-key")

    assert model.invoke("proxied").content == "Echo: proxied"

    [sent] = helicone_gateway.requests
    assert sent.headers["authorization"] == "Bearer sk-proj-provider-key"
    assert sent.headers["helicone-auth"] == f"Bearer {helicone_gateway.api_key}"


def test_proxy_mode_reads_the_provider_key_from_the_environment(
    helicone_gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELICONE_PROVIDER_API_KEY", "sk-proj-from-env")

    make(mode="proxy").invoke("proxied")

    [sent] = helicone_gateway.requests
    assert sent.headers["authorization"] == "Bearer sk-proj-from-env"
    assert sent.headers["helicone-auth"] == f"Bearer {helicone_gateway.api_key}"


# --- construction: where the URL and key come from ----------------------------------------------


@pytest.mark.parametrize("spelling", ["api_base", "base_url"])
def test_api_base_is_accepted_like_base_url(
    helicone_gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    monkeypatch.setenv("HELICONE_API_BASE", "http://127.0.0.1:9/v1")  # must lose to the argument

    model = make(**{spelling: helicone_gateway.url})

    assert model.openai_api_base == helicone_gateway.url
    assert model.invoke("hi").content == "Echo: hi"
    assert len(helicone_gateway.requests) == 1


def test_helicone_api_base_is_honoured(helicone_gateway: LocalGateway) -> None:
    model = make()

    assert model.openai_api_base == helicone_gateway.url
    assert model.invoke("hi").content == "Echo: hi"
    assert len(helicone_gateway.requests) == 1


def test_openai_environment_is_never_read(
    helicone_gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-must-not-be-used")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_BASE", "http://127.0.0.1:9/v1")

    model = make()
    model.invoke("hi")

    assert model.openai_api_key is not None
    assert model.openai_api_key.get_secret_value() == helicone_gateway.api_key
    [sent] = helicone_gateway.requests
    assert sent.headers["authorization"] == f"Bearer {helicone_gateway.api_key}"

    monkeypatch.delenv("HELICONE_API_KEY")
    with pytest.raises(ValueError, match="api_key"):
        make()
    assert len(helicone_gateway.requests) == 1


def test_chat_helicone_is_the_same_class() -> None:
    assert ChatHelicone is HeliconeChat


def test_api_key_may_be_a_secret_str(helicone_gateway: LocalGateway) -> None:
    model = make(api_key=SecretStr(helicone_gateway.api_key))

    assert model.invoke("hi").content == "Echo: hi"


def test_configurable_fields_rebuild_a_working_model(helicone_gateway: LocalGateway) -> None:
    model = make(user_id="config-user").configurable_fields(
        temperature=ConfigurableField(id="temperature")
    )

    model.invoke("hi", config={"configurable": {"temperature": 0.5}})

    [sent] = helicone_gateway.requests
    assert sent.json["temperature"] == 0.5
    assert sent.headers["helicone-user-id"] == "config-user"


# --- LangChain's conventions --------------------------------------------------------------------


def test_langchain_conventions() -> None:
    model = make(api_key="sk-helicone-x", base_url="http://127.0.0.1:9/v1", model="gpt-4o")

    assert model._llm_type == "helicone-chat"
    assert model._identifying_params["model_name"] == "gpt-4o"
    assert model._identifying_params["api_base"] == "http://127.0.0.1:9/v1"
    assert model.lc_secrets == {
        "openai_api_key": "HELICONE_API_KEY",
        "provider_api_key": "HELICONE_PROVIDER_API_KEY",
    }
    assert HeliconeChat.get_lc_namespace() == ["langchain_helicone", "chat_models"]
    assert HeliconeChat.is_lc_serializable() is True
    params = model._get_ls_params()
    assert params["ls_provider"] == "helicone"
    assert params["ls_model_name"] == "gpt-4o"
    assert params["ls_model_type"] == "chat"
    assert model._get_ls_params(model="gpt-4.1-mini")["ls_model_name"] == "gpt-4.1-mini"


def test_per_call_model_reaches_the_wire(helicone_gateway: LocalGateway) -> None:
    make(model="gpt-4o-mini").invoke("hi", model="gpt-4o")

    [sent] = helicone_gateway.requests
    assert sent.model == "gpt-4o"


# --- connections and event loops ----------------------------------------------------------------


@pytest.fixture
def fresh_pools() -> Iterator[None]:
    close_shared_pools()  # forget connections of earlier tests, so the count starts here
    yield
    close_shared_pools()


def test_ten_models_share_one_connection_for_a_hundred_calls(
    helicone_gateway: LocalGateway, fresh_pools: None
) -> None:
    models = [make() for _ in range(10)]

    for i in range(100):
        model = models[i % 10]
        if i % 4 == 0:
            assert aggregate(list(model.stream("count to 3"))).content == "1 2 3"
        else:
            assert model.invoke(f"call {i}").content == f"Echo: call {i}"

    assert len(helicone_gateway.requests) == 100
    assert helicone_gateway.connections_accepted == 1
    assert {r.connection for r in helicone_gateway.requests} == {1}


def test_one_model_across_sequential_event_loops(helicone_gateway: LocalGateway) -> None:
    model = make()

    replies = [asyncio.run(model.ainvoke(f"run {i}")) for i in range(5)]

    assert [r.content for r in replies] == [f"Echo: run {i}" for i in range(5)]
    ids = [info_of(r)["request_id"] for r in replies]
    assert ids == [r.helicone_id for r in helicone_gateway.requests]


def test_models_with_the_same_settings_share_their_sdk_clients(
    helicone_gateway: LocalGateway,
) -> None:
    # As ChatOpenAI shares langchain-openai's default httpx client: a thousand models built from
    # one config cost one client pair. Any difference in what is sent gets its own.
    first, second = make(user_id="shared"), make(user_id="shared")
    assert first.root_client is second.root_client
    assert first.root_async_client is second.root_async_client
    assert first.client is second.client
    other = make(user_id="other")
    assert other.root_client is not first.root_client

    first.root_client.close()  # closes the shared client, as closing ChatOpenAI's would
    third = make(user_id="shared")  # but later models get a working client
    assert third.root_client is not first.root_client
    assert third.invoke("hi").content == "Echo: hi"
    assert helicone_gateway.requests[-1].headers["Helicone-User-Id"] == "shared"
