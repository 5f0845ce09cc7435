"""HeliconeInfo: parsing Helicone's response headers, and capture_info()."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from helicone_core import HeliconeInfo, capture_info
from helicone_core.info import (
    acapture_first,
    acapture_stream,
    capture_first,
    capture_stream,
    record,
)

ID = "5b6f3c1e-8d2a-4e7b-9c0d-1a2b3c4d5e6f"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, HeliconeInfo()),
        ({"Helicone-Id": ID}, HeliconeInfo(request_id=ID)),
        ({"helicone-id": ID}, HeliconeInfo(request_id=ID)),
        ({"Helicone-Cache": "HIT"}, HeliconeInfo(cache_hit=True)),
        ({"Helicone-Cache": "miss"}, HeliconeInfo(cache_hit=False)),
        ({"Helicone-Cache-Bucket-Idx": "3"}, HeliconeInfo(cache_bucket_index=3)),
        ({"Helicone-Fallback-Index": "1"}, HeliconeInfo(fallback_index=1)),
        (
            {
                "Helicone-RateLimit-Limit": "100",
                "Helicone-RateLimit-Remaining": "99",
                "Helicone-RateLimit-Policy": "100;w=60;s=user",
            },
            HeliconeInfo(
                rate_limit_limit=100, rate_limit_remaining=99, rate_limit_policy="100;w=60;s=user"
            ),
        ),
        ({"Retry-After": "2"}, HeliconeInfo(retry_after=2.0)),
        ({"Retry-After": "0.5"}, HeliconeInfo(retry_after=0.5)),
        # Malformed numbers give None instead of failing the response.
        ({"Helicone-Cache-Bucket-Idx": "x", "Retry-After": "soon"}, HeliconeInfo()),
        ({"Helicone-Id": ""}, HeliconeInfo()),
    ],
    ids=[
        "none",
        "id",
        "id-lowercase",
        "cache-hit",
        "cache-miss-lowercase",
        "bucket",
        "fallback",
        "rate-limit",
        "retry-after-int",
        "retry-after-float",
        "malformed-numbers",
        "empty-id",
    ],
)
def test_from_headers(headers: dict[str, str], expected: HeliconeInfo) -> None:
    assert HeliconeInfo.from_headers(headers) == expected
    assert HeliconeInfo.from_headers(httpx.Headers(headers)) == expected


def test_as_dict_keeps_only_what_is_set() -> None:
    info = HeliconeInfo.from_headers({"Helicone-Id": ID, "Helicone-Cache": "MISS"}, 200)
    assert info.as_dict() == {"request_id": ID, "cache_hit": False, "status_code": 200}


def test_capture_collects_every_attempt_and_nests() -> None:
    with capture_info() as outer:
        record(HeliconeInfo(request_id="a", status_code=429))
        with capture_info() as inner:
            record(HeliconeInfo(request_id="b", status_code=200))
    assert [i.request_id for i in outer.infos] == ["a", "b"]
    assert inner.last == HeliconeInfo(request_id="b", status_code=200)
    with capture_info() as fresh:
        assert fresh.last is None


def test_nothing_is_recorded_outside_a_capture() -> None:
    record(HeliconeInfo(request_id="lost"))
    with capture_info() as captured:
        pass
    assert captured.infos == []


def test_captures_are_per_thread() -> None:
    results: dict[int, list[str | None]] = {}

    def worker(n: int) -> None:
        with capture_info() as captured:
            for _ in range(20):
                record(HeliconeInfo(request_id=str(n)))
        results[n] = [i.request_id for i in captured.infos]

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == {n: [str(n)] * 20 for n in range(8)}


async def test_captures_are_per_task() -> None:
    async def worker(n: int) -> list[str | None]:
        with capture_info() as captured:
            for _ in range(5):
                await asyncio.sleep(0)
                record(HeliconeInfo(request_id=str(n)))
        return [i.request_id for i in captured.infos]

    results = await asyncio.gather(*(worker(n) for n in range(50)))
    assert results == [[str(n)] * 5 for n in range(50)]


def _responding(ids: list[str]) -> Iterator[str]:
    # Each item "arrives" with its own response, as a stream's first item does.
    for request_id in ids:
        record(HeliconeInfo(request_id=request_id))
        yield request_id


def test_capture_first_captures_while_the_first_item_is_fetched_only() -> None:
    items = _responding(["first", "second"])
    started = capture_first(items)
    assert started == ("first", HeliconeInfo(request_id="first"))
    with capture_info() as outer:
        assert next(items) == "second"  # recorded into the caller's capture, not the stream's
    assert outer.last == HeliconeInfo(request_id="second")
    assert capture_first(iter([])) is None


def test_capture_stream_gives_every_item_the_first_response_info() -> None:
    attached = list(capture_stream(_responding(["a", "b", "c"]), lambda item, info: (item, info)))
    assert attached == [(item, HeliconeInfo(request_id="a")) for item in "abc"]


async def test_acapture_first_and_acapture_stream() -> None:
    async def responding(ids: list[str]) -> AsyncIterator[str]:
        for request_id in ids:
            record(HeliconeInfo(request_id=request_id))
            yield request_id

    assert await acapture_first(responding([])) is None
    assert await acapture_first(responding(["x", "y"])) == ("x", HeliconeInfo(request_id="x"))
    attached = [pair async for pair in acapture_stream(responding(["a", "b"]), lambda i, n: (i, n))]
    assert attached == [("a", HeliconeInfo(request_id="a")), ("b", HeliconeInfo(request_id="a"))]


def test_a_stream_whose_response_already_arrived_is_given_its_info() -> None:
    known = HeliconeInfo(request_id="sent-before")
    items = _responding(["a", "b"])  # records "a", "b": never captured here
    attached = list(capture_stream(items, lambda item, info: (item, info), known))
    assert attached == [("a", known), ("b", known)]
