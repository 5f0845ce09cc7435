"""HeliconeConfig: resolution precedence with provenance, validation, immutability, replace()."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import pytest

from helicone_core import (
    DEFAULT_API_BASE,
    HeliconeConfig,
    InvalidOptionError,
    MissingAPIKeyError,
    Mode,
    Secret,
    ValueSource,
)
from helicone_core.config import (
    DEFAULT_PROXY_API_BASE,
    DEFAULT_REST_BASE,
    FIELDS,
    resolve,
)
from helicone_core.options import OPTION_NAMES
from helicone_core.plugins import hooks

pytestmark = pytest.mark.usefixtures("isolated_core")

ARG_KEY = "sk-helicone-argument-key-0001"
ENV_KEY = "sk-helicone-environment-key-0002"
PLUGIN_KEY = "sk-helicone-plugin-key-0003"
ARG_BASE = "https://argument.example.com/v1"
ENV_BASE = "https://environment.example.com/v1"
PLUGIN_BASE = "https://plugin.example.com/v1"

NOT_GIVEN = object()


@pytest.fixture
def set_plugin_defaults(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Make ``hooks.config_defaults()`` return ``[(plugin, defaults), ...]``."""

    def install(*entries: tuple[str, Mapping[str, Any]]) -> None:
        monkeypatch.setattr(hooks, "config_defaults", lambda: list(entries))

    return install


def secret_value(value: Any) -> Any:
    return value.get_secret_value() if isinstance(value, Secret) else value


# --- precedence --------------------------------------------------------------------------------

