"""Render a ``Reply`` as an OpenAI ChatCompletion or SSE stream."""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from .chat import Reply

__all__ = ["Completion", "completion_json", "encode_sse_payload", "new_completion", "sse_events"]

FINGERPRINT = "fp_helicone_local"
DONE = b"data: [DONE]\n\n"
_ARGUMENT_TOKEN = re.compile(r"\w+|\s+|[^\w\s]+")


@dataclass(frozen=True)
class Completion:
    """A reply with its identity: what the cache stores and a cache hit replays."""

    id: str
    created: int
    model: str
    reply: Reply
    fallback_index: int


def new_completion(model: str, reply: Reply, fallback_index: int) -> Completion:
    """A completion with a fresh ``chatcmpl-`` id created now."""
    return Completion(
        f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), model, reply, fallback_index
    )


def _usage(reply: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.total_tokens,
    }


def completion_json(completion: Completion) -> dict[str, Any]:
    """The ``chat.completion`` object OpenAI returns for a non-streaming request."""
    reply = completion.reply
    message: dict[str, Any] = {"role": "assistant", "content": reply.content, "refusal": None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in reply.tool_calls
        ]
    choice = {
        "index": 0,
        "message": message,
        "logprobs": None,
        "finish_reason": reply.finish_reason,
    }
    return {
        "id": completion.id,
        "object": "chat.completion",
        "created": completion.created,
        "model": completion.model,
        "choices": [choice],
        "usage": _usage(reply),
        "system_fingerprint": FINGERPRINT,
    }


def _deltas(reply: Reply) -> list[dict[str, Any]]:
    if not reply.tool_calls:
        first: dict[str, Any] = {"role": "assistant", "content": "", "refusal": None}
        return [first, *({"content": piece} for piece in reply.pieces)]
    deltas: list[dict[str, Any]] = []
    for index, call in enumerate(reply.tool_calls):
        header = {
            "index": index,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        deltas.append({"tool_calls": [header]})
        deltas += [
            {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}
            for fragment in _ARGUMENT_TOKEN.findall(call.arguments)
        ]
    deltas[0] = {"role": "assistant", "content": None, **deltas[0]}
    return deltas


def encode_sse_payload(data: bytes) -> bytes:
    """One SSE event carrying ``data``."""
    return b"data: " + data + b"\n\n"


def _event(payload: dict[str, Any]) -> bytes:
    return encode_sse_payload(json.dumps(payload, separators=(",", ":")).encode())


def sse_events(completion: Completion, include_usage: bool) -> list[bytes]:
    """Every SSE event of the stream, ``data: [DONE]`` last.

    The first chunk carries the role, then one chunk per content piece (or tool-call header and
    argument fragment), then an empty delta with ``finish_reason``; with ``include_usage`` every
    chunk has ``"usage": null`` and a final chunk with ``"choices": []`` carries the usage.
    """
    base: dict[str, Any] = {
        "id": completion.id,
        "object": "chat.completion.chunk",
        "created": completion.created,
        "model": completion.model,
        "system_fingerprint": FINGERPRINT,
    }
    if include_usage:
        base["usage"] = None
    deltas = _deltas(completion.reply)
    choices: list[dict[str, Any]] = [
        {"index": 0, "delta": delta, "logprobs": None, "finish_reason": None} for delta in deltas
    ]
    choices.append(
        {"index": 0, "delta": {}, "logprobs": None, "finish_reason": completion.reply.finish_reason}
    )
    events = [_event({**base, "choices": [choice]}) for choice in choices]
    if include_usage:
        events.append(_event({**base, "choices": [], "usage": _usage(completion.reply)}))
    events.append(DONE)
    return events
