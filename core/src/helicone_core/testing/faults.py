"""Scripted upstream failures: the ``Fault`` kinds, fault model names and the fault queue.

Model names (the serving model of the request, after fallback routing):

=============================  ===============================================================
``fault-<status>``             always answer ``<status>`` (400-599) in OpenAI's error shape;
                               ``fault-429`` adds ``Retry-After: 0``; ``fault-404`` is
                               ``model_not_found``, ``fault-401`` ``invalid_api_key``
``fault-<status>-once``        only the first request for that exact model string fails
                               (``fault-429-once`` is the usual "retry once" script)
``fault-slow-<seconds>``       wait that long (at most 30 s; ``close()`` interrupts) before
                               answering normally
``fault-reset-mid-stream``     streaming: send three SSE events, then reset the connection
                               (TCP RST); non-streaming: reset without answering
``fault-malformed-json``       200 ``application/json`` whose body is not JSON; streaming: an SSE
                               event whose data is not JSON, then ``[DONE]``
``fault-truncated-sse``        streaming: three events and half of the fourth, then a clean end of
                               the chunked body with no ``[DONE]``; non-streaming: 200 with the
                               first half of the JSON body
=============================  ===============================================================
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["MAX_SLOW_SECONDS", "Fault", "FaultKind", "FaultQueue", "fault_for_model"]

#: ``slow`` faults never wait longer than this.
MAX_SLOW_SECONDS = 30.0

FaultKind = Literal["error", "slow", "reset", "malformed", "truncated"]

_MODEL = re.compile(
    r"^fault-(?:(?P<status>[45]\d\d)(?P<once>-once)?"
    r"|slow-(?P<seconds>\d+(?:\.\d+)?)"
    r"|(?P<kind>reset-mid-stream|malformed-json|truncated-sse))$"
)
_KINDS: Mapping[str, FaultKind] = {
    "reset-mid-stream": "reset",
    "malformed-json": "malformed",
    "truncated-sse": "truncated",
}
_ERRORS: Mapping[int, tuple[str | None, str]] = {
    400: (None, "Bad request (scripted fault)."),
    401: ("invalid_api_key", "Incorrect API key provided (scripted fault)."),
    403: ("permission_denied", "You are not allowed to use this model (scripted fault)."),
    404: ("model_not_found", "The model `{model}` does not exist or you do not have access to it."),
    408: ("timeout", "The upstream request timed out (scripted fault)."),
    429: ("rate_limit_exceeded", "Rate limit reached for requests (scripted fault)."),
    500: (None, "The server had an error while processing your request (scripted fault)."),
    502: ("bad_gateway", "Bad gateway: the upstream provider failed (scripted fault)."),
    503: ("service_unavailable", "The upstream provider is unavailable (scripted fault)."),
    504: ("gateway_timeout", "The upstream provider timed out (scripted fault)."),
}


@dataclass(frozen=True)
class Fault:
    """One scripted failure. Build it with the class methods rather than the constructor.

    ``error``: answer ``status`` with ``body`` (``None`` → OpenAI's error shape; a mapping → JSON;
    ``str``/``bytes`` → sent as ``text/plain``) and ``Retry-After: retry_after`` when not ``None``.
    ``slow``: wait ``seconds`` then answer normally. ``reset``, ``malformed``, ``truncated``: as
    the ``fault-reset-mid-stream``, ``fault-malformed-json`` and ``fault-truncated-sse`` models.
    """

    kind: FaultKind
    status: int = 503
    retry_after: float | None = None
    body: Mapping[str, Any] | str | bytes | None = None
    seconds: float = 0.0

    @classmethod
    def error(
        cls,
        status: int = 503,
        *,
        retry_after: float | None = None,
        body: Mapping[str, Any] | str | bytes | None = None,
    ) -> Fault:
        """Answer ``status`` (400-599), optionally with ``Retry-After`` and a custom body."""
        if not 400 <= status <= 599:
            raise ValueError(f"a fault status must be 400-599, not {status}")
        return cls("error", status, retry_after, body)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Wait ``seconds`` (capped at 30) before answering normally."""
        if seconds < 0:
            raise ValueError("a slow fault needs a non-negative number of seconds")
        return cls("slow", seconds=min(float(seconds), MAX_SLOW_SECONDS))

    @classmethod
    def reset_mid_stream(cls) -> Fault:
        """Reset the connection after three SSE events (at once when not streaming)."""
        return cls("reset")

    @classmethod
    def malformed_json(cls) -> Fault:
        """Answer 200 with a body (or SSE data) that is not JSON."""
        return cls("malformed")

    @classmethod
    def truncated_sse(cls) -> Fault:
        """End the stream cleanly in the middle of an event, without ``[DONE]``."""
        return cls("truncated")


def default_error(status: int, model: str) -> tuple[str | None, str]:
    """``(code, message)`` for a scripted error status without a custom body."""
    code, message = _ERRORS.get(status, (None, f"Scripted failure with status {status}."))
    return code, message.format(model=model)


def fault_for_model(model: str) -> tuple[Fault, bool] | None:
    """``(fault, once)`` when ``model`` is a fault model name (see the module docstring)."""
    match = _MODEL.match(model)
    if match is None:
        return None
    if match.group("status"):
        status = int(match.group("status"))
        retry_after = 0.0 if status == 429 else None
        return Fault.error(status, retry_after=retry_after), bool(match.group("once"))
    if match.group("seconds"):
        return Fault.slow(float(match.group("seconds"))), False
    return Fault(_KINDS[match.group("kind")]), False


class FaultQueue:
    """Faults waiting for the next chat requests that reach the upstream, first in first out;
    plus the memory of which ``-once`` models have already failed. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Fault] = deque()
        self._failed_once: set[str] = set()

    def push(self, fault: Fault, times: int = 1) -> None:
        """Queue ``fault`` ``times`` times (at least once)."""
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._queue.extend([fault] * times)

    def pop(self) -> Fault | None:
        """The next queued fault, removed from the queue; ``None`` when there is none."""
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def pending(self) -> int:
        """How many faults are queued."""
        with self._lock:
            return len(self._queue)

    def for_model(self, model: str) -> Fault | None:
        """The fault a model name scripts for this request, honouring ``-once``."""
        found = fault_for_model(model)
        if found is None:
            return None
        fault, once = found
        with self._lock:
            if once and model in self._failed_once:
                return None
            self._failed_once.add(model)
        return fault

    def clear(self) -> None:
        """Drop queued faults and forget which ``-once`` models failed."""
        with self._lock:
            self._queue.clear()
            self._failed_once.clear()
