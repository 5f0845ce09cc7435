"""Every LlamaIndex call form of ``Helicone`` against the local gateway, over real sockets.

The eight forms (chat, complete, their stream and async variants) are checked for: the reply,
the request body (model, temperature, max_tokens, additional_kwargs, stream usage), the auth
headers in both modes, Helicone options given three ways (constructor keywords, a
``HeliconeConfig``, ``scope()``), and Helicone's answer on every response and every chunk. Then
concurrency, several event loops, and connection sharing.
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import uuid
from typing import Any

import pytest
from li_adapter_support import (
    FORMS,
    STREAM_FORMS,
    TIMEOUT,
    argument_for,
    chat_requests,
    counting,
    deltas_of,
    helicone_of,
    invoke,
    text_of,
)
from llama_index.llms.helicone import Helicone

from helicone_core import HeliconeConfig, scope
from helicone_core.testing import LocalGateway
from helicone_core.transport import aclose_shared_pools, close_shared_pools

ALL_FORMS = pytest.mark.parametrize("form", FORMS)
PROVIDER_KEY = "sk-provider-calls-0123456789"
SESSION_ID = "4f7c1c9e-5d4b-4a7e-9a53-1f0d2c3b4a5e"

#: Helicone options, and the headers they must put on the wire.
OPTIONS: dict[str, Any] = {
    "user_id": "user-123",
    "session_id": SESSION_ID,
    "session_path": "/search/answer",
    "session_name": "Search",
    "properties": {"Environment": "test", "Team": "search"},
    "cache_enabled": True,
    "rate_limit_policy": "100;w=3600;s=user",
    "retry_enabled": True,
    "omit_request": True,
}
OPTION_HEADERS = {
    "helicone-user-id": "user-123",
    "helicone-session-id": SESSION_ID,
    "helicone-session-path": "/search/answer",
    "helicone-session-name": "Search",
    "helicone-property-environment": "test",
    "helicone-property-team": "search",
    "helicone-cache-enabled": "true",
    "helicone-ratelimit-policy": "100;w=3600;s=user",
    "helicone-retry-enabled": "true",
    "helicone-omit-request": "true",
}


def build(**arguments: Any) -> Helicone:
    arguments.setdefault("timeout", TIMEOUT)
    return Helicone(**arguments)


# --- replies, bodies, token counts and Helicone info ----------------------------------------------


@ALL_FORMS
async def test_reply_body_usage_and_info(helicone_gateway: LocalGateway, form: str) -> None:
    llm = build(
        model="gpt-4.1-mini",
        temperature=0.3,
        max_tokens=64,
        additional_kwargs={"seed": 7, "top_p": 0.5},
    )

    responses = await invoke(llm, form, "count to 4")

    [sent] = helicone_gateway.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.status == 200
    body = sent.json
    assert (body["model"], body["temperature"], body["max_tokens"]) == ("gpt-4.1-mini", 0.3, 64)
    assert (body["seed"], body["top_p"]) == (7, 0.5)
    assert body["messages"][-1] == {"role": "user", "content": "count to 4"}
    final = responses[-1]
    assert text_of(final) == counting(4)
    # Token counts: the gateway counts words (3 in the prompt, 4 pieces in the reply).
    usage = {k: final.additional_kwargs.get(k) for k in ("prompt_tokens", "completion_tokens")}
    assert usage == {"prompt_tokens": 3, "completion_tokens": 4}
    assert final.additional_kwargs["total_tokens"] == 7
    # Helicone's answer, on every response and on every chunk from the first one.
    for response in responses:
        info = helicone_of(response)
        assert info["request_id"] == sent.helicone_id
        assert info["status_code"] == 200
    if "stream" in form:
        assert body["stream"] is True
        assert body["stream_options"] == {"include_usage": True}
        assert deltas_of(responses) == counting(4)
        assert len(responses) > 4
    else:
        assert body.get("stream") in (None, False)
        assert "stream_options" not in body


@pytest.mark.parametrize("form", STREAM_FORMS)
async def test_stream_info_is_there_before_the_stream_ends(
    helicone_gateway: LocalGateway, form: str
) -> None:
    llm = build()
    stream = getattr(llm, form)(argument_for(form, "count to 50"))
    if form.startswith("a"):
        stream = await stream
        first = await stream.__anext__()
        await stream.aclose()
    else:
        first = next(stream)
        stream.close()
    # LlamaIndex leaves the abandoned SDK stream to the cyclic garbage collector; collect it
    # here, outside any pool lock (see test_abandoned_stream_does_not_deadlock_the_next_call).
    del stream
    gc.collect()

    [sent] = helicone_gateway.requests
    assert helicone_of(first)["request_id"] == sent.helicone_id


# --- headers: auth in both modes, options three ways ---------------------------------------------


@ALL_FORMS
@pytest.mark.parametrize("mode", ["gateway", "proxy"])
async def test_auth_headers(helicone_gateway: LocalGateway, form: str, mode: str) -> None:
    if mode == "proxy":
        llm = build(mode="proxy", provider_api_key=PROVIDER_KEY, api_base=helicone_gateway.url)
    else:
        llm = build()

    responses = await invoke(llm, form, "hi")

    assert text_of(responses[-1]) == "Echo: hi"
    [sent] = helicone_gateway.requests
    assert sent.status == 200
    key = helicone_gateway.api_key
    if mode == "proxy":
        assert sent.headers["Authorization"] == f"Bearer {PROVIDER_KEY}"
        assert sent.headers["Helicone-Auth"] == f"Bearer {key}"
    else:
        assert sent.headers["Authorization"] == f"Bearer {key}"
        assert "Helicone-Auth" not in sent.headers


@ALL_FORMS
@pytest.mark.parametrize("given_as", ["keywords", "config", "scope"])
async def test_helicone_options_reach_the_wire(
    helicone_gateway: LocalGateway, form: str, given_as: str
) -> None:
    if given_as == "keywords":
        llm = build(**OPTIONS)
        responses = await invoke(llm, form, "hi")
    elif given_as == "config":
        llm = Helicone(config=HeliconeConfig(timeout=TIMEOUT, **OPTIONS))
        responses = await invoke(llm, form, "hi")
    else:
        llm = build()
        with scope(**OPTIONS):
            responses = await invoke(llm, form, "hi")

    assert text_of(responses[-1]) == "Echo: hi"
    [sent] = helicone_gateway.requests
    assert sent.helicone_headers == OPTION_HEADERS
    assert sent.headers["Authorization"] == f"Bearer {helicone_gateway.api_key}"
    assert helicone_of(responses[-1])["cache_hit"] is False


@pytest.mark.parametrize("form", ["chat", "astream_chat"])
async def test_scope_beats_constructor_and_properties_merge(
    helicone_gateway: LocalGateway, form: str
) -> None:
    llm = build(user_id="from-constructor", properties={"Team": "search", "Tier": "free"})

    with scope(user_id="outer", properties={"Tier": "pro"}), scope(user_id="inner"):
        await invoke(llm, form, "hi")
    await invoke(llm, form, "hi")

    scoped, plain = helicone_gateway.requests
    assert scoped.headers["Helicone-User-Id"] == "inner"
    assert scoped.headers["Helicone-Property-Team"] == "search"
    assert scoped.headers["Helicone-Property-Tier"] == "pro"
    assert plain.headers["Helicone-User-Id"] == "from-constructor"
    assert plain.headers["Helicone-Property-Tier"] == "free"


# --- concurrency, event loops, connections --------------------------------------------------------


@pytest.mark.parametrize("form", ["achat", "astream_chat"])
async def test_concurrent_scoped_request_ids(helicone_gateway: LocalGateway, form: str) -> None:
    llm = build()

    async def one(i: int) -> tuple[str, list[Any]]:
        request_id = str(uuid.uuid4())
        with scope(request_id=request_id):
            return request_id, await invoke(llm, form, f"call {i}")

    results = await asyncio.gather(*(one(i) for i in range(50)))

    by_id = {r.helicone_id: r for r in helicone_gateway.requests}
    assert len(by_id) == 50
    for i, (request_id, responses) in enumerate(results):
        assert text_of(responses[-1]) == f"Echo: call {i}"
        for response in responses:
            assert helicone_of(response)["request_id"] == request_id
        sent = by_id[request_id]
        assert sent.headers["Helicone-Request-Id"] == request_id
        assert sent.json["messages"][-1]["content"] == f"call {i}"


def test_one_llm_across_sequential_event_loops(helicone_gateway: LocalGateway) -> None:
    llm = build()
    forms = ["achat", "astream_chat", "acomplete", "astream_complete", "achat"]

    replies = [asyncio.run(invoke(llm, form, f"loop {i}")) for i, form in enumerate(forms)]

    assert [text_of(r[-1]) for r in replies] == [f"Echo: loop {i}" for i in range(5)]
    sent = chat_requests(helicone_gateway)
    assert [r.status for r in sent] == [200] * 5
    assert [helicone_of(r[-1])["request_id"] for r in replies] == [r.helicone_id for r in sent]


def test_llms_with_the_same_settings_share_their_sdk_clients(
    helicone_gateway: LocalGateway,
) -> None:
    first, second = build(user_id="shared"), build(user_id="shared")
    assert first._get_client() is second._get_client()
    assert first._get_aclient() is second._get_aclient()
    assert build(user_id="other")._get_client() is not first._get_client()
    # reuse_client=False: a new client per call, as OpenAILike does
    own = build(user_id="shared", reuse_client=False)
    assert own._get_client() is not own._get_client()
    reply = own.complete("hi")
    assert helicone_of(reply)["request_id"] == helicone_gateway.requests[-1].helicone_id
    assert helicone_gateway.requests[-1].headers["Helicone-User-Id"] == "shared"


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
async def test_ten_llms_share_one_connection(
    helicone_gateway: LocalGateway, use_async: bool
) -> None:
    if use_async:
        await aclose_shared_pools()
        forms = ["achat", "astream_chat", "acomplete", "astream_complete"]
    else:
        close_shared_pools()
        forms = ["chat", "stream_chat", "complete", "stream_complete"]
    llms = [build(user_id="same-settings") for _ in range(10)]

    for i in range(100):
        responses = await invoke(llms[i % 10], forms[i % 4], "count to 3")
        assert text_of(responses[-1]) == counting(3)

    sent = helicone_gateway.requests
    assert len(sent) == 100
    assert helicone_gateway.connections_accepted == 1
    assert {r.connection for r in sent} == {1}


# The cyclic garbage collector may run at any allocation, including inside httpcore's pool lock
# (a non-reentrant threading.Lock). If it then finalizes a stream abandoned on the same pool (the
# SDK's Stream sits in a reference cycle once LlamaIndex drops it), that stream's close waits for
# the lock its own thread holds: a hang for good (httpcore discussion #990, issue #996). Objects
# with the same settings share one pool here, so this could strike across LLM objects, where
# plain OpenAILike objects (a pool each) are safe. The script makes the collector run there.
DEADLOCK_SCRIPT = """
import gc, os, threading
import httpcore
from llama_index.core.llms import ChatMessage
from llama_index.llms.helicone import Helicone