#: (id, field, env var, argument, environment, plugin default, expected value, expected source)
PRECEDENCE: list[tuple[str, str, str, Any, Any, Any, Any, ValueSource | None]] = [
    # api_key: no built-in default
    *[
        (f"api_key-{case}", "api_key", "HELICONE_API_KEY", *rest)
        for case, *rest in [
            ("argument-only", ARG_KEY, None, None, ARG_KEY, ValueSource("argument")),
            (
                "environment-only",
                NOT_GIVEN,
                ENV_KEY,
                None,
                ENV_KEY,
                ValueSource("environment", "HELICONE_API_KEY"),
            ),
            (
                "plugin-only",
                NOT_GIVEN,
                None,
                PLUGIN_KEY,
                PLUGIN_KEY,
                ValueSource("plugin", "myplugin"),
            ),
            ("nothing", NOT_GIVEN, None, None, None, None),
            ("argument-beats-all", ARG_KEY, ENV_KEY, PLUGIN_KEY, ARG_KEY, ValueSource("argument")),
            (
                "environment-beats-plugin",
                NOT_GIVEN,
                ENV_KEY,
                PLUGIN_KEY,
                ENV_KEY,
                ValueSource("environment", "HELICONE_API_KEY"),
            ),
            (
                "none-argument-falls-back-to-environment",
                None,
                ENV_KEY,
                PLUGIN_KEY,
                ENV_KEY,
                ValueSource("environment", "HELICONE_API_KEY"),
            ),
            (
                "empty-environment-is-unset",
                NOT_GIVEN,
                "",
                PLUGIN_KEY,
                PLUGIN_KEY,
                ValueSource("plugin", "myplugin"),
            ),
            (
                "secret-argument",
                Secret(ARG_KEY),
                ENV_KEY,
                None,
                ARG_KEY,
                ValueSource("argument"),
            ),
        ]
    ],
    # api_base: built-in default
    *[
        (f"api_base-{case}", "api_base", "HELICONE_API_BASE", *rest)
        for case, *rest in [
            ("argument-only", ARG_BASE, None, None, ARG_BASE, ValueSource("argument")),
            (
                "environment-only",
                NOT_GIVEN,
                ENV_BASE,
                None,
                ENV_BASE,
                ValueSource("environment", "HELICONE_API_BASE"),
            ),
            (
                "plugin-only",
                NOT_GIVEN,
                None,
                PLUGIN_BASE,
                PLUGIN_BASE,
                ValueSource("plugin", "myplugin"),
            ),
            ("built-in-default", NOT_GIVEN, None, None, DEFAULT_API_BASE, ValueSource("default")),
            (
                "argument-beats-all",
                ARG_BASE,
                ENV_BASE,
                PLUGIN_BASE,
                ARG_BASE,
                ValueSource("argument"),
            ),
            (
                "environment-beats-plugin",
                NOT_GIVEN,
                ENV_BASE,
                PLUGIN_BASE,
                ENV_BASE,
                ValueSource("environment", "HELICONE_API_BASE"),
            ),
            (
                "none-argument-falls-back-to-environment",
                None,
                ENV_BASE,
                None,
                ENV_BASE,
                ValueSource("environment", "HELICONE_API_BASE"),
            ),
            (
                "none-argument-falls-back-to-plugin",
                None,
                None,
                PLUGIN_BASE,
                PLUGIN_BASE,
                ValueSource("plugin", "myplugin"),
            ),
            (
                "none-argument-falls-back-to-default",
                None,
                None,
                None,
                DEFAULT_API_BASE,
                ValueSource("default"),
            ),
            (
                "empty-environment-is-unset",
                NOT_GIVEN,
                "",
                None,
                DEFAULT_API_BASE,
                ValueSource("default"),
            ),
            (
                "environment-trailing-slash-stripped",
                NOT_GIVEN,
                ENV_BASE + "/",
                None,
                ENV_BASE,
                ValueSource("environment", "HELICONE_API_BASE"),
            ),
        ]
    ],
    # provider_api_key and rest_base read their own variables
    (
        "provider_api_key-environment",
        "provider_api_key",
        "HELICONE_PROVIDER_API_KEY",
        NOT_GIVEN,
        "sk-openai-env",
        None,
        "sk-openai-env",
        ValueSource("environment", "HELICONE_PROVIDER_API_KEY"),
    ),
    (
        "provider_api_key-argument",
        "provider_api_key",
        "HELICONE_PROVIDER_API_KEY",
        "sk-openai-arg",
        "sk-openai-env",
        None,
        "sk-openai-arg",
        ValueSource("argument"),
    ),
    (
        "rest_base-default",
        "rest_base",
        "HELICONE_REST_BASE",
        NOT_GIVEN,
        None,
        None,
        DEFAULT_REST_BASE,
        ValueSource("default"),
    ),
    (
        "rest_base-environment",
        "rest_base",
        "HELICONE_REST_BASE",
        NOT_GIVEN,
        "https://eu.api.helicone.ai",
        "https://plugin.api.example.com",
        "https://eu.api.helicone.ai",
        ValueSource("environment", "HELICONE_REST_BASE"),
    ),
    (
        "rest_base-plugin",
        "rest_base",
        "HELICONE_REST_BASE",
        NOT_GIVEN,
        None,
        "https://plugin.api.example.com",
        "https://plugin.api.example.com",
        ValueSource("plugin", "myplugin"),
    ),
]


@pytest.mark.parametrize(
    ("field", "env_var", "argument", "environment", "plugin", "expected", "source"),
    [case[1:] for case in PRECEDENCE],
    ids=[case[0] for case in PRECEDENCE],
)
def test_resolution_precedence_and_provenance(
    monkeypatch: pytest.MonkeyPatch,
    set_plugin_defaults: Callable[..., None],
    field: str,
    env_var: str,
    argument: Any,
    environment: str | None,
    plugin: Any,
    expected: Any,
    source: ValueSource | None,
) -> None:
    if environment is not None:
        monkeypatch.setenv(env_var, environment)
    if plugin is not None:
        set_plugin_defaults(("myplugin", {field: plugin}))
    kwargs = {} if argument is NOT_GIVEN else {field: argument}
    config = HeliconeConfig(**kwargs)
    assert secret_value(getattr(config, field)) == expected
    assert config.sources.get(field) == source
    if field in ("api_key", "provider_api_key") and expected is not None:
        assert isinstance(getattr(config, field), Secret)


