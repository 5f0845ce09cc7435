"""helicone-openai end to end: the real OpenAI SDK, over real sockets, against the LocalGateway.

Every test builds its clients with ``make_openai_client`` / ``make_async_openai_client`` and
checks what the gateway received (``helicone_gateway.requests``) and what the caller got back.
Most tests run twice, through the sync and the async client (``use_async``); the async tests call
the sync client from inside the event loop, which is fine because the gateway runs in its own
threads. Clients get a 10 s timeout so that a regression fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import openai
import pytest

from helicone_core import (
    HeliconeConfig,
    HeliconeInfo,
    InvalidOptionError,
    MissingAPIKeyError,
    capture_info,
    scope,
)
from helicone_core.adapters import PromptRequest
from helicone_core.testing import LocalGateway
from helicone_core.transport import aclose_shared_pools, close_shared_pools
from helicone_openai import make_async_openai_client, make_openai_client
from helicone_openai.plugin import run_prompt

MODES = pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
MODEL = "gpt-4o-mini"
TIMEOUT = 10.0  # "does not hang" bound for every client


# --- helpers: one code path for the sync and the async client -------------------------------------


def make_client(use_async: bool, **arguments: Any) -> Any:
    arguments.setdefault("timeout", TIMEOUT)
    factory = make_async_openai_client if use_async else make_openai_client
    client = factory(**arguments)
    assert isinstance(client, openai.AsyncOpenAI if use_async else openai.OpenAI)
    return client


async def resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def create(client: Any, text: str = "hi", model: str = MODEL, **arguments: Any) -> Any:
    messages = [{"role": "user", "content": text}]
    return await resolve(
        client.chat.completions.create(model=model, messages=messages, **arguments)
    )


async def read_stream(stream: Any) -> list[Any]:
    if hasattr(stream, "__aiter__"):
        return [chunk async for chunk in stream]
    return list(stream)


def text_of(chunks: Sequence[Any]) -> str:
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


async def close_pools(use_async: bool) -> None:
    """Forget pooled connections of earlier tests so the gateway's count starts from this test."""
    if use_async:
        await aclose_shared_pools()
    else:
        close_shared_pools()


def counting(n: int) -> str:
    return " ".join(str(i) for i in range(1, n + 1))


# --- replies --------------------------------------------------------------------------------------


