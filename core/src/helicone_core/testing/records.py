"""What the gateway saw: one ``RecordedRequest`` per HTTP request."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Headers", "RecordedRequest"]


class Headers(Mapping[str, str]):
    """Read-only HTTP headers with case-insensitive lookup.

    ``headers["helicone-id"]``, ``headers.get("Helicone-Id")`` and ``"HELICONE-ID" in headers`` all
    find the same header. Iteration yields the names as the client spelled them. A header sent more
    than once is joined with ``", "``, the way HTTP defines repeated list headers.
    """

    __slots__ = ("_items",)

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        items: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            key = name.lower()
            if key in items:
                first_name, first_value = items[key]
                items[key] = (first_name, f"{first_value}, {value}")
            else:
                items[key] = (name, value)
        self._items = items

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as the gateway received it.

    ``path`` excludes the query string (kept in ``query``); ``body`` holds the raw bytes and
    ``json`` the parsed body, or ``None`` when the body is empty or not JSON. ``connection`` is
    the number of the TCP connection it arrived on (1 for the first connection accepted since the
    last ``reset()``), so keep-alive reuse is visible. ``helicone_id`` is the ``Helicone-Id`` the
    gateway answered with, and ``status`` the HTTP status it sent (``None`` while the request is
    still being handled, or when the connection was reset instead of answered).
    """

    method: str
    path: str
    headers: Headers
    body: bytes
    json: Any
    connection: int
    helicone_id: str
    query: str = ""
    status: int | None = None

    @property
    def model(self) -> str | None:
        """The body's ``model`` field when it is a string, else ``None``."""
        body = self.json
        if isinstance(body, dict) and isinstance(body.get("model"), str):
            return str(body["model"])
        return None

    @property
    def helicone_headers(self) -> dict[str, str]:
        """Every ``Helicone-*`` header, names lower-cased, for compact assertions."""
        return {k.lower(): v for k, v in self.headers.items() if k.lower().startswith("helicone-")}