def test_first_plugin_default_wins(set_plugin_defaults: Callable[..., None]) -> None:
    set_plugin_defaults(
        ("first", {"user_id": "from-first"}),
        ("second", {"user_id": "from-second", "session_name": "from-second"}),
    )
    config = HeliconeConfig()
    assert config.user_id == "from-first"
    assert config.sources["user_id"] == ValueSource("plugin", "first")
    assert config.session_name == "from-second"
    assert config.sources["session_name"] == ValueSource("plugin", "second")


def test_plugin_default_none_means_not_given(set_plugin_defaults: Callable[..., None]) -> None:
    set_plugin_defaults(("first", {"user_id": None}), ("second", {"user_id": "b"}))
    config = HeliconeConfig()
    assert config.user_id == "b"
    assert config.sources["user_id"] == ValueSource("plugin", "second")


def test_options_are_resolved_from_arguments_and_plugins(
    set_plugin_defaults: Callable[..., None],
) -> None:
    set_plugin_defaults(("myplugin", {"cache_enabled": True, "user_id": "plugin-user"}))
    config = HeliconeConfig(user_id="alice")
    assert config.user_id == "alice"
    assert config.sources["user_id"] == ValueSource("argument")
    assert config.cache_enabled is True
    assert config.sources["cache_enabled"] == ValueSource("plugin", "myplugin")
    assert "session_id" not in config.sources
    assert config.session_id is None


def test_unset_fields_have_no_source() -> None:
    config = HeliconeConfig()
    assert set(config.sources) == {
        "mode",
        "api_base",
        "rest_base",
        "timeout",
        "max_retries",
        "headers",
        "verify",
        "max_connections",
        "max_keepalive_connections",
    }
    assert all(source == ValueSource("default") for source in config.sources.values())
    assert config.api_key is None
    assert config.provider_api_key is None
    assert config.proxy is None
    assert all(getattr(config, name) is None for name in OPTION_NAMES)


def test_built_in_defaults() -> None:
    config = HeliconeConfig()
    assert config.mode is Mode.GATEWAY
    assert config.api_base == DEFAULT_API_BASE == "https://ai-gateway.helicone.ai/v1"
    assert config.rest_base == DEFAULT_REST_BASE == "https://api.helicone.ai"
    assert config.timeout == 600.0
    assert config.max_retries == 2
    assert dict(config.headers) == {}
    assert config.verify is True


def test_openai_variables_are_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    baseline = HeliconeConfig()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-should-not-be-read")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
    monkeypatch.setenv("OPENAI_API_BASE", "https://api.openai.com/v1")
    config = HeliconeConfig()
    assert config == baseline
    assert config.api_key is None
    assert config.provider_api_key is None
    assert config.api_base == DEFAULT_API_BASE
    assert dict(config.sources) == dict(baseline.sources)
    with pytest.raises(MissingAPIKeyError):
        config.require_api_key()


def test_resolve_is_pure_over_its_inputs() -> None:
    values, sources = resolve(
        {"user_id": "u", "api_key": None},
        {"HELICONE_API_KEY": ENV_KEY, "OPENAI_API_KEY": "nope"},
        [("p", {"session_name": "s"})],
    )
    assert secret_value(values["api_key"]) == ENV_KEY
    assert sources["api_key"] == ValueSource("environment", "HELICONE_API_KEY")
    assert values["user_id"] == "u"
    assert sources["user_id"] == ValueSource("argument")
    assert sources["session_name"] == ValueSource("plugin", "p")


# --- mode ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["proxy", Mode.PROXY], ids=["str", "enum"])
def test_proxy_mode_changes_the_default_api_base(mode: Any) -> None:
    config = HeliconeConfig(mode=mode)
    assert config.mode is Mode.PROXY
    assert config.api_base == DEFAULT_PROXY_API_BASE == "https://oai.helicone.ai/v1"
    assert config.sources["api_base"] == ValueSource("default")
    assert config.sources["mode"] == ValueSource("argument")


