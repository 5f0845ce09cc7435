"""Drop-in compatibility with the public ``llama-index-llms-helicone`` 0.3.1, minus its defects.

First what the public package's own tests cover (class name, defaults, environment override,
parameter precedence, header merge, ``additional_kwargs``, ``max_retries``), written so each can
fail; then one test per defect listed in HELICONE.md, showing it is fixed. Everything that sends
a request sends it to the local gateway and checks what arrived there.
"""

from __future__ import annotations

import copy
from typing import Any

import openai
import pytest
from li_adapter_support import chat_requests, closed_port_url, invoke, multiply
from llama_index.core.llms import ChatMessage
from llama_index.core.tools import FunctionTool
from llama_index.llms.helicone import Helicone

from helicone_core.testing import LocalGateway

QUICK = 0.01  # Retry-After seconds for scripted errors, so the SDK retries at once


def public_dict(key: str, api_base: str) -> dict[str, Any]:
    """What ``to_dict()`` of the public 0.3.1 package returns (captured from the real package:
    ``Helicone(api_key=key, default_headers={"Helicone-User-Id": "u1"},
    additional_kwargs={"seed": 7})``, with no ``OPENAI_API_KEY`` set), api_base swapped."""
    return {
        "system_prompt": None,
        "pydantic_program_mode": "default",
        "model": "gpt-4o-mini",
        "temperature": 0.1,
        "max_tokens": 256,
        "logprobs": None,
        "top_logprobs": 0,
        "additional_kwargs": {"seed": 7},
        "max_retries": 5,
        "timeout": 60.0,
        "default_headers": {"Helicone-User-Id": "u1", "Authorization": f"Bearer {key}"},
        "reuse_client": True,
        "api_key": "",
        "api_base": api_base,
        "api_version": "",
        "strict": False,
        "reasoning_effort": None,
        "modalities": None,
        "audio_config": None,
        "context_window": 3900,
        "is_chat_model": False,
        "is_function_calling_model": False,
        "should_use_structured_outputs": False,
        "tokenizer": None,
        "class_name": "Helicone_LLM",
    }


def hi() -> list[ChatMessage]:
    return [ChatMessage(role="user", content="hi")]


# --- what the public package's tests cover ------------------------------------------------------


def test_class_name_is_the_public_one(helicone_gateway: LocalGateway) -> None:
    assert Helicone.class_name() == "Helicone_LLM"
    assert Helicone().to_dict()["class_name"] == "Helicone_LLM"


def test_public_dict_loads_with_from_dict(helicone_gateway: LocalGateway) -> None:
    loaded = Helicone.from_dict(public_dict(helicone_gateway.api_key, helicone_gateway.url))

    assert isinstance(loaded, Helicone)
    assert loaded.model == "gpt-4o-mini"


def test_public_dict_fields_survive_from_dict(helicone_gateway: LocalGateway) -> None:
    # Without the empty api_key (see the test above), everything the public object held loads.
    data = public_dict(helicone_gateway.api_key, helicone_gateway.url)
    del data["api_key"]

    loaded = Helicone.from_dict(data)

    assert (loaded.model, loaded.temperature, loaded.max_tokens) == ("gpt-4o-mini", 0.1, 256)
    assert (loaded.max_retries, loaded.timeout) == (5, 60.0)
    assert loaded.additional_kwargs == {"seed": 7}
    assert loaded.api_base == helicone_gateway.url
    assert loaded.api_key == helicone_gateway.api_key  # from HELICONE_API_KEY


def test_public_dict_reloads_as_a_working_chat_model(helicone_gateway: LocalGateway) -> None:
    # The dict stores the public defaults is_chat_model=False and context_window=3900; the
    # gateway serves only chat completions, so the reloaded object must still use them.
    data = public_dict(helicone_gateway.api_key, helicone_gateway.url)
    del data["api_key"]
    loaded = Helicone.from_dict(data)
    assert loaded.metadata.is_chat_model

    reply = loaded.chat(hi())

    assert reply.message.content == "Echo: hi"
    [sent] = helicone_gateway.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["Helicone-User-Id"] == "u1"
    assert sent.json["seed"] == 7


