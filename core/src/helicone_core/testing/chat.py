"""Deterministic assistant replies derived from a chat-completions request body.

The first matching rule decides the reply:

1. **Tool call** — ``tools`` are offered, ``tool_choice`` is not ``"none"`` and the last message is
   not a ``tool`` result: one call (``finish_reason="tool_calls"``) of the named ``tool_choice``
   function, else the first tool whose name (or name with ``_`` read as spaces) appears in the last
   user message, else the first tool. Its ``arguments`` satisfy the tool's ``parameters`` schema,
   filled from the last user message (see ``helicone_core.testing.schema``): "What is 3 times
   4?" calls ``multiply(a=3, b=4)``.
2. **Structured output** — ``response_format`` ``json_schema``: JSON satisfying its ``schema``;
   ``json_object``: ``{"echo": <source text>}``. The source text is the content of the trailing
   tool results when the last message is one, else the last user message.
3. **Tool result** — the last message is a ``tool`` result: ``"Tool result: <content>"``; several
   trailing tool results are joined with ``"; "``. Agent loops therefore end after one tool round.
4. **Counting** — the last user message is ``count to N`` (any case, optional trailing
   punctuation, 0 ≤ N ≤ 100000): the words ``"1 2 … N"``, streamed as exactly N content chunks.
5. **Echo** — ``"Echo: <last user message text, stripped>"`` (just ``"Echo:"`` when empty).

There is always exactly one choice (``n`` is ignored) and no logprobs.

A message's text is its string ``content`` or its ``text`` parts joined with spaces. Streamed
content is cut before each run of whitespace (``"Echo: hi there"`` → ``"Echo:"``, ``" hi"``,
``" there"``). ``max_tokens``/``max_completion_tokens`` keep the first N pieces of a text reply
(rules 3 to 5) and then report ``finish_reason="length"``. Token counts are word counts:
``prompt_tokens`` is the number of whitespace-separated words in every message's text,
``completion_tokens`` the number of content pieces, or for a tool call one plus the words of its
arguments JSON. A cache bucket's k-th filled entry (k ≥ 1) appends ``" (variant k)"`` to text
replies so bucket entries are distinguishable.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .schema import synthesize

__all__ = ["MAX_COUNT", "ChatInputError", "Reply", "ToolCall", "build_reply", "validate_chat_body"]

#: The largest N accepted by the ``count to N`` convention.
MAX_COUNT = 100_000

_COUNT = re.compile(r"^\s*count to (\d+)\s*[.!?]*\s*$", re.IGNORECASE)
_PIECE = re.compile(r"\s*\S+")
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


class ChatInputError(ValueError):
    """A request body the real API would reject with 400; ``param`` names the offending field."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class ToolCall:
    """One function call made by the assistant; ``arguments`` is a JSON string."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Reply:
    """An assistant turn before it is rendered as JSON or SSE; ``pieces`` are the stream deltas."""

    content: str | None
    pieces: tuple[str, ...]
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        """``prompt_tokens + completion_tokens``."""
        return self.prompt_tokens + self.completion_tokens


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a message: string content, or its ``text`` parts joined with spaces."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, Mapping)]
        return " ".join(p for p in parts if isinstance(p, str))
    return ""


def _last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    return next((message_text(m) for m in reversed(messages) if m.get("role") == "user"), "")


def _trailing_tool_results(messages: Sequence[Mapping[str, Any]]) -> list[str]:
    results: list[str] = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        results.insert(0, message_text(message))
    return results


def _positive_int(body: Mapping[str, Any], key: str) -> None:
    value = body.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ChatInputError(f"'{key}' must be a whole number of at least 1", key)


def _validate_tools(body: Mapping[str, Any]) -> None:
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise ChatInputError("'tools' must be a list of function tools", "tools")
        for tool in tools:
            function = tool.get("function") if isinstance(tool, Mapping) else None
            if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
                raise ChatInputError(
                    "each tool must be {'type': 'function', 'function': {'name': ...}}", "tools"
                )
            if not isinstance(function.get("parameters", {}), Mapping):
                raise ChatInputError("a tool's 'parameters' must be a JSON schema object", "tools")
    choice = body.get("tool_choice")
    if choice is None:
        return
    if not tools:
        raise ChatInputError(
            "'tool_choice' is only allowed when 'tools' are specified", "tool_choice"
        )
    if isinstance(choice, str) and choice in ("none", "auto", "required"):
        return
    if _named_tool(body) is None:
        raise ChatInputError(
            "'tool_choice' must be 'none', 'auto', 'required' or name one of the offered tools",
            "tool_choice",
        )


def _validate_response_format(body: Mapping[str, Any]) -> None:
    fmt = body.get("response_format")
    if fmt is None:
        return
    kind = fmt.get("type") if isinstance(fmt, Mapping) else None
    if kind not in ("text", "json_object", "json_schema"):
        raise ChatInputError(
            "'response_format.type' must be 'text', 'json_object' or 'json_schema'",
            "response_format",
        )
    spec = fmt.get("json_schema")
    if kind == "json_schema" and (
        not isinstance(spec, Mapping)
        or not isinstance(spec.get("name"), str)
        or not isinstance(spec.get("schema", {}), Mapping)
    ):
        raise ChatInputError(
            "'response_format.json_schema' needs a 'name' and a 'schema' object", "response_format"
        )


def validate_chat_body(body: Any) -> Mapping[str, Any]:
    """Check the fields the gateway uses; raise ``ChatInputError`` the way OpenAI would."""
    if not isinstance(body, Mapping):
        raise ChatInputError("the request body must be a JSON object")
    if not isinstance(body.get("model"), str) or not body["model"].strip():
        raise ChatInputError("you must provide a model parameter", "model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ChatInputError("'messages' must be a non-empty list", "messages")
    for message in messages:
        if not isinstance(message, Mapping) or message.get("role") not in _ROLES:
            raise ChatInputError("each message must be an object with a valid 'role'", "messages")
    if not isinstance(body.get("stream", False), bool):
        raise ChatInputError("'stream' must be true or false", "stream")
    if not isinstance(body.get("stream_options") or {}, Mapping):
        raise ChatInputError("'stream_options' must be an object", "stream_options")
    _positive_int(body, "max_tokens")
    _positive_int(body, "max_completion_tokens")
    _validate_tools(body)
    _validate_response_format(body)
    return body


def _named_tool(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    choice = body.get("tool_choice")
    wanted = choice.get("function") if isinstance(choice, Mapping) else None
    name = wanted.get("name") if isinstance(wanted, Mapping) else None
    functions: list[Mapping[str, Any]] = [t["function"] for t in body.get("tools") or []]
    return next((f for f in functions if f["name"] == name), None)


def _chosen_tool(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    tools = body.get("tools") or []
    messages = body["messages"]
    if not tools or body.get("tool_choice") == "none" or messages[-1].get("role") == "tool":
        return None
    if isinstance(body.get("tool_choice"), Mapping):
        return _named_tool(body)
    text = _last_user_text(messages).lower()
    functions: list[Mapping[str, Any]] = [t["function"] for t in tools]
    mentioned = (
        f
        for f in functions
        if f["name"].lower() in text or f["name"].lower().replace("_", " ") in text
    )
    return next(mentioned, functions[0])


def _count_words(text: str) -> int:
    return len(text.split())


def _tool_reply(function: Mapping[str, Any], text: str, prompt_tokens: int) -> Reply:
    arguments = json.dumps(synthesize(function.get("parameters") or {"type": "object"}, text))
    call = ToolCall(f"call_{uuid.uuid4().hex[:24]}", function["name"], arguments)
    return Reply(None, (), (call,), "tool_calls", prompt_tokens, 1 + _count_words(arguments))


def _structured_content(body: Mapping[str, Any], source: str) -> str | None:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return json.dumps(synthesize(fmt["json_schema"].get("schema", {}), source))
    if fmt.get("type") == "json_object":
        return json.dumps({"echo": source})
    return None


def _text_content(messages: Sequence[Mapping[str, Any]]) -> str:
    results = _trailing_tool_results(messages)
    if results:
        return "Tool result: " + "; ".join(results)
    text = _last_user_text(messages).strip()
    counted = _COUNT.match(text)
    if counted and int(counted.group(1)) <= MAX_COUNT:
        return " ".join(str(i) for i in range(1, int(counted.group(1)) + 1))
    return f"Echo: {text}".rstrip()


def build_reply(body: Mapping[str, Any], variant: int = 0) -> Reply:
    """The reply to a validated body (see the module docstring for the rules)."""
    messages = body["messages"]
    prompt_tokens = sum(_count_words(message_text(m)) for m in messages)
    function = _chosen_tool(body)
    if function is not None:
        return _tool_reply(function, _last_user_text(messages), prompt_tokens)
    results = _trailing_tool_results(messages)
    source = "; ".join(results) if results else _last_user_text(messages)
    structured = _structured_content(body, source)
    if structured is not None:
        pieces = tuple(_PIECE.findall(structured))
        return Reply(structured, pieces, (), "stop", prompt_tokens, len(pieces))
    content = _text_content(messages)
    if variant:
        content += f" (variant {variant})"
    pieces = tuple(_PIECE.findall(content))
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    finish = "stop"
    if limit is not None and len(pieces) > limit:
        pieces, finish = pieces[:limit], "length"
    return Reply("".join(pieces), pieces, (), finish, prompt_tokens, len(pieces))