def test_proxy_mode_from_plugin_changes_the_default_api_base(
    set_plugin_defaults: Callable[..., None],
) -> None:
    set_plugin_defaults(("myplugin", {"mode": "proxy"}))
    config = HeliconeConfig()
    assert config.mode is Mode.PROXY
    assert config.sources["mode"] == ValueSource("plugin", "myplugin")
    assert config.api_base == DEFAULT_PROXY_API_BASE


def test_proxy_mode_keeps_a_given_api_base(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELICONE_API_BASE", ENV_BASE)
    assert HeliconeConfig(mode="proxy").api_base == ENV_BASE
    assert HeliconeConfig(mode="proxy", api_base=ARG_BASE).api_base == ARG_BASE


def test_gateway_mode_is_the_default_and_str_is_its_value() -> None:
    assert HeliconeConfig(mode="gateway").mode is Mode.GATEWAY
    assert str(Mode.GATEWAY) == "gateway"
    assert str(Mode.PROXY) == "proxy"


@pytest.mark.parametrize("mode", ["Proxy", "GATEWAY", "direct", "", 1, True], ids=repr)
def test_invalid_mode(mode: Any) -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        HeliconeConfig(mode=mode)
    assert excinfo.value.field == "mode"
    assert "'gateway'" in str(excinfo.value)


# --- error provenance ---------------------------------------------------------------------------

#: (id, env var, value, field)
BAD_ENVIRONMENT: list[tuple[str, str, str, str]] = [
    ("api-base-ftp", "HELICONE_API_BASE", "ftp://gateway.example.com", "api_base"),
    ("api-base-no-scheme", "HELICONE_API_BASE", "gateway.example.com/v1", "api_base"),
    ("api-base-trailing-space", "HELICONE_API_BASE", "https://gateway.example.com ", "api_base"),
    ("rest-base-query", "HELICONE_REST_BASE", "https://api.example.com?x=1", "rest_base"),
    ("api-key-LF", "HELICONE_API_KEY", "sk-helicone-abc\nxyz", "api_key"),
    ("api-key-trailing-LF", "HELICONE_API_KEY", "sk-helicone-abc\n", "api_key"),
    ("api-key-non-ascii", "HELICONE_API_KEY", "sk-helicone-é", "api_key"),
    ("provider-key-space", "HELICONE_PROVIDER_API_KEY", " sk-openai", "provider_api_key"),
]


@pytest.mark.parametrize(
    ("env_var", "value", "field"),
    [case[1:] for case in BAD_ENVIRONMENT],
    ids=[case[0] for case in BAD_ENVIRONMENT],
)
def test_invalid_environment_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, env_var: str, value: str, field: str
) -> None:
    monkeypatch.setenv(env_var, value)
    with pytest.raises(InvalidOptionError) as excinfo:
        HeliconeConfig()
    exc = excinfo.value
    assert exc.field == field
    assert env_var in str(exc)
    assert exc.fix in str(exc)


def test_invalid_environment_value_is_ignored_when_an_argument_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HELICONE_API_BASE", "ftp://bad")
    assert HeliconeConfig(api_base=ARG_BASE).api_base == ARG_BASE


#: (id, plugin defaults, field)
BAD_PLUGIN_DEFAULTS: list[tuple[str, dict[str, Any], str]] = [
    ("user-id-LF", {"user_id": "a\nb"}, "user_id"),
    ("api-base-ftp", {"api_base": "ftp://x.example.com"}, "api_base"),
    ("retry-num-0", {"retry_num": 0}, "retry_num"),
    ("mode-unknown", {"mode": "direct"}, "mode"),
    ("property-name", {"properties": {"a b": "v"}}, "properties"),
    ("timeout-zero", {"timeout": 0}, "timeout"),
]


@pytest.mark.parametrize(
    ("defaults", "field"),
    [case[1:] for case in BAD_PLUGIN_DEFAULTS],
    ids=[case[0] for case in BAD_PLUGIN_DEFAULTS],
)
def test_invalid_plugin_default_names_the_plugin(
    set_plugin_defaults: Callable[..., None], defaults: dict[str, Any], field: str
) -> None:
    set_plugin_defaults(("myplugin", defaults))
    with pytest.raises(InvalidOptionError) as excinfo:
        HeliconeConfig()
    exc = excinfo.value
    assert exc.field == field
    assert "'myplugin'" in str(exc)
    assert exc.fix in str(exc)