assign = httpcore.ConnectionPool._assign_requests_to_connections
def collecting(self):
    gc.collect()  # as if the collector fired at an allocation here, under the pool's lock
    return assign(self)
httpcore.ConnectionPool._assign_requests_to_connections = collecting

def trial(abandoning, asking):
    stream = abandoning.stream_chat([ChatMessage(role="user", content="count to 50")])
    next(stream)
    stream.close()  # the caller stops reading early, as after a `break`
    del stream
    replies = []
    ask = lambda: replies.append(asking.chat([ChatMessage(role="user", content="hi")]))
    worker = threading.Thread(target=ask, daemon=True)
    worker.start()
    worker.join(3)
    return "DEADLOCK" if worker.is_alive() else replies[0].message.content

first, second = Helicone(timeout=5), Helicone(timeout=5)  # two objects, the same settings
print(trial(first, second), flush=True)
print(trial(first, first), flush=True)
os._exit(0)
"""


def test_abandoned_stream_does_not_deadlock_the_next_call(helicone_gateway: LocalGateway) -> None:
    # In a subprocess: a deadlocked thread would hold a shared pool's lock for good.
    done = subprocess.run(
        [sys.executable, "-c", DEADLOCK_SCRIPT],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    another_llm, same_llm = done.stdout.splitlines()
    assert another_llm == "Echo: hi"
    assert same_llm == "Echo: hi"
