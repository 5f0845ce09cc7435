"""The one place Helicone request headers are built.

Layers, lowest first; a later layer replaces an earlier one's value for the same header, with
names compared case-insensitively, so one header never travels in two spellings:

1. built-in: authentication (``Authorization``, and ``Helicone-Auth`` in proxy mode);
2. plugin headers (the ``helicone_request_headers`` hook);
3. the config's Helicone options (``user_id`` → ``Helicone-User-Id``, …);
4. the config's ``headers`` (the adapters' ``default_headers``);
5. the active ``scope``;
6. per-call headers (``extra_headers=`` on a call).

Layers 1-4 are fixed for a model object and built once by ``build_headers``. Layers 5 and 6
are known only when a request is sent: the SDK puts per-call headers on the request, and the
shared transport's request hook adds the scope's with ``scope_overrides``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from .config import HeliconeConfig, Mode
from .errors import InvalidOptionError
from .options import render_options
from .validate import check_header_name, check_header_value

V = TypeVar("V")

__all__ = [
    "auth_headers",
    "bearer_key",
    "build_headers",
    "merge_headers",
    "rest_api_headers",
    "scope_overrides",
]


def merge_headers(*layers: Mapping[str, V]) -> dict[str, V]:
    """Merge header mappings; later layers win and names are compared case-insensitively.

    The result keeps the spelling of the layer whose value won.
    """
    merged: dict[str, tuple[str, V]] = {}
    for layer in layers:
        for name, value in layer.items():
            merged[name.lower()] = (name, value)
    return dict(merged.values())


def auth_headers(config: HeliconeConfig) -> dict[str, str]:
    """The built-in layer: who pays and who is logged, per ``Mode``.

    Raises ``MissingAPIKeyError`` when a key the mode needs is missing.
    """
    headers = {"Authorization": f"Bearer {bearer_key(config)}"}
    if config.mode is Mode.PROXY:
        headers["Helicone-Auth"] = f"Bearer {config.require_api_key()}"
    return headers


def bearer_key(config: HeliconeConfig) -> str:
    """The key sent as ``Authorization: Bearer``: what an SDK's ``api_key`` must be.

    The Helicone key on the AI Gateway; the provider's key in proxy mode.
    """
    if config.mode is Mode.PROXY:
        config.require_api_key()  # proxy mode needs both keys; say which one is missing first
        return config.require_provider_api_key()
    return config.require_api_key()


def rest_api_headers(config: HeliconeConfig) -> dict[str, str]:
    """The headers of a call to Helicone's REST API: the Helicone key, in either mode."""
    return {"Authorization": f"Bearer {config.require_api_key()}"}


def build_headers(config: HeliconeConfig) -> dict[str, str]:
    """The headers every request of a model object built from ``config`` carries (layers 1-4)."""
    from .plugins import hooks

    plugin_layers = [
        _checked_plugin_headers(plugin, headers)
        for plugin, headers in hooks.request_headers(config)
    ]
    return merge_headers(
        auth_headers(config), *plugin_layers, render_options(config.options), config.headers
    )


def scope_overrides(
    sent: Mapping[str, str], configured: Mapping[str, str], scoped: Mapping[str, str]
) -> Iterable[tuple[str, str]]:
    """The scope headers (layer 5) to set on a request about to be sent.

    ``sent`` is the request's headers as the SDK built them (configured + per-call),
    ``configured`` the object's ``build_headers`` result with lower-case names. A scoped
    header replaces what was sent unless the request carries a value that differs from the
    configured one, which means it was set for this call, and per-call headers win.
    """
    for name, value in scoped.items():
        current = sent.get(name)
        if current is None or current == configured.get(name.lower()):
            yield name, value


def _checked_plugin_headers(plugin: str, headers: Mapping[str, str]) -> Mapping[str, str]:
    for name, value in headers.items():
        try:
            check_header_name("headers", name)
            if not isinstance(value, str):
                raise InvalidOptionError(
                    f"headers[{name!r}]", f"is a {type(value).__name__}", "Return str values"
                )
            check_header_value(f"headers[{name!r}]", value, secret=True)
        except InvalidOptionError as exc:
            raise InvalidOptionError(
                exc.field, f"{exc.problem} (header from plugin {plugin!r})", exc.fix
            ) from None
    return headers
