"""The hooks a Helicone plugin can implement.

A plugin is a module (or object) with functions named like these and marked with
``helicone_core.hookimpl``, listed under the ``helicone`` entry-point group of its
distribution:

```toml
[project.entry-points.helicone]
my-plugin = "my_package.helicone_plugin"
```

The built-in adapters register exactly this way. Implementations may accept fewer arguments than
a hook offers (pluggy passes only the ones named), so hooks can grow new arguments safely.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .adapters import Adapter
    from .config import HeliconeConfig
    from .info import HeliconeInfo

__all__ = ["hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("helicone")
hookimpl = pluggy.HookimplMarker("helicone")


@hookspec
def helicone_register_adapters(register: Callable[[Adapter], None]) -> None:
    """Describe the adapters this plugin provides by calling ``register(Adapter(...))``.

    ``helicone adapters`` lists them, and ``helicone chat --adapter NAME`` and ``helicone demo``
    run prompts through their ``run_prompt``. Registering a name twice is an error.
    """


@hookspec
def helicone_config_defaults() -> Mapping[str, Any] | None:
    """Return defaults for ``HeliconeConfig`` fields, or ``None``.

    They apply below explicit arguments and environment variables and above built-in defaults,
    and ``helicone config`` shows them as coming from the plugin. Values are checked like
    arguments; a bad one raises ``InvalidOptionError`` naming the plugin. When two plugins set
    one field, the one pluggy calls first wins. Called once per config built.
    """


@hookspec
def helicone_request_headers(config: HeliconeConfig) -> Mapping[str, str] | None:
    """Return extra headers for every request of a model object built from ``config``.

    They layer above the built-in authentication headers and below the config's options, its
    ``headers``, scopes and per-call headers. Called once per model object, not per request.
    """


@hookspec
def helicone_response(info: HeliconeInfo, method: str, url: str) -> None:
    """Observe every response, as soon as its headers arrive (logging, metrics).

    ``info.status_code`` is the HTTP status. Called on the thread or task that sent the request,
    for every attempt, errors and retries included. Keep it fast: it runs on the request path.
    An exception it raises is logged (logger ``helicone_core.plugins``) and never reaches the
    caller, so a broken observer cannot break requests.
    """
