"""The shared transport, over real sockets against the local gateway."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from helicone_core import HeliconeConfig, capture_info, scope
from helicone_core.testing import LocalGateway
from helicone_core.transport import (
    ConnectionSettings,
    _pools,
    aclose_shared_pools,
    async_http_client,
    close_shared_pools,
    http_client,
)

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}


@pytest.fixture(scope="module")
def gateway() -> Iterator[LocalGateway]:
    with LocalGateway() as gw:
        yield gw


@pytest.fixture
def gw(gateway: LocalGateway) -> Iterator[LocalGateway]:
    close_shared_pools()  # each test counts its own connections
    gateway.reset()
    yield gateway
    close_shared_pools()


def config(gw: LocalGateway, **options: object) -> HeliconeConfig:
    return HeliconeConfig(api_key=gw.api_key, api_base=gw.url, **options)  # type: ignore[arg-type]


def chat(client: httpx.Client, **kwargs: object) -> httpx.Response:
    response = client.post("/chat/completions", json=CHAT, **kwargs)  # type: ignore[arg-type]
    response.raise_for_status()
    return response


def test_ten_objects_with_the_same_settings_share_one_pool_and_one_connection(
    gw: LocalGateway,
) -> None:
    clients = [http_client(config(gw, user_id=f"user-{n}")) for n in range(10)]
    for _ in range(10):
        for client in clients:
            client.post(f"{gw.url}/chat/completions", json=CHAT).raise_for_status()
    assert len(gw.requests) == 100
    assert gw.connections_accepted == 1
    settings = {ConnectionSettings.from_config(config(gw, user_id=str(n))) for n in range(3)}
    assert len(settings) == 1


def test_keys_headers_and_timeouts_do_not_split_pools_but_origins_do(gw: LocalGateway) -> None:
    base = ConnectionSettings.from_config(config(gw))
    assert (
        ConnectionSettings.from_config(
            HeliconeConfig(api_key="other", api_base=gw.url, timeout=3, headers={"X": "1"})
        )
        == base
    )
    assert ConnectionSettings.from_config(config(gw, max_connections=5)) != base
    other_origin = HeliconeConfig(api_key="k", api_base="http://127.0.0.2:1/v1")
    assert ConnectionSettings.from_config(other_origin) != base


def test_closing_or_collecting_one_object_leaves_the_pool_to_the_others(gw: LocalGateway) -> None:
    first, second, third = (http_client(config(gw)) for _ in range(3))
    first.post(f"{gw.url}/chat/completions", json=CHAT).raise_for_status()
    first.close()
    del third
    gc.collect()
    second.post(f"{gw.url}/chat/completions", json=CHAT).raise_for_status()
    assert gw.connections_accepted == 1


def test_closed_shared_pools_reopen_on_next_use(gw: LocalGateway) -> None:
    client = http_client(config(gw))
    client.post(f"{gw.url}/chat/completions", json=CHAT).raise_for_status()
    close_shared_pools()
    client.post(f"{gw.url}/chat/completions", json=CHAT).raise_for_status()
    assert gw.connections_accepted == 2


def test_headers_layer_config_then_scope_then_per_call(gw: LocalGateway) -> None:
    client = http_client(config(gw, user_id="config", properties={"Layer": "config"}))
    with scope(user_id="scoped", session_id="session-1"):
        client.post(f"{gw.url}/chat/completions", json=CHAT)
        client.post(
            f"{gw.url}/chat/completions", json=CHAT, headers={"helicone-user-id": "per-call"}
        )
    client.post(f"{gw.url}/chat/completions", json=CHAT)
    scoped, per_call, outside = gw.requests
    assert scoped.headers["Helicone-User-Id"] == "scoped"
    assert scoped.headers["Helicone-Session-Id"] == "session-1"
    assert scoped.headers["Helicone-Property-Layer"] == "config"
    assert per_call.headers["Helicone-User-Id"] == "per-call"
    assert per_call.headers["Helicone-Session-Id"] == "session-1"
    assert outside.headers["Helicone-User-Id"] == "config"
    assert outside.headers.get("Helicone-Session-Id") is None
    assert scoped.headers["Authorization"] == f"Bearer {gw.api_key}"


def test_proxy_mode_sends_both_keys(gw: LocalGateway) -> None:
    client = http_client(
        HeliconeConfig(api_key=gw.api_key, api_base=gw.url, mode="proxy", provider_api_key="sk-p")
    )
    client.post(f"{gw.url}/chat/completions", json=CHAT).raise_for_status()
    (request,) = gw.requests
    assert request.headers["Authorization"] == "Bearer sk-p"
    assert request.headers["Helicone-Auth"] == f"Bearer {gw.api_key}"


def test_capture_info_gets_the_exact_request(gw: LocalGateway) -> None:
    client = http_client(config(gw))
    request_id = str(uuid.uuid4())
    with scope(request_id=request_id), capture_info() as captured:
        client.post(f"{gw.url}/chat/completions", json=CHAT)
    assert captured.last is not None
    assert captured.last.request_id == request_id
    assert captured.last.status_code == 200


async def test_capture_info_under_100_concurrent_async_calls(gw: LocalGateway) -> None:
    client = async_http_client(config(gw))

    async def call(n: int) -> tuple[str, str | None]:
        request_id = str(uuid.uuid4())
        with scope(request_id=request_id, user_id=f"user-{n}"), capture_info() as captured:
            response = await client.post(f"{gw.url}/chat/completions", json=CHAT)
            response.raise_for_status()
        assert captured.last is not None
        return request_id, captured.last.request_id

    results = await asyncio.gather(*(call(n) for n in range(100)))
    assert all(sent == received for sent, received in results)
    users = {r.headers["Helicone-User-Id"] for r in gw.requests}
    assert users == {f"user-{n}" for n in range(100)}
    await aclose_shared_pools()


def test_one_async_client_across_repeated_asyncio_run(gw: LocalGateway) -> None:
    client = async_http_client(config(gw))

    async def once() -> int:
        response = await client.post(f"{gw.url}/chat/completions", json=CHAT)
        return response.status_code

    for _ in range(5):
        assert asyncio.run(once()) == 200
    # asyncio.run closed each loop's pool while shutting the loop down.
    assert len(_pools._async) == 0
    assert len(gw.requests) == 5


def stream_until_done(client: httpx.Client, url: str, *, stop_early: bool = False) -> list[str]:
    """Read a chat stream the way the openai SDK does: stop at [DONE], then close."""
    body = {**CHAT, "stream": True}
    events = []
    with client.stream("POST", url, json=body) as response:
        for line in response.iter_lines():
            if not line.startswith("data: "):
                continue
            events.append(line)
            if line == "data: [DONE]" or stop_early:
                break
    return events


def test_streams_closed_at_done_keep_their_connection(gw: LocalGateway) -> None:
    client = http_client(config(gw))
    for _ in range(5):
        events = stream_until_done(client, f"{gw.url}/chat/completions")
        assert events[-1] == "data: [DONE]"
    assert gw.connections_accepted == 1


def test_streams_closed_early_drop_their_connection(gw: LocalGateway) -> None:
    client = http_client(config(gw))
    for _ in range(2):
        stream_until_done(client, f"{gw.url}/chat/completions", stop_early=True)
    assert gw.connections_accepted == 2


async def test_async_streams_closed_at_done_keep_their_connection(gw: LocalGateway) -> None:
    client = async_http_client(config(gw))
    body = {**CHAT, "stream": True}
    for _ in range(5):
        async with client.stream("POST", f"{gw.url}/chat/completions", json=body) as response:
            async for line in response.aiter_lines():
                if line == "data: [DONE]":
                    break
    assert gw.connections_accepted == 1
    await aclose_shared_pools()


def test_draining_a_stalled_stream_is_bounded() -> None:
    """A server that sends [DONE] and then holds the body open must not hang close()."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    release = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        event = b"data: [DONE]\n\n"
        conn.sendall(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"transfer-encoding: chunked\r\n\r\n" + f"{len(event):x}\r\n".encode() + event + b"\r\n"
        )
        release.wait(10)
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = http_client(HeliconeConfig(api_key="k", api_base=f"http://127.0.0.1:{port}/v1"))
    started = time.monotonic()
    stream_until_done(client, f"http://127.0.0.1:{port}/v1/chat/completions")
    elapsed = time.monotonic() - started
    release.set()
    thread.join(5)
    listener.close()
    assert elapsed < 8, "close() waited for the stalled server instead of giving up"


