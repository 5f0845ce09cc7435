"""Helicone's request rules: authentication, request ids, model routing and prompt screening."""

from __future__ import annotations

import hmac
import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .chat import message_text
from .records import Headers

__all__ = [
    "Route",
    "auth_problem",
    "helicone_id",
    "is_true",
    "route_model",
    "screen_prompt",
]

_UUID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.IGNORECASE
)
_INJECTION = "ignore previous instructions"
_FLAGGED = "FLAG-ME"


def is_true(headers: Headers, name: str) -> bool:
    """Whether header ``name`` is ``true`` (any case), the way Helicone reads its flags."""
    return headers.get(name, "").strip().lower() == "true"


def helicone_id(headers: Headers) -> str:
    """The id of the logged request: ``Helicone-Request-Id`` when it is a v1-v5 UUID (lower-cased),
    else a fresh uuid4 — Helicone silently replaces a malformed id."""
    wanted = headers.get("helicone-request-id", "").strip()
    return wanted.lower() if _UUID.match(wanted) else str(uuid.uuid4())


def _bearer(value: str | None) -> str | None:
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _same(token: str, key: str) -> bool:
    return hmac.compare_digest(token.encode("utf-8", "replace"), key.encode("utf-8", "replace"))


def auth_problem(headers: Headers, api_key: str, *, proxy_mode: bool = True) -> str | None:
    """``None`` when the request is authorised, else what is wrong — never quoting a key.

    AI Gateway mode: ``Authorization: Bearer <api_key>``. Proxy mode (when ``proxy_mode`` and a
    ``Helicone-Auth`` header is present): ``Helicone-Auth: Bearer <api_key>`` plus any non-empty
    ``Authorization: Bearer <provider key>``.
    """
    authorization = headers.get("authorization")
    if proxy_mode and "helicone-auth" in headers:
        token = _bearer(headers["helicone-auth"])
        if token is None:
            return "The Helicone-Auth header must be 'Bearer <your Helicone API key>'."
        if not _same(token, api_key):
            return "The Helicone-Auth header does not carry a valid Helicone API key."
        if _bearer(authorization) is None:
            return (
                "Proxy mode (Helicone-Auth) also needs 'Authorization: Bearer <provider API key>'; "
                "the Authorization header is missing or empty."
            )
        return None
    if authorization is None:
        return (
            "Missing Authorization header: send 'Authorization: Bearer <your Helicone API key>' "
            "(or, in proxy mode, Helicone-Auth plus your provider key)."
        )
    token = _bearer(authorization)
    if token is None:
        return "The Authorization header must be 'Bearer <your Helicone API key>'."
    if _same(token, api_key):
        return None
    hint = ""
    if token.startswith("sk-") and not token.startswith("sk-helicone"):
        hint = " It looks like a provider key: proxy mode needs it alongside Helicone-Auth."
    return "The Authorization header does not carry a valid Helicone API key." + hint


@dataclass(frozen=True)
class Route:
    """The fallback entry that serves: ``model`` without its provider, ``index`` in the list."""

    model: str
    entry: str
    index: int


def route_model(model: str, unavailable: Collection[str]) -> Route | None:
    """Pick the serving entry of a model string, or ``None`` when every candidate is unavailable.

    ``model`` is a comma-separated fallback list; each entry is ``name``, ``name/provider`` or
    ``name/provider/deployment``; an entry ``!provider`` excludes that provider (entries routed to
    it are skipped). The first remaining entry whose name does not start with ``unavailable`` and
    whose name or full entry is not in ``unavailable`` serves; ``index`` is its position in the
    comma-separated list. Raises ``ValueError`` for an empty entry or a list with no model at all.
    """
    entries = [entry.strip() for entry in model.split(",")]
    if not all(entry and entry != "!" for entry in entries):
        raise ValueError("the model string has an empty entry")
    excluded = {entry[1:].strip().lower() for entry in entries if entry.startswith("!")}
    if all(entry.startswith("!") for entry in entries):
        raise ValueError("the model string excludes providers but names no model")
    for index, entry in enumerate(entries):
        if entry.startswith("!"):
            continue
        name, _, provider = entry.partition("/")
        if provider.split("/")[0].lower() in excluded:
            continue
        if name.lower().startswith("unavailable") or name in unavailable or entry in unavailable:
            continue
        return Route(name, entry, index)
    return None


def screen_prompt(
    headers: Headers, messages: Sequence[Mapping[str, Any]]
) -> tuple[str, str] | None:
    """``(code, message)`` when LLM security or moderation blocks the prompt, else ``None``.

    With ``Helicone-LLM-Security-Enabled: true`` a last user message containing "ignore previous
    instructions" (any case) is a ``PROMPT_THREAT_DETECTED``; with ``Helicone-Moderations-Enabled:
    true`` any message containing ``FLAG-ME`` is ``PROMPT_FLAGGED_FOR_MODERATION``.
    """
    if is_true(headers, "helicone-llm-security-enabled"):
        user = next((message_text(m) for m in reversed(messages) if m.get("role") == "user"), "")
        if _INJECTION in user.lower():
            return (
                "PROMPT_THREAT_DETECTED",
                "Prompt threat detected: the request was blocked by Helicone LLM security.",
            )
    if is_true(headers, "helicone-moderations-enabled") and any(
        _FLAGGED in message_text(m) for m in messages
    ):
        return (
            "PROMPT_FLAGGED_FOR_MODERATION",
            "The request was flagged by Helicone moderation and was not sent to the model.",
        )
    return None