def test_plugin_default_for_unknown_field_is_a_type_error(
    set_plugin_defaults: Callable[..., None],
) -> None:
    set_plugin_defaults(("myplugin", {"colour": "blue"}))
    with pytest.raises(TypeError) as excinfo:
        HeliconeConfig()
    assert "myplugin" in str(excinfo.value)
    assert "colour" in str(excinfo.value)


def test_retry_bounds_are_checked_across_sources(set_plugin_defaults: Callable[..., None]) -> None:
    set_plugin_defaults(("myplugin", {"retry_min_timeout": 5000}))
    with pytest.raises(InvalidOptionError) as excinfo:
        HeliconeConfig(retry_max_timeout=1000)
    assert excinfo.value.field == "retry_max_timeout"


# --- immutability, replace, equality, repr, describe ---------------------------------------------


@pytest.mark.parametrize("name", ["api_key", "api_base", "user_id", "properties", "unknown"])
def test_config_is_immutable(name: str) -> None:
    config = HeliconeConfig(api_key=ARG_KEY, user_id="alice")
    with pytest.raises(AttributeError):
        setattr(config, name, "x")
    with pytest.raises(AttributeError):
        delattr(config, name)
    assert config.user_id == "alice"
    assert not hasattr(config, "__dict__")


def test_mappings_are_read_only_and_copied() -> None:
    props = {"env": "prod"}
    headers = {"X-Trace": "1"}
    config = HeliconeConfig(properties=props, headers=headers)
    props["env"] = "dev"
    headers["X-Trace"] = "2"
    assert dict(config.properties or {}) == {"env": "prod"}
    assert dict(config.headers) == {"X-Trace": "1"}
    with pytest.raises(TypeError):
        config.properties["env"] = "dev"  # type: ignore[index]
    with pytest.raises(TypeError):
        config.headers["X-Trace"] = "3"  # type: ignore[index]


def test_replace_keeps_explicit_values_and_re_resolves_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HELICONE_API_KEY", ENV_KEY)
    monkeypatch.setenv("HELICONE_API_BASE", ENV_BASE)
    config = HeliconeConfig(user_id="alice", api_base=ARG_BASE)
    monkeypatch.setenv("HELICONE_API_KEY", "sk-helicone-rotated-key")
    monkeypatch.setenv("HELICONE_API_BASE", "https://rotated.example.com/v1")

    changed = config.replace(session_id="s-1")

    assert changed is not config
    assert changed.session_id == "s-1"
    assert changed.sources["session_id"] == ValueSource("argument")
    assert changed.user_id == "alice"
    assert changed.sources["user_id"] == ValueSource("argument")
    assert changed.api_base == ARG_BASE  # explicit: kept
    assert secret_value(changed.api_key) == "sk-helicone-rotated-key"  # re-resolved
    assert changed.sources["api_key"] == ValueSource("environment", "HELICONE_API_KEY")
    # the original is untouched
    assert config.session_id is None
    assert secret_value(config.api_key) == ENV_KEY


def test_replace_with_none_drops_an_explicit_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELICONE_API_BASE", ENV_BASE)
    config = HeliconeConfig(api_base=ARG_BASE, user_id="alice")
    dropped = config.replace(api_base=None, user_id=None)
    assert dropped.api_base == ENV_BASE
    assert dropped.sources["api_base"] == ValueSource("environment", "HELICONE_API_BASE")
    assert dropped.user_id is None
    assert "user_id" not in dropped.sources


def test_replace_keeps_an_explicit_key() -> None:
    config = HeliconeConfig(api_key=ARG_KEY)
    assert config.replace(user_id="bob").require_api_key() == ARG_KEY


