"""Isolation under concurrency: every request carries exactly its caller's scope, and every
caller gets the Helicone info of its own request, through all three adapters sharing pools."""

from __future__ import annotations

import asyncio
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from adapter_drivers import ADAPTERS, ask, build

from helicone_core import capture_info, scope
from helicone_core.testing import LocalGateway
from helicone_core.transport import aclose_shared_pools, close_shared_pools


@dataclass(frozen=True)
class Caller:
    """One call's own values, and what came back for it."""

    request_id: str
    user: str
    session: str
    tag: str


def expected_for(caller_index: int, call_index: int) -> Caller:
    return Caller(
        request_id=str(uuid.uuid4()),
        user=f"user-{caller_index}",
        session=f"session-{caller_index}-{call_index}",
        tag=f"{caller_index}.{call_index}",
    )


def run_one(objects: dict[str, Any], adapter: str, form: str, caller: Caller) -> str | None:
    """One sync-form call in the caller's own scope; the Helicone id it got back."""
    with (
        scope(
            request_id=caller.request_id,
            user_id=caller.user,
            session_id=caller.session,
            properties={"Caller": caller.tag},
        ),
        capture_info() as captured,
    ):
        reply = _sync(adapter, objects[adapter], form, caller.tag)
    assert reply == f"Echo: {caller.tag}", reply
    return captured.last.request_id if captured.last else None


def _sync(adapter: str, obj: Any, form: str, prompt: str) -> str:
    # The drivers are coroutines for uniformity; sync forms make no await, so step them here.
    coroutine = ask(adapter, obj, form, prompt)
    try:
        coroutine.send(None)
    except StopIteration as done:
        return str(done.value)
    raise AssertionError("a sync call form awaited")


def check_the_gateway_saw_each_caller_exactly(gw: LocalGateway, callers: list[Caller]) -> None:
    by_id = {c.request_id: c for c in callers}
    seen: dict[str, int] = {}
    for request in gw.requests:
        request_id = request.headers["Helicone-Request-Id"]
        caller = by_id[request_id]
        seen[request_id] = seen.get(request_id, 0) + 1
        assert request.headers["Helicone-User-Id"] == caller.user
        assert request.headers["Helicone-Session-Id"] == caller.session
        assert request.headers["Helicone-Property-Caller"] == caller.tag
        assert request.json["messages"][-1]["content"] == caller.tag
    assert seen == dict.fromkeys(by_id, 1)


@pytest.fixture
def shared(helicone_gateway: LocalGateway) -> dict[str, Any]:
    close_shared_pools()
    return {
        adapter: build(
            adapter, api_key=helicone_gateway.api_key, api_base=helicone_gateway.url, max_retries=0
        )
        for adapter in ADAPTERS
    }


def test_32_threads_x_50_calls(helicone_gateway: LocalGateway, shared: dict[str, Any]) -> None:
    callers = [[expected_for(t, n) for n in range(50)] for t in range(32)]
    received: dict[str, str | None] = {}
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            for n, caller in enumerate(callers[t]):
                adapter = ADAPTERS[(t + n) % len(ADAPTERS)]
                form = ("sync", "stream")[n % 2]
                received[caller.request_id] = run_one(shared, adapter, form, caller)
        except BaseException as exc:  # reported below, with the thread's context
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    flat = [c for row in callers for c in row]
    # Every caller got the info of its own request...
    assert received == {c.request_id: c.request_id for c in flat}
    # ...and the gateway saw exactly each caller's values, once.
    check_the_gateway_saw_each_caller_exactly(helicone_gateway, flat)


async def test_500_asyncio_tasks(helicone_gateway: LocalGateway, shared: dict[str, Any]) -> None:
    callers = [expected_for(n, 0) for n in range(500)]

    async def one(n: int, caller: Caller) -> str | None:
        adapter = ADAPTERS[n % len(ADAPTERS)]
        form = ("async", "astream")[n % 2]
        with (
            scope(
                request_id=caller.request_id,
                user_id=caller.user,
                session_id=caller.session,
                properties={"Caller": caller.tag},
            ),
            capture_info() as captured,
        ):
            reply = await ask(adapter, shared[adapter], form, caller.tag)
        assert reply == f"Echo: {caller.tag}"
        return captured.last.request_id if captured.last else None

    received = await asyncio.gather(*(one(n, c) for n, c in enumerate(callers)))
    assert received == [c.request_id for c in callers]
    check_the_gateway_saw_each_caller_exactly(helicone_gateway, callers)
    await aclose_shared_pools()
