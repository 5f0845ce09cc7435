"""``POST /v1/chat/completions``: Helicone's checks, the cache, faults and the reply, in order.

1. authentication (401) — then the request id and session id become known to the REST API;
2. validation of the body, ``Helicone-RateLimit-Policy``, the cache headers and the model string
   (400), then LLM security and moderation (400);
3. fallback routing: no available model → 503;
4. rate limit: over quota → 429 (``u=request`` usage is counted here, cache hits included);
5. cache lookup: a hit answers now (with ``Helicone-Cache: HIT``);
6. upstream faults: the next scripted fault, then a fault model name — they model the provider,
   so only requests that get this far meet them, and a failed request is not cached;
7. the reply: ``u=cents`` usage is charged (so cache hits and faults cost no cents) and a cache
   miss is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from threading import Event
from typing import Any

from helicone_core.errors import InvalidOptionError
from helicone_core.ratelimit import RateLimitPolicy

from .cache import CacheSettings, ResponseCache, cache_settings
from .chat import ChatInputError, build_reply, validate_chat_body
from .faults import Fault, FaultQueue, default_error
from .helicone import Route, auth_problem, route_model, screen_prompt
from .limits import RateLimiter, cents_cost, segment_value
from .records import RecordedRequest
from .render import Completion, completion_json, encode_sse_payload, new_completion, sse_events
from .responses import ConnectionReset, Response, encode_json, json_response, openai_error
from .rest import RestStore

__all__ = ["ChatPipeline", "unauthorized"]

_FAULT_EVENTS = 3
_MALFORMED = b'{"id":"chatcmpl-malformed","object":"chat.completion","choices":[{"message":'
_RESET_GRACE = 0.05  # lets the client read the events it was sent before the RST arrives


def unauthorized(problem: str) -> Response:
    """A 401 in OpenAI's shape with code ``invalid_api_key``."""
    return openai_error(401, problem, "invalid_api_key")


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass
class _Context:
    """What one request carries through the pipeline."""

    record: RecordedRequest
    body: dict[str, Any]
    policy: RateLimitPolicy | None
    cache: CacheSettings | None
    route: Route | None
    headers: list[tuple[str, str]]

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def include_usage(self) -> bool:
        return bool((self.body.get("stream_options") or {}).get("include_usage"))