@MODES
async def test_chat_completion_returns_the_gateway_reply(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    client = make_client(use_async)

    reply = await create(client, "hello there")

    assert reply.choices[0].message.content == "Echo: hello there"
    assert reply.choices[0].finish_reason == "stop"
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (2, 3)
    [sent] = helicone_gateway.requests
    assert (sent.method, sent.path, sent.status) == ("POST", "/v1/chat/completions", 200)
    assert sent.json["messages"] == [{"role": "user", "content": "hello there"}]


@MODES
@pytest.mark.parametrize("include_usage", [True, False], ids=["usage", "no-usage"])
async def test_stream_returns_the_gateway_reply_and_usage_on_request(
    helicone_gateway: LocalGateway, use_async: bool, include_usage: bool
) -> None:
    client = make_client(use_async)
    options = {"stream_options": {"include_usage": True}} if include_usage else {}

    chunks = await read_stream(await create(client, "count to 5", stream=True, **options))

    assert text_of(chunks) == counting(5)
    finishes = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finishes == ["stop"]
    usages = [chunk.usage for chunk in chunks if chunk.usage is not None]
    if include_usage:
        # The usage chunk comes last and has no choices, as OpenAI sends it.
        assert usages == [chunks[-1].usage]
        assert chunks[-1].choices == []
        assert (usages[0].prompt_tokens, usages[0].completion_tokens) == (3, 5)
        assert usages[0].total_tokens == 8
    else:
        assert usages == []
    [sent] = helicone_gateway.requests
    assert sent.json["stream"] is True
    assert sent.json.get("stream_options") == options.get("stream_options")
    assert sent.status == 200


def test_run_prompt_runs_text_streams_and_tools(helicone_gateway: LocalGateway) -> None:
    """The plugin's run_prompt (``helicone chat --adapter openai``), in all four shapes."""

    def multiply(a: int, b: int) -> int:
        """Multiply two numbers."""
        return a * b

    config = HeliconeConfig(timeout=TIMEOUT)
    pieces: list[str] = []
    cases = [
        (PromptRequest("hello", config), "Echo: hello"),
        (PromptRequest("hello", config, use_async=True), "Echo: hello"),
        (PromptRequest("count to 4", config, stream=True, on_text=pieces.append), counting(4)),
        (PromptRequest("count to 3", config, stream=True, use_async=True), counting(3)),
        (PromptRequest("What is 3 times 4?", config, tools=(multiply,)), "Tool result: 12"),
    ]
    for request, expected in cases:
        before = len(helicone_gateway.requests)
        result = run_prompt(request)
        assert result.text == expected, request
        assert result.info is not None
        assert result.info.request_id == helicone_gateway.requests[-1].helicone_id
        assert len(helicone_gateway.requests) - before == (2 if request.tools else 1)
    assert pieces == ["1", " 2", " 3", " 4"]
    assert [(c.name, c.arguments, c.result) for c in result.tool_calls] == [
        ("multiply", {"a": 3, "b": 4}, 12)
    ]


# --- authentication and Helicone headers on the wire ----------------------------------------------


@MODES
async def test_gateway_mode_sends_only_the_helicone_key(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    client = make_client(use_async)

    await create(client)

    [sent] = helicone_gateway.requests
    assert sent.headers["authorization"] == f"Bearer {helicone_gateway.api_key}"
    assert "helicone-auth" not in sent.headers
    assert sent.status == 200


@MODES
async def test_proxy_mode_sends_provider_key_and_helicone_auth(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    client = make_client(use_async, mode="proxy", provider_api_key="sk-provider-test")

    reply = await create(client, "via proxy")

    assert reply.choices[0].message.content == "Echo: via proxy"
    [sent] = helicone_gateway.requests
    assert sent.headers["authorization"] == "Bearer sk-provider-test"
    assert sent.headers["helicone-auth"] == f"Bearer {helicone_gateway.api_key}"
    assert sent.status == 200


REQUEST_ID = uuid.UUID("6f1e3c1a-4a7b-4c1d-9e2f-0a1b2c3d4e5f")
SESSION_ID = uuid.UUID("0b9f6a3e-1c2d-4e5f-8a9b-112233445566")
TYPED_OPTIONS: dict[str, Any] = {
    "user_id": "user-7",
    "session_id": SESSION_ID,
    "session_path": "/plan/step-1",
    "session_name": "planner",
    "properties": {"Feature": "search", "Tier": "pro"},
    "cache_enabled": True,
    "cache_max_age": 3600,
    "cache_bucket_max_size": 2,
    "cache_seed": "seed-1",
    "cache_ignore_keys": ["user", "temperature"],
    "retry_enabled": True,
    "retry_num": 3,
    "retry_factor": 1.5,
    "rate_limit_policy": "100;w=3600;s=user",
    "request_id": REQUEST_ID,
    "prompt_id": "prompt-1",
    "omit_request": True,
    "omit_response": False,
    "llm_security": "advanced",
    "moderations_enabled": True,
    "token_limit_handler": "truncate",
    "model_override": "gpt-4o",
    "posthog_key": "phc_test",
    "posthog_host": "https://eu.posthog.com",
}
TYPED_HEADERS = {
    "helicone-user-id": "user-7",
    "helicone-session-id": str(SESSION_ID),
    "helicone-session-path": "/plan/step-1",
    "helicone-session-name": "planner",
    "helicone-property-feature": "search",
    "helicone-property-tier": "pro",
    "helicone-cache-enabled": "true",
    "helicone-cache-bucket-max-size": "2",
    "helicone-cache-seed": "seed-1",
    "helicone-cache-ignore-keys": "user,temperature",
    "helicone-retry-enabled": "true",
    "helicone-retry-num": "3",
    "helicone-retry-factor": "1.5",
    "helicone-ratelimit-policy": "100;w=3600;s=user",
    "helicone-request-id": str(REQUEST_ID),
    "helicone-prompt-id": "prompt-1",
    "helicone-omit-request": "true",
    "helicone-omit-response": "false",
    "helicone-llm-security-enabled": "true",
    "helicone-llm-security-advanced": "true",
    "helicone-moderations-enabled": "true",
    "helicone-token-limit-exception-handler": "truncate",
    "helicone-model-override": "gpt-4o",
    "helicone-posthog-key": "phc_test",
    "helicone-posthog-host": "https://eu.posthog.com",
}


@MODES
@pytest.mark.parametrize("given_as", ["keywords", "config", "config+keywords"])
async def test_typed_options_reach_the_gateway(
    helicone_gateway: LocalGateway, use_async: bool, given_as: str
) -> None:
    if given_as == "keywords":
        client = make_client(use_async, **TYPED_OPTIONS)
    elif given_as == "config":
        client = make_client(use_async, config=HeliconeConfig(**TYPED_OPTIONS))
    else:  # keywords win over the config's values, and the config is left as it was
        config = HeliconeConfig(**{**TYPED_OPTIONS, "user_id": "from-config", "prompt_id": "x"})
        client = make_client(use_async, config=config, user_id="user-7", prompt_id="prompt-1")
        assert (config.user_id, config.prompt_id) == ("from-config", "x")

    with capture_info() as captured:
        await create(client)

    [sent] = helicone_gateway.requests
    assert sent.helicone_headers == TYPED_HEADERS
    assert sent.headers["cache-control"] == "max-age=3600"
    # The gateway honoured the pre-assigned request id.
    assert sent.helicone_id == str(REQUEST_ID)
    assert captured.last is not None
    assert captured.last.request_id == str(REQUEST_ID)
    assert captured.last.rate_limit_policy == "100;w=3600;s=user"


@MODES
async def test_header_layers_config_options_headers_scope_per_call(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    """built-in < config options < config headers < scope < per-call, names case-insensitive."""
    client = make_client(
        use_async,
        user_id="options",
        session_name="options",
        properties={"Layer": "options", "Kept": "options"},
        headers={
            "helicone-session-name": "headers",
            "HELICONE-PROPERTY-LAYER": "headers",
            "X-Custom": "headers",
        },
    )

    await create(client)
    with scope(user_id="scope", properties={"Layer": "scope"}, headers={"x-custom": "scope"}):
        await create(client)
        await create(client, extra_headers={"helicone-user-id": "call", "X-CUSTOM": "call"})
        await create(client, extra_headers={"Helicone-Property-Layer": "call"})
    await create(client)

    # header -> the value each of the five requests carried (one spelling, never two values)
    expected = {
        "helicone-user-id": ["options", "scope", "call", "scope", "options"],
        "helicone-session-name": ["headers"] * 5,
        "helicone-property-layer": ["headers", "scope", "scope", "call", "headers"],
        "helicone-property-kept": ["options"] * 5,
        "x-custom": ["headers", "scope", "call", "scope", "headers"],
    }
    sent = helicone_gateway.requests
    assert len(sent) == 5
    for name, values in expected.items():
        assert [request.headers.get(name) for request in sent] == values, name
    for request in sent:
        assert request.headers["authorization"] == f"Bearer {helicone_gateway.api_key}"


@MODES
async def test_per_call_header_equal_to_config_value_still_beats_scope(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    client = make_client(use_async, user_id="alice")

    with scope(user_id="bob"):
        await create(client, extra_headers={"Helicone-User-Id": "alice"})

    assert helicone_gateway.requests[-1].headers["helicone-user-id"] == "alice"


@MODES
async def test_config_headers_override_the_built_in_authorization(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    client = make_client(
        use_async,
        api_key="sk-helicone-not-this-one",
        headers={"Authorization": f"Bearer {helicone_gateway.api_key}"},
        max_retries=0,
    )

    with contextlib.suppress(openai.AuthenticationError):
        await create(client)

    assert helicone_gateway.requests[-1].headers["authorization"] == (
        f"Bearer {helicone_gateway.api_key}"
    )


# --- keys -----------------------------------------------------------------------------------------


@MODES
async def test_key_from_the_api_key_argument(
    helicone_gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch, use_async: bool
) -> None:
    monkeypatch.delenv("HELICONE_API_KEY")
    client = make_client(use_async, api_key=helicone_gateway.api_key)

    reply = await create(client, "by argument")

    assert reply.choices[0].message.content == "Echo: by argument"
    assert helicone_gateway.requests[-1].headers["authorization"] == (
        f"Bearer {helicone_gateway.api_key}"
    )


@MODES
async def test_openai_environment_variables_are_ignored(
    helicone_gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch, use_async: bool
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-must-not-be-sent")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    client = make_client(use_async)  # key and base from HELICONE_API_KEY / HELICONE_API_BASE

    reply = await create(client, "from env")

    assert reply.choices[0].message.content == "Echo: from env"
    [sent] = helicone_gateway.requests
    assert sent.headers["authorization"] == f"Bearer {helicone_gateway.api_key}"
    assert not any("sk-openai" in value for value in sent.headers.values())
    assert client.api_key == helicone_gateway.api_key
    assert str(client.base_url).rstrip("/") == helicone_gateway.url


@MODES
async def test_api_base_argument_beats_helicone_api_base(
    helicone_gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch, use_async: bool
) -> None:
    monkeypatch.setenv("HELICONE_API_BASE", "http://127.0.0.1:9/v1")
    client = make_client(use_async, api_base=helicone_gateway.url, max_retries=0)

    assert await create(client, "explicit base") is not None

    assert [r.json["messages"][0]["content"] for r in helicone_gateway.requests] == [
        "explicit base"
    ]


def test_proxy_mode_defaults_to_the_openai_proxy_host(
    helicone_gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HELICONE_API_BASE")

    for use_async in (False, True):
        proxy = make_client(use_async, mode="proxy", provider_api_key="sk-provider")
        gateway = make_client(use_async)
        assert str(proxy.base_url) == "https://oai.helicone.ai/v1/"
        assert str(gateway.base_url) == "https://ai-gateway.helicone.ai/v1/"
        assert proxy.api_key == "sk-provider"
        assert gateway.api_key == helicone_gateway.api_key
    assert helicone_gateway.requests == []


@MODES
def test_invalid_helicone_api_key_in_the_environment_raises_before_any_request(
    helicone_gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch, use_async: bool
) -> None:
    monkeypatch.setenv("HELICONE_API_KEY", "sk-helicone-env\nX-Evil: 1")

    with pytest.raises(InvalidOptionError) as raised:
        make_client(use_async)

    assert raised.value.field == "api_key"
    assert "HELICONE_API_KEY" in str(raised.value)
    assert "sk-helicone-env" not in str(raised.value)
    assert helicone_gateway.requests == []


@MODES
@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({}, "api_key"),
        ({"mode": "proxy", "provider_api_key": "sk-provider"}, "api_key"),
        ({"mode": "proxy", "api_key": "sk-helicone-local"}, "provider_api_key"),
    ],
    ids=["gateway", "proxy-no-helicone-key", "proxy-no-provider-key"],
)
def test_missing_key_raises_before_any_request(
    helicone_gateway: LocalGateway,
    monkeypatch: pytest.MonkeyPatch,
    use_async: bool,
    arguments: dict[str, Any],
    field: str,
) -> None:
    monkeypatch.delenv("HELICONE_API_KEY")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-is-not-a-fallback")

    with pytest.raises(MissingAPIKeyError) as raised:
        make_client(use_async, **arguments)

    assert raised.value.field == field
    assert "sk-openai" not in str(raised.value)
    assert helicone_gateway.requests == []
    assert helicone_gateway.connections_accepted == 0


INVALID_OPTIONS = [
    ({"user_id": ""}, "user_id"),
    ({"user_id": "two\nlines"}, "user_id"),
    ({"request_id": "not-a-uuid"}, "request_id"),
    ({"session_path": "no-leading-slash"}, "session_path"),
    ({"properties": {"bad name": "x"}}, "properties"),
    ({"rate_limit_policy": "10;w=30"}, "rate_limit_policy"),
    ({"cache_bucket_max_size": 21}, "cache_bucket_max_size"),
    ({"cache_enabled": "yes"}, "cache_enabled"),
    ({"retry_min_timeout": 5000, "retry_max_timeout": 1000}, "retry_max_timeout"),
    ({"timeout": 0}, "timeout"),
    ({"max_retries": -1}, "max_retries"),
    ({"mode": "direct"}, "mode"),
    ({"api_base": "not a url"}, "api_base"),
    ({"headers": {"X-Bad": "a\nb"}}, "headers['X-Bad']"),
    ({"api_key": "sk-helicone-secret\r\nX-Evil: 1"}, "api_key"),
]


@MODES
@pytest.mark.parametrize(("arguments", "field"), INVALID_OPTIONS, ids=lambda v: str(v)[:40])
def test_invalid_option_raises_before_any_request(
    helicone_gateway: LocalGateway, use_async: bool, arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidOptionError) as raised:
        make_client(use_async, **arguments)

    assert raised.value.field == field
    assert "sk-helicone-secret" not in str(raised.value)
    assert helicone_gateway.requests == []


def test_invalid_scope_raises_before_any_request(helicone_gateway: LocalGateway) -> None:
    client = make_openai_client(timeout=TIMEOUT)

    with pytest.raises(InvalidOptionError) as raised:
        scope(request_id="not-a-uuid")
    client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x"}])

    assert raised.value.field == "request_id"
    [sent] = helicone_gateway.requests  # only the call made after the failed scope
    assert "helicone-request-id" not in sent.headers


# --- scopes ---------------------------------------------------------------------------------------


@MODES
async def test_scope_applies_to_calls_inside_it_only(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    client = make_client(use_async, properties={"App": "demo"})  # built outside every scope

    await create(client, "before")
    with scope(user_id="alice", session_id="s-1", properties={"Feature": "search"}):
        await create(client, "inside")
        with scope(user_id="bob", properties={"Step": "2"}):
            await create(client, "nested")
        await create(client, "inside again")
    await create(client, "after")

    expected = [
        ("before", {"helicone-property-app": "demo"}),
        (
            "inside",
            {
                "helicone-property-app": "demo",
                "helicone-user-id": "alice",
                "helicone-session-id": "s-1",
                "helicone-property-feature": "search",
            },
        ),
        (
            "nested",
            {
                "helicone-property-app": "demo",
                "helicone-user-id": "bob",
                "helicone-session-id": "s-1",
                "helicone-property-feature": "search",
                "helicone-property-step": "2",
            },
        ),
        (
            "inside again",
            {
                "helicone-property-app": "demo",
                "helicone-user-id": "alice",
                "helicone-session-id": "s-1",
                "helicone-property-feature": "search",
            },
        ),
        ("after", {"helicone-property-app": "demo"}),
    ]
    sent = helicone_gateway.requests
    assert [(r.json["messages"][0]["content"], r.helicone_headers) for r in sent] == expected


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
async def test_concurrent_async_calls_each_keep_their_own_scope(
    helicone_gateway: LocalGateway, stream: bool
) -> None:
    client = make_async_openai_client(timeout=TIMEOUT)

    async def one(n: int) -> tuple[int, uuid.UUID, Any, str]:
        request_id = uuid.uuid4()
        with scope(request_id=request_id, user_id=f"user-{n}"), capture_info() as captured:
            if stream:
                reply = text_of(await read_stream(await create(client, f"call {n}", stream=True)))
            else:
                reply = (await create(client, f"call {n}")).choices[0].message.content
        return n, request_id, captured, reply

    results = await asyncio.gather(*(one(n) for n in range(100)))

    sent = helicone_gateway.requests
    assert len(sent) == 100
    by_request_id: dict[str, list[Any]] = {}
    for request in sent:
        by_request_id.setdefault(request.headers["helicone-request-id"], []).append(request)
    for n, request_id, captured, reply in results:
        assert reply == f"Echo: call {n}"
        assert [info.request_id for info in captured.infos] == [str(request_id)]
        [request] = by_request_id[str(request_id)]
        assert request.headers["helicone-user-id"] == f"user-{n}"
        assert request.json["messages"][0]["content"] == f"call {n}"
        assert request.helicone_id == str(request_id)
    users = Counter(request.headers["helicone-user-id"] for request in sent)
    assert users == Counter(f"user-{n}" for n in range(100))


def test_concurrent_threads_each_keep_their_own_scope(helicone_gateway: LocalGateway) -> None:
    client = make_openai_client(timeout=TIMEOUT)

    def one(n: int) -> tuple[int, str | None, str | None]:
        with scope(user_id=f"user-{n}", request_id=uuid.uuid4()) as active:
            with capture_info() as captured:
                client.chat.completions.create(
                    model=MODEL, messages=[{"role": "user", "content": f"call {n}"}]
                )
            wanted = active.headers["Helicone-Request-Id"]
        return n, wanted, captured.last.request_id if captured.last else None

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(one, range(48)))

    for _, wanted, got in results:
        assert got == wanted
    by_content = {r.json["messages"][0]["content"]: r for r in helicone_gateway.requests}
    assert len(by_content) == 48
    for n, wanted, _ in results:
        request = by_content[f"call {n}"]
        assert request.headers["helicone-user-id"] == f"user-{n}"
        assert request.helicone_id == wanted


# --- Helicone's answer for the exact call ---------------------------------------------------------


@MODES
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
async def test_capture_info_reports_the_exact_call(
    helicone_gateway: LocalGateway, use_async: bool, stream: bool
) -> None:
    client = make_client(use_async)
    await create(client, "not captured")

    with capture_info() as captured:
        if stream:
            response = await create(client, "count to 3", stream=True)
            # Helicone's answer is there as soon as the headers are, before any chunk is read.
            assert captured.last is not None
            assert captured.last.request_id == helicone_gateway.requests[-1].helicone_id
            assert text_of(await read_stream(response)) == counting(3)
        else:
            await create(client, "captured")
    await create(client, "not captured either")

    first, mine, last = helicone_gateway.requests
    assert len(captured.infos) == 1
    info = captured.infos[0]
    assert info.request_id == mine.helicone_id
    assert info.request_id not in (first.helicone_id, last.helicone_id)
    assert info.status_code == 200
    assert info.cache_hit is None  # no cache asked for, no Helicone-Cache header


@MODES
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
async def test_raw_response_headers_give_helicone_info(
    helicone_gateway: LocalGateway, use_async: bool, stream: bool
) -> None:
    client = make_client(use_async)
    messages = [{"role": "user", "content": "count to 2"}]

    raw = await resolve(
        client.chat.completions.with_raw_response.create(
            model=MODEL, messages=messages, stream=stream
        )
    )
    info = HeliconeInfo.from_headers(raw.headers, raw.status_code)
    parsed = await resolve(raw.parse())

    if stream:
        assert text_of(await read_stream(parsed)) == counting(2)
    else:
        assert parsed.choices[0].message.content == counting(2)
    [sent] = helicone_gateway.requests
    assert info.request_id == sent.helicone_id
    assert info.status_code == 200
    assert info.fallback_index == 0


@MODES
@pytest.mark.parametrize("enabled_by", ["config", "scope"])
async def test_cache_miss_then_hit(
    helicone_gateway: LocalGateway, use_async: bool, enabled_by: str
) -> None:
    client = make_client(use_async, **({"cache_enabled": True} if enabled_by == "config" else {}))
    enabling = scope(cache_enabled=True) if enabled_by == "scope" else contextlib.nullcontext()

    with enabling, capture_info() as captured:
        first = await create(client, "cache me")
        second = await create(client, "cache me")
    third = await create(client, "cache me")  # outside the scope: only the config caches

    assert [info.cache_hit for info in captured.infos] == [False, True]
    assert captured.infos[1].cache_bucket_index == 0
    assert second.id == first.id
    assert second.choices[0].message.content == first.choices[0].message.content
    assert (third.id == first.id) is (enabled_by == "config")
    cached = [r.headers.get("helicone-cache-enabled") for r in helicone_gateway.requests]
    assert cached == ["true", "true", "true" if enabled_by == "config" else None]


# --- connections ----------------------------------------------------------------------------------


@MODES
async def test_clients_with_the_same_settings_share_one_connection(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    await close_pools(use_async)
    # Same connection settings; different Helicone options, which must not split the pool.
    clients = [make_client(use_async, user_id=f"user-{i}") for i in range(10)]

    for n in range(100):
        reply = await create(clients[n % 10], f"n{n}")
        assert reply.choices[0].message.content == f"Echo: n{n}"

    assert helicone_gateway.connections_accepted == 1
    sent = helicone_gateway.requests
    assert {request.connection for request in sent} == {1}
    assert [r.headers["helicone-user-id"] for r in sent] == [f"user-{n % 10}" for n in range(100)]


@MODES
async def test_streamed_calls_reuse_one_connection(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    await close_pools(use_async)
    client = make_client(use_async)

    for _ in range(10):
        stream = await create(
            client, "count to 20", stream=True, stream_options={"include_usage": True}
        )
        chunks = await read_stream(stream)
        assert text_of(chunks) == counting(20)
        assert chunks[-1].usage is not None

    assert helicone_gateway.connections_accepted == 1
    assert {request.status for request in helicone_gateway.requests} == {200}


def test_one_async_client_across_several_event_loops(helicone_gateway: LocalGateway) -> None:
    client = make_async_openai_client(timeout=TIMEOUT)

    async def run(n: int) -> str:
        if n % 2:
            return text_of(await read_stream(await create(client, f"count to {n}", stream=True)))
        reply = await create(client, f"run {n}")
        return str(reply.choices[0].message.content)

    replies = [asyncio.run(run(n)) for n in range(5)]

    assert replies == ["Echo: run 0", "1", "Echo: run 2", counting(3), "Echo: run 4"]
    assert [request.status for request in helicone_gateway.requests] == [200] * 5


@MODES
async def test_closing_a_client_leaves_the_shared_pool_open(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    await close_pools(use_async)
    first, second = make_client(use_async), make_client(use_async)

    await create(first, "one")
    await resolve(first.close())
    await create(second, "two")

    assert helicone_gateway.connections_accepted == 1
    assert [r.status for r in helicone_gateway.requests] == [200, 200]


@MODES
async def test_stream_closed_early_does_not_hang_and_the_next_call_works(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    await close_pools(use_async)
    client = make_client(use_async)

    stream = await create(client, "count to 5000", stream=True)
    first = await (anext(stream) if use_async else resolve(next(stream)))
    await resolve(stream.close())
    reply = await create(client, "after")

    assert first.choices[0].delta.role == "assistant"
    assert reply.choices[0].message.content == "Echo: after"
    # The abandoned stream was still being sent: its connection is dropped, not reused.
    assert helicone_gateway.connections_accepted == 2


@MODES
async def test_debug_log_never_shows_the_key(
    helicone_gateway: LocalGateway, use_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="helicone_core.transport")
    client = make_client(use_async, mode="proxy", provider_api_key="sk-provider-secret")

    await create(client)

    logged = [r.getMessage() for r in caplog.records if r.name == "helicone_core.transport"]
    assert any("/chat/completions" in message for message in logged)
    assert not any(helicone_gateway.api_key in message for message in logged)
    assert not any("sk-provider-secret" in message for message in logged)
