"""``HeliconeConfig``: the one immutable value every adapter is built from."""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, NoReturn

from .errors import InvalidOptionError, MissingAPIKeyError
from .options import (
    OPTION_NAMES,
    OPTIONS,
    LLMSecurity,
    OptionArguments,
    TokenLimitHandler,
    check_combination,
    check_options,
)
from .ratelimit import RateLimitPolicy
from .secrets import SENSITIVE_HEADERS, Secret, redact_headers
from .validate import (
    check_bool,
    check_header_name,
    check_header_value,
    check_int,
    check_mapping,
    check_number,
    check_url,
    describe,
    is_instance,
)

if TYPE_CHECKING:
    import uuid
    from datetime import timedelta

    from typing_extensions import Unpack

__all__ = [
    "DEFAULT_API_BASE",
    "DEFAULT_PROXY_API_BASE",
    "DEFAULT_REST_BASE",
    "ENV_API_BASE",
    "ENV_API_KEY",
    "ENV_PROVIDER_API_KEY",
    "ENV_REST_BASE",
    "ConfigArguments",
    "HeliconeConfig",
    "Mode",
    "ValueSource",
    "config_from",
]

DEFAULT_API_BASE = "https://ai-gateway.helicone.ai/v1"
DEFAULT_PROXY_API_BASE = "https://oai.helicone.ai/v1"
DEFAULT_REST_BASE = "https://api.helicone.ai"
DEFAULT_TIMEOUT = 600.0  # seconds; the openai SDK's default, so adapters behave like it
DEFAULT_MAX_RETRIES = 2

ENV_API_KEY = "HELICONE_API_KEY"
ENV_API_BASE = "HELICONE_API_BASE"
ENV_PROVIDER_API_KEY = "HELICONE_PROVIDER_API_KEY"
ENV_REST_BASE = "HELICONE_REST_BASE"


class Mode(str, enum.Enum):
    """How requests reach Helicone.

    ``GATEWAY``: the AI Gateway; ``Authorization`` carries the Helicone key, no provider key.
    ``PROXY``: a provider proxy such as ``https://oai.helicone.ai/v1``; ``Authorization`` carries
    the provider's key and ``Helicone-Auth`` the Helicone key.
    """

    GATEWAY = "gateway"
    PROXY = "proxy"

    def __str__(self) -> str:
        return self.value


class ValueSource(NamedTuple):
    """Where a resolved value came from: ``argument``, ``environment``, ``plugin`` or ``default``.

    ``detail`` names the environment variable or the plugin.
    """

    kind: Literal["argument", "environment", "plugin", "default"]
    detail: str | None = None

    def __str__(self) -> str:
        return f"{self.kind} ({self.detail})" if self.detail else self.kind


# --- connection fields: name -> (checker, environment variable) --------------------------------


def _check_key(env: str) -> Callable[[str, Any], Secret]:
    def check(field: str, value: object) -> Secret:
        if not isinstance(value, (str, Secret)):
            raise InvalidOptionError(
                field, f"expected a string, got {type(value).__name__}", "Pass the key as a str"
            )
        secret = Secret(value, env=env)
        check_header_value(field, secret.get_secret_value(), secret=True)
        return secret

    return check


def _check_mode(field: str, value: object) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        raise InvalidOptionError(
            field, f"{describe(value)} is not a mode", "Pass 'gateway' or 'proxy' (or a Mode)"
        ) from None


def _check_timeout(field: str, value: object) -> float:
    if is_instance(value, "datetime", "timedelta"):
        value = value.total_seconds()  # type: ignore[attr-defined]
    seconds = check_number(field, value, 0, None, " s")
    if seconds == 0:
        raise InvalidOptionError(field, "0 s would fail every request", "Use a positive timeout")
    return seconds


def _check_count(low: int) -> Callable[[str, Any], int]:
    def check(field: str, value: object) -> int:
        return check_int(field, value, low)

    return check


def _check_headers(field: str, value: object) -> Mapping[str, str]:
    return MappingProxyType(check_mapping(field, value, check_header_name, _check_header_text))


