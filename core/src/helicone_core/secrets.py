"""Secrets: API keys that never show up in reprs, pickles, logs or error messages."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

__all__ = ["MASK", "SENSITIVE_HEADERS", "Secret", "redact_headers", "redact_text"]

MASK = "**********"

#: Headers whose values are credentials. Compared case-insensitively.
SENSITIVE_HEADERS = frozenset(
    {"authorization", "helicone-auth", "api-key", "x-api-key", "helicone-posthog-key"}
)


class Secret:
    """A string that is never shown: ``repr``, ``str`` and format give ``**********``.

    Read the value with ``get_secret_value`` (the name LangChain and pydantic users know).

    Pickling never writes the value. A pickled secret records only the environment variable it
    can be read from (``env``); unpickling reads that variable in the receiving process, and
    gives ``None`` when it is not set there.
    """

    __slots__ = ("_env", "_value")

    def __init__(self, value: str | Secret, *, env: str | None = None) -> None:
        if isinstance(value, Secret):
            value = value.get_secret_value()
        if not isinstance(value, str):
            raise TypeError(f"a secret must be a str, not {type(value).__name__}")
        self._value = value
        self._env = env

    def get_secret_value(self) -> str:
        """The secret itself."""
        return self._value

    @property
    def env(self) -> str | None:
        """The environment variable this secret is re-read from after unpickling, if any."""
        return self._env

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        import hmac  # here, not at module level: it costs ~10 ms of import time

        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> tuple[object, tuple[str | None]]:
        return (_secret_from_environment, (self._env,))


def _secret_from_environment(env: str | None) -> Secret | None:
    value = os.environ.get(env) if env else None
    return Secret(value, env=env) if value else None


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """A copy of ``headers`` with every credential header's value replaced by ``**********``.

    Use it for anything that logs or prints request headers.
    """
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {name: MASK if name.lower() in SENSITIVE_HEADERS else value for name, value in items}


def redact_text(text: str, secrets: Iterable[Secret | str | None]) -> str:
    """``text`` with every occurrence of each non-empty secret replaced by ``**********``."""
    raw = {s.get_secret_value() if isinstance(s, Secret) else s for s in secrets}
    values = sorted((value for value in raw if value), key=len, reverse=True)
    if not values:
        return text
    return re.sub("|".join(re.escape(v) for v in values), MASK, text)
