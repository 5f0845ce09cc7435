"""helicone-openai under failure: the gateway's scripted faults, through the sync and async SDK.

What a caller must see: retries decided by the SDK alone (``max_retries``, counted at the
gateway), the SDK's typed errors with Helicone's response headers still readable, and never a
hang or a partial answer passed off as complete. Retry waits are kept short with
``Retry-After: 0.01`` where the test is not about the SDK's own backoff.
"""

from __future__ import annotations

import inspect
import json
import socket
from typing import Any

import httpx
import openai
import pytest

from helicone_core import HeliconeInfo, capture_info
from helicone_core.testing import LocalGateway
from helicone_openai import make_async_openai_client, make_openai_client

MODES = pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
MODEL = "gpt-4o-mini"
TIMEOUT = 10.0  # "does not hang" bound for every client
QUICK = 0.01  # Retry-After seconds for scripted errors
SDK_VERSION = tuple(int(part) for part in openai.__version__.split(".")[:2])
# A network error while a stream is read: openai 3.14.0 and later wrap it in APIConnectionError,
# earlier releases (1.40 to 3.13) let httpx's own error through.
STREAM_READ_ERROR: type[Exception] = (
    openai.APIConnectionError if SDK_VERSION >= (3, 14) else httpx.ReadError
)


def make_client(use_async: bool, **arguments: Any) -> Any:
    arguments.setdefault("timeout", TIMEOUT)
    factory = make_async_openai_client if use_async else make_openai_client
    return factory(**arguments)


async def resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def ask(
    client: Any,
    text: str = "count to 10",
    model: str = MODEL,
    received: list[Any] | None = None,
    **arguments: Any,
) -> str:
    """The reply text; streamed chunks are appended to ``received`` as they arrive."""
    messages = [{"role": "user", "content": text}]
    response = await resolve(
        client.chat.completions.create(model=model, messages=messages, **arguments)
    )
    if not arguments.get("stream"):
        return str(response.choices[0].message.content)
    chunks = received if received is not None else []
    if hasattr(response, "__aiter__"):
        async for chunk in response:
            chunks.append(chunk)
    else:
        chunks.extend(response)
    return text_of(chunks)


def text_of(chunks: list[Any]) -> str:
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


def counting(n: int) -> str:
    return " ".join(str(i) for i in range(1, n + 1))


def finish_reasons(chunks: list[Any]) -> list[str]:
    return [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]


def error_info(error: openai.APIStatusError) -> HeliconeInfo:
    return HeliconeInfo.from_headers(error.response.headers, error.response.status_code)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- 429 ------------------------------------------------------------------------------------------


@MODES
@pytest.mark.parametrize("scripted_by", ["fail_next", "model-name"])
async def test_429_with_retry_after_is_retried_once_and_succeeds(
    helicone_gateway: LocalGateway, use_async: bool, scripted_by: str
) -> None:
    if scripted_by == "fail_next":
        helicone_gateway.fail_next(429, retry_after=QUICK)
        model = MODEL
    else:
        model = "fault-429-once"  # Retry-After: 0, so the SDK's own short backoff applies
    client = make_client(use_async, max_retries=2)

    with capture_info() as captured:
        reply = await ask(client, "after a 429", model=model)

    assert reply == "Echo: after a 429"
    sent = helicone_gateway.requests
    assert [request.status for request in sent] == [429, 200]  # exactly two attempts
    assert sent[0].json == sent[1].json
    assert [info.status_code for info in captured.infos] == [429, 200]
    assert captured.infos[0].retry_after == (QUICK if scripted_by == "fail_next" else 0)
    assert captured.last is not None
    assert captured.last.request_id == sent[1].helicone_id


