"""Helicone's response cache: keys, buckets of up to 20 responses, and ``max-age`` expiry."""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .records import Headers

__all__ = ["CacheSettings", "ResponseCache", "cache_settings"]

T = TypeVar("T")

DEFAULT_MAX_AGE = 7 * 24 * 3600
MAX_MAX_AGE = 365 * 24 * 3600
MAX_BUCKET_SIZE = 20
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class CacheSettings:
    """How one request uses the cache: its ``key``, bucket size and time to live in seconds."""

    key: str
    bucket_size: int
    max_age: float


def cache_settings(path: str, body: Mapping[str, Any], headers: Headers) -> CacheSettings | None:
    """The cache settings of a request, or ``None`` unless ``Helicone-Cache-Enabled: true``.

    The key hashes the path, the JSON body without the top-level keys named in
    ``Helicone-Cache-Ignore-Keys`` (comma list) and ``Helicone-Cache-Seed``. The bucket size comes
    from ``Helicone-Cache-Bucket-Max-Size`` (default 1; a value that is not a whole number from 1 to
    20 raises ``ValueError``); the TTL from ``Cache-Control: max-age=S`` (default 7 days, at most
    365 days).
    """
    if headers.get("helicone-cache-enabled", "").strip().lower() != "true":
        return None
    ignored = {k.strip() for k in headers.get("helicone-cache-ignore-keys", "").split(",")}
    kept = {k: v for k, v in body.items() if k not in ignored}
    seed = headers.get("helicone-cache-seed", "")
    material = json.dumps([path, seed, kept], sort_keys=True, separators=(",", ":"))
    size_text = headers.get("helicone-cache-bucket-max-size", "1").strip()
    if not size_text.isdigit() or not 1 <= int(size_text) <= MAX_BUCKET_SIZE:
        raise ValueError(
            f"Helicone-Cache-Bucket-Max-Size must be a whole number from 1 to {MAX_BUCKET_SIZE}"
        )
    found = _MAX_AGE.search(headers.get("cache-control", ""))
    max_age = min(int(found.group(1)), MAX_MAX_AGE) if found else DEFAULT_MAX_AGE
    return CacheSettings(hashlib.sha256(material.encode()).hexdigest(), int(size_text), max_age)


class ResponseCache(Generic[T]):
    """Buckets of cached values with expiry, safe to use from many threads.

    ``lookup`` answers a hit only when the bucket is full: until then every request is a miss that
    the caller answers and ``store``s, so a bucket of size N collects N different responses. A hit
    picks one entry at random (seeded, so runs repeat) and reports its index in the bucket.
    """

    def __init__(self, clock: Callable[[], float], seed: int = 0) -> None:
        self._clock = clock
        self._seed = seed
        self._lock = threading.Lock()
        self._buckets: dict[str, list[tuple[float, T]]] = {}
        self._random = random.Random(seed)  # noqa: S311 - picks a cache entry, not a secret

    def _live(self, key: str) -> list[tuple[float, T]]:
        now = self._clock()
        bucket = [(expires, v) for expires, v in self._buckets.get(key, []) if expires > now]
        self._buckets[key] = bucket
        return bucket

    def lookup(self, settings: CacheSettings) -> tuple[int, T] | None:
        """``(bucket index, value)`` on a hit; ``None`` on a miss."""
        with self._lock:
            bucket = self._live(settings.key)
            if len(bucket) < settings.bucket_size:
                return None
            index = self._random.randrange(len(bucket))
            return index, bucket[index][1]

    def filled(self, settings: CacheSettings) -> int:
        """How many live entries the bucket holds: the variant number of the next stored entry."""
        with self._lock:
            return len(self._live(settings.key))

    def store(self, settings: CacheSettings, value: T) -> None:
        """Add ``value`` to its bucket unless concurrent misses have filled it already."""
        with self._lock:
            bucket = self._live(settings.key)
            if len(bucket) < settings.bucket_size:
                bucket.append((self._clock() + settings.max_age, value))

    def clear(self) -> None:
        """Drop every entry and restart the seeded choice of hit entries."""
        with self._lock:
            self._buckets.clear()
            self._random = random.Random(self._seed)  # noqa: S311