def test_replace_validates_and_rejects_unknown_fields() -> None:
    config = HeliconeConfig()
    with pytest.raises(InvalidOptionError):
        config.replace(retry_num=0)
    with pytest.raises(TypeError):
        config.replace(colour="blue")


def test_equality_is_by_value() -> None:
    a = HeliconeConfig(api_key=ARG_KEY, user_id="alice", properties={"env": "prod"})
    b = HeliconeConfig(api_key=ARG_KEY, user_id="alice", properties={"env": "prod"})
    assert a == b
    assert a != HeliconeConfig(api_key=ARG_KEY, user_id="bob", properties={"env": "prod"})
    assert a != HeliconeConfig(api_key=ENV_KEY, user_id="alice", properties={"env": "prod"})
    assert a != "not a config"
    with pytest.raises(TypeError):
        hash(a)


def test_equality_ignores_where_a_value_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = HeliconeConfig(api_key=ENV_KEY)
    monkeypatch.setenv("HELICONE_API_KEY", ENV_KEY)
    from_env = HeliconeConfig()
    assert explicit == from_env
    assert explicit.sources["api_key"] != from_env.sources["api_key"]


def test_repr_shows_explicit_fields_but_no_key() -> None:
    config = HeliconeConfig(api_key=ARG_KEY, user_id="alice", mode="proxy", provider_api_key="sk-p")
    text = repr(config)
    assert text.startswith("HeliconeConfig(")
    assert ARG_KEY not in text
    assert "sk-p" not in text
    assert "user_id='alice'" in text
    assert "mode='proxy'" in text
    assert f"api_base='{DEFAULT_PROXY_API_BASE}'" in text
    assert "api_key=Secret('**********')" in text
    assert "session_id" not in text  # unset fields are not shown


def test_describe_masks_keys_and_shows_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELICONE_API_KEY", ENV_KEY)
    config = HeliconeConfig(
        user_id="alice", posthog_key="phc_secretvalue", headers={"Authorization": "Bearer x-y-z"}
    )
    rows = {field: (shown, source) for field, shown, source in config.describe()}
    assert list(rows) == list(FIELDS)
    assert rows["api_key"] == ("Secret('**********')", "environment (HELICONE_API_KEY)")
    assert rows["user_id"] == ("'alice'", "argument")
    assert rows["api_base"] == (repr(DEFAULT_API_BASE), "default")
    assert rows["mode"] == ("'gateway'", "default")
    assert rows["session_id"] == ("None", "unset")
    assert rows["posthog_key"][1] == "argument"
    joined = repr(rows)
    for secret in (ENV_KEY, "phc_secretvalue", "x-y-z"):
        assert secret not in joined


def test_value_source_str() -> None:
    assert str(ValueSource("default")) == "default"
    assert str(ValueSource("environment", "HELICONE_API_KEY")) == "environment (HELICONE_API_KEY)"
    assert str(ValueSource("plugin", "myplugin")) == "plugin (myplugin)"


# --- from_mapping, headers, URLs, timeout --------------------------------------------------------


def test_from_mapping_equals_keyword_construction() -> None:
    values = {"api_key": ARG_KEY, "user_id": "alice", "cache_max_age": timedelta(hours=1)}
    assert HeliconeConfig.from_mapping(values) == HeliconeConfig(**values)
    assert HeliconeConfig.from_mapping({}) == HeliconeConfig()


@pytest.mark.parametrize("unknown", ["colour", "userid", "OPENAI_API_KEY", "_explicit"])
def test_from_mapping_unknown_field_is_a_type_error(unknown: str) -> None:
    with pytest.raises(TypeError) as excinfo:
        HeliconeConfig.from_mapping({"user_id": "a", unknown: "x"})
    assert unknown in str(excinfo.value)


def test_unknown_keyword_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        HeliconeConfig(colour="blue")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Trace": "1", "x-trace": "2"},
        {"Helicone-User-Id": "a", "HELICONE-USER-ID": "b"},
    ],
    ids=["x-trace", "helicone-user-id"],
)
def test_headers_with_two_spellings_of_one_name_are_refused(headers: dict[str, str]) -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        HeliconeConfig(headers=headers)
    assert excinfo.value.field == "headers"


