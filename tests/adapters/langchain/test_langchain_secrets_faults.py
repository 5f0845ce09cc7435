"""HeliconeChat's secrets and failures: keys never shown, faults as the errors users catch.

Secrets: the Helicone key (gateway and proxy mode) and the provider key must not appear in
``repr``/``str``, ``dumpd``/``dumps``, LangSmith's parameters, ``_identifying_params``, what
callbacks receive, or DEBUG log records of a call. Faults: the gateway's scripted failures reach
the caller as the openai SDK's typed errors, retried by the SDK alone (attempts are counted at the
gateway), and a broken stream raises instead of passing off a partial answer or hanging.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx
import openai
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumpd, dumps
from langchain_core.messages import AIMessageChunk

from helicone_core.testing import LocalGateway
from langchain_helicone import HeliconeChat

TIMEOUT = 10  # "does not hang" bound for every model
HANG_BOUND = 5.0  # seconds a failing call may take before it counts as hanging
PROVIDER_KEY = "sk-proj-provider-secret-4f9e2c"
POSTHOG_KEY = "phc_posthog-secret-8d1b7a"
UPSTREAM_KEY = "upstream-credential-2b7c9d"
SDK_VERSION = tuple(int(part) for part in openai.__version__.split(".")[:2])
# A network error while a stream is read: openai 3.14.0 and later wrap it in APIConnectionError,
# earlier releases let httpx's own error through (as ChatOpenAI users see it too).
STREAM_READ_ERROR: type[Exception] = (
    openai.APIConnectionError if SDK_VERSION >= (3, 14) else httpx.ReadError
)


def make(**arguments: Any) -> HeliconeChat:
    arguments.setdefault("timeout", TIMEOUT)
    return HeliconeChat(**arguments)


class _Recorder(BaseCallbackHandler):
    """Everything LangChain hands a tracer (LangSmith's view of a call)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.seen.append(repr(serialized))
        self.seen.append(repr(kwargs))

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.seen.append(repr(response))


# --- secrets ------------------------------------------------------------------------------------


def secret_models(gateway: LocalGateway) -> dict[str, tuple[HeliconeChat, list[str]]]:
    """Models in each mode, with the secrets each holds."""
    return {
        "gateway": (
            make(api_key=gateway.api_key, posthog_key=POSTHOG_KEY),
            [gateway.api_key, POSTHOG_KEY],
        ),
        "proxy": (
            make(mode="proxy", api_key=gateway.api_key, provider_api_key=PROVIDER_KEY),
            [gateway.api_key, PROVIDER_KEY],
        ),
    }


def views(model: HeliconeChat) -> dict[str, str]:
    """Every way a model is shown or serialized outside of a request."""
    return {
        "repr": repr(model),
        "str": str(model),
        "dumpd": repr(dumpd(model)),
        "dumps": dumps(model),
        "dumps(pretty)": dumps(model, pretty=True),
        "_get_ls_params": repr(model._get_ls_params()),
        "_get_ls_params(model)": repr(model._get_ls_params(model="gpt-4o")),
        "_identifying_params": repr(model._identifying_params),
        "_get_invocation_params": repr(model._get_invocation_params()),
    }


@pytest.mark.parametrize("mode", ["gateway", "proxy"])
def test_keys_appear_in_no_view_of_the_model(helicone_gateway: LocalGateway, mode: str) -> None:
    model, secrets = secret_models(helicone_gateway)[mode]

    for name, text in views(model).items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} shown by {name}"
    # ... and the keys are still there for requests.
    assert model.openai_api_key is not None
    assert model.openai_api_key.get_secret_value() == helicone_gateway.api_key


