"""Keys never leak from a ``Helicone`` LLM; failures surface as openai's typed errors, retried once.

Secrets: the Helicone key and proxy mode's provider key are absent from ``repr``, ``str``,
``to_dict()``, ``to_json()`` and DEBUG logs, and a reloaded object takes its key from the
environment. Faults: the SDK is the one retry layer (LlamaIndex's tenacity wrappers must not
multiply it), errors are openai's types with Helicone's ``Helicone-Id`` readable from the error's
response, nothing hangs, and bad input fails at construction before anything is sent.
"""

from __future__ import annotations

import copy
import json
import logging
import pickle
import re
import time
from typing import Any

import httpx
import openai
import pytest
from li_adapter_support import (
    FORMS,
    STREAM_FORMS,
    TIMEOUT,
    argument_for,
    chat_requests,
    counting,
    helicone_of,
    invoke,
    text_of,
)
from llama_index.core.llms import ChatMessage
from llama_index.llms.helicone import Helicone

from helicone_core import HeliconeInfo, scope
from helicone_core.testing import LocalGateway

PROVIDER_KEY = "sk-provider-secret-0123456789"
QUICK = 0.01  # Retry-After seconds for scripted errors, so the SDK retries at once
#: A stream cut by the network: openai >= 3.14 wraps httpx's error, earlier releases do not.
STREAM_ERRORS = (openai.APIConnectionError, httpx.TransportError)


def build(gateway: LocalGateway, mode: str, **arguments: Any) -> Helicone:
    arguments.setdefault("timeout", TIMEOUT)
    if mode == "proxy":
        arguments.update(mode="proxy", provider_api_key=PROVIDER_KEY, api_base=gateway.url)
    elif mode == "header":  # the key only in default_headers, as the public package put it
        arguments.setdefault("default_headers", {"Authorization": f"Bearer {gateway.api_key}"})
        return Helicone(**arguments)
    return Helicone(api_key=gateway.api_key, **arguments)


def secrets(gateway: LocalGateway) -> list[str]:
    return [gateway.api_key, PROVIDER_KEY]


def error_info(error: openai.APIStatusError) -> HeliconeInfo:
    return HeliconeInfo.from_headers(error.response.headers, error.response.status_code)


# --- secrets --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["gateway", "proxy", "header"])
def test_keys_absent_from_repr_str_and_serialization(
    helicone_gateway: LocalGateway, mode: str
) -> None:
    llm = build(helicone_gateway, mode)
    assert llm.chat([ChatMessage(role="user", content="hi")]).message.content == "Echo: hi"

    shown = {
        "repr": repr(llm),
        "str": str(llm),
        "format": f"{llm}",
        "to_dict": json.dumps(llm.to_dict(), default=str),
        "to_json": llm.to_json(),
    }

    for where, text in shown.items():
        for secret in secrets(helicone_gateway):
            assert secret not in text, f"a key leaked through {where}"


@pytest.mark.parametrize("copier", [copy.copy, copy.deepcopy], ids=["copy", "deepcopy"])
@pytest.mark.parametrize("mode", ["gateway", "proxy"])
def test_a_copy_in_memory_keeps_its_keys(
    helicone_gateway: LocalGateway, copier: Any, mode: str
) -> None:
    # Only a pickle leaves the keys out; with no key in the environment, a copy that lost them
    # would fail here.
    llm = build(helicone_gateway, mode, user_id="user-8")

    copied = copier(llm)

    assert copied.helicone_config == llm.helicone_config
    reply = copied.chat([ChatMessage(role="user", content="hi")])
    assert helicone_of(reply)["request_id"] == helicone_gateway.requests[-1].helicone_id
    assert helicone_gateway.requests[-1].headers["Helicone-User-Id"] == "user-8"