class ChatPipeline:
    """Answers chat-completion requests against the gateway's shared state (all thread-safe)."""

    def __init__(
        self,
        api_key: str,
        *,
        cache: ResponseCache[Completion],
        limiter: RateLimiter,
        faults: FaultQueue,
        store: RestStore,
        unavailable: Collection[str],
        closing: Event,
    ) -> None:
        self.api_key = api_key
        self.cache = cache
        self.limiter = limiter
        self.faults = faults
        self.store = store
        self.unavailable = unavailable
        self.closing = closing

    def handle(self, record: RecordedRequest) -> Response:
        problem = auth_problem(record.headers, self.api_key)
        if problem is not None:
            return unauthorized(problem)
        self._remember(record)
        try:
            ctx = self._context(record)
        except ChatInputError as error:
            return openai_error(400, str(error), "invalid_request", param=error.param)
        except InvalidOptionError as error:
            return openai_error(400, str(error), "invalid_rate_limit_policy")
        except ValueError as error:
            return openai_error(400, str(error), "invalid_request")
        screened = screen_prompt(record.headers, ctx.body["messages"])
        if screened is not None:
            return openai_error(400, screened[1], screened[0])
        return self._serve(ctx)

    def _remember(self, record: RecordedRequest) -> None:
        with self.store.lock:
            self.store.request_ids.add(record.helicone_id)
            session = record.headers.get("helicone-session-id", "").strip()
            if session:
                self.store.session_ids.add(session)

    def _context(self, record: RecordedRequest) -> _Context:
        if record.json is None and record.body.strip():
            raise ChatInputError("the request body is not valid JSON")
        body = dict(validate_chat_body(record.json))
        policy_text = record.headers.get("helicone-ratelimit-policy")
        policy = RateLimitPolicy.parse(policy_text) if policy_text is not None else None
        settings = cache_settings(record.path, body, record.headers)
        route = route_model(body["model"], self.unavailable)
        return _Context(record, body, policy, settings, route, [])

    def _serve(self, ctx: _Context) -> Response:
        route = ctx.route
        if route is None:
            message = f"No model in {ctx.body['model']!r} is available right now."
            return openai_error(503, message, "model_unavailable")
        if ctx.policy is not None:
            state = self.limiter.admit(ctx.policy, segment_value(ctx.policy, ctx.record.headers))
            ctx.headers += state.headers()
            if not state.allowed:
                message = f"Rate limit {state.policy} exceeded; retry in {state.retry_after} s."
                return openai_error(429, message, "rate_limit_exceeded", headers=ctx.headers)
        if ctx.cache is not None:
            hit = self.cache.lookup(ctx.cache)
            if hit is not None:
                headers = [("Helicone-Cache", "HIT"), ("Helicone-Cache-Bucket-Idx", str(hit[0]))]
                ctx.headers += headers
                return self._render(ctx, hit[1])
            ctx.headers.append(("Helicone-Cache", "MISS"))
        variant = self.cache.filled(ctx.cache) if ctx.cache and ctx.cache.bucket_size > 1 else 0
        completion = new_completion(route.model, build_reply(ctx.body, variant), route.index)
        failed = self._faults(ctx, completion)
        if failed is not None:
            return failed
        if ctx.policy is not None and ctx.policy.unit == "cents":
            segment = segment_value(ctx.policy, ctx.record.headers)
            state = self.limiter.charge(
                ctx.policy, segment, cents_cost(completion.reply.total_tokens)
            )
            ctx.headers = [h for h in ctx.headers if not h[0].startswith("Helicone-RateLimit")]
            ctx.headers += state.headers()
        if ctx.cache is not None:
            self.cache.store(ctx.cache, completion)
        return self._render(ctx, completion)

    def _render(self, ctx: _Context, completion: Completion) -> Response:
        headers = [
            *ctx.headers,
            ("Helicone-Fallback-Index", str(completion.fallback_index)),
            ("x-request-id", f"req_{uuid.uuid4().hex}"),
        ]
        if not ctx.stream:
            return json_response(200, completion_json(completion), headers)
        events = sse_events(completion, ctx.include_usage)
        return Response(200, [*_SSE_HEADERS, *headers], stream=events)

    def _faults(self, ctx: _Context, completion: Completion) -> Response | None:
        # The model's fault is looked up only when no scripted fault answered, so a scripted
        # failure does not use up a `-once` model's single failure.
        for next_fault in (self.faults.pop, lambda: self.faults.for_model(completion.model)):
            fault = next_fault()
            if fault is not None and (failed := self._fault(ctx, fault, completion)) is not None:
                return failed
        return None

    def _fault(self, ctx: _Context, fault: Fault, completion: Completion) -> Response | None:
        """The response a fault produces; ``None`` when the request should then proceed."""
        if fault.kind == "slow":
            if self.closing.wait(fault.seconds):
                return openai_error(503, "The local gateway is shutting down.", "shutting_down")
            return None
        if fault.kind == "error":
            return self._error(ctx, fault, completion.model)
        events = sse_events(completion, ctx.include_usage)
        body = encode_json(completion_json(completion))
        if fault.kind == "reset":
            if not ctx.stream:
                return Response(0, reset=True)
            return Response(
                200, list(_SSE_HEADERS), stream=self._then_reset(events[:_FAULT_EVENTS])
            )
        if fault.kind == "malformed":
            if not ctx.stream:
                return Response(200, [("Content-Type", "application/json")], _MALFORMED)
            broken = [encode_sse_payload(_MALFORMED), events[-1]]
            return Response(200, list(_SSE_HEADERS), stream=broken)
        if not ctx.stream:
            return Response(200, [("Content-Type", "application/json")], body[: len(body) // 2])
        cut = min(_FAULT_EVENTS, len(events) - 2)
        partial = events[cut][: len(events[cut]) // 2]
        return Response(200, list(_SSE_HEADERS), stream=[*events[:cut], partial])

    def _then_reset(self, events: list[bytes]) -> Iterator[bytes]:
        yield from events
        self.closing.wait(_RESET_GRACE)
        raise ConnectionReset

    def _error(self, ctx: _Context, fault: Fault, model: str) -> Response:
        headers = list(ctx.headers)
        if fault.retry_after is not None:
            headers.append(("Retry-After", _seconds(fault.retry_after)))
        if fault.body is None:
            code, message = default_error(fault.status, model)
            return openai_error(fault.status, message, code, headers=headers)
        if isinstance(fault.body, (str, bytes)):
            raw = fault.body.encode() if isinstance(fault.body, str) else fault.body
            return Response(
                fault.status, [("Content-Type", "text/plain; charset=utf-8"), *headers], raw
            )
        return json_response(fault.status, dict(fault.body), headers)


_SSE_HEADERS = (("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache"))
