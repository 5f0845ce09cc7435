"""``LocalGateway``: a local stand-in for the Helicone AI Gateway, on a real socket."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any

from .cache import ResponseCache
from .faults import Fault, FaultQueue
from .helicone import auth_problem, helicone_id
from .limits import RateLimiter
from .pipeline import ChatPipeline, unauthorized
from .records import Headers, RecordedRequest
from .render import Completion
from .responses import Response, json_response, openai_error, rest_error
from .rest import RestStore, Score, handle_rest, is_rest_path
from .transport import HTTPRequest, HTTPTransport

__all__ = ["DEFAULT_API_KEY", "MODELS", "LocalGateway"]

#: The key a ``LocalGateway`` accepts unless told otherwise.
DEFAULT_API_KEY = "sk-helicone-local"

#: ``GET`` here answers ``{"connections_accepted": n, "requests": n}``, with no auth.
STATS_PATH = "/_local/stats"

#: The models ``GET /v1/models`` lists. Any other model name is served as well.
MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "claude-3-5-sonnet", "gemini-2.0-flash")

_UNSUPPORTED = (
    "The Helicone AI Gateway does not support the legacy /v1/completions endpoint; "
    "send chat requests to /v1/chat/completions instead."
)


def _fresh_helicone_id() -> list[tuple[str, str]]:
    return [("Helicone-Id", str(uuid.uuid4()))]


def _parse_json(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # also UnicodeDecodeError; absurdly deep nesting
        return None


class LocalGateway:
    """A faithful local Helicone AI Gateway: OpenAI-compatible chat completions plus Helicone's
    headers (auth in both modes, ``Helicone-Id``, cache, rate limits, fallbacks, LLM security,
    moderation), its REST feedback API, and scripted failures for tests.

    The socket is bound on construction (``port=0`` picks a free port), so ``url`` is known at once.
    Serve in a background thread with ``with LocalGateway() as gw:`` (or ``start()``/``close()``),
    or in the calling thread with ``serve_forever()``. ``clock`` (seconds, monotonic) drives cache
    expiry and rate-limit windows; tests may pass a fake one. ``seed`` seeds the choice among a
    full cache bucket's entries, so runs repeat. Replies are described in
    ``helicone_core.testing.chat``, faults in ``helicone_core.testing.faults``, the REST API
    in ``helicone_core.testing.rest`` and the order of checks in
    ``helicone_core.testing.pipeline``. Every response carries ``Helicone-Id``.

    All methods are thread-safe.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        api_key: str = DEFAULT_API_KEY,
        clock: Callable[[], float] = time.monotonic,
        seed: int = 0,
    ) -> None:
        if not api_key:
            raise ValueError("the gateway's api_key must not be empty")
        self._api_key = api_key
        self._lock = threading.Lock()
        self._records: list[RecordedRequest] = []
        self._generation = 0
        self._unavailable: set[str] = set()
        self._faults = FaultQueue()
        self._cache: ResponseCache[Completion] = ResponseCache(clock, seed)
        self._limiter = RateLimiter(clock)
        self._store = RestStore()
        self._transport = HTTPTransport(host, port, self._handle, _fresh_helicone_id)
        self._host = host
        self._chat = ChatPipeline(
            api_key,
            cache=self._cache,
            limiter=self._limiter,
            faults=self._faults,
            store=self._store,
            unavailable=self._unavailable,
            closing=self._transport.closing,
        )
        self._thread: threading.Thread | None = None
        self._serving = False
        self._closed = False

    # -- addresses ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port the gateway listens on."""
        return self._transport.port

    @property
    def url(self) -> str:
        """The OpenAI-style base URL, ``http://127.0.0.1:<port>/v1``."""
        return f"{self.rest_url}/v1"

    @property
    def rest_url(self) -> str:
        """The REST API base URL, ``http://127.0.0.1:<port>``."""
        return f"http://{self._host}:{self.port}"

    @property
    def api_key(self) -> str:
        """The Helicone API key the gateway accepts."""
        return self._api_key

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<LocalGateway {self.url} {state}>"

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> LocalGateway:
        """Serve in a daemon background thread; returns ``self``. Calling it again does nothing."""
        with self._lock:
            if self._closed:
                raise RuntimeError("this LocalGateway is closed; create a new one")
            if self._serving:
                return self
            self._serving = True
            self._thread = threading.Thread(
                target=self._transport.serve_forever, name=self._transport.thread_name, daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until ``close()`` (from another thread) or Ctrl-C.

        A ``KeyboardInterrupt`` ends serving quietly; either way the gateway is closed on return.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("this LocalGateway is closed; create a new one")
            if self._serving:
                raise RuntimeError("this LocalGateway is already serving")
            self._serving = True
        try:
            self._transport.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self.close()

    def close(self) -> None:
        """Stop serving: stop accepting, interrupt slow faults, shut every open client connection
        and join the threads the gateway started. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            serving, thread = self._serving, self._thread
        self._transport.closing.set()
        if serving:
            self._transport.stop_accepting()
        if thread is not None:
            thread.join()
        self._transport.close()

    @property
    def closed(self) -> bool:
        """Whether ``close()`` has been called."""
        return self._closed

    def __enter__(self) -> LocalGateway:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- what the gateway saw -------------------------------------------------------------------

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted since construction or the last ``reset()``."""
        return self._transport.connections_accepted

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received since the last ``reset()``, oldest first."""
        with self._lock:
            return list(self._records)

    @property
    def feedback(self) -> dict[str, bool]:
        """Request id → rating, from ``POST /v1/request/{id}/feedback`` (a copy)."""
        with self._store.lock:
            return dict(self._store.feedback)

    @property
    def scores(self) -> dict[str, dict[str, Score]]:
        """Request id → merged scores, from ``POST /v1/request/{id}/score`` (a copy)."""
        with self._store.lock:
            return {k: dict(v) for k, v in self._store.scores.items()}

    @property
    def properties(self) -> dict[str, dict[str, str]]:
        """Request id → properties set by ``PUT /v1/request/{id}/property`` (a copy)."""
        with self._store.lock:
            return {k: dict(v) for k, v in self._store.properties.items()}

    @property
    def session_feedback(self) -> dict[str, bool]:
        """Session id → rating, from ``POST /v1/session/{id}/feedback`` (a copy)."""
        with self._store.lock:
            return dict(self._store.session_feedback)

    @property
    def unavailable_models(self) -> set[str]:
        """Models (names or full ``model/provider`` entries) treated as unavailable for fallback
        routing, besides names starting with ``unavailable``. The live set: mutate it or assign."""
        return self._unavailable

    @unavailable_models.setter
    def unavailable_models(self, models: Iterable[str]) -> None:
        replacement = set(models)
        self._unavailable.clear()
        self._unavailable.update(replacement)

    def reset(self) -> None:
        """Forget recorded requests, the connection count, the cache, rate-limit usage, scripted
        faults (and which ``-once`` models failed), REST data, known ids and unavailable models.
        Open connections stay open."""
        with self._lock:
            self._records.clear()
            self._generation += 1
        self._transport.reset_counter()
        self._cache.clear()
        self._limiter.clear()
        self._faults.clear()
        self._store.clear()
        self._unavailable.clear()

    # -- scripted faults ------------------------------------------------------------------------

    def script(self, *faults: Fault, times: int = 1) -> None:
        """Queue ``faults`` (each repeated ``times``) for the next chat requests that reach the
        upstream — authenticated, valid, within rate limits, not cache hits — whatever their
        model. Each such request takes one fault, first queued first."""
        for fault in faults:
            self._faults.push(fault, times)

    def fail_next(
        self,
        status: int = 503,
        times: int = 1,
        retry_after: float | None = None,
        body: Mapping[str, Any] | str | bytes | None = None,
    ) -> None:
        """The next ``times`` chat requests answer ``status`` (OpenAI error shape unless ``body``
        is given), with ``Retry-After: retry_after`` when it is not ``None``."""
        self.script(Fault.error(status, retry_after=retry_after, body=body), times=times)

    def slow_next(self, seconds: float, times: int = 1) -> None:
        """The next ``times`` chat requests wait ``seconds`` (at most 30) before answering."""
        self.script(Fault.slow(seconds), times=times)

    def reset_mid_stream_next(self, times: int = 1) -> None:
        """The next ``times`` chat requests are reset (TCP RST) after three SSE events, or
        without an answer when not streaming."""
        self.script(Fault.reset_mid_stream(), times=times)

    def malformed_json_next(self, times: int = 1) -> None:
        """The next ``times`` chat requests get a 200 whose JSON (or SSE data) is malformed."""
        self.script(Fault.malformed_json(), times=times)

    def truncated_sse_next(self, times: int = 1) -> None:
        """The next ``times`` chat requests get a stream cut mid-event without ``[DONE]`` (or half
        a JSON body when not streaming)."""
        self.script(Fault.truncated_sse(), times=times)

    @property
    def pending_faults(self) -> int:
        """How many scripted faults are still waiting for a request."""
        return self._faults.pending()

    # -- request handling -----------------------------------------------------------------------

    def _handle(self, request: HTTPRequest, connection: int) -> Response:
        path, _, query = request.target.partition("?")
        headers = Headers(request.headers)
        record = RecordedRequest(
            method=request.method,
            path=path,
            headers=headers,
            body=request.body,
            json=_parse_json(request.body),
            connection=connection,
            helicone_id=helicone_id(headers),
            query=query,
        )
        with self._lock:
            index, generation = len(self._records), self._generation
            self._records.append(record)
        response = self._dispatch(record)
        response.headers.append(("Helicone-Id", record.helicone_id))
        with self._lock:
            if generation == self._generation and not response.reset:
                self._records[index] = dataclasses.replace(record, status=response.status)
        return response

    def _dispatch(self, record: RecordedRequest) -> Response:
        path, method = record.path, record.method
        if path == "/v1/chat/completions":
            return self._chat.handle(record) if method == "POST" else _not_allowed(method, "POST")
        if path in ("/v1/completions", "/v1/models") or path.startswith("/v1/models/"):
            problem = auth_problem(record.headers, self._api_key)
            if problem is not None:
                return unauthorized(problem)
            if path == "/v1/completions":
                return openai_error(404, _UNSUPPORTED, "unsupported_endpoint")
            if method != "GET":
                return _not_allowed(method, "GET")
            return _models(path)
        if is_rest_path(path):
            problem = auth_problem(record.headers, self._api_key, proxy_mode=False)
            if problem is not None:
                return rest_error(401, problem)
            return handle_rest(method, path, record.json, self._store)
        if path == STATS_PATH and method == "GET":
            # For a gateway in another process (benchmarks): what tests read as attributes.
            with self._lock:
                count = len(self._records)
            return json_response(
                200, {"connections_accepted": self.connections_accepted, "requests": count}
            )
        return openai_error(404, f"Invalid URL ({method} {path})", "unknown_url")


def _not_allowed(method: str, allowed: str) -> Response:
    response = openai_error(
        405, f"{method} is not allowed here; use {allowed}.", "method_not_allowed"
    )
    response.headers.append(("Allow", allowed))
    return response


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 1_700_000_000, "owned_by": "helicone-local"}


def _models(path: str) -> Response:
    if path.startswith("/v1/models/"):
        return json_response(200, _model(path.removeprefix("/v1/models/")))
    return json_response(200, {"object": "list", "data": [_model(m) for m in MODELS]})