#: (id, headers, field named by the error)
BAD_HEADERS: list[tuple[str, Any, str]] = [
    ("not-a-mapping", [("X-A", "1")], "headers"),
    ("name-with-space", {"X A": "1"}, "headers"),
    ("name-with-colon", {"X-A:": "1"}, "headers"),
    ("name-empty", {"": "1"}, "headers"),
    ("name-trailing-LF", {"X-A\n": "1"}, "headers"),
    ("value-LF", {"X-A": "1\n2"}, "headers['X-A']"),
    ("value-int", {"X-A": 1}, "headers['X-A']"),
    ("value-empty", {"X-A": ""}, "headers['X-A']"),
]


@pytest.mark.parametrize(
    ("headers", "field"), [c[1:] for c in BAD_HEADERS], ids=[c[0] for c in BAD_HEADERS]
)
def test_invalid_headers(headers: Any, field: str) -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        HeliconeConfig(headers=headers)
    assert excinfo.value.field == field


#: (id, URL): base URLs that must be refused.
BAD_URLS: list[tuple[str, Any]] = [
    ("no-scheme", "ai-gateway.helicone.ai/v1"),
    ("ftp", "ftp://ai-gateway.helicone.ai/v1"),
    ("ws", "ws://ai-gateway.helicone.ai/v1"),
    ("scheme-only", "https://"),
    ("no-host-with-port", "https://:443/v1"),
    ("space-inside", "https://ai-gateway.helicone.ai/v 1"),
    ("tab-inside", "https://ai-gateway.helicone.ai/\tv1"),
    ("leading-space", " https://ai-gateway.helicone.ai/v1"),
    ("credentials", "https://user:pass@ai-gateway.helicone.ai/v1"),
    ("username-only", "https://user@ai-gateway.helicone.ai/v1"),
    ("query-string", "https://ai-gateway.helicone.ai/v1?key=abc"),
    ("fragment", "https://ai-gateway.helicone.ai/v1#top"),
    ("empty-query", "https://ai-gateway.helicone.ai/v1?"),
    ("empty-fragment", "https://ai-gateway.helicone.ai/v1#"),
    ("bad-port", "https://ai-gateway.helicone.ai:99999/v1"),
    ("non-numeric-port", "https://ai-gateway.helicone.ai:abc/v1"),
    ("unclosed-ipv6", "http://[::1/v1"),
    ("LF", "https://ai-gateway.helicone.ai/v1\n"),
    ("non-ascii", "https://g\u00e4teway.example.com/v1"),
    ("empty", ""),
    ("not-a-string", 42),
]


@pytest.mark.parametrize("field", ["api_base", "rest_base", "proxy"])
@pytest.mark.parametrize("url", [c[1] for c in BAD_URLS], ids=[c[0] for c in BAD_URLS])
def test_invalid_base_url(field: str, url: Any) -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        HeliconeConfig(**{field: url})
    exc = excinfo.value
    assert exc.field == field
    assert str(exc).startswith(f"{field}: ")
    assert exc.fix in str(exc)


#: (id, URL, resolved)
GOOD_URLS: list[tuple[str, str, str]] = [
    ("plain", "https://ai-gateway.helicone.ai/v1", "https://ai-gateway.helicone.ai/v1"),
    ("trailing-slash", "https://ai-gateway.helicone.ai/v1/", "https://ai-gateway.helicone.ai/v1"),
    ("many-trailing-slashes", "https://gw.example.com/v1///", "https://gw.example.com/v1"),
    ("host-only-slash", "https://gw.example.com/", "https://gw.example.com"),
    ("http-localhost-port", "http://localhost:8787/v1", "http://localhost:8787/v1"),
    ("ipv6", "http://[::1]:8080/v1", "http://[::1]:8080/v1"),
    ("upper-case-scheme", "HTTPS://gw.example.com/v1", "HTTPS://gw.example.com/v1"),
]


