"""Checks that turn user input into values safe to put on the wire, or raise ``InvalidOptionError``.

Each checker takes the field name first so the error can name it. They never quote a secret.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from .errors import InvalidOptionError

__all__ = [
    "MAX_HEADER_VALUE_LENGTH",
    "check_bool",
    "check_header_name",
    "check_header_value",
    "check_int",
    "check_number",
    "check_text",
    "check_url",
    "describe",
]

#: Longest header value accepted. Servers commonly refuse header lines over 8 KiB.
MAX_HEADER_VALUE_LENGTH = 8192
MAX_HEADER_NAME_LENGTH = 256

TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token; use fullmatch
_CREDENTIALS = re.compile(r"(^|//)[^/?#]*@")  # user:password@, with or without a scheme
_FORBIDDEN = {"\r": "a carriage return (CR)", "\n": "a line feed (LF)", "\x00": "a NUL byte"}

T = TypeVar("T")


def is_instance(value: object, module: str, name: str) -> bool:
    """``isinstance(value, module.name)`` without importing ``module``.

    An instance exists only once its class's module was imported, so a module that is not loaded
    means "no". It keeps ``uuid`` and ``datetime`` out of ``import helicone_core``.
    """
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(value, getattr(loaded, name))


def describe(value: object, limit: int = 40) -> str:
    """A short ``repr`` of ``value`` for error messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "…" + text[-4:]


def check_header_value(field: str, value: str, *, secret: bool = False) -> str:
    """Return ``value`` if it can be sent as an HTTP header value, else raise.

    Header values must be printable ASCII (httpx encodes ``str`` headers as ASCII), at most
    ``MAX_HEADER_VALUE_LENGTH`` characters, non-empty and without surrounding white space (h11
    rejects it). CR, LF and NUL are refused because they would split or end the header.
    """
    shown = "the value" if secret else describe(value)
    if not value:
        raise InvalidOptionError(field, "is empty", "Leave it unset (None) instead")
    if len(value) > MAX_HEADER_VALUE_LENGTH:
        raise InvalidOptionError(
            field,
            f"is {len(value)} characters long; header values are limited to "
            f"{MAX_HEADER_VALUE_LENGTH}",
            "Shorten it, or send large data in the request body instead",
        )
    for index, char in enumerate(value):
        if char in _FORBIDDEN or (ord(char) < 32 and char != "\t") or ord(char) == 127:
            what = _FORBIDDEN.get(char, f"the control character {char!r}")
            raise InvalidOptionError(
                field,
                f"{shown} contains {what} at position {index}",
                "Remove it: header values must be a single line of printable text",
            )
        if ord(char) > 127:
            found = "" if secret else f" ({char!r} at position {index})"
            raise InvalidOptionError(
                field,
                f"{shown} contains non-ASCII text{found}; HTTP header values are ASCII",
                "Percent-encode it, e.g. urllib.parse.quote(value)",
            )
    if value != value.strip():
        raise InvalidOptionError(
            field, f"{shown} starts or ends with white space", "Strip it, e.g. value.strip()"
        )
    return value


def check_header_name(field: str, name: str) -> str:
    """Return ``name`` if it is a valid HTTP header name (an RFC 9110 token), else raise."""
    valid = isinstance(name, str) and len(name) <= MAX_HEADER_NAME_LENGTH
    if not valid or not TOKEN.fullmatch(name):
        raise InvalidOptionError(
            field,
            f"{describe(name)} is not a valid header name",
            f"Use at most {MAX_HEADER_NAME_LENGTH} letters, digits and !#$%&'*+-.^_`|~ "
            "(no spaces, colons or line breaks)",
        )
    return name


def check_text(field: str, value: object) -> str:
    """A non-empty single-line ASCII string that can travel in a header."""
    if not isinstance(value, str):
        raise InvalidOptionError(
            field, f"expected a string, got {type(value).__name__}", f"Pass str({field})"
        )
    return check_header_value(field, value)