def test_defaults_are_the_public_ones(
    helicone_gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HELICONE_API_BASE")

    llm = Helicone()

    assert llm.model == "gpt-4o-mini"
    assert llm.api_base == "https://ai-gateway.helicone.ai/v1"
    assert llm.temperature == 0.1
    assert llm.max_tokens == 256
    assert llm.max_retries == 5
    assert llm._get_client().max_retries == 5  # the SDK is the one retry layer
    assert str(llm._get_client().base_url).rstrip("/") == "https://ai-gateway.helicone.ai/v1"


@pytest.mark.parametrize("api_base_argument", ["omitted", "None"])
def test_helicone_api_base_is_used_when_api_base_is_not_given(
    helicone_gateway: LocalGateway, api_base_argument: str
) -> None:
    # Defect 3 of the public package: it honoured HELICONE_API_BASE only for api_base=None.
    llm = Helicone() if api_base_argument == "omitted" else Helicone(api_base=None)

    assert llm.api_base == helicone_gateway.url
    assert llm.chat(hi()).message.content == "Echo: hi"
    assert len(chat_requests(helicone_gateway)) == 1


def test_parameters_beat_the_environment(
    helicone_gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELICONE_API_BASE", closed_port_url())
    monkeypatch.setenv("HELICONE_API_KEY", "sk-helicone-from-the-environment")

    llm = Helicone(api_base=helicone_gateway.url, api_key=helicone_gateway.api_key, timeout=5)

    assert llm.chat(hi()).message.content == "Echo: hi"
    [sent] = helicone_gateway.requests
    assert sent.headers["Authorization"] == f"Bearer {helicone_gateway.api_key}"


def test_default_headers_merge_with_authorization(helicone_gateway: LocalGateway) -> None:
    llm = Helicone(default_headers={"Helicone-Property-Team": "search", "X-Custom": "yes"})

    llm.chat(hi())

    [sent] = helicone_gateway.requests
    assert sent.headers["Authorization"] == f"Bearer {helicone_gateway.api_key}"
    assert sent.headers["Helicone-Property-Team"] == "search"
    assert sent.headers["X-Custom"] == "yes"


def test_additional_kwargs_reach_the_request_body(helicone_gateway: LocalGateway) -> None:
    llm = Helicone(additional_kwargs={"seed": 7, "top_p": 0.5, "user": "end-user-1"})

    llm.chat(hi())

    body = helicone_gateway.requests[0].json
    assert (body["seed"], body["top_p"], body["user"]) == (7, 0.5, "end-user-1")


@pytest.mark.parametrize("max_retries", [0, 1, None], ids=["0", "1", "default-5"])
def test_max_retries_is_honoured_exactly(
    helicone_gateway: LocalGateway, max_retries: int | None
) -> None:
    helicone_gateway.fail_next(503, times=20, retry_after=QUICK)
    llm = Helicone() if max_retries is None else Helicone(max_retries=max_retries)
    attempts = (5 if max_retries is None else max_retries) + 1

    with pytest.raises(openai.InternalServerError):
        llm.chat(hi())

    assert [r.status for r in helicone_gateway.requests] == [503] * attempts
    assert helicone_gateway.pending_faults == 20 - attempts


# --- the public package's defects, fixed ----------------------------------------------------------


@pytest.mark.parametrize("form", ["chat", "complete", "achat", "acomplete"])
async def test_chat_completions_without_is_chat_model(
    helicone_gateway: LocalGateway, form: str
) -> None:
    llm = Helicone()
    assert llm.metadata.is_chat_model

    [response] = await invoke(llm, form, "hi")

    assert (response.message.content if "chat" in form else response.text) == "Echo: hi"
    assert [r.path for r in helicone_gateway.requests] == ["/v1/chat/completions"]


def test_tool_calling_is_on_by_default(helicone_gateway: LocalGateway) -> None:
    llm = Helicone()
    assert llm.metadata.is_function_calling_model

    response = llm.chat_with_tools(
        [FunctionTool.from_defaults(fn=multiply)], user_msg="What is 3 times 4?"
    )

    [call] = llm.get_tool_calls_from_response(response)
    assert (call.tool_name, call.tool_kwargs) == ("multiply", {"a": 3, "b": 4})
    assert helicone_gateway.requests[0].json["tools"][0]["function"]["name"] == "multiply"


def test_works_without_openai_api_key_and_hands_the_key_to_the_sdk(
    helicone_gateway: LocalGateway,
) -> None:
    # The fixture removed OPENAI_API_KEY; with openai >= 2.34 the public package failed here.
    # (LlamaIndex 0.13 caps openai below 2, so the oldest supported set runs an older SDK.)
    llm = Helicone()

    assert llm._get_client().api_key == helicone_gateway.api_key
    assert llm._get_aclient().api_key == helicone_gateway.api_key
    assert llm.api_key == helicone_gateway.api_key
    assert llm.chat(hi()).message.content == "Echo: hi"


def test_never_picks_up_openai_environment(
    helicone_gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-must-not-be-used")
    monkeypatch.setenv("OPENAI_BASE_URL", closed_port_url())

    llm = Helicone(timeout=5)

    assert llm.api_key == helicone_gateway.api_key
    assert llm._get_client().api_key == helicone_gateway.api_key
    assert llm.chat(hi()).message.content == "Echo: hi"
    [sent] = helicone_gateway.requests
    assert sent.headers["Authorization"] == f"Bearer {helicone_gateway.api_key}"

    monkeypatch.delenv("HELICONE_API_KEY")
    with pytest.raises(ValueError, match="api_key") as raised:
        Helicone()
    assert "sk-openai-must-not-be-used" not in str(raised.value)


def test_callers_default_headers_are_not_mutated(helicone_gateway: LocalGateway) -> None:
    headers = {"Helicone-User-Id": "user-1"}
    before = copy.deepcopy(headers)

    llm = Helicone(default_headers=headers)
    llm.chat(hi())

    assert headers == before
    assert helicone_gateway.requests[0].headers["Helicone-User-Id"] == "user-1"


def test_helicone_info_is_readable_from_responses(helicone_gateway: LocalGateway) -> None:
    llm = Helicone(cache_enabled=True)

    first = llm.chat(hi())
    second = llm.chat(hi())

    sent = helicone_gateway.requests
    assert first.additional_kwargs["helicone"]["request_id"] == sent[0].helicone_id
    assert second.additional_kwargs["helicone"]["request_id"] == sent[1].helicone_id
    assert sent[0].helicone_id != sent[1].helicone_id
    assert first.additional_kwargs["helicone"]["cache_hit"] is False
    assert second.additional_kwargs["helicone"]["cache_hit"] is True
    assert first.additional_kwargs["helicone"]["status_code"] == 200


@pytest.mark.parametrize(("given", "expected"), [(None, 128_000), (8_192, 8_192)])
def test_context_window(helicone_gateway: LocalGateway, given: int | None, expected: int) -> None:
    llm = Helicone() if given is None else Helicone(context_window=given)

    assert llm.context_window == expected
    assert llm.metadata.context_window == expected
    assert Helicone.from_dict(llm.to_dict()).context_window == expected