@MODES
@pytest.mark.parametrize(
    ("max_retries", "per_call"), [(0, None), (1, None), (3, None), (2, 0), (0, 2)]
)
async def test_429_retries_follow_max_retries_in_one_layer(
    helicone_gateway: LocalGateway, use_async: bool, max_retries: int, per_call: int | None
) -> None:
    helicone_gateway.fail_next(429, times=10, retry_after=QUICK)
    client = make_client(use_async, max_retries=max_retries)
    if per_call is not None:
        client = client.with_options(max_retries=per_call)
    wanted = max_retries if per_call is None else per_call

    with pytest.raises(openai.RateLimitError) as raised:
        await ask(client)

    # Only the SDK retries: max_retries + 1 attempts, never a multiple of it.
    sent = helicone_gateway.requests
    assert [request.status for request in sent] == [429] * (wanted + 1)
    assert helicone_gateway.pending_faults == 10 - (wanted + 1)
    assert raised.value.status_code == 429
    info = error_info(raised.value)
    assert info.request_id == sent[-1].helicone_id
    assert info.retry_after == QUICK


# --- 5xx ------------------------------------------------------------------------------------------


@MODES
@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried_then_raised_with_the_helicone_id(
    helicone_gateway: LocalGateway, use_async: bool, status: int
) -> None:
    helicone_gateway.fail_next(status, times=5, retry_after=QUICK)
    client = make_client(use_async, max_retries=2)

    with capture_info() as captured, pytest.raises(openai.APIStatusError) as raised:
        await ask(client)

    assert type(raised.value) is openai.InternalServerError
    assert raised.value.status_code == status
    sent = helicone_gateway.requests
    assert [request.status for request in sent] == [status] * 3
    assert error_info(raised.value).request_id is not None
    assert error_info(raised.value).request_id == sent[-1].helicone_id
    assert [info.status_code for info in captured.infos] == [status] * 3
    assert [info.request_id for info in captured.infos] == [r.helicone_id for r in sent]


