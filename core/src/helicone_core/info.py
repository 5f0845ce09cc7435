"""What Helicone said about a request: ``HeliconeInfo``, read from its response headers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any, NamedTuple, TypeVar

__all__ = [
    "HeliconeInfo",
    "InfoCapture",
    "acapture_first",
    "acapture_stream",
    "capture_first",
    "capture_info",
    "capture_stream",
]

T = TypeVar("T")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class HeliconeInfo(NamedTuple):
    """Helicone's answer about one request, parsed from its response headers.

    Every field is ``None`` when Helicone did not send the header (a malformed number also
    gives ``None``: a response is never failed over its metadata).

    - ``request_id``: ``Helicone-Id``, the id feedback and scores need.
    - ``cache_hit``: ``True`` for ``Helicone-Cache: HIT``, ``False`` for ``MISS``.
    - ``cache_bucket_index``: ``Helicone-Cache-Bucket-Idx``.
    - ``fallback_index``: ``Helicone-Fallback-Index``, which entry of a fallback chain served.
    - ``rate_limit_limit`` / ``rate_limit_remaining`` / ``rate_limit_policy``:
      ``Helicone-RateLimit-Limit`` / ``-Remaining`` / ``-Policy``.
    - ``retry_after``: ``Retry-After`` in seconds, on 429 responses.
    - ``status_code``: the HTTP status of the response.
    """

    request_id: str | None = None
    cache_hit: bool | None = None
    cache_bucket_index: int | None = None
    fallback_index: int | None = None
    rate_limit_limit: int | None = None
    rate_limit_remaining: int | None = None
    rate_limit_policy: str | None = None
    retry_after: float | None = None
    status_code: int | None = None

    @classmethod
    def from_headers(
        cls, headers: Mapping[str, str], status_code: int | None = None
    ) -> HeliconeInfo:
        """Parse response headers (any mapping; names are matched case-insensitively)."""
        get = _helicone_headers(headers).get
        cache = get("helicone-cache")
        return cls(
            request_id=get("helicone-id") or None,
            cache_hit=None if cache is None else cache.strip().upper() == "HIT",
            cache_bucket_index=_int(get("helicone-cache-bucket-idx")),
            fallback_index=_int(get("helicone-fallback-index")),
            rate_limit_limit=_int(get("helicone-ratelimit-limit")),
            rate_limit_remaining=_int(get("helicone-ratelimit-remaining")),
            rate_limit_policy=get("helicone-ratelimit-policy") or None,
            retry_after=_float(get("retry-after")),
            status_code=status_code,
        )

    def as_dict(self) -> dict[str, Any]:
        """The fields that are set, for a framework's response metadata."""
        fields = zip(self._fields, self, strict=True)
        return {name: value for name, value in fields if value is not None}


def _helicone_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers ``from_headers`` reads, by lower-case name (only those: this is per request)."""
    raw = getattr(headers, "raw", None)  # httpx.Headers: skip decoding every other header
    if isinstance(raw, list):
        return {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in raw
            if name[:9].lower() == b"helicone-" or name.lower() == b"retry-after"
        }
    return {name.lower(): value for name, value in headers.items()}


class InfoCapture:
    """The ``HeliconeInfo`` of every response received while it is active.

    Retries are separate responses: ``infos`` holds one per attempt, ``last`` the final one.
    ``capture_info`` makes one and activates it for a block; adapters that wrap a generator
    activate theirs around each step with ``active``, so it never leaks into the caller's
    context between items.
    """

    __slots__ = ("infos",)

    def __init__(self) -> None:
        self.infos: list[HeliconeInfo] = []

    @property
    def last(self) -> HeliconeInfo | None:
        """The most recent response's info, or ``None`` if no response arrived."""
        return self.infos[-1] if self.infos else None

    def active(self) -> contextlib.AbstractContextManager[InfoCapture]:
        """Record the responses received inside the block (this thread or task only)."""
        return _Activation(self)

    def __repr__(self) -> str:
        return f"InfoCapture(infos={self.infos!r})"


_captures: ContextVar[tuple[InfoCapture, ...]] = ContextVar("helicone_captures", default=())


class _Activation:
    # A class rather than @contextmanager: adapters enter one per call, and this is 3x cheaper.
    __slots__ = ("_capture", "_token")

    def __init__(self, capture: InfoCapture) -> None:
        self._capture = capture

    def __enter__(self) -> InfoCapture:
        self._token = _captures.set((*_captures.get(), self._capture))
        return self._capture

    def __exit__(self, *exc_info: object) -> None:
        _captures.reset(self._token)


def capture_info() -> contextlib.AbstractContextManager[InfoCapture]:
    """Collect the Helicone info of the requests made inside the block, by this thread or task.

    The shared transport records each response's info as soon as its headers arrive, so it is
    there for streamed responses before the first chunk is read. Captures are per context: a
    concurrent request in another thread or task never lands in yours:

    ```python
    with capture_info() as captured:
        client.chat.completions.create(...)
    print(captured.last.request_id)
    ```
    """
    return InfoCapture().active()


def capture_first(items: Iterator[T]) -> tuple[T, HeliconeInfo | None] | None:
    """The first of ``items`` and the Helicone info of its response; ``None`` if there is none.

    A streamed call sends its request when its first item is asked for, so this captures while
    that item is fetched, and only then: the later items come from the same response, and a
    capture held open across a ``yield`` would leak into the caller's context.
    """
    capture = InfoCapture()
    with capture.active():
        try:
            first = next(items)
        except StopIteration:
            return None
    return first, capture.last


async def acapture_first(items: AsyncIterator[T]) -> tuple[T, HeliconeInfo | None] | None:
    """The async twin of ``capture_first``."""
    capture = InfoCapture()
    with capture.active():
        try:
            first = await items.__anext__()
        except StopAsyncIteration:
            return None
    return first, capture.last


def capture_stream(
    items: Iterator[T],
    attach: Callable[[T, HeliconeInfo | None], T],
    info: HeliconeInfo | None = None,
) -> Iterator[T]:
    """``items`` with ``attach(item, info)`` applied, ``info`` being the stream's Helicone info.

    Every item comes from the one response, so all get the same info: the one captured while the
    first item is fetched (see ``capture_first``), or ``info`` when it is given (some methods
    send the request before they return their stream).
    """
    if info is None:
        started = capture_first(items)
        if started is None:
            return
        first, info = started
        yield attach(first, info)
    for item in items:
        yield attach(item, info)


async def acapture_stream(
    items: AsyncIterator[T],
    attach: Callable[[T, HeliconeInfo | None], T],
    info: HeliconeInfo | None = None,
) -> AsyncIterator[T]:
    """The async twin of ``capture_stream``."""
    if info is None:
        started = await acapture_first(items)
        if started is None:
            return
        first, info = started
        yield attach(first, info)
    async for item in items:
        yield attach(item, info)


def capturing() -> bool:
    """Whether a capture is active in this context (so a response's info has a reader)."""
    return bool(_captures.get())


def record(info: HeliconeInfo) -> None:
    """Hand ``info`` to every capture active in this context (called by the transport)."""
    for capture in _captures.get():
        capture.infos.append(info)