def test_debug_logs_never_contain_the_key(
    gw: LocalGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = http_client(config(gw))
    client.post(f"{gw.url}/chat/completions", json=CHAT)
    assert "helicone_core.transport" in {r.name for r in caplog.records}
    assert gw.api_key not in caplog.text
    assert "**********" in caplog.text


def test_response_info_parses_gateway_headers(gw: LocalGateway) -> None:
    client = http_client(config(gw, cache_enabled=True))
    with capture_info() as captured:
        client.post(f"{gw.url}/chat/completions", json=CHAT)
        client.post(f"{gw.url}/chat/completions", json=CHAT)
    first, second = captured.infos
    assert (first.cache_hit, second.cache_hit) == (False, True)
    assert json.loads(gw.requests[0].body)["model"] == "gpt-4o-mini"


ABANDONED_STREAM_SCRIPT = """
import gc, os, sys, threading
import httpcore
from helicone_core import HeliconeConfig
from helicone_core.testing import LocalGateway
from helicone_core.transport import http_client

assign = httpcore.ConnectionPool._assign_requests_to_connections
def collecting(self):
    gc.collect()  # as if the collector fired at an allocation here, under the pool's lock
    return assign(self)
httpcore.ConnectionPool._assign_requests_to_connections = collecting

with LocalGateway() as gw:
    config = HeliconeConfig(api_key=gw.api_key, api_base=gw.url)
    first, second = http_client(config), http_client(config)
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "count to 50"}]}
    response = first.send(first.build_request("POST", gw.url + "/chat/completions", json=body),
                          stream=True)
    next(response.iter_lines())
    cycle = [response]
    cycle.append(cycle)  # abandoned in a reference cycle, like the openai SDK's Stream
    del response, cycle
    replies = []
    ask = lambda: replies.append(second.post(gw.url + "/chat/completions", json={
        "model": "m", "messages": [{"role": "user", "content": "hi"}]}).status_code)
    worker = threading.Thread(target=ask, daemon=True)
    worker.start()
    worker.join(5)
    print("DEADLOCK" if worker.is_alive() else replies[0], flush=True)
    os._exit(0)
"""


def test_an_abandoned_stream_collected_inside_pool_code_does_not_hang_another_client() -> None:
    """httpcore's pool lock is not re-entrant; the collector must never close a body under it."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", ABANDONED_STREAM_SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == "200", done.stdout + done.stderr[-2000:]


def test_a_small_body_is_read_at_once_so_its_connection_is_free_before_it_is_read(
    gw: LocalGateway,
) -> None:
    client = http_client(config(gw))
    held = client.send(
        client.build_request("POST", f"{gw.url}/chat/completions", json=CHAT), stream=True
    )
    # Never read nor closed by the caller, and yet the next request reuses the connection.
    client.post(f"{gw.url}/chat/completions", json=CHAT).raise_for_status()
    assert gw.connections_accepted == 1
    assert json.loads(held.read())["choices"]


def test_a_stream_is_not_read_ahead(gw: LocalGateway) -> None:
    client = http_client(config(gw))
    body = {**CHAT, "stream": True}
    with client.stream("POST", f"{gw.url}/chat/completions", json=body) as held:
        client.post(
            f"{gw.url}/chat/completions", json=CHAT
        ).raise_for_status()  # the stream still holds the first connection
        assert gw.connections_accepted == 2
        assert b"[DONE]" in held.read()


def test_headers_are_parsed_only_when_a_capture_or_plugin_listens(
    gw: LocalGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helicone_core import info as info_module

    parsed: list[int] = []
    original = info_module.HeliconeInfo.from_headers

    def counting(headers: object, status_code: int | None = None) -> info_module.HeliconeInfo:
        parsed.append(1)
        return original(headers, status_code)  # type: ignore[arg-type]

    monkeypatch.setattr(info_module.HeliconeInfo, "from_headers", staticmethod(counting))
    client = http_client(config(gw))
    client.post(f"{gw.url}/chat/completions", json=CHAT).raise_for_status()
    assert parsed == []
    with capture_info() as captured:
        client.post(f"{gw.url}/chat/completions", json=CHAT).raise_for_status()
    assert parsed == [1]
    assert captured.last is not None
    assert captured.last.request_id == gw.requests[-1].helicone_id


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_forked_child_opens_its_own_connection(gw: LocalGateway) -> None:
    import os

    client = http_client(config(gw))
    client.post(f"{gw.url}/chat/completions", json=CHAT).raise_for_status()
    pid = os.fork()
    if pid == 0:  # the child: a new pool, never the parent's socket
        try:
            client.post(f"{gw.url}/chat/completions", json=CHAT).raise_for_status()
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The gateway runs in this process: the child's request came over a connection of its own.
    assert gw.connections_accepted == 2
    client.post(f"{gw.url}/chat/completions", json=CHAT).raise_for_status()  # still its own
    assert gw.connections_accepted == 2


def test_environment_proxies_are_honoured_and_follow_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    remote = HeliconeConfig(api_key="k", api_base="https://gateway.example/v1")
    for name in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert ConnectionSettings.from_config(remote).proxy is None

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert ConnectionSettings.from_config(remote).proxy == "http://proxy.internal:3128"
    monkeypatch.setenv("NO_PROXY", "gateway.example")
    assert ConnectionSettings.from_config(remote).proxy is None
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.setenv("HTTPS_PROXY", "http://other.internal:8080")
    assert ConnectionSettings.from_config(remote).proxy == "http://other.internal:8080"
    # An explicit proxy wins over the environment.
    explicit = remote.replace(proxy="http://mine.internal:1")
    assert ConnectionSettings.from_config(explicit).proxy == "http://mine.internal:1"
