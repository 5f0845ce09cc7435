"""``scope()``: Helicone options for every request made inside a block, by any adapter.

A scope is read when a request is sent, by the shared transport's request hook, so it applies to
every adapter and to calls already configured elsewhere. It lives in a ``ContextVar``: threads and
asyncio tasks each see their own, and it never leaks from one to another.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from .options import OPTION_NAMES, OptionArguments, check_combination, check_options, render_options
from .validate import check_header_name, check_header_value, check_mapping

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["ActiveScope", "current_scope", "scope"]

F = TypeVar("F", bound=Callable[..., Any])

_MERGED = ("properties", "headers")  # inner scopes add to these instead of replacing them


class ActiveScope(NamedTuple):
    """The merged values of every scope active in this context, and the headers they render to."""

    values: Mapping[str, Any]
    headers: Mapping[str, str]
    parent: ActiveScope | None = None

    def __repr__(self) -> str:  # without the parent chain
        return f"ActiveScope(values={self.values!r}, headers={self.headers!r})"


_current: ContextVar[ActiveScope | None] = ContextVar("helicone_scope", default=None)


def current_scope() -> ActiveScope | None:
    """The scope active in this thread or task, or ``None``."""
    return _current.get()


def _check_raw_headers(field_name: str, value: object) -> dict[str, str]:
    return check_mapping(
        field_name, value, check_header_name, lambda f, v: check_header_value(f, v, secret=True)
    )


class scope:  # lower case: used like a function, ``with scope(...)`` and ``@scope(...)``
    """Apply Helicone options to every request made inside a block or function.

    Takes the option keywords of ``HeliconeConfig`` (``user_id``, ``session_id``,
    ``session_path``, ``session_name``, ``properties``, ``request_id``, ``cache_enabled``, …) and
    ``headers`` for any other header. Values are checked here, so bad input fails before any
    request. Use it as a context manager or as a decorator on sync, async, generator and
    async-generator functions:

    ```python
    with scope(user_id="alice", properties={"feature": "search"}):
        llm.chat(...)

    @scope(session_id="3f1c…", session_path="/agent")
    async def run_agent(): ...
    ```

    Scopes nest: inner values win, ``properties`` and ``headers`` merge key by key. Headers
    layer as built-in < config options < config ``headers`` < scope < per-call headers.

    A ``request_id`` in a scope is sent with every request made in it; set it in a scope around
    one call.
    """

    __slots__ = ("_values",)

    def __init__(
        self, *, headers: Mapping[str, str] | None = None, **options: Unpack[OptionArguments]
    ) -> None:
        unknown = set(options) - OPTION_NAMES
        if unknown:
            raise TypeError(
                f"scope() got unknown option(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(OPTION_NAMES))}"
            )
        values = check_options(options)
        if headers is not None:
            values["headers"] = _check_raw_headers("headers", headers)
        self._values: Mapping[str, Any] = values

    def _push(self) -> Any:
        parent = _current.get()
        merged = dict(parent.values) if parent else {}
        for name, value in self._values.items():
            merged[name] = (
                {**merged[name], **value} if name in _MERGED and name in merged else value
            )
        check_combination(merged)
        rendered = render_options(merged)
        rendered.update(merged.get("headers", {}))
        return _current.set(ActiveScope(merged, rendered, parent))

    def __enter__(self) -> ActiveScope:
        self._push()
        active = _current.get()
        assert active is not None
        return active

    def __exit__(self, *exc_info: object) -> None:
        # Stateless on purpose: one scope object may be entered from many threads at once.
        active = _current.get()
        _current.set(active.parent if active is not None else None)

    def __call__(self, func: F) -> F:
        import inspect  # here, not at import: only decorating needs it (and it is slow to load)

        if inspect.isasyncgenfunction(func):
            return cast(F, self._wrap_async_generator(func))
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                token = self._push()
                try:
                    return await func(*args, **kwargs)
                finally:
                    _current.reset(token)

            return cast(F, run_async)
        if inspect.isgeneratorfunction(func):
            return cast(F, self._wrap_generator(func))

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            token = self._push()
            try:
                return func(*args, **kwargs)
            finally:
                _current.reset(token)

        return cast(F, run)

    def _wrap_generator(self, func: Callable[..., Generator[Any, Any, Any]]) -> Callable[..., Any]:
        # The scope is active while the generator body runs, and not in the caller between items.
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            gen = func(*args, **kwargs)
            step: Callable[[Any], Any] = gen.send
            arg: Any = None
            while True:
                token = self._push()
                try:
                    item = step(arg)
                except StopIteration as stop:
                    return stop.value
                finally:
                    _current.reset(token)
                try:
                    arg = yield item
                    step = gen.send
                except GeneratorExit:
                    token = self._push()
                    try:
                        gen.close()
                    finally:
                        _current.reset(token)
                    raise
                except BaseException as exc:  # forwarded into the generator, like ``yield from``
                    step, arg = gen.throw, exc

        return run

    def _wrap_async_generator(
        self, func: Callable[..., AsyncGenerator[Any, Any]]
    ) -> Callable[..., Any]:
        @functools.wraps(func)
        async def run(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
            agen = func(*args, **kwargs)
            step: Callable[[Any], Any] = agen.asend
            arg: Any = None
            while True:
                token = self._push()
                try:
                    item = await step(arg)
                except StopAsyncIteration:
                    return
                finally:
                    _current.reset(token)
                try:
                    arg = yield item
                    step = agen.asend
                except GeneratorExit:
                    token = self._push()
                    try:
                        await agen.aclose()
                    finally:
                        _current.reset(token)
                    raise
                except BaseException as exc:
                    step, arg = agen.athrow, exc

        return run

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self._values.items() if k != "headers")
        return f"scope({shown})"
