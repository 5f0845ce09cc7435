"""The httpx clients every adapter sends through, and the connection pools they share.

Adapters send through light ``httpx.Client`` / ``httpx.AsyncClient`` objects (headers and
hooks) from ``http_client`` / ``async_http_client``. Underneath, every client whose
config has the same ``ConnectionSettings`` sends through one shared pool, so ten objects
built with the same settings open one connection, not ten. Closing or collecting a model
object's client never closes the shared pool; ``close_shared_pools`` (also run at process
exit) and ``aclose_shared_pools`` do.

Async pools belong to one event loop each, so a model object works across several
``asyncio.run()`` calls. A pool is closed while its loop shuts down (``asyncio.run`` finalizes
async generators before closing the loop, and the pool registers one).

The client hooks add the active scope's headers when a request is sent and, when a response's
headers arrive, parse Helicone's answer into a ``HeliconeInfo`` for ``capture_info`` and the
``helicone_response`` plugin hook (only when one of them listens). A small body that is not an
event stream is read before the response is handed on; other bodies are wrapped so that
streams keep their connection and abandoned ones are closed safely (see below).
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import logging
import os
import threading
import urllib.parse
import urllib.request
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, cast

import httpx

from .config import HeliconeConfig
from .headers import build_headers, rest_api_headers, scope_overrides
from .info import HeliconeInfo, capturing, record
from .plugins import hooks
from .scope import current_scope
from .secrets import redact_headers

__all__ = [
    "ConnectionSettings",
    "aclose_shared_pools",
    "async_http_client",
    "async_rest_http_client",
    "close_shared_pools",
    "http_client",
    "request_timeout",
    "rest_http_client",
]

logger = logging.getLogger(__name__)

#: Bodies up to this size that are not event streams are read in full before the response is
#: handed on (see ``_SharedTransport.handle_request``).
_READ_AHEAD_MAX_BYTES = 256 * 1024
#: After ``data: [DONE]``, how much more of a stream may be read to keep its connection.
_DRAIN_MAX_BYTES = 64 * 1024
_DRAIN_MAX_SECONDS = 1.0
_DONE_MARKER = b"[DONE]"


@dataclass(frozen=True)
class ConnectionSettings:
    """What makes two clients able to share connections.

    Never keys or headers, and not timeouts either: httpx applies timeouts per request, so
    objects with different timeouts still share a pool.
    """

    origin: str
    proxy: str | None
    verify: bool | str
    max_connections: int
    max_keepalive_connections: int

    @classmethod
    def from_config(cls, config: HeliconeConfig, base_url: str | None = None) -> ConnectionSettings:
        """The settings for requests to ``base_url`` (default ``config.api_base``)."""
        parts = urllib.parse.urlsplit(base_url or config.api_base)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        return cls(
            origin=origin,
            proxy=config.proxy or _environment_proxy(parts.scheme, parts.hostname or ""),
            verify=config.verify,
            max_connections=config.max_connections,
            max_keepalive_connections=config.max_keepalive_connections,
        )

    def transport_options(self) -> dict[str, Any]:
        limits = httpx.Limits(
            max_connections=self.max_connections,
            max_keepalive_connections=self.max_keepalive_connections,
        )
        return {"verify": self.verify, "proxy": self.proxy, "limits": limits}


#: What urllib's proxy lookup reads for http(s) URLs (it also takes the upper-case spellings).
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "no_proxy", "REQUEST_METHOD")


def _environment_proxy(scheme: str, host: str) -> str | None:
    # The clients are built with trust_env=False (so httpx does not build a pool per object for
    # environment proxies); honour HTTP(S)_PROXY and NO_PROXY here instead. urllib scans the
    # whole environment (about 0.2 ms), so its answer is kept per value of those variables.
    environ = os.environ
    seen = tuple(environ.get(name, environ.get(name.upper())) for name in _PROXY_VARIABLES)
    return _proxy_for(scheme.lower(), host, seen)


@functools.lru_cache(maxsize=64)
def _proxy_for(scheme: str, host: str, seen: tuple[str | None, ...]) -> str | None:
    if urllib.request.proxy_bypass(host):
        return None
    return urllib.request.getproxies_environment().get(scheme)


# --- the shared pools ---------------------------------------------------------------------------


class _Pools:
    """Process-wide pools: one sync pool per settings, one async pool per settings and loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.pid = os.getpid()
        #: Bumped whenever pools are dropped, so transports know their cached pool is stale.
        self.generation = 0
        self._sync: dict[ConnectionSettings, httpx.HTTPTransport] = {}
        self._async: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[ConnectionSettings, _LoopPool]
        ] = weakref.WeakKeyDictionary()

    def _forget_after_fork(self) -> None:
        # A forked child must not share its parent's sockets.
        if os.getpid() != self.pid:
            self.pid = os.getpid()
            self._sync = {}
            self._async = weakref.WeakKeyDictionary()
            self.generation += 1

    def sync_pool(self, settings: ConnectionSettings) -> httpx.HTTPTransport:
        pool = self._sync.get(settings)
        if pool is None or self.pid != os.getpid():
            with self._lock:
                self._forget_after_fork()
                pool = self._sync.get(settings)
                if pool is None:
                    pool = httpx.HTTPTransport(**settings.transport_options())
                    self._sync[settings] = pool
        return pool

    async def async_pool(self, settings: ConnectionSettings) -> httpx.AsyncHTTPTransport:
        loop = asyncio.get_running_loop()
        pools = self._async.get(loop)
        entry = pools.get(settings) if pools is not None else None
        if entry is None:
            with self._lock:
                self._forget_after_fork()
                pools = self._async.setdefault(loop, {})
                entry = pools.get(settings)
                if entry is None:
                    entry = pools[settings] = _LoopPool(settings, self)
            await entry.start()
        return entry.transport

    def discard(self, loop: asyncio.AbstractEventLoop, settings: ConnectionSettings) -> None:
        with self._lock:
            pools = self._async.get(loop)
            if pools is not None:
                pools.pop(settings, None)
                if not pools:
                    del self._async[loop]

    def close(self) -> None:
        with self._lock:
            pools, self._sync = self._sync, {}
            self.generation += 1
        for pool in pools.values():
            pool.close()

    async def aclose(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            pools = self._async.pop(loop, {})
        for entry in pools.values():
            await entry.transport.aclose()


class _LoopPool:
    """An async pool and the async generator that closes it when its loop shuts down."""

    def __init__(self, settings: ConnectionSettings, registry: _Pools) -> None:
        self.transport = httpx.AsyncHTTPTransport(**settings.transport_options())
        self._settings = settings
        self._registry = registry
        self._closer: AsyncGenerator[None, None] | None = None

    async def start(self) -> None:
        if self._closer is None:
            # The loop tracks async generators once they start and closes them in
            # shutdown_asyncgens(), while it can still run our aclose().
            self._closer = self._close_at_shutdown()
            await self._closer.__anext__()

    async def _close_at_shutdown(self) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            self._registry.discard(asyncio.get_running_loop(), self._settings)
            await self.transport.aclose()


_pools = _Pools()
atexit.register(_pools.close)


def close_shared_pools() -> None:
    """Close every shared sync pool (run at process exit too). Later requests open new ones."""
    _pools.close()


async def aclose_shared_pools() -> None:
    """Close the running loop's shared async pools. Later requests open new ones."""
    await _pools.aclose()


class _SharedTransport(httpx.BaseTransport):
    def __init__(self, settings: ConnectionSettings) -> None:
        self._settings = settings
        self._pool: tuple[int, httpx.HTTPTransport] | None = None

    def _shared_pool(self) -> httpx.HTTPTransport:
        # Cached per transport (hashing the settings per request is measurable); stale once the
        # pools were closed or the process forked, which bumps the generation.
        cached = self._pool
        if cached is not None and cached[0] == _pools.generation and os.getpid() == _pools.pid:
            return cached[1]
        generation = _pools.generation  # read first: a close in between makes the cache stale
        pool = _pools.sync_pool(self._settings)
        self._pool = (generation, pool)
        return pool

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        pool = self._shared_pool()
        _guard.enter()
        try:
            response = pool.handle_request(request)
            if _read_ahead(response):
                # A whole small body, read now (inside the guard): the connection goes back to
                # the pool at once and nothing is left open for the collector to finalize.
                stream = cast(httpx.SyncByteStream, response.stream)
                try:
                    body = b"".join(stream)
                finally:
                    stream.close()
                response.stream = httpx.ByteStream(body)
                return response
        finally:
            _guard.leave()
        response.stream = _GuardedStream(response, drain=_is_event_stream(response))
        return response

    def close(self) -> None:
        """Closes nothing: the pool is shared (see ``close_shared_pools``)."""


class _SharedAsyncTransport(httpx.AsyncBaseTransport):
    def __init__(self, settings: ConnectionSettings) -> None:
        self._settings = settings

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        pool = await _pools.async_pool(self._settings)
        response = await pool.handle_async_request(request)
        if _is_event_stream(response):
            response.stream = _AsyncDrainingStream(response)
        return response

    async def aclose(self) -> None:
        """Closes nothing: the pool is shared (see ``aclose_shared_pools``)."""


# --- keeping streamed connections alive -----------------------------------------------------------
#
# The openai SDK stops reading a stream at ``data: [DONE]`` and closes the response before the
# chunked body's terminator is read; httpcore then drops the connection, so every streamed call
# pays a new TCP (and TLS) handshake. Once [DONE] has passed, these wrappers read what is left
# (at most _DRAIN_MAX_BYTES, each read bounded by _DRAIN_MAX_SECONDS) so the connection goes back
# to the pool. A stream closed before [DONE] is dropped as usual: it may still be generating.


def _check_complete(response: httpx.Response, tail: bytes) -> None:
    """Raise if a chat-completions stream ended without ``data: [DONE]``.

    The openai SDK treats the end of the body as the end of the answer, so a stream cut short by
    the server or a proxy would otherwise reach the caller as a complete, shorter reply. Only
    OpenAI-style completion streams promise ``[DONE]``; other event streams are left alone.
    """
    if _DONE_MARKER not in tail and response.request.url.path.endswith("completions"):
        raise httpx.RemoteProtocolError(
            "the stream ended before 'data: [DONE]': the reply is incomplete",
            request=response.request,
        )


def _read_ahead(response: httpx.Response) -> bool:
    """Whether to read the body before handing the response on: small, sized, not a stream."""
    length = b""
    for name, value in response.headers.raw:  # raw: Headers.get decodes every header, per call
        lowered = name.lower()
        if lowered == b"content-length":
            length = value
        elif lowered == b"content-type" and value.startswith(b"text/event-stream"):
            return False
    return length.isdigit() and int(length) <= _READ_AHEAD_MAX_BYTES


def _is_event_stream(response: httpx.Response) -> bool:
    content_type: str = response.headers.get("content-type", "")
    return content_type.startswith("text/event-stream")


class _BoundedReads:
    """Bounds each socket read of a response's connection while it is drained.

    httpcore fixes the read timeout when the body starts, so the bound is applied by wrapping the
    connection's ``read`` for the duration of the drain only.
    """

    def __init__(self, response: httpx.Response) -> None:
        self._stream = response.extensions.get("network_stream")

    def __enter__(self) -> None:
        read = getattr(self._stream, "read", None)
        if read is not None:

            def bounded(max_bytes: int, timeout: float | None = None) -> Any:
                limit = _DRAIN_MAX_SECONDS if timeout is None else min(timeout, _DRAIN_MAX_SECONDS)
                return read(max_bytes, limit)

            self._stream.read = bounded  # type: ignore[union-attr]

    def __exit__(self, *exc_info: object) -> None:
        if self._stream is not None and "read" in vars(self._stream):
            del self._stream.read


class _PoolGuard(threading.local):
    """Keeps the garbage collector from closing a response inside httpcore's pool code.

    httpcore's sync pool lock is not re-entrant. An abandoned response (a stream the caller
    broke out of: the openai SDK's ``Stream`` sits in a reference cycle) is finalized whenever
    the collector runs, which can be inside pool code holding that lock; its close would take
    the lock again and hang the thread forever. Every object with the same settings shares the
    pool, so this can happen across model objects. Hence:

    - every response body's httpcore iterators stay reachable from ``_open`` until this module
      closes them, so the collector never finalizes them itself;
    - a close that arrives while its thread is inside pool code (``depth``) is deferred until
      the thread leaves it.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.deferred: list[_GuardedStream] = []

    def enter(self) -> None:
        self.depth += 1

    def leave(self) -> None:
        self.depth -= 1
        while self.depth == 0 and self.deferred:
            self.deferred.pop().close()


_guard = _PoolGuard()
#: Open response bodies: id of the guarded stream -> what must stay reachable until closed.
_open: dict[int, tuple[httpx.SyncByteStream, Iterator[bytes] | None]] = {}


class _GuardedStream(httpx.SyncByteStream):
    """A response body read under ``_PoolGuard``, drained at close when it is a stream."""

    def __init__(self, response: httpx.Response, drain: bool) -> None:
        self._inner = cast(httpx.SyncByteStream, response.stream)
        self._response = response
        self._drain = drain
        self._chunks: Iterator[bytes] | None = None
        self._tail = b""
        self._finished = False
        self._closed = False
        _open[id(self)] = (self._inner, None)

    def __iter__(self) -> Iterator[bytes]:
        self._chunks = chunks = iter(self._inner)
        _open[id(self)] = (self._inner, chunks)
        while True:
            _guard.enter()
            try:
                chunk = next(chunks, None)
            finally:
                _guard.leave()
            if chunk is None:
                break
            if self._drain:
                self._tail = (self._tail + chunk)[-32:]
            yield chunk
        self._finished = True
        if self._drain:
            _check_complete(self._response, self._tail)

    def close(self) -> None:
        if self._closed:
            return
        if _guard.depth:
            if self not in _guard.deferred:
                _guard.deferred.append(self)  # see _PoolGuard
            return
        self._closed = True
        _guard.enter()
        try:
            if self._drain and not self._finished and self._chunks is not None:
                self._drain_after_done(self._chunks)
            self._inner.close()
        finally:
            _open.pop(id(self), None)
            _guard.leave()

    def __del__(self) -> None:
        # Abandoned without a close: close now, or once this thread is out of pool code.
        if not self._closed:
            self.close()

    def _drain_after_done(self, chunks: Iterator[bytes]) -> None:
        if _DONE_MARKER not in self._tail:
            return  # closed mid-answer: the connection is dropped, as it may still be generating
        received = 0
        try:
            with _BoundedReads(self._response):
                for chunk in chunks:
                    received += len(chunk)
                    if received > _DRAIN_MAX_BYTES:
                        break
        except (httpx.HTTPError, OSError):
            pass  # the connection is dropped, as it would have been without draining


class _AsyncDrainingStream(httpx.AsyncByteStream):
    def __init__(self, response: httpx.Response) -> None:
        self._inner = cast(httpx.AsyncByteStream, response.stream)
        self._response = response
        self._chunks: AsyncIterator[bytes] | None = None
        self._tail = b""
        self._finished = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self._chunks = aiter(self._inner)
        async for chunk in self._chunks:
            self._tail = (self._tail + chunk)[-32:]
            yield chunk
        self._finished = True
        _check_complete(self._response, self._tail)

    async def aclose(self) -> None:
        if not self._finished and self._chunks is not None and _DONE_MARKER in self._tail:
            received = 0
            try:
                with _BoundedReads(self._response):
                    async for chunk in self._chunks:
                        received += len(chunk)
                        if received > _DRAIN_MAX_BYTES:
                            break
            except (httpx.HTTPError, OSError):
                pass
        await self._inner.aclose()


# --- per-object clients ---------------------------------------------------------------------------


def _one_spelling_each(request: httpx.Request) -> None:
    """Keep only the last of several spellings of one header name.

    SDKs merge per-call headers over their defaults with plain dicts, so ``x-a`` and ``X-A``
    both survive and httpx would send the two values joined. The later one is the per-call
    value, which wins.
    """
    raw = request.headers.raw
    if len({name.lower() for name, _ in raw}) == len(raw):
        return
    last: dict[bytes, tuple[bytes, bytes]] = {}
    for name, value in raw:
        last.pop(name.lower(), None)  # re-insert so the winner keeps its position at the end
        last[name.lower()] = (name, value)
    request.headers = httpx.Headers(list(last.values()))


class _Hooks:
    """A client's request and response hooks, bound to its configured headers."""

    __slots__ = ("_lowered", "configured", "scoped")

    def __init__(self, configured: dict[str, str], scoped: bool) -> None:
        self.configured = configured
        self.scoped = scoped
        self._lowered = {name.lower(): value for name, value in configured.items()}

    def on_request(self, request: httpx.Request) -> None:
        active = current_scope() if self.scoped else None
        if active is not None:
            for name, value in scope_overrides(request.headers, self._lowered, active.headers):
                request.headers[name] = value
        _one_spelling_each(request)
        if logger.isEnabledFor(logging.DEBUG):
            shown = redact_headers(request.headers.items())
            logger.debug("%s %s headers=%s", request.method, request.url, shown)

    def on_response(self, response: httpx.Response) -> None:
        # Parsed only when someone listens: most plain SDK calls have no capture and no plugin.
        observed = hooks.observes_responses()
        if observed or capturing():
            info = HeliconeInfo.from_headers(response.headers, response.status_code)
            record(info)
            if observed:
                hooks.response(info, response.request)

    async def aon_request(self, request: httpx.Request) -> None:
        self.on_request(request)

    async def aon_response(self, response: httpx.Response) -> None:
        self.on_response(response)


def request_timeout(config: HeliconeConfig) -> httpx.Timeout:
    """The config's timeout as httpx applies it: ``timeout`` overall, at most 5 s to connect.

    SDKs set a timeout on every request; pass them this so theirs and the client's agree.
    """
    return httpx.Timeout(config.timeout, connect=min(5.0, config.timeout))


def _common(config: HeliconeConfig, headers: dict[str, str], base_url: str = "") -> dict[str, Any]:
    # trust_env=False: proxies from the environment are resolved once, per pool (see above).
    return {
        "base_url": base_url,
        "headers": headers,
        "timeout": request_timeout(config),
        "trust_env": False,
    }


def http_client(
    config: HeliconeConfig, *, headers: dict[str, str] | None = None, scoped: bool = True
) -> httpx.Client:
    """A new ``httpx.Client`` for one model object, sending through the shared pool.

    It carries ``headers`` (default ``build_headers(config)``; pass them when you have already
    built them), the config's timeout and the hooks described in the module docstring. With
    ``scoped=False`` the request hook leaves scopes alone: for SDK clients that layer the scope
    between their default and per-call headers themselves (``helicone_openai`` does), which is
    exact where the hook must guess. Closing the client leaves the shared pool open.
    """
    hooks_ = _Hooks(headers if headers is not None else build_headers(config), scoped)
    return httpx.Client(
        **_common(config, hooks_.configured),
        transport=_SharedTransport(ConnectionSettings.from_config(config)),
        event_hooks={"request": [hooks_.on_request], "response": [hooks_.on_response]},
    )


def async_http_client(
    config: HeliconeConfig, *, headers: dict[str, str] | None = None, scoped: bool = True
) -> httpx.AsyncClient:
    """The async twin of ``http_client``; usable from any event loop, one after another."""
    hooks_ = _Hooks(headers if headers is not None else build_headers(config), scoped)
    return httpx.AsyncClient(
        **_common(config, hooks_.configured),
        transport=_SharedAsyncTransport(ConnectionSettings.from_config(config)),
        event_hooks={"request": [hooks_.aon_request], "response": [hooks_.aon_response]},
    )


def rest_http_client(config: HeliconeConfig) -> httpx.Client:
    """A client for Helicone's REST API at ``config.rest_base``, on the shared pools.

    It carries only ``rest_api_headers(config)``: scopes and response info concern model calls,
    not REST calls.
    """
    settings = ConnectionSettings.from_config(config, config.rest_base)
    return httpx.Client(
        **_common(config, rest_api_headers(config), config.rest_base),
        transport=_SharedTransport(settings),
    )


def async_rest_http_client(config: HeliconeConfig) -> httpx.AsyncClient:
    """The async twin of ``rest_http_client``."""
    settings = ConnectionSettings.from_config(config, config.rest_base)
    return httpx.AsyncClient(
        **_common(config, rest_api_headers(config), config.rest_base),
        transport=_SharedAsyncTransport(settings),
    )
