"""Helicone rate-limit policies: ``quota;w=<seconds>;u=request|cents;s=user|<property>``."""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from .errors import InvalidOptionError
from .validate import TOKEN

__all__ = ["MIN_WINDOW_SECONDS", "RateLimitPolicy"]

#: Helicone rejects windows shorter than a minute.
MIN_WINDOW_SECONDS = 60

_FIELD = "rate_limit_policy"
_EXAMPLE = (
    "Write it as 'quota;w=seconds[;u=request|cents][;s=user|<property>]', e.g. '100;w=3600;s=user'"
)
# ASCII only (int() also takes other scripts' digits), and within int()'s 4300-digit limit.
_DIGITS = re.compile(r"[0-9]{1,4000}")


class _PolicyFields(NamedTuple):
    quota: int
    window: int
    unit: Literal["request", "cents"] = "request"
    segment: str | None = None


class RateLimitPolicy(_PolicyFields):
    """A ``Helicone-RateLimit-Policy`` value.

    ``quota`` requests (or cents, with ``unit="cents"``) per ``window`` seconds, counted globally,
    per user (``segment="user"``, keyed on ``Helicone-User-Id``) or per value of a custom property
    (``segment="<property name>"``, keyed on ``Helicone-Property-<name>``).

    ``RateLimitPolicy.parse(text)`` and ``str(policy)`` round-trip: ``parse(str(p)) == p``.
    Invalid values raise ``InvalidOptionError`` naming ``rate_limit_policy``.
    """

    __slots__ = ()

    def __new__(
        cls,
        quota: int,
        window: int,
        unit: Literal["request", "cents"] = "request",
        segment: str | None = None,
    ) -> RateLimitPolicy:
        self = super().__new__(cls, quota, window, unit, segment)
        self._check()
        return self

    def _check(self) -> None:
        if isinstance(self.quota, bool) or not isinstance(self.quota, int) or self.quota < 1:
            raise InvalidOptionError(
                _FIELD, f"quota must be a whole number of at least 1, not {self.quota!r}", _EXAMPLE
            )
        if isinstance(self.window, bool) or not isinstance(self.window, int):
            raise InvalidOptionError(
                _FIELD, f"window must be a whole number of seconds, not {self.window!r}", _EXAMPLE
            )
        if self.window < MIN_WINDOW_SECONDS:
            raise InvalidOptionError(
                _FIELD,
                f"window is {self.window} s but Helicone needs at least {MIN_WINDOW_SECONDS} s",
                f"Use w={MIN_WINDOW_SECONDS} or more",
            )
        if self.unit not in ("request", "cents"):
            raise InvalidOptionError(
                _FIELD, f"unit must be 'request' or 'cents', not {self.unit!r}", _EXAMPLE
            )
        if self.segment is not None and not (
            isinstance(self.segment, str) and TOKEN.fullmatch(self.segment)
        ):
            raise InvalidOptionError(
                _FIELD,
                f"segment must be 'user' or a property name made of letters, digits and "
                f"!#$%&'*+-.^_`|~, not {self.segment!r}",
                _EXAMPLE,
            )

    @classmethod
    def parse(cls, text: str) -> RateLimitPolicy:
        """Parse a policy string such as ``"1000;w=3600;u=cents;s=user"``."""
        if not isinstance(text, str):
            raise InvalidOptionError(
                _FIELD, f"expected a policy string, got {type(text).__name__}", _EXAMPLE
            )
        quota_text, *params = [part.strip() for part in text.strip().split(";")]
        if not _DIGITS.fullmatch(quota_text):
            raise InvalidOptionError(
                _FIELD, f"{text!r} does not start with a whole-number quota", _EXAMPLE
            )
        values: dict[str, str] = {}
        for param in params:
            key, sep, value = param.partition("=")
            key = key.strip().lower()
            if not sep or key not in ("w", "u", "s") or key in values or not value.strip():
                raise InvalidOptionError(
                    _FIELD, f"{text!r} has a malformed or repeated parameter {param!r}", _EXAMPLE
                )
            values[key] = value.strip()
        if "w" not in values:
            raise InvalidOptionError(_FIELD, f"{text!r} has no window (w=seconds)", _EXAMPLE)
        if not _DIGITS.fullmatch(values["w"]):
            raise InvalidOptionError(
                _FIELD, f"window {values['w']!r} is not a whole number of seconds", _EXAMPLE
            )
        unit = values.get("u", "request")
        if unit not in ("request", "cents"):
            raise InvalidOptionError(
                _FIELD, f"unit must be 'request' or 'cents', not {unit!r}", _EXAMPLE
            )
        return cls(int(quota_text), int(values["w"]), unit, values.get("s"))  # type: ignore[arg-type]

    def __str__(self) -> str:
        text = f"{self.quota};w={self.window}"
        if self.unit != "request":
            text += f";u={self.unit}"
        if self.segment is not None:
            text += f";s={self.segment}"
        return text
