"""Helicone's response cache: HIT/MISS, seeds, ignored keys, buckets, max-age, streams."""

from __future__ import annotations

import json
import ssl
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from helicone_core.testing import LocalGateway

if TYPE_CHECKING:
    from conftest import FakeClock, MakeClient


@pytest.fixture(scope="module")
def gateway_options(clock: FakeClock) -> dict[str, FakeClock]:
    return {"clock": clock}


@pytest.fixture
def client(make_client: MakeClient) -> httpx.Client:
    return make_client({"Helicone-Cache-Enabled": "true"})


def ask(
    client: httpx.Client,
    text: str = "cache me",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> httpx.Response:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}], **extra}
    response = client.post("/chat/completions", json=body, headers=headers or {})
    assert response.status_code == 200, response.text
    return response


def content(response: httpx.Response) -> str:
    return str(response.json()["choices"][0]["message"]["content"])


def test_miss_then_hit_replays_the_same_completion(client: httpx.Client) -> None:
    first, second = ask(client), ask(client)
    assert first.headers["helicone-cache"] == "MISS"
    assert "helicone-cache-bucket-idx" not in first.headers
    assert second.headers["helicone-cache"] == "HIT"
    assert second.headers["helicone-cache-bucket-idx"] == "0"
    assert second.json() == first.json()
    assert second.headers["helicone-id"] != first.headers["helicone-id"]


def test_cache_disabled_has_no_cache_header(server: LocalGateway, tls: ssl.SSLContext) -> None:
    server.reset()
    headers = {"Authorization": f"Bearer {server.api_key}"}
    for value in (None, "false"):
        extra = {} if value is None else {"Helicone-Cache-Enabled": value}
        response = httpx.post(
            f"{server.url}/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": "x"}]},
            headers={**headers, **extra},
            timeout=10,
            verify=tls,
        )
        assert "helicone-cache" not in response.headers


def test_different_body_is_a_different_key(client: httpx.Client) -> None:
    ask(client, "one")
    assert ask(client, "two").headers["helicone-cache"] == "MISS"
    assert ask(client, "one", temperature=0.5).headers["helicone-cache"] == "MISS"


def test_seed_separates_namespaces(client: httpx.Client) -> None:
    ask(client, headers={"Helicone-Cache-Seed": "a"})
    assert ask(client, headers={"Helicone-Cache-Seed": "b"}).headers["helicone-cache"] == "MISS"
    assert ask(client).headers["helicone-cache"] == "MISS"
    assert ask(client, headers={"Helicone-Cache-Seed": "a"}).headers["helicone-cache"] == "HIT"


def test_ignore_keys_leave_keys_out_of_the_cache_key(client: httpx.Client) -> None:
    ignore = {"Helicone-Cache-Ignore-Keys": "temperature, user"}
    ask(client, headers=ignore, temperature=0.1, user="u1")
    hit = ask(client, headers=ignore, temperature=0.9, user="u2")
    assert hit.headers["helicone-cache"] == "HIT"
    assert (
        ask(client, headers=ignore, temperature=0.9, top_p=0.5).headers["helicone-cache"] == "MISS"
    )


@pytest.mark.parametrize("size", [1, 3, 20])
def test_bucket_fills_then_hits(client: httpx.Client, size: int) -> None:
    headers = {"Helicone-Cache-Bucket-Max-Size": str(size)}
    misses = [ask(client, headers=headers) for _ in range(size)]
    assert all(r.headers["helicone-cache"] == "MISS" for r in misses)
    stored = [content(r) for r in misses]
    assert len(set(stored)) == size  # entries in a bucket are distinguishable
    if size > 1:
        assert stored[1] == "Echo: cache me (variant 1)"
    hits = [ask(client, headers=headers) for _ in range(4 * size + 4)]
    assert all(r.headers["helicone-cache"] == "HIT" for r in hits)
    for hit in hits:
        index = int(hit.headers["helicone-cache-bucket-idx"])
        assert content(hit) == stored[index]
    if size > 1:
        assert len({r.headers["helicone-cache-bucket-idx"] for r in hits}) > 1


@pytest.mark.parametrize("size", ["0", "21", "two", "-1"])
def test_invalid_bucket_size_is_400(client: httpx.Client, size: str) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    response = client.post(
        "/chat/completions", json=body, headers={"Helicone-Cache-Bucket-Max-Size": size}
    )
    assert response.status_code == 400
    assert "Bucket-Max-Size" in response.json()["error"]["message"]


def test_max_age_expires_entries(client: httpx.Client, clock: FakeClock) -> None:
    headers = {"Cache-Control": "max-age=10"}
    ask(client, headers=headers)
    clock.now += 9
    assert ask(client, headers=headers).headers["helicone-cache"] == "HIT"
    clock.now += 2
    assert ask(client, headers=headers).headers["helicone-cache"] == "MISS"
    assert ask(client, headers=headers).headers["helicone-cache"] == "HIT"


def test_default_ttl_is_seven_days(client: httpx.Client, clock: FakeClock) -> None:
    ask(client)
    clock.now += 7 * 24 * 3600 - 1
    assert ask(client).headers["helicone-cache"] == "HIT"
    clock.now += 2
    assert ask(client).headers["helicone-cache"] == "MISS"


def test_streams_are_cached_and_replayed(client: httpx.Client) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "count to 5"}], "stream": True}

    def stream() -> tuple[httpx.Headers, list[str]]:
        with client.stream("POST", "/chat/completions", json=body) as response:
            return response.headers, [line for line in response.iter_lines() if line]

    first_headers, first = stream()
    second_headers, second = stream()
    assert (first_headers["helicone-cache"], second_headers["helicone-cache"]) == ("MISS", "HIT")
    assert second == first
    assert second[-1] == "data: [DONE]"
    assert second_headers["transfer-encoding"] == "chunked"


def test_a_cached_completion_can_be_replayed_as_a_stream(client: httpx.Client) -> None:
    ignore = {"Helicone-Cache-Ignore-Keys": "stream"}
    stored = ask(client, "count to 3", headers=ignore).json()
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "count to 3"}],
        "stream": True,
    }
    with client.stream("POST", "/chat/completions", json=body, headers=ignore) as response:
        assert response.headers["helicone-cache"] == "HIT"
        data = [
            json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data: {")
        ]
    assert {d["id"] for d in data} == {stored["id"]}
    assert "".join(d["choices"][0]["delta"].get("content") or "" for d in data) == "1 2 3"


def test_errors_are_not_cached(client: httpx.Client) -> None:
    body = {"model": "fault-500", "messages": [{"role": "user", "content": "x"}]}
    assert client.post("/chat/completions", json=body).status_code == 500
    assert client.post("/chat/completions", json=body).status_code == 500


def test_reset_empties_the_cache(client: httpx.Client, server: LocalGateway) -> None:
    ask(client)
    server.reset()
    assert ask(client).headers["helicone-cache"] == "MISS"