def _check_header_text(field: str, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidOptionError(
            field, f"expected a string, got {type(value).__name__}", "Pass header values as str"
        )
    # A default header may carry a credential; never quote it.
    return check_header_value(field, value, secret=True)


def _check_verify(field: str, value: object) -> bool | str:
    if isinstance(value, str):
        if not os.path.exists(value):
            raise InvalidOptionError(
                field, f"the CA bundle {describe(value)} does not exist", "Pass an existing path"
            )
        return value
    return check_bool(field, value)


def _check_proxy(field: str, value: object) -> str:
    return check_url(field, value, ("http", "https", "socks5", "socks5h"))


_CONNECTION: dict[str, tuple[Callable[[str, Any], Any], str | None]] = {
    "api_key": (_check_key(ENV_API_KEY), ENV_API_KEY),
    "mode": (_check_mode, None),
    "api_base": (check_url, ENV_API_BASE),
    "provider_api_key": (_check_key(ENV_PROVIDER_API_KEY), ENV_PROVIDER_API_KEY),
    "rest_base": (check_url, ENV_REST_BASE),
    "timeout": (_check_timeout, None),
    "max_retries": (_check_count(0), None),
    "headers": (_check_headers, None),
    "proxy": (_check_proxy, None),
    "verify": (_check_verify, None),
    "max_connections": (_check_count(1), None),
    "max_keepalive_connections": (_check_count(0), None),
}

_EMPTY: Mapping[str, str] = MappingProxyType({})


def _built_in_default(name: str, mode: Mode) -> Any:
    if name == "api_base":
        return DEFAULT_PROXY_API_BASE if mode is Mode.PROXY else DEFAULT_API_BASE
    return {
        "mode": Mode.GATEWAY,
        "rest_base": DEFAULT_REST_BASE,
        "timeout": DEFAULT_TIMEOUT,
        "max_retries": DEFAULT_MAX_RETRIES,
        "headers": _EMPTY,
        "verify": True,
        "max_connections": 1000,
        "max_keepalive_connections": 100,
    }.get(name)


FIELDS: tuple[str, ...] = (*_CONNECTION, *(option.name for option in OPTIONS))
_FIELD_SET = frozenset(FIELDS)


class ConfigArguments(OptionArguments, total=False):
    """The keyword arguments of ``HeliconeConfig`` (and of every adapter that takes them)."""

    api_key: str | Secret | None
    mode: Mode | Literal["gateway", "proxy"] | None
    api_base: str | None
    provider_api_key: str | Secret | None
    rest_base: str | None
    timeout: float | timedelta | None
    max_retries: int | None
    headers: Mapping[str, str] | None
    proxy: str | None
    verify: bool | str | None
    max_connections: int | None
    max_keepalive_connections: int | None


def resolve(
    explicit: Mapping[str, Any],
    environ: Mapping[str, str],
    plugin_defaults: list[tuple[str, Mapping[str, Any]]],
) -> tuple[dict[str, Any], dict[str, ValueSource]]:
    """Resolve every field: explicit argument > environment > plugin defaults > built-in default.

    ``None`` anywhere means "not given". Returns the checked values and where each came from
    (fields left unset have no source). This is the only place configuration is resolved.
    """
    values: dict[str, Any] = {}
    sources: dict[str, ValueSource] = {}

    def settle(name: str, value: Any, source: ValueSource) -> None:
        if value is None or name in values:
            return
        if name in _CONNECTION:
            value = _CONNECTION[name][0](name, value)
        else:
            value = check_options({name: value})[name]
        values[name] = value
        sources[name] = source

    for name, value in explicit.items():
        settle(name, value, ValueSource("argument"))
    for name, (_, env) in _CONNECTION.items():
        if env and environ.get(env):
            try:
                settle(name, environ[env], ValueSource("environment", env))
            except InvalidOptionError as exc:
                raise InvalidOptionError(
                    exc.field, f"{exc.problem} (read from {env})", exc.fix
                ) from None
    for plugin, defaults in plugin_defaults:
        for name, value in defaults.items():
            if name not in _CONNECTION and name not in OPTION_NAMES:
                raise TypeError(f"plugin {plugin!r} sets an unknown config field {name!r}")
            try:
                settle(name, value, ValueSource("plugin", plugin))
            except InvalidOptionError as exc:
                raise InvalidOptionError(
                    exc.field, f"{exc.problem} (default from plugin {plugin!r})", exc.fix
                ) from None
    mode = values.get("mode", Mode.GATEWAY)
    for name in _CONNECTION:
        settle(name, _built_in_default(name, mode), ValueSource("default"))
    check_combination(values)
    return values, sources


class HeliconeConfig:
    """Everything a request to Helicone needs, resolved once and immutable.

    Every field is resolved by ``resolve``: an explicit argument wins over the environment
    (``HELICONE_API_KEY``, ``HELICONE_API_BASE``, ``HELICONE_PROVIDER_API_KEY``,
    ``HELICONE_REST_BASE``), which wins over plugin defaults (the ``helicone_config_defaults``
    hook), which win over built-in defaults. ``None`` always means "not given". ``OPENAI_API_KEY``
    and ``OPENAI_BASE_URL`` are never read. ``sources`` says where each value came from.

    Invalid values raise ``InvalidOptionError`` (a ``ValueError``) naming the field, here, before
    any request is sent. A missing key is only an error once headers are built
    (``require_api_key``), so a config can be inspected without one.

    The keys are ``Secret`` values: never shown by ``repr``/``str`` and never
    written to pickles (see ``Secret``). Use ``replace`` to derive a changed config.
    """

    api_key: Secret | None
    mode: Mode
    api_base: str
    provider_api_key: Secret | None
    rest_base: str
    timeout: float
    max_retries: int
    headers: Mapping[str, str]
    proxy: str | None
    verify: bool | str
    max_connections: int
    max_keepalive_connections: int
    user_id: str | None
    session_id: str | None
    session_path: str | None
    session_name: str | None
    properties: Mapping[str, str] | None
    cache_enabled: bool | None
    cache_max_age: int | None
    cache_bucket_max_size: int | None
    cache_seed: str | None
    cache_ignore_keys: tuple[str, ...] | None
    retry_enabled: bool | None
    retry_num: int | None
    retry_factor: float | None
    retry_min_timeout: int | None
    retry_max_timeout: int | None
    rate_limit_policy: RateLimitPolicy | None
    request_id: uuid.UUID | None
    prompt_id: str | None
    omit_request: bool | None
    omit_response: bool | None
    llm_security: LLMSecurity | None
    moderations_enabled: bool | None
    token_limit_handler: TokenLimitHandler | None
    model_override: str | None
    posthog_key: Secret | None
    posthog_host: str | None
    _explicit: Mapping[str, Any]
    _sources: Mapping[str, ValueSource]

    __slots__ = (*FIELDS, "_explicit", "_sources")

    def __init__(self, **arguments: Unpack[ConfigArguments]) -> None:
        unknown = set(arguments) - _FIELD_SET
        if unknown:
            raise TypeError(
                f"HeliconeConfig got unknown field(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(FIELDS)}"
            )
        self._init(arguments)

    def _init(self, explicit: Mapping[str, Any]) -> None:
        from .plugins import hooks  # the plugin manager is built on first use, not on import

        values, sources = resolve(explicit, os.environ, hooks.config_defaults())
        setter = object.__setattr__
        for name in FIELDS:
            value = values.get(name)
            if name == "properties" and value is not None:
                value = MappingProxyType(value)
            setter(self, name, value)
        # Checked values, not raw input: keys given as str are kept as Secret from here on.
        given = {name: values[name] for name, src in sources.items() if src.kind == "argument"}
        setter(self, "_explicit", MappingProxyType(given))
        setter(self, "_sources", MappingProxyType(sources))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> HeliconeConfig:
        """Build a config from a mapping of field names (unknown names raise ``TypeError``)."""
        return cls(**values)

    @property
    def sources(self) -> Mapping[str, ValueSource]:
        """Where each set field's value came from (fields left unset are absent)."""
        return self._sources

    @property
    def options(self) -> dict[str, Any]:
        """The Helicone options that are set, by name (the input of ``render_options``)."""
        return {
            option.name: getattr(self, option.name)
            for option in OPTIONS
            if getattr(self, option.name) is not None
        }

    def replace(self, **changes: Any) -> HeliconeConfig:
        """A new config with ``changes`` applied as explicit arguments.

        Fields that were not given explicitly are resolved again (environment, plugins,
        defaults); pass ``field=None`` to drop an explicit value.
        """
        return HeliconeConfig.from_mapping({**self._explicit, **changes})

    def require_api_key(self) -> str:
        """The Helicone key, or ``MissingAPIKeyError`` saying how to provide one."""
        if not self.api_key:
            raise MissingAPIKeyError(
                "api_key",
                "no Helicone API key was given",
                f"Pass api_key='sk-helicone-...' or set {ENV_API_KEY}",
            )
        return self.api_key.get_secret_value()

    def require_provider_api_key(self) -> str:
        """The provider key proxy mode sends as ``Authorization``, or ``MissingAPIKeyError``."""
        if not self.provider_api_key:
            raise MissingAPIKeyError(
                "provider_api_key",
                "proxy mode needs the provider's API key",
                f"Pass provider_api_key='sk-...' or set {ENV_PROVIDER_API_KEY} "
                "(or use mode='gateway', which needs only the Helicone key)",
            )
        return self.provider_api_key.get_secret_value()

    def describe(self) -> Iterator[tuple[str, str, str]]:
        """``(field, shown value, source)`` for every field, keys masked (``helicone config``)."""
        for name in FIELDS:
            value = getattr(self, name)
            source = self._sources.get(name)
            yield name, _show(value), str(source) if source else "unset"

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"HeliconeConfig is immutable; use config.replace({name}=...)")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("HeliconeConfig is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HeliconeConfig):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in FIELDS)

    __hash__ = None  # type: ignore[assignment]  # holds mappings; equality is by value

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={_show(getattr(self, name))}"
            for name in FIELDS
            if name in self._explicit or name in ("api_base", "mode")
        )
        return f"HeliconeConfig({shown})"

    def __copy__(self) -> HeliconeConfig:
        return self  # immutable

    def __deepcopy__(self, memo: dict[int, Any]) -> HeliconeConfig:
        # Without this, deepcopy would go through __reduce__ and lose the keys, which only a
        # pickle must leave out (a deep-copied LlamaIndex LLM lost its key that way).
        return self

    def __reduce__(self) -> tuple[Callable[..., HeliconeConfig], tuple[dict[str, Any]]]:
        # A pickle never carries a key: explicit keys and credential headers are left out, and
        # the unpickled config resolves keys from its own process's environment.
        state: dict[str, Any] = {}
        for name, value in self._explicit.items():
            if isinstance(value, Secret):
                continue
            if isinstance(value, Mapping):
                value = {k: v for k, v in value.items() if k.lower() not in SENSITIVE_HEADERS}
            state[name] = value
        return (HeliconeConfig.from_mapping, (state,))


def config_from(
    config: HeliconeConfig | None = None, **arguments: Unpack[ConfigArguments]
) -> HeliconeConfig:
    """The config an adapter is built from: ``config`` with ``arguments`` applied, or a new one.

    Adapters call this so a ready ``HeliconeConfig`` and keyword arguments combine the same way
    everywhere: the arguments win, as explicit arguments.
    """
    if config is None:
        return HeliconeConfig(**arguments)
    if not isinstance(config, HeliconeConfig):
        raise TypeError(f"config must be a HeliconeConfig, not {type(config).__name__}")
    given = {name: value for name, value in arguments.items() if value is not None}
    return config.replace(**given) if given else config


def _show(value: object) -> str:
    if isinstance(value, Mapping):
        return repr(redact_headers(value))
    if isinstance(value, (enum.Enum, RateLimitPolicy)) or is_instance(value, "uuid", "UUID"):
        return repr(str(value))
    return repr(value)