@MODES
async def test_server_error_model_uses_the_sdk_backoff_and_max_retries(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    client = make_client(use_async, max_retries=1)  # no Retry-After: the SDK's ~0.5 s backoff

    with pytest.raises(openai.InternalServerError) as raised:
        await ask(client, model="fault-500")

    assert raised.value.status_code == 500
    assert [request.status for request in helicone_gateway.requests] == [500, 500]
    assert error_info(raised.value).request_id == helicone_gateway.requests[-1].helicone_id


@MODES
async def test_server_errors_then_success(helicone_gateway: LocalGateway, use_async: bool) -> None:
    helicone_gateway.fail_next(503, times=2, retry_after=QUICK)
    client = make_client(use_async, max_retries=2)

    reply = await ask(client, "third time lucky")

    assert reply == "Echo: third time lucky"
    assert [request.status for request in helicone_gateway.requests] == [503, 503, 200]


# --- 4xx ------------------------------------------------------------------------------------------


@MODES
@pytest.mark.parametrize(
    ("arguments", "model", "error", "status"),
    [
        ({"api_key": "sk-helicone-wrong"}, MODEL, openai.AuthenticationError, 401),
        (
            {"mode": "proxy", "api_key": "sk-helicone-wrong", "provider_api_key": "sk-p"},
            MODEL,
            openai.AuthenticationError,
            401,
        ),
        ({}, "fault-404", openai.NotFoundError, 404),
    ],
    ids=["401-gateway", "401-proxy", "404-unknown-model"],
)
async def test_client_errors_are_typed_and_not_retried(
    helicone_gateway: LocalGateway,
    use_async: bool,
    arguments: dict[str, Any],
    model: str,
    error: type[openai.APIStatusError],
    status: int,
) -> None:
    client = make_client(use_async, max_retries=3, **arguments)

    with pytest.raises(openai.APIStatusError) as raised:
        await ask(client, model=model)

    assert type(raised.value) is error
    assert raised.value.status_code == status
    [sent] = helicone_gateway.requests
    assert sent.status == status
    assert error_info(raised.value).request_id == sent.helicone_id
    assert "sk-helicone-wrong" not in str(raised.value)
    if status == 404:
        assert "fault-404" in str(raised.value)


# --- broken connections and bodies ----------------------------------------------------------------


@MODES
async def test_reset_mid_stream_raises_a_typed_error_without_a_complete_answer(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    client = make_client(use_async, max_retries=2)
    received: list[Any] = []

    with pytest.raises((httpx.HTTPError, openai.APIError)) as raised:
        await ask(client, model="fault-reset-mid-stream", stream=True, received=received)

    assert type(raised.value) is STREAM_READ_ERROR
    if STREAM_READ_ERROR is not httpx.ReadError:
        assert type(raised.value.__cause__) is httpx.ReadError
    # At most the three events sent before the reset arrive (how many the RST lets through
    # varies); the rest of "1 2 … 10" never does.
    partial = text_of(received)
    assert "1 2 3".startswith(partial)
    assert partial != counting(10)
    assert finish_reasons(received) == []
    assert len(helicone_gateway.requests) == 1  # a started stream is not retried


@MODES
@pytest.mark.parametrize("max_retries", [0, 1])
async def test_reset_without_an_answer_raises_api_connection_error(
    helicone_gateway: LocalGateway, use_async: bool, max_retries: int
) -> None:
    helicone_gateway.reset_mid_stream_next(times=5)
    client = make_client(use_async, max_retries=max_retries)

    with pytest.raises(openai.APIConnectionError) as raised:
        await ask(client)

    assert type(raised.value) is openai.APIConnectionError
    assert len(helicone_gateway.requests) == max_retries + 1
    assert {request.status for request in helicone_gateway.requests} == {None}


@MODES
@pytest.mark.parametrize("timeout_given", ["config", "per-call"])
async def test_slow_response_raises_api_timeout_error(
    helicone_gateway: LocalGateway, use_async: bool, timeout_given: str
) -> None:
    helicone_gateway.slow_next(3)
    if timeout_given == "config":
        client = make_client(use_async, timeout=0.5, max_retries=0)
        arguments: dict[str, Any] = {}
    else:
        client = make_client(use_async, max_retries=0)
        arguments = {"timeout": 0.5}

    with pytest.raises(openai.APITimeoutError):
        await ask(client, **arguments)

    assert len(helicone_gateway.requests) == 1


@MODES
@pytest.mark.parametrize(
    ("model", "stream"),
    [
        ("fault-malformed-json", False),
        ("fault-malformed-json", True),
        ("fault-truncated-sse", False),
    ],
    ids=["malformed-json", "malformed-sse", "truncated-json"],
)
async def test_broken_body_raises_a_typed_error(
    helicone_gateway: LocalGateway, use_async: bool, model: str, stream: bool
) -> None:
    client = make_client(use_async, max_retries=2)
    received: list[Any] = []

    with pytest.raises(json.JSONDecodeError) as raised:
        await ask(client, model=model, stream=stream, received=received)

    # What the SDK raises for a body it cannot parse (as observed: not an openai.APIError).
    assert type(raised.value) is json.JSONDecodeError
    assert text_of(received) == ""
    assert len(helicone_gateway.requests) == 1  # a 200 is not retried


@MODES
async def test_truncated_stream_raises_instead_of_a_partial_answer(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    client = make_client(use_async, max_retries=0)
    received: list[Any] = []

    # openai >= 3.14 wraps transport errors met while streaming in APIConnectionError.
    with pytest.raises((httpx.RemoteProtocolError, openai.APIConnectionError)) as raised:
        await ask(client, model="fault-truncated-sse", stream=True, received=received)

    error = raised.value
    cause = error if isinstance(error, httpx.RemoteProtocolError) else error.__cause__
    assert isinstance(cause, httpx.RemoteProtocolError)
    assert "[DONE]" in str(cause)
    assert finish_reasons(received) == []


@MODES
async def test_connection_refused_raises_api_connection_error(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    client = make_client(use_async, api_base=f"http://127.0.0.1:{closed_port()}/v1", max_retries=0)

    with capture_info() as captured, pytest.raises(openai.APIConnectionError) as raised:
        await ask(client)

    assert type(raised.value) is openai.APIConnectionError
    assert isinstance(raised.value.__cause__, httpx.ConnectError)
    assert captured.infos == []
    assert helicone_gateway.requests == []
