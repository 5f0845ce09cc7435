"""The plugin manager: finds plugins through entry points and calls their hooks.

Plugins are the modules listed under the ``helicone`` entry-point group. Two environment
variables choose which load, by entry-point name (comma-separated):

- ``HELICONE_PLUGINS``: only these (an allow-list; empty means none);
- ``HELICONE_DISABLE_PLUGINS``: all but these (a block-list).

The manager is built on first use. Call sites use the typed facade ``hooks``, never
``pm.hook.*`` directly.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pluggy

    from .adapters import Adapter
    from .config import HeliconeConfig
    from .info import HeliconeInfo

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENV_ALLOW",
    "ENV_BLOCK",
    "Hooks",
    "get_plugin_manager",
    "hooks",
    "reset_plugin_manager",
]

ENTRY_POINT_GROUP = "helicone"
ENV_ALLOW = "HELICONE_PLUGINS"
ENV_BLOCK = "HELICONE_DISABLE_PLUGINS"

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_manager: pluggy.PluginManager | None = None


def _names(env: str) -> set[str] | None:
    value = os.environ.get(env)
    return None if value is None else {n.strip() for n in value.split(",") if n.strip()}


def load_plugins(pm: pluggy.PluginManager) -> None:
    """Register every allowed entry point of the ``helicone`` group, under its entry-point name."""
    allow, block = _names(ENV_ALLOW), _names(ENV_BLOCK) or set()
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        name = entry_point.name
        if (allow is not None and name not in allow) or name in block:
            continue
        if pm.get_plugin(name) is not None or pm.is_blocked(name):
            continue
        pm.register(entry_point.load(), name=name)


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, built and loaded on first call."""
    global _manager
    if _manager is None:
        with _lock:
            if _manager is None:
                # Imported here: a process that never looks up a plugin never loads pluggy.
                import pluggy

                from . import hookspecs

                pm = pluggy.PluginManager("helicone")
                pm.add_hookspecs(hookspecs)
                load_plugins(pm)
                pm.check_pending()
                _manager = pm
    return _manager


def reset_plugin_manager() -> None:
    """Forget the manager so the next use reloads plugins (after changing the env lists)."""
    global _manager
    with _lock:
        _manager = None


class Hooks:
    """Typed calls into the plugins; each method is one hook, results with the plugin's name."""

    @property
    def pm(self) -> pluggy.PluginManager:
        return get_plugin_manager()

    def _each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        caller = getattr(self.pm.hook, hook_name)
        results = []
        # In pluggy's call order (last registered first, tryfirst/trylast honoured).
        for impl in reversed(caller.get_hookimpls()):
            if impl.hookwrapper or impl.wrapper:  # wrappers have no result of their own
                continue
            args = {name: kwargs[name] for name in impl.argnames}
            result = impl.function(**args)
            if result is not None:
                results.append((impl.plugin_name, result))
        return results

    def adapters(self) -> dict[str, Adapter]:
        """Every registered adapter by name; a name registered twice raises ``ValueError``."""
        found: dict[str, Adapter] = {}

        def register(adapter: Adapter) -> None:
            if adapter.name in found:
                raise ValueError(f"two plugins register an adapter named {adapter.name!r}")
            found[adapter.name] = adapter

        self.pm.hook.helicone_register_adapters(register=register)
        return dict(sorted(found.items()))

    def config_defaults(self) -> list[tuple[str, Mapping[str, Any]]]:
        """``(plugin name, defaults)`` for every plugin that returns defaults."""
        return self._each("helicone_config_defaults")

    def request_headers(self, config: HeliconeConfig) -> list[tuple[str, Mapping[str, str]]]:
        """``(plugin name, headers)`` for every plugin that contributes headers."""
        return self._each("helicone_request_headers", config=config)

    def observes_responses(self) -> bool:
        """Whether any plugin implements ``helicone_response`` (checked per request: cheap)."""
        return bool(self.pm.hook.helicone_response.get_hookimpls())

    def response(self, info: HeliconeInfo, request: Any) -> None:
        """Tell observers about a response to ``request`` (an ``httpx.Request``).

        Their exceptions are logged, never raised. Per request, so it returns early when no
        plugin observes responses.
        """
        caller = self.pm.hook.helicone_response
        if not caller.get_hookimpls():
            return
        try:
            caller(info=info, method=request.method, url=str(request.url))
        except Exception:
            logger.exception("a helicone_response hook failed; the request is unaffected")


hooks = Hooks()
