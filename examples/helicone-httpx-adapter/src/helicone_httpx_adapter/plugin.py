"""The plugin module: what the ``helicone`` entry point of this distribution names.

helicone-core imports it whenever it loads plugins (``helicone adapters`` does, and so does
building any model object), so it stays cheap: the HTTP code in :mod:`.chat` is imported on
the first prompt. Each function below implements one hook of ``helicone_core.hookspecs``.
"""

from __future__ import annotations

import logging
import os
import platform
from collections.abc import Callable, Mapping
from typing import Any

from helicone_core import HeliconeConfig, HeliconeInfo, hookimpl
from helicone_core.adapters import Adapter, PromptRequest, PromptResult

__all__ = [
    "TIMEOUT_ENV",
    "helicone_config_defaults",
    "helicone_register_adapters",
    "helicone_request_headers",
    "helicone_response",
    "run_prompt",
]

logger = logging.getLogger(__name__)

#: The environment variable ``helicone_config_defaults`` reads the default timeout from.
TIMEOUT_ENV = "HELICONE_TIMEOUT"


@hookimpl
def helicone_register_adapters(register: Callable[[Adapter], None]) -> None:
    """Register the ``httpx`` adapter (``helicone adapters`` lists it; ``--adapter httpx``)."""
    register(
        Adapter(
            name="httpx",
            builds="httpx.Client / httpx.AsyncClient",
            requires=("httpx",),
            modules=("httpx",),
            run_prompt=run_prompt,
        )
    )


def run_prompt(request: PromptRequest) -> PromptResult:
    """Run one prompt with :func:`helicone_httpx_adapter.chat.run_prompt` (imported only now)."""
    from .chat import run_prompt as run

    return run(request)


@hookimpl
def helicone_config_defaults() -> Mapping[str, Any] | None:
    """A default ``timeout`` from ``HELICONE_TIMEOUT`` (seconds), when it is set.

    Defaults apply to every config in the process, whichever adapter it is for, so an adapter
    should not impose values of its own: this one only offers an opt-in. Explicit arguments
    still win, and ``helicone config`` shows the value as coming from plugin ``httpx``.
    """
    value = os.environ.get(TIMEOUT_ENV)
    if not value:
        return None
    try:
        return {"timeout": float(value)}
    except ValueError:
        raise ValueError(f"{TIMEOUT_ENV}={value!r} is not a number of seconds") from None


@hookimpl
def helicone_request_headers(config: HeliconeConfig) -> Mapping[str, str] | None:
    """Tag requests with the Python version that sent them, as a Helicone property.

    These headers go on the requests of every adapter, not only this one's (the adapter's own
    tag is set by :mod:`.chat` when it builds its client). ``config`` is the model object's
    configuration, for plugins whose headers depend on it.
    """
    return {"Helicone-Property-Python": platform.python_version()}


@hookimpl
def helicone_response(info: HeliconeInfo, method: str, url: str) -> None:
    """Log each response's Helicone id and cache state at DEBUG level (every adapter's).

    It runs on the request path, for every attempt: keep observers this cheap.
    """
    logger.debug(
        "%s %s -> %s helicone-id=%s cache-hit=%s",
        method,
        url,
        info.status_code,
        info.request_id,
        info.cache_hit,
    )