@pytest.mark.parametrize(
    ("url", "resolved"), [c[1:] for c in GOOD_URLS], ids=[c[0] for c in GOOD_URLS]
)
def test_valid_base_url(url: str, resolved: str) -> None:
    assert HeliconeConfig(api_base=url).api_base == resolved
    assert HeliconeConfig(rest_base=url).rest_base == resolved


def test_proxy_accepts_socks() -> None:
    assert HeliconeConfig(proxy="socks5://127.0.0.1:1080").proxy == "socks5://127.0.0.1:1080"


@pytest.mark.parametrize(
    "timeout",
    [0, 0.0, -1, -0.5, math.nan, timedelta(0), timedelta(seconds=-1), "30", True],
    ids=["0", "0.0", "-1", "-0.5", "nan", "timedelta-0", "timedelta-negative", "str", "bool"],
)
def test_invalid_timeout(timeout: Any) -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        HeliconeConfig(timeout=timeout)
    assert excinfo.value.field == "timeout"


@pytest.mark.parametrize(
    ("timeout", "seconds"),
    [(30, 30.0), (0.5, 0.5), (timedelta(minutes=2), 120.0)],
    ids=["int", "float", "timedelta"],
)
def test_valid_timeout(timeout: Any, seconds: float) -> None:
    assert HeliconeConfig(timeout=timeout).timeout == seconds


#: (id, field, value)
BAD_CONNECTION: list[tuple[str, str, Any]] = [
    ("max-retries-negative", "max_retries", -1),
    ("max-retries-bool", "max_retries", True),
    ("max-connections-0", "max_connections", 0),
    ("keepalive-negative", "max_keepalive_connections", -1),
    ("verify-missing-bundle", "verify", "/nonexistent/ca-bundle.pem"),
    ("verify-int", "verify", 1),
    ("api-key-int", "api_key", 12345),
    ("api-key-empty", "api_key", ""),
    ("provider-key-bytes", "provider_api_key", b"sk-openai"),
]


@pytest.mark.parametrize(
    ("field", "value"), [c[1:] for c in BAD_CONNECTION], ids=[c[0] for c in BAD_CONNECTION]
)
def test_invalid_connection_field(field: str, value: Any) -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        HeliconeConfig(**{field: value})
    assert excinfo.value.field == field


# --- required keys ------------------------------------------------------------------------------


def test_require_api_key_names_the_environment_variable() -> None:
    with pytest.raises(MissingAPIKeyError) as excinfo:
        HeliconeConfig().require_api_key()
    exc = excinfo.value
    assert isinstance(exc, InvalidOptionError)
    assert isinstance(exc, ValueError)
    assert exc.field == "api_key"
    assert "HELICONE_API_KEY" in str(exc)


def test_require_provider_api_key_names_the_environment_variable() -> None:
    with pytest.raises(MissingAPIKeyError) as excinfo:
        HeliconeConfig(api_key=ARG_KEY, mode="proxy").require_provider_api_key()
    exc = excinfo.value
    assert exc.field == "provider_api_key"
    assert "HELICONE_PROVIDER_API_KEY" in str(exc)
    assert "gateway" in str(exc)


def test_require_keys_return_the_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELICONE_PROVIDER_API_KEY", "sk-openai-env")
    config = HeliconeConfig(api_key=ARG_KEY, mode="proxy")
    assert config.require_api_key() == ARG_KEY
    assert config.require_provider_api_key() == "sk-openai-env"


def test_missing_key_is_not_an_error_until_required() -> None:
    config = HeliconeConfig(user_id="alice")
    assert config.api_key is None
    assert config.options == {"user_id": "alice"}


def test_copies_are_the_config_itself_keys_included() -> None:
    # Immutable, so a copy is the same object; deepcopy must not go through __reduce__, which
    # leaves the keys out for pickles.
    config = HeliconeConfig(api_key="sk-helicone-copy", mode="proxy", provider_api_key="sk-p")
    assert copy.copy(config) is config
    assert copy.deepcopy(config) is config
    assert copy.deepcopy({"config": config})["config"].provider_api_key == config.provider_api_key
