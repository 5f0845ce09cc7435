"""scope(): nesting, decorators on every kind of function, isolation between threads and tasks."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from helicone_core import InvalidOptionError, scope
from helicone_core.scope import current_scope


def active_headers() -> dict[str, str]:
    active = current_scope()
    return dict(active.headers) if active else {}


def test_no_scope_by_default() -> None:
    assert current_scope() is None


def test_context_manager_renders_headers_and_restores() -> None:
    with scope(user_id="alice", properties={"Feature": "search"}) as active:
        assert active.headers == {
            "Helicone-User-Id": "alice",
            "Helicone-Property-Feature": "search",
        }
        assert active_headers() == active.headers
    assert current_scope() is None


def test_nesting_inner_wins_and_properties_and_headers_merge() -> None:
    with scope(
        user_id="outer", session_id="s1", properties={"A": "1", "B": "1"}, headers={"X-A": "1"}
    ):
        with scope(user_id="inner", properties={"B": "2"}, headers={"X-B": "2"}):
            assert active_headers() == {
                "Helicone-User-Id": "inner",
                "Helicone-Session-Id": "s1",
                "Helicone-Property-A": "1",
                "Helicone-Property-B": "2",
                "X-A": "1",
                "X-B": "2",
            }
        assert active_headers()["Helicone-User-Id"] == "outer"
        assert active_headers()["Helicone-Property-B"] == "1"
    assert current_scope() is None


def test_values_are_checked_when_the_scope_is_built() -> None:
    with pytest.raises(InvalidOptionError) as error:
        scope(user_id="bad\nvalue")
    assert error.value.field == "user_id"
    with pytest.raises(InvalidOptionError) as error:
        scope(request_id="not-a-uuid")
    assert error.value.field == "request_id"
    with pytest.raises(InvalidOptionError):
        scope(headers={"Bad Name": "x"})
    with pytest.raises(TypeError, match="unknown option"):
        scope(usr_id="typo")  # type: ignore[call-arg]


def test_nested_combination_is_checked() -> None:
    with scope(retry_min_timeout=5000), pytest.raises(InvalidOptionError) as error:
        scope(retry_max_timeout=1000).__enter__()
    assert error.value.field == "retry_max_timeout"


def test_decorator_on_sync_function() -> None:
    @scope(user_id="deco")
    def work() -> dict[str, str]:
        return active_headers()

    assert work()["Helicone-User-Id"] == "deco"
    assert current_scope() is None


async def test_decorator_on_async_function() -> None:
    @scope(session_id="async-session")
    async def work() -> dict[str, str]:
        await asyncio.sleep(0)
        return active_headers()

    assert (await work())["Helicone-Session-Id"] == "async-session"
    assert current_scope() is None


def test_decorator_on_generator_is_active_inside_only() -> None:
    seen_outside: list[dict[str, str]] = []

    @scope(user_id="gen")
    def produce() -> Iterator[dict[str, str]]:
        for _ in range(3):
            received = yield active_headers()
            assert received == "ping"
        return

    gen = produce()
    first = next(gen)
    seen_outside.append(active_headers())
    second = gen.send("ping")
    seen_outside.append(active_headers())
    assert first["Helicone-User-Id"] == second["Helicone-User-Id"] == "gen"
    assert seen_outside == [{}, {}]
    gen.send("ping")
    with pytest.raises(StopIteration):
        gen.send("ping")


def test_generator_sees_the_scope_of_the_caller_at_each_step() -> None:
    @scope(properties={"Step": "inner"})
    def produce() -> Iterator[dict[str, str]]:
        yield active_headers()
        yield active_headers()

    gen = produce()
    with scope(user_id="caller-1"):
        first = next(gen)
    with scope(user_id="caller-2"):
        second = next(gen)
    assert first["Helicone-User-Id"] == "caller-1"
    assert second["Helicone-User-Id"] == "caller-2"
    assert first["Helicone-Property-Step"] == second["Helicone-Property-Step"] == "inner"


def test_generator_throw_and_close_run_inside_the_scope() -> None:
    events: list[str] = []

    @scope(user_id="g")
    def produce() -> Iterator[int]:
        try:
            yield 1
        except KeyError:
            events.append("caught:" + active_headers()["Helicone-User-Id"])
            yield 2
        finally:
            events.append("finally:" + active_headers().get("Helicone-User-Id", "none"))

    gen = produce()
    assert next(gen) == 1
    assert gen.throw(KeyError("x")) == 2
    gen.close()
    assert events == ["caught:g", "finally:g"]
    assert current_scope() is None


async def test_decorator_on_async_generator() -> None:
    @scope(user_id="agen")
    async def produce() -> AsyncIterator[dict[str, str]]:
        for _ in range(2):
            await asyncio.sleep(0)
            yield active_headers()

    outside = []
    async for headers in produce():
        assert headers["Helicone-User-Id"] == "agen"
        outside.append(active_headers())
    assert outside == [{}, {}]


def test_threads_are_isolated() -> None:
    barrier = threading.Barrier(8)
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with scope(user_id=f"user-{n}"):
                barrier.wait()
                results[n] = active_headers()["Helicone-User-Id"]
                barrier.wait()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    with scope(user_id="main"):
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
        assert active_headers()["Helicone-User-Id"] == "main"
    assert not errors
    assert results == {n: f"user-{n}" for n in range(8)}


async def test_tasks_are_isolated() -> None:
    async def worker(n: int) -> tuple[str, str]:
        request_id = str(uuid.UUID(int=n, version=4))
        with scope(user_id=f"user-{n}", request_id=request_id):
            await asyncio.sleep(0.001 * (n % 5))
            headers = active_headers()
            return headers["Helicone-User-Id"], headers["Helicone-Request-Id"]

    results = await asyncio.gather(*(worker(n) for n in range(100)))
    for n, (user, request_id) in enumerate(results):
        assert user == f"user-{n}"
        assert request_id == str(uuid.UUID(int=n, version=4))
    assert current_scope() is None


def test_one_scope_object_entered_from_many_threads() -> None:
    shared = scope(session_id="shared")
    seen: list[str] = []

    def worker() -> None:
        for _ in range(50):
            with shared:
                seen.append(active_headers()["Helicone-Session-Id"])
            assert current_scope() is None

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert seen == ["shared"] * 200


def test_repr_hides_raw_headers() -> None:
    text = repr(scope(user_id="u", headers={"Authorization": "Bearer secret-value"}))
    assert "secret-value" not in text
    assert "user_id='u'" in text
