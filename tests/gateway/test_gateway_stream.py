"""SSE streaming: chunked framing, chunk format, usage chunk, [DONE], N-chunk replies."""

from __future__ import annotations

import json
import socket
from typing import Any

import httpx
import pytest

from helicone_core.testing import LocalGateway


def stream_lines(client: httpx.Client, text: str, **extra: Any) -> tuple[httpx.Response, list[str]]:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}], "stream": True}
    with client.stream("POST", "/chat/completions", json={**body, **extra}) as response:
        lines = list(response.iter_lines())
    return response, lines


def events(lines: list[str]) -> list[str]:
    return [line.removeprefix("data: ") for line in lines if line.startswith("data: ")]


def chunks(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(data) for data in events(lines) if data != "[DONE]"]


def raw_exchange(gw: LocalGateway, body: dict[str, Any]) -> bytes:
    payload = json.dumps(body).encode()
    request = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {gw.api_key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + payload
    with socket.create_connection(("127.0.0.1", gw.port), timeout=10) as sock:
        sock.sendall(request)
        received = bytearray()
        while data := sock.recv(65536):
            received += data
    return bytes(received)


def dechunk(body: bytes) -> tuple[list[bytes], bytes]:
    """The chunks of a chunked body and whatever follows the terminating chunk."""
    pieces: list[bytes] = []
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return pieces, body
        pieces.append(body[:size])
        assert body[size : size + 2] == b"\r\n"
        body = body[size + 2 :]


def test_stream_uses_chunked_encoding_one_event_per_chunk(gw: LocalGateway) -> None:
    raw = raw_exchange(
        gw, {"model": "m", "messages": [{"role": "user", "content": "count to 3"}], "stream": True}
    )
    head, _, body = raw.partition(b"\r\n\r\n")
    head_lines = head.decode().lower().split("\r\n")
    assert head_lines[0] == "http/1.1 200 ok"
    assert "transfer-encoding: chunked" in head_lines
    assert not any(line.startswith("content-length") for line in head_lines)
    assert "content-type: text/event-stream; charset=utf-8" in head_lines
    pieces, trailer = dechunk(body)
    assert trailer == b"\r\n"
    assert all(piece.startswith(b"data: ") and piece.endswith(b"\n\n") for piece in pieces)
    assert pieces[-1] == b"data: [DONE]\n\n"
    assert len(pieces) == 1 + 3 + 1 + 1  # role, three words, finish, [DONE]


def test_stream_chunk_format(client: httpx.Client) -> None:
    response, lines = stream_lines(client, "hello big world")
    assert response.status_code == 200
    parsed = chunks(lines)
    assert len({c["id"] for c in parsed}) == 1
    assert all(
        c["object"] == "chat.completion.chunk" and c["model"] == "gpt-4o-mini" for c in parsed
    )
    first, *middle, last = parsed
    assert first["choices"][0]["delta"]["role"] == "assistant"
    assert [c["choices"][0]["delta"]["content"] for c in middle] == [
        "Echo:",
        " hello",
        " big",
        " world",
    ]
    assert all(c["choices"][0]["finish_reason"] is None for c in [first, *middle])
    assert last["choices"][0] == {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": "stop",
    }
    assert events(lines)[-1] == "[DONE]"
    assert all("usage" not in c for c in parsed)


def test_usage_chunk_only_when_asked(client: httpx.Client) -> None:
    _, without = stream_lines(client, "count to 4", stream_options={"include_usage": False})
    assert all(c["choices"] for c in chunks(without))
    _, lines = stream_lines(client, "count to 4", stream_options={"include_usage": True})
    parsed = chunks(lines)
    usage_chunk = parsed[-1]
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"] == {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
    assert all(c["usage"] is None for c in parsed[:-1])
    assert parsed[-2]["choices"][0]["finish_reason"] == "stop"
    assert events(lines)[-1] == "[DONE]"


@pytest.mark.parametrize("n", [1, 7, 200])
def test_count_to_n_streams_exactly_n_content_chunks(client: httpx.Client, n: int) -> None:
    _, lines = stream_lines(client, f"count to {n}")
    contents = [
        c["choices"][0]["delta"]["content"]
        for c in chunks(lines)
        if c["choices"][0]["delta"].get("content")
    ]
    assert len(contents) == n
    assert "".join(contents) == " ".join(str(i) for i in range(1, n + 1))


def test_max_tokens_cuts_stream_with_length(client: httpx.Client) -> None:
    _, lines = stream_lines(client, "count to 50", max_tokens=5)
    parsed = chunks(lines)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in parsed)
    assert text == "1 2 3 4 5"
    assert parsed[-1]["choices"][0]["finish_reason"] == "length"


def test_streaming_json_schema_reassembles(client: httpx.Client) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    fmt = {"type": "json_schema", "json_schema": {"name": "n", "schema": schema}}
    _, lines = stream_lines(client, "the number 42", response_format=fmt)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks(lines))
    assert json.loads(text) == {"n": 42}


def test_stream_keeps_connection_reusable(client: httpx.Client, gw: LocalGateway) -> None:
    for _ in range(3):
        stream_lines(client, "count to 20")
    assert gw.connections_accepted == 1


def test_openai_sdk_streaming(gw: LocalGateway) -> None:
    openai = pytest.importorskip("openai")
    sdk = openai.OpenAI(base_url=gw.url, api_key=gw.api_key, max_retries=0)
    stream = sdk.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "count to 30"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    received = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in received if c.choices)
    assert text == " ".join(str(i) for i in range(1, 31))
    assert received[-1].usage is not None
    assert received[-1].usage.completion_tokens == 30
