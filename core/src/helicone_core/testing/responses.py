"""The response value the gateway logic hands to the HTTP transport, and its error shapes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ConnectionReset",
    "Response",
    "json_response",
    "openai_error",
    "rest_error",
]


class ConnectionReset(Exception):
    """Raised by a streaming body to make the transport reset the connection (TCP RST)."""


@dataclass
class Response:
    """An HTTP response to send.

    Exactly one of ``body`` (sent with ``Content-Length``) or ``stream`` (each item sent as one
    HTTP chunk with ``Transfer-Encoding: chunked``) is used. ``close`` ends the connection after
    the response; ``reset`` aborts it with a TCP RST instead of answering at all.
    """

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: Iterable[bytes] | None = None
    close: bool = False
    reset: bool = False

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


def encode_json(payload: Any) -> bytes:
    """Compact UTF-8 JSON, the way API servers send it."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def json_response(status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """A JSON response with ``Content-Type: application/json``."""
    return Response(
        status,
        [("Content-Type", "application/json"), *headers],
        encode_json(payload),
    )


_ERROR_TYPES: Mapping[int, str] = {
    401: "invalid_request_error",
    403: "permission_error",
    404: "invalid_request_error",
    429: "requests",
}


def openai_error(
    status: int,
    message: str,
    code: str | None = None,
    *,
    param: str | None = None,
    error_type: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    """An error in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}``.

    ``error_type`` defaults to OpenAI's choice for the status: ``server_error`` for 5xx,
    ``requests`` for 429, ``permission_error`` for 403 and ``invalid_request_error`` otherwise.
    """
    if error_type is None:
        error_type = (
            "server_error" if status >= 500 else _ERROR_TYPES.get(status, "invalid_request_error")
        )
    error = {"message": message, "type": error_type, "param": param, "code": code}
    return json_response(status, {"error": error}, headers)


def rest_error(status: int, message: str) -> Response:
    """An error in the shape of Helicone's REST API: ``{"data": null, "error": message}``."""
    return json_response(status, {"data": None, "error": message})
