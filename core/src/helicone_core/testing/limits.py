"""Helicone rate limits: sliding windows counted per policy and segment value."""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from helicone_core.ratelimit import RateLimitPolicy

from .records import Headers

__all__ = ["CENTS_PER_100_TOKENS", "LimitState", "RateLimiter", "cents_cost", "segment_value"]

#: The cost rule for ``u=cents`` policies: one cent per started 100 total tokens, at least 1.
CENTS_PER_100_TOKENS = 1


def cents_cost(total_tokens: int) -> int:
    """What a reply of ``total_tokens`` costs under a ``u=cents`` policy."""
    return max(1, math.ceil(total_tokens / 100) * CENTS_PER_100_TOKENS)


def segment_value(policy: RateLimitPolicy, headers: Headers) -> str:
    """The segment a request counts in: ``""`` for global policies, the ``Helicone-User-Id`` for
    ``s=user``, else the value of ``Helicone-Property-<segment>``. A request without that header
    counts in the shared segment ``""``."""
    if policy.segment is None:
        return ""
    if policy.segment == "user":
        return headers.get("helicone-user-id", "")
    return headers.get(f"helicone-property-{policy.segment}", "")


@dataclass(frozen=True)
class LimitState:
    """The outcome of a check: ``allowed``, the response headers' numbers and ``retry_after``."""

    allowed: bool
    limit: int
    remaining: int
    policy: str
    retry_after: int

    def headers(self) -> list[tuple[str, str]]:
        """``Helicone-RateLimit-Limit``/``-Remaining``/``-Policy``, plus ``Retry-After`` when
        the request was refused."""
        out = [
            ("Helicone-RateLimit-Limit", str(self.limit)),
            ("Helicone-RateLimit-Remaining", str(self.remaining)),
            ("Helicone-RateLimit-Policy", self.policy),
        ]
        if not self.allowed:
            out.append(("Retry-After", str(self.retry_after)))
        return out


class RateLimiter:
    """Sliding-window usage logs keyed by ``(policy, segment value)``; thread-safe.

    A request is refused when the usage inside the last ``window`` seconds already reaches the
    quota. ``u=request`` usage is charged on admission; ``u=cents`` usage is charged by
    ``charge()`` once the reply (and so its cost) is known.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._logs: dict[tuple[str, str], deque[tuple[float, int]]] = {}

    def _log(self, policy: RateLimitPolicy, segment: str, now: float) -> deque[tuple[float, int]]:
        log = self._logs.setdefault((str(policy), segment), deque())
        while log and log[0][0] <= now - policy.window:
            log.popleft()
        return log

    def _state(
        self, policy: RateLimitPolicy, log: deque[tuple[float, int]], now: float
    ) -> LimitState:
        used = sum(cost for _, cost in log)
        retry = math.ceil(log[0][0] + policy.window - now) if log else policy.window
        return LimitState(
            used < policy.quota,
            policy.quota,
            max(0, policy.quota - used),
            str(policy),
            max(1, retry),
        )

    def admit(self, policy: RateLimitPolicy, segment: str) -> LimitState:
        """Check a request and, for ``u=request`` policies, count it when allowed."""
        with self._lock:
            now = self._clock()
            log = self._log(policy, segment, now)
            state = self._state(policy, log, now)
            if state.allowed and policy.unit == "request":
                log.append((now, 1))
                state = self._state(policy, log, now)
                return LimitState(
                    True, state.limit, state.remaining, state.policy, state.retry_after
                )
            return state

    def charge(self, policy: RateLimitPolicy, segment: str, cost: int) -> LimitState:
        """Add ``cost`` to a ``u=cents`` policy's usage; returns the state for the headers."""
        with self._lock:
            now = self._clock()
            log = self._log(policy, segment, now)
            log.append((now, cost))
            state = self._state(policy, log, now)
            return LimitState(True, state.limit, state.remaining, state.policy, state.retry_after)

    def clear(self) -> None:
        """Forget all usage."""
        with self._lock:
            self._logs.clear()