def check_bool(field: str, value: object) -> bool:
    """``True`` or ``False``; strings such as ``"true"`` are refused to avoid ``"false"`` = on."""
    if not isinstance(value, bool):
        raise InvalidOptionError(
            field, f"expected True or False, got {describe(value)}", "Pass a bool"
        )
    return value


def check_int(field: str, value: object, low: int, high: int | None = None, unit: str = "") -> int:
    """A whole number in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOptionError(
            field, f"expected a whole number, got {describe(value)}", "Pass an int"
        )
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise InvalidOptionError(
            field, f"{value}{unit} is out of range", f"Use a value {bound}{unit}"
        )
    return value


def check_number(
    field: str, value: object, low: float, high: float | None = None, unit: str = ""
) -> float:
    """A finite number in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidOptionError(
            field, f"expected a number, got {describe(value)}", "Pass an int or a float"
        )
    number = float(value)
    if not math.isfinite(number) or not (low <= number and (high is None or number <= high)):
        bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise InvalidOptionError(
            field, f"{value}{unit} is out of range", f"Use a value {bound}{unit}"
        )
    return number


def check_url(field: str, value: object, schemes: Iterable[str] = ("http", "https")) -> str:
    """An absolute URL with one of ``schemes``, a host, and no credentials, query or fragment.

    Returned without a trailing slash. Error messages mask any ``user:password@`` part.
    """
    allowed = tuple(schemes)
    example = "e.g. 'https://ai-gateway.helicone.ai/v1'"
    if not isinstance(value, str):
        raise InvalidOptionError(
            field, f"expected a URL string, got {type(value).__name__}", f"Pass a URL, {example}"
        )
    shown = describe(_CREDENTIALS.sub(r"\1****@", value))
    if _CREDENTIALS.search(value):
        raise InvalidOptionError(
            field,
            "the URL contains credentials (user:password@)",
            "Remove them from the URL and pass the key as api_key",
        )
    check_header_value(field, value, secret=True)  # control characters, non-ASCII, end spaces
    if " " in value or "\t" in value:
        raise InvalidOptionError(field, f"{shown} contains white space", "Percent-encode it")
    import urllib.parse  # here, not at import: only checking a URL needs it

    try:
        parts = urllib.parse.urlsplit(value)
        port = parts.port
    except ValueError:
        raise InvalidOptionError(
            field, f"{shown} is not a valid URL", f"Give the full URL, {example}"
        ) from None
    if parts.scheme.lower() not in allowed:
        raise InvalidOptionError(
            field,
            f"{shown} does not start with {' or '.join(s + '://' for s in allowed)}",
            f"Give the full URL, {example}",
        )
    if not parts.hostname or port == 0:
        raise InvalidOptionError(
            field, f"{shown} has no valid host", f"Give the full URL, {example}"
        )
    if "?" in value or "#" in value:
        raise InvalidOptionError(
            field, f"{shown} has a query string or fragment", "Remove everything after '?' or '#'"
        )
    return value.rstrip("/")


def check_mapping(
    field: str,
    value: object,
    check_key: Callable[[str, Any], str],
    check_value: Callable[[str, Any], T],
) -> dict[str, T]:
    """A ``dict`` copy of a mapping whose keys and values pass the given checks.

    Keys are header names (or parts of one), so two keys differing only in case are refused.
    """
    if not isinstance(value, Mapping):
        raise InvalidOptionError(
            field, f"expected a mapping, got {type(value).__name__}", "Pass a dict"
        )
    checked = {check_key(field, k): check_value(f"{field}[{k!r}]", v) for k, v in value.items()}
    lowered = {key.lower() for key in checked}
    if len(lowered) != len(checked):
        raise InvalidOptionError(
            field,
            "has two names that differ only in case, which would be one header",
            "Keep one spelling of each name",
        )
    return checked