@pytest.mark.parametrize("mode", ["gateway", "proxy"])
def test_pickle_carries_no_key_and_reloads_with_the_environment_key(
    helicone_gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    llm = build(helicone_gateway, mode, user_id="user-7")

    data = pickle.dumps(llm)

    for secret in secrets(helicone_gateway):
        assert secret.encode() not in data
    monkeypatch.setenv("HELICONE_PROVIDER_API_KEY", PROVIDER_KEY)
    reloaded = pickle.loads(data)
    reply = reloaded.chat([ChatMessage(role="user", content="hi")])
    assert reply.message.content == "Echo: hi"
    assert helicone_of(reply)["request_id"] == helicone_gateway.requests[-1].helicone_id
    sent = helicone_gateway.requests[-1]
    assert sent.headers["Helicone-User-Id"] == "user-7"
    if mode == "proxy":
        assert sent.headers["Authorization"] == f"Bearer {PROVIDER_KEY}"
        assert sent.headers["Helicone-Auth"] == f"Bearer {helicone_gateway.api_key}"
    else:
        assert sent.headers["Authorization"] == f"Bearer {helicone_gateway.api_key}"


@pytest.mark.parametrize("mode", ["gateway", "proxy"])
async def test_keys_absent_from_debug_logs(
    helicone_gateway: LocalGateway, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    llm = build(helicone_gateway, mode)
    caplog.set_level(logging.DEBUG)  # the root logger

    for form in ("chat", "stream_chat", "achat", "astream_chat"):
        await invoke(llm, form, "hi")

    messages = [record.getMessage() for record in caplog.records]
    assert any("/chat/completions" in message for message in messages)  # logging did happen
    assert any(r.name == "helicone_core.transport" for r in caplog.records)
    for secret in secrets(helicone_gateway):
        assert secret not in caplog.text
        assert not [m for m in messages if secret in m]
        assert not [r for r in caplog.records if secret in repr(r.__dict__)]


@pytest.mark.parametrize("serialized_as", ["dict", "json"])
@pytest.mark.parametrize("mode", ["gateway", "proxy"])
def test_round_trip_reloads_and_takes_the_key_from_the_environment(
    helicone_gateway: LocalGateway,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    serialized_as: str,
) -> None:
    monkeypatch.delenv("HELICONE_API_KEY")  # the original gets its keys as arguments only
    llm = build(helicone_gateway, mode, user_id="user-7", properties={"Team": "search"})
    data: Any = llm.to_dict() if serialized_as == "dict" else llm.to_json()
    text = json.dumps(data, default=str) if serialized_as == "dict" else data
    assert all(secret not in text for secret in secrets(helicone_gateway))
    load = Helicone.from_dict if serialized_as == "dict" else Helicone.from_json

    with pytest.raises(ValueError, match="api_key"):
        load(data)  # no key anywhere: the serialized form did not carry one

    monkeypatch.setenv("HELICONE_API_KEY", helicone_gateway.api_key)
    if mode == "proxy":
        monkeypatch.setenv("HELICONE_PROVIDER_API_KEY", PROVIDER_KEY)
    reloaded = load(data)
    reply = reloaded.chat([ChatMessage(role="user", content="hi")])

    assert isinstance(reloaded, Helicone)
    assert reply.message.content == "Echo: hi"
    [sent] = helicone_gateway.requests
    assert sent.status == 200
    assert sent.headers["Helicone-User-Id"] == "user-7"
    assert sent.headers["Helicone-Property-Team"] == "search"
    if mode == "proxy":
        assert sent.headers["Authorization"] == f"Bearer {PROVIDER_KEY}"
        assert sent.headers["Helicone-Auth"] == f"Bearer {helicone_gateway.api_key}"
    else:
        assert sent.headers["Authorization"] == f"Bearer {helicone_gateway.api_key}"


# --- faults: one retry layer, typed errors, Helicone-Id on errors ---------------------------------


@pytest.mark.parametrize("form", FORMS)
async def test_429_once_is_retried_once_and_succeeds(
    helicone_gateway: LocalGateway, form: str
) -> None:
    helicone_gateway.fail_next(429, retry_after=QUICK)
    llm = Helicone(timeout=TIMEOUT)  # max_retries 5: still exactly one retry is needed

    responses = await invoke(llm, form, "count to 3")

    assert text_of(responses[-1]) == counting(3)
    first, second = helicone_gateway.requests
    assert (first.status, second.status) == (429, 200)
    assert first.json == second.json
    assert helicone_of(responses[-1])["request_id"] == second.helicone_id


def test_429_once_model_is_retried_by_the_sdk_backoff(helicone_gateway: LocalGateway) -> None:
    # fault-429-once answers Retry-After: 0, so the SDK's own short backoff applies.
    llm = Helicone(model="fault-429-once", max_retries=2, timeout=TIMEOUT)

    reply = llm.chat([ChatMessage(role="user", content="again")])

    assert reply.message.content == "Echo: again"
    assert [r.status for r in helicone_gateway.requests] == [429, 200]


@pytest.mark.parametrize("form", FORMS)
async def test_one_retry_layer_then_internal_server_error(
    helicone_gateway: LocalGateway, form: str
) -> None:
    helicone_gateway.fail_next(500, times=10, retry_after=QUICK)
    llm = Helicone(max_retries=2, timeout=TIMEOUT)

    with pytest.raises(openai.InternalServerError) as raised:
        await invoke(llm, form, "hi")

    sent = helicone_gateway.requests
    assert [r.status for r in sent] == [500, 500, 500]  # max_retries + 1, never multiplied
    assert helicone_gateway.pending_faults == 7
    assert error_info(raised.value).request_id == sent[-1].helicone_id
    assert error_info(raised.value).status_code == 500


def test_fault_500_model_exactly_three_attempts(helicone_gateway: LocalGateway) -> None:
    llm = Helicone(model="fault-500", max_retries=2, timeout=TIMEOUT)

    with pytest.raises(openai.InternalServerError) as raised:
        llm.chat([ChatMessage(role="user", content="hi")])

    sent = helicone_gateway.requests
    assert [r.status for r in sent] == [500, 500, 500]
    assert error_info(raised.value).request_id == sent[-1].helicone_id


@pytest.mark.parametrize("form", ["chat", "achat", "stream_chat", "astream_complete"])
@pytest.mark.parametrize("mode", ["gateway", "proxy"])
async def test_wrong_key_is_an_authentication_error(
    helicone_gateway: LocalGateway, form: str, mode: str
) -> None:
    arguments: dict[str, Any] = {"api_key": "sk-helicone-wrong", "timeout": TIMEOUT}
    if mode == "proxy":
        arguments.update(mode="proxy", provider_api_key=PROVIDER_KEY, api_base=helicone_gateway.url)
    llm = Helicone(**arguments)

    with pytest.raises(openai.AuthenticationError) as raised:
        await invoke(llm, form, "hi")

    [sent] = helicone_gateway.requests  # 401 is not retried
    assert sent.status == 401
    assert error_info(raised.value).request_id == sent.helicone_id
    assert "sk-helicone-wrong" not in str(raised.value)


@pytest.mark.parametrize("form", ["chat", "achat", "stream_chat", "astream_chat"])
async def test_slow_answer_is_a_timeout_error(helicone_gateway: LocalGateway, form: str) -> None:
    llm = Helicone(model="fault-slow-3", timeout=0.5, max_retries=0)

    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        await invoke(llm, form, "hi")

    assert time.monotonic() - started < 2.5
    assert len(chat_requests(helicone_gateway)) == 1


async def read_until_error(llm: Helicone, form: str) -> tuple[list[Any], BaseException | None]:
    """The chunks received before the stream failed, and the error."""
    received: list[Any] = []
    argument = argument_for(form, "count to 20")
    try:
        if form.startswith("a"):
            async for chunk in await getattr(llm, form)(argument):
                received.append(chunk)
        else:
            for chunk in getattr(llm, form)(argument):
                received.append(chunk)
    except Exception as error:
        return received, error
    return received, None


@pytest.mark.parametrize("form", STREAM_FORMS)
async def test_reset_mid_stream_is_a_typed_error_without_hanging(
    helicone_gateway: LocalGateway, form: str
) -> None:
    llm = Helicone(model="fault-reset-mid-stream", max_retries=0, timeout=TIMEOUT)

    started = time.monotonic()
    received, error = await read_until_error(llm, form)

    assert isinstance(error, STREAM_ERRORS), repr(error)
    assert time.monotonic() - started < TIMEOUT / 2
    assert len(received) >= 1  # the events before the reset arrived, with Helicone's answer
    assert helicone_of(received[0])["request_id"] == helicone_gateway.requests[0].helicone_id
    assert len(helicone_gateway.requests) == 1


@pytest.mark.parametrize("form", ["chat", "acomplete"])
async def test_reset_without_answer_is_a_connection_error(
    helicone_gateway: LocalGateway, form: str
) -> None:
    llm = Helicone(model="fault-reset-mid-stream", max_retries=0, timeout=TIMEOUT)

    with pytest.raises(openai.APIConnectionError):
        await invoke(llm, form, "hi")

    assert len(helicone_gateway.requests) == 1


@pytest.mark.parametrize("form", STREAM_FORMS)
async def test_truncated_stream_is_an_error_not_a_short_answer(
    helicone_gateway: LocalGateway, form: str
) -> None:
    llm = Helicone(model="fault-truncated-sse", max_retries=0, timeout=TIMEOUT)

    _, error = await read_until_error(llm, form)

    assert isinstance(error, STREAM_ERRORS), repr(error)


# --- bad input fails at construction, before any request ------------------------------------------


BAD_INPUT = [
    pytest.param("user_id", {"user_id": "user\nname"}, id="user_id-newline"),
    pytest.param("rate_limit_policy", {"rate_limit_policy": "lots;w=60"}, id="policy-quota"),
    pytest.param("rate_limit_policy", {"rate_limit_policy": "100;w=30"}, id="policy-window"),
    pytest.param("api_base", {"api_base": "ai-gateway.helicone.ai/v1"}, id="api_base-no-scheme"),
    pytest.param("properties", {"properties": {"Team": "a\r\nb"}}, id="property-crlf"),
    pytest.param("session_path", {"session_path": "no-slash"}, id="session_path"),
    pytest.param("request_id", {"request_id": "not-a-uuid"}, id="request_id"),
    pytest.param("mode", {"mode": "proxyy"}, id="mode"),
    pytest.param("max_retries", {"max_retries": -1}, id="max_retries"),
    pytest.param("default_headers", {"default_headers": {"X-Team": "a\nb"}}, id="headers"),
    # A ready client would send around the shared transport (and Helicone's answer).
    pytest.param("http_client", {"http_client": httpx.Client()}, id="http_client"),
    pytest.param("async_http_client", {"async_http_client": httpx.AsyncClient()}, id="async"),
]


@pytest.mark.parametrize(("field", "arguments"), BAD_INPUT)
def test_bad_input_is_a_value_error_naming_the_field(
    helicone_gateway: LocalGateway, field: str, arguments: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match=re.escape(field)) as raised:
        Helicone(**arguments)

    assert field in str(raised.value)
    assert getattr(raised.value, "field", field).startswith(field)
    assert helicone_gateway.requests == []
    assert helicone_gateway.connections_accepted == 0


def test_bad_helicone_api_base_environment_names_field_and_variable(
    helicone_gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELICONE_API_BASE", "ai-gateway.helicone.ai/v1")

    with pytest.raises(ValueError, match="api_base") as raised:
        Helicone()

    assert "HELICONE_API_BASE" in str(raised.value)
    assert helicone_gateway.requests == []


def test_bad_scope_fails_before_any_request(helicone_gateway: LocalGateway) -> None:
    llm = Helicone(timeout=TIMEOUT)

    with pytest.raises(ValueError, match="user_id"), scope(user_id="user\nname"):
        llm.chat([ChatMessage(role="user", content="hi")])

    assert helicone_gateway.requests == []
