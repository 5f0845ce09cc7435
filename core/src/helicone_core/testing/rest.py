"""Helicone's REST API for feedback, scores and properties, with an in-memory store.

Endpoints (``Authorization: Bearer <api key>``; JSON bodies):

* ``POST /v1/request/{id}/feedback`` ``{"rating": bool}``
* ``POST /v1/request/{id}/score`` ``{"scores": {name: number | bool}}`` (non-empty; merged)
* ``PUT /v1/request/{id}/property`` ``{"key": str, "value": str}`` (non-empty key)
* ``POST /v1/session/{id}/feedback`` ``{"rating": bool}``

Success is ``200 {"data": {...what was stored...}, "error": null}``. A malformed body is a 400, an
id the gateway never issued or received is a 404 (request ids: the ``Helicone-Id`` of any
authenticated chat request; session ids: any ``Helicone-Session-Id`` such a request carried), a
wrong method is a 405, bad credentials a 401 — all as ``{"data": null, "error": "<message>"}``.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .responses import Response, json_response, rest_error

__all__ = ["RestStore", "handle_rest", "is_rest_path"]

_ROUTES = {
    "feedback": (re.compile(r"^/v1/request/([^/]+)/feedback$"), "POST"),
    "score": (re.compile(r"^/v1/request/([^/]+)/score$"), "POST"),
    "property": (re.compile(r"^/v1/request/([^/]+)/property$"), "PUT"),
    "session_feedback": (re.compile(r"^/v1/session/([^/]+)/feedback$"), "POST"),
}

Score = int | float | bool


@dataclass
class RestStore:
    """Everything the REST API stored, keyed by request (or session) id; guard with ``lock``."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    feedback: dict[str, bool] = field(default_factory=dict)
    scores: dict[str, dict[str, Score]] = field(default_factory=dict)
    properties: dict[str, dict[str, str]] = field(default_factory=dict)
    session_feedback: dict[str, bool] = field(default_factory=dict)
    request_ids: set[str] = field(default_factory=set)
    session_ids: set[str] = field(default_factory=set)

    def clear(self) -> None:
        """Forget stored data and known ids."""
        with self.lock:
            for store in (self.feedback, self.scores, self.properties, self.session_feedback):
                store.clear()
            self.request_ids.clear()
            self.session_ids.clear()


def is_rest_path(path: str) -> bool:
    """Whether ``path`` is one of the REST endpoints (whatever the method)."""
    return any(pattern.match(path) for pattern, _ in _ROUTES.values())


def _rating(body: Any) -> bool:
    if not isinstance(body, Mapping) or not isinstance(body.get("rating"), bool):
        raise ValueError('the body must be {"rating": true} or {"rating": false}')
    return bool(body["rating"])


def _scores(body: Any) -> dict[str, Score]:
    scores = body.get("scores") if isinstance(body, Mapping) else None
    if not isinstance(scores, Mapping) or not scores:
        raise ValueError('the body must be {"scores": {"<name>": <number or boolean>, ...}}')
    for name, value in scores.items():
        if not name.strip():
            raise ValueError("score names must not be empty")
        if not isinstance(value, (int, float, bool)) or not math.isfinite(value):
            raise ValueError(f"score {name!r} must be a finite number or a boolean")
    return dict(scores)


def _property(body: Any) -> tuple[str, str]:
    key = body.get("key") if isinstance(body, Mapping) else None
    value = body.get("value") if isinstance(body, Mapping) else None
    if not isinstance(key, str) or not key.strip() or not isinstance(value, str):
        raise ValueError('the body must be {"key": "<non-empty string>", "value": "<string>"}')
    return key, value


def _apply(kind: str, ident: str, body: Any, store: RestStore) -> Response:
    with store.lock:
        known = store.session_ids if kind == "session_feedback" else store.request_ids
        what = "session" if kind == "session_feedback" else "request"
        if ident not in known:
            return rest_error(404, f"No {what} with id {ident!r} was logged by this gateway.")
        if kind == "feedback":
            store.feedback[ident] = rating = _rating(body)
            data: dict[str, Any] = {"requestId": ident, "rating": rating}
        elif kind == "score":
            scores = _scores(body)
            merged = store.scores.setdefault(ident, {})
            merged.update(scores)
            data = {"requestId": ident, "scores": dict(merged)}
        elif kind == "property":
            key, value = _property(body)
            store.properties.setdefault(ident, {})[key] = value
            data = {"requestId": ident, "key": key, "value": value}
        else:
            store.session_feedback[ident] = rating = _rating(body)
            data = {"sessionId": ident, "rating": rating}
    return json_response(200, {"data": data, "error": None})


def handle_rest(method: str, path: str, body: Any, store: RestStore) -> Response:
    """Answer one REST call whose caller is already authenticated."""
    for kind, (pattern, wanted_method) in _ROUTES.items():
        match = pattern.match(path)
        if match is None:
            continue
        if method != wanted_method:
            response = rest_error(405, f"{path} accepts {wanted_method}, not {method}.")
            response.headers.append(("Allow", wanted_method))
            return response
        try:
            return _apply(kind, match.group(1), body, store)
        except ValueError as error:
            return rest_error(400, f"Invalid body for {method} {path}: {error}.")
    return rest_error(404, f"No REST endpoint at {path}.")
