"""A client for Helicone's REST API: feedback, scores and properties of logged requests.

Requests are identified by their ``Helicone-Id`` (``HeliconeInfo.request_id``), which every
adapter puts into its framework's response metadata.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from .config import HeliconeConfig
from .errors import HeliconeError, InvalidOptionError
from .options import check_options
from .transport import async_rest_http_client, rest_http_client
from .validate import check_text, describe

__all__ = ["AsyncHeliconeAPI", "HeliconeAPI", "HeliconeAPIError", "Score"]

Score = int | float | bool


class HeliconeAPIError(HeliconeError):
    """Helicone's REST API refused a call: ``status_code`` and Helicone's own ``message``."""

    def __init__(self, status_code: int, message: str, hint: str = "") -> None:
        self.status_code = status_code
        self.message = message
        super().__init__(f"Helicone API error {status_code}: {message}{hint}")


@dataclass(frozen=True)
class _Call:
    method: str
    path: str
    body: dict[str, Any]


def _request_id(value: object) -> str:
    return str(check_options({"request_id": value})["request_id"])


def _rating(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidOptionError(
            "rating", f"expected True or False, got {describe(value)}", "Pass True (good) or False"
        )
    return value


def _feedback(request_id: object, rating: object) -> _Call:
    return _Call(
        "POST", f"/v1/request/{_request_id(request_id)}/feedback", {"rating": _rating(rating)}
    )


def _score(request_id: object, scores: Mapping[str, Score]) -> _Call:
    if not isinstance(scores, Mapping) or not scores:
        raise InvalidOptionError(
            "scores",
            "expected a non-empty mapping of names to numbers",
            "Pass e.g. {'accuracy': 90}",
        )
    checked: dict[str, Score] = {}
    for name, value in scores.items():
        check_text("scores", name)
        valid = isinstance(value, (bool, int)) or (
            isinstance(value, float) and math.isfinite(value)
        )
        if not valid:
            raise InvalidOptionError(
                f"scores[{name!r}]",
                f"{describe(value)} is not a finite number or bool",
                "Pass a number",
            )
        checked[name] = value
    return _Call("POST", f"/v1/request/{_request_id(request_id)}/score", {"scores": checked})


def _property(request_id: object, key: object, value: object) -> _Call:
    body = {"key": check_text("key", key), "value": check_text("value", value)}
    return _Call("PUT", f"/v1/request/{_request_id(request_id)}/property", body)


def _session_feedback(session_id: object, rating: object) -> _Call:
    session = check_options({"session_id": session_id})["session_id"]
    return _Call("POST", f"/v1/session/{session}/feedback", {"rating": _rating(rating)})


def _result(response: httpx.Response) -> Any:
    """The ``data`` of a successful response, or ``HeliconeAPIError`` with Helicone's message."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if response.is_success and isinstance(payload, dict):
        return payload.get("data")
    message = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(message, str) or not message:
        message = response.reason_phrase or "unexpected response"
    hint = {
        401: " (check the Helicone API key: api_key or HELICONE_API_KEY)",
        404: " (is the id a Helicone-Id from a logged request?)",
    }.get(response.status_code, "")
    raise HeliconeAPIError(response.status_code, message, hint)


class HeliconeAPI:
    """Helicone's REST API, synchronously, on the shared connection pools.

    Takes a ``HeliconeConfig`` (or its keywords; ``rest_base`` defaults to
    ``https://api.helicone.ai``, env ``HELICONE_REST_BASE``). Arguments are checked before
    anything is sent; a refusal raises ``HeliconeAPIError``:

    ```python
    with HeliconeAPI() as api:
        api.feedback(info.request_id, rating=True)
    ```
    """

    def __init__(self, config: HeliconeConfig | None = None, **options: Any) -> None:
        self.config = config if config is not None else HeliconeConfig(**options)
        self._client = rest_http_client(self.config)

    def _send(self, call: _Call) -> Any:
        return _result(self._client.request(call.method, call.path, json=call.body))

    def feedback(self, request_id: str, rating: bool) -> Any:
        """Rate a request good (``True``) or bad (``False``). Helicone cannot clear a rating."""
        return self._send(_feedback(request_id, rating))

    def score(self, request_id: str, scores: Mapping[str, Score]) -> Any:
        """Attach numeric scores (``{"accuracy": 92}``) to a request."""
        return self._send(_score(request_id, scores))

    def set_property(self, request_id: str, key: str, value: str) -> Any:
        """Add or change a custom property of a logged request."""
        return self._send(_property(request_id, key, value))

    def session_feedback(self, session_id: str, rating: bool) -> Any:
        """Rate a whole session."""
        return self._send(_session_feedback(session_id, rating))

    def close(self) -> None:
        """Close this client (the shared pool stays open)."""
        self._client.close()

    def __enter__(self) -> HeliconeAPI:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncHeliconeAPI:
    """The async twin of ``HeliconeAPI``."""

    def __init__(self, config: HeliconeConfig | None = None, **options: Any) -> None:
        self.config = config if config is not None else HeliconeConfig(**options)
        self._client = async_rest_http_client(self.config)

    async def _send(self, call: _Call) -> Any:
        return _result(await self._client.request(call.method, call.path, json=call.body))

    async def feedback(self, request_id: str, rating: bool) -> Any:
        """Rate a request good (``True``) or bad (``False``)."""
        return await self._send(_feedback(request_id, rating))

    async def score(self, request_id: str, scores: Mapping[str, Score]) -> Any:
        """Attach numeric scores to a request."""
        return await self._send(_score(request_id, scores))

    async def set_property(self, request_id: str, key: str, value: str) -> Any:
        """Add or change a custom property of a logged request."""
        return await self._send(_property(request_id, key, value))

    async def session_feedback(self, session_id: str, rating: bool) -> Any:
        """Rate a whole session."""
        return await self._send(_session_feedback(session_id, rating))

    async def aclose(self) -> None:
        """Close this client (the shared pool stays open)."""
        await self._client.aclose()

    async def __aenter__(self) -> AsyncHeliconeAPI:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