@pytest.mark.parametrize("mode", ["gateway", "proxy"])
async def test_keys_appear_in_no_debug_log_record_or_callback(
    helicone_gateway: LocalGateway, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    model, secrets = secret_models(helicone_gateway)[mode]
    recorder = _Recorder()
    caplog.set_level(logging.DEBUG)  # the root logger: every library's DEBUG records

    model.invoke("hi", config={"callbacks": [recorder]})
    list(model.stream("count to 2", config={"callbacks": [recorder]}))
    await model.ainvoke("hi", config={"callbacks": [recorder]})

    assert len(helicone_gateway.requests) == 3
    assert any(r.levelno == logging.DEBUG for r in caplog.records), "DEBUG logging was not on"
    assert any("/chat/completions" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        text = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for secret in secrets:
            assert secret not in text, f"{secret!r} logged by {record.name}: {text[:300]}"
    assert recorder.seen
    for seen in recorder.seen:
        for secret in secrets:
            assert secret not in seen, f"{secret!r} handed to a callback"


def test_default_headers_with_a_credential_are_never_shown(
    helicone_gateway: LocalGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caller_headers = {"X-Api-Key": UPSTREAM_KEY, "X-Team": "search"}
    model = make(default_headers=caller_headers)
    caplog.set_level(logging.DEBUG)

    model.invoke("hi")

    for name, text in views(model).items():
        assert UPSTREAM_KEY not in text, f"the credential header is shown by {name}"
    assert "default_headers" not in dumps(model)
    for record in caplog.records:
        assert UPSTREAM_KEY not in record.getMessage()
    # ... still sent, and the caller's dict is left as it was.
    [sent] = helicone_gateway.requests
    assert sent.headers["x-api-key"] == UPSTREAM_KEY
    assert sent.headers["x-team"] == "search"
    assert caller_headers == {"X-Api-Key": UPSTREAM_KEY, "X-Team": "search"}


def test_bound_credential_headers_are_never_shown(helicone_gateway: LocalGateway) -> None:
    bound = make().bind(extra_headers={"X-Api-Key": UPSTREAM_KEY})

    bound.invoke("hi")

    for name, text in {
        "repr": repr(bound),
        "dumps": dumps(bound),
        "dumpd": repr(dumpd(bound)),
    }.items():
        assert UPSTREAM_KEY not in text, f"the bound credential header is shown by {name}"
    [sent] = helicone_gateway.requests
    assert sent.headers["x-api-key"] == UPSTREAM_KEY


@pytest.mark.parametrize(
    "arguments",
    [
        # The key given last, as in HeliconeChat(user_id=..., api_key=...): pydantic shortens
        # input_value in the middle, so the end of the arguments (the key) is what shows.
        {"user_id": "a\nb", "api_key": "sk-helicone-7rvsq2a-bk3ntfq-x5ohbwi-q4zkfla"},
        {"mode": "proxy", "user_id": "a\nb", "provider_api_key": PROVIDER_KEY},
    ],
    ids=["helicone-key", "provider-key"],
)
def test_construction_errors_never_quote_a_key(
    helicone_gateway: LocalGateway, arguments: dict[str, Any]
) -> None:
    secret = arguments.get("provider_api_key") or arguments["api_key"]

    with pytest.raises(ValueError, match="user_id") as raised:
        HeliconeChat(**arguments)

    shown = str(raised.value)
    tails = {secret[i : i + 8] for i in range(len(secret) - 7)}
    assert not [tail for tail in tails if tail in shown], shown


# --- faults: typed errors and one retry layer ---------------------------------------------------


async def call(model: HeliconeChat, how: str, text: str = "count to 10") -> list[AIMessageChunk]:
    """Run ``text`` through ``how``; the streamed chunks received (one message otherwise)."""
    if how == "invoke":
        return [AIMessageChunk(content=str(model.invoke(text).content))]
    if how == "ainvoke":
        return [AIMessageChunk(content=str((await model.ainvoke(text)).content))]
    if how == "stream":
        return list(model.stream(text))
    return [chunk async for chunk in model.astream(text)]


async def consume(model: HeliconeChat, how: str, received: list[AIMessageChunk]) -> None:
    """Stream (or invoke) "count to 10", appending streamed chunks to ``received`` as they come."""
    if how == "stream":
        for chunk in model.stream("count to 10"):
            received.append(chunk)
    elif how == "astream":
        async for chunk in model.astream("count to 10"):
            received.append(chunk)
    elif how in ("invoke", "invoke-streaming"):
        model.invoke("count to 10")
    else:
        await model.ainvoke("count to 10")


HOW = pytest.mark.parametrize("how", ["invoke", "ainvoke", "stream", "astream"])


@HOW
@pytest.mark.parametrize(
    ("model_name", "error"),
    [
        ("fault-429", openai.RateLimitError),
        ("fault-500", openai.InternalServerError),
        ("fault-503", openai.InternalServerError),
        ("fault-401", openai.AuthenticationError),
        ("fault-404", openai.NotFoundError),
    ],
)
async def test_faults_raise_the_typed_errors_langchain_users_catch(
    helicone_gateway: LocalGateway, how: str, model_name: str, error: type[Exception]
) -> None:
    model = make(model=model_name, max_retries=0)

    with pytest.raises(error) as raised:
        await call(model, how)

    assert isinstance(raised.value, openai.APIStatusError)
    assert raised.value.response.headers["helicone-id"] == helicone_gateway.requests[0].helicone_id
    assert len(helicone_gateway.requests) == 1


@pytest.mark.parametrize("how", ["invoke", "astream"])
async def test_slow_gateway_raises_api_timeout_error(
    helicone_gateway: LocalGateway, how: str
) -> None:
    model = make(model="fault-slow-3", timeout=0.5, max_retries=0)
    started = time.monotonic()

    with pytest.raises(openai.APITimeoutError):
        await call(model, how)

    assert time.monotonic() - started < 2.5
    assert len(helicone_gateway.requests) == 1


def test_max_retries_two_makes_three_attempts_in_one_retry_layer(
    helicone_gateway: LocalGateway,
) -> None:
    model = make(model="fault-500", max_retries=2)

    with pytest.raises(openai.InternalServerError):
        model.invoke("hi")

    attempts = helicone_gateway.requests
    assert len(attempts) == 3
    # The SDK's own retry counter: the SDK is the retry layer, and the only one.
    assert [r.headers["x-stainless-retry-count"] for r in attempts] == ["0", "1", "2"]
    assert model.max_retries == 2
    assert model.root_client.max_retries == 2
    assert model.root_async_client.max_retries == 2


@pytest.mark.parametrize("how", ["ainvoke", "stream", "astream"])
@pytest.mark.parametrize("max_retries", [0, 2])
async def test_retries_are_counted_once_on_every_call_path(
    helicone_gateway: LocalGateway, how: str, max_retries: int
) -> None:
    helicone_gateway.fail_next(status=500, times=5, retry_after=0.01)  # quick SDK retries
    model = make(max_retries=max_retries)

    with pytest.raises(openai.InternalServerError):
        await call(model, how)

    assert len(helicone_gateway.requests) == max_retries + 1


@HOW
async def test_rate_limit_once_is_retried_and_succeeds(
    helicone_gateway: LocalGateway, how: str
) -> None:
    model = make(model="fault-429-once", max_retries=2)

    chunks = await call(model, how, "hi")

    assert "".join(str(c.content) for c in chunks) == "Echo: hi"
    failed, retried = helicone_gateway.requests
    assert (failed.status, retried.status) == (429, 200)


def test_rate_limit_once_reports_the_info_of_the_successful_attempt(
    helicone_gateway: LocalGateway,
) -> None:
    reply = make(model="fault-429-once").invoke("hi")

    _, retried = helicone_gateway.requests
    assert reply.response_metadata["helicone"]["request_id"] == retried.helicone_id
    assert reply.response_metadata["helicone"]["status_code"] == 200


@pytest.mark.parametrize("how", ["stream", "astream"])
async def test_reset_mid_stream_raises_a_typed_error_without_hanging(
    helicone_gateway: LocalGateway, how: str
) -> None:
    model = make(model="fault-reset-mid-stream", max_retries=2)
    received: list[AIMessageChunk] = []
    started = time.monotonic()

    with pytest.raises(STREAM_READ_ERROR):
        await consume(model, how, received)

    assert time.monotonic() - started < HANG_BOUND
    assert not [c for c in received if c.response_metadata.get("finish_reason")]
    assert len(helicone_gateway.requests) == 1  # a stream already answering is not retried


@pytest.mark.parametrize("how", ["invoke", "ainvoke"])
async def test_reset_without_an_answer_raises_api_connection_error(
    helicone_gateway: LocalGateway, how: str
) -> None:
    model = make(model="fault-reset-mid-stream", max_retries=0)

    with pytest.raises(openai.APIConnectionError):
        await call(model, how)

    assert len(helicone_gateway.requests) == 1


@pytest.mark.parametrize("how", ["stream", "astream", "invoke-streaming", "ainvoke-streaming"])
async def test_truncated_stream_raises_instead_of_a_partial_answer(
    helicone_gateway: LocalGateway, how: str
) -> None:
    # streaming=True only for the invoke paths: an explicit streaming=False turns stream() into
    # invoke() (LangChain's rule for a field the caller set).
    extra = {"streaming": True} if how.endswith("-streaming") else {}
    model = make(model="fault-truncated-sse", max_retries=0, **extra)
    received: list[AIMessageChunk] = []

    with pytest.raises((httpx.RemoteProtocolError, openai.APIConnectionError)) as raised:
        await consume(model, how, received)

    # Follow the causes: langchain-openai may wrap the SDK's wrapper of the transport error.
    cause: BaseException | None = raised.value
    while cause is not None and not isinstance(cause, httpx.RemoteProtocolError):
        cause = cause.__cause__
    assert isinstance(cause, httpx.RemoteProtocolError)
    assert "[DONE]" in str(cause)
    assert not [c for c in received if c.response_metadata.get("finish_reason")]


# --- bad input fails at construction ------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"user_id": "alice\nbob"}, "user_id"),
        ({"session_id": "s\r\nX-Injected: 1"}, "session_id"),
        ({"rate_limit_policy": "lots"}, "rate_limit_policy"),
        ({"rate_limit_policy": "10;w=5"}, "rate_limit_policy"),
        ({"api_base": "ai-gateway.helicone.ai/v1"}, "api_base"),
        ({"api_base": "127.0.0.1:8080/v1"}, "api_base"),
        ({"properties": {"bad name": "x"}}, "properties"),
        ({"max_retries": -1}, "max_retries"),
        ({"http_client": httpx.Client()}, "http_client"),
        ({"http_async_client": httpx.AsyncClient()}, "http_async_client"),
    ],
    ids=[
        "user_id-newline",
        "session_id-crlf",
        "policy-no-quota",
        "policy-short-window",
        "api_base-no-scheme",
        "api_base-host-port",
        "property-name",
        "max_retries",
        "http_client",
        "http_async_client",
    ],
)
def test_bad_input_raises_value_error_naming_the_field_before_any_request(
    helicone_gateway: LocalGateway, arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        make(**arguments)

    assert helicone_gateway.requests == []


async def test_many_failures_leave_the_model_usable(helicone_gateway: LocalGateway) -> None:
    model = make(max_retries=0)
    helicone_gateway.fail_next(status=503, times=3)

    for _ in range(3):
        with pytest.raises(openai.InternalServerError):
            await asyncio.wait_for(model.ainvoke("hi"), HANG_BOUND)

    assert (await model.ainvoke("hi")).content == "Echo: hi"
    assert model.invoke("hi").content == "Echo: hi"
