"""helicone_core: the framework-neutral core of the Helicone adapters.

Importing this package is cheap and imports no framework: the httpx transport and the plugin
manager load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_attributes
from .config import DEFAULT_API_BASE, HeliconeConfig, Mode, ValueSource
from .errors import HeliconeError, InvalidOptionError, MissingAPIKeyError
from .info import HeliconeInfo, InfoCapture, capture_info
from .options import fallback_models
from .ratelimit import RateLimitPolicy
from .scope import scope
from .secrets import Secret, redact_headers, redact_text

if TYPE_CHECKING:
    from .headers import build_headers
    from .hookspecs import hookimpl
    from .transport import (
        aclose_shared_pools,
        async_http_client,
        close_shared_pools,
        http_client,
    )

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_API_BASE",
    "HeliconeConfig",
    "HeliconeError",
    "HeliconeInfo",
    "InfoCapture",
    "InvalidOptionError",
    "MissingAPIKeyError",
    "Mode",
    "RateLimitPolicy",
    "Secret",
    "ValueSource",
    "__version__",
    "aclose_shared_pools",
    "async_http_client",
    "build_headers",
    "capture_info",
    "close_shared_pools",
    "fallback_models",
    "hookimpl",
    "http_client",
    "redact_headers",
    "redact_text",
    "scope",
]

_LAZY = {
    "build_headers": "headers",
    "hookimpl": "hookspecs",
    "aclose_shared_pools": "transport",
    "async_http_client": "transport",
    "close_shared_pools": "transport",
    "http_client": "transport",
}


__getattr__ = lazy_attributes(__name__, _LAZY)
