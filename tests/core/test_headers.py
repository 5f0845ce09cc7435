"""build_headers: authentication per mode, the layer order, case-insensitive merging, scopes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from helicone_core import HeliconeConfig, InvalidOptionError, MissingAPIKeyError, build_headers
from helicone_core.headers import auth_headers, merge_headers, scope_overrides
from helicone_core.plugins import hooks

pytestmark = pytest.mark.usefixtures("isolated_core")

KEY = "sk-helicone-headers-test-key"
PROVIDER_KEY = "sk-openai-provider-test-key"


@pytest.fixture
def set_plugin_headers(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[HeliconeConfig]]:
    """Make ``hooks.request_headers(config)`` return the given layers; returns the configs seen."""
    seen: list[HeliconeConfig] = []

    def install(*layers: tuple[str, Mapping[str, Any]]) -> list[HeliconeConfig]:
        def request_headers(config: HeliconeConfig) -> list[tuple[str, Mapping[str, Any]]]:
            seen.append(config)
            return list(layers)

        monkeypatch.setattr(hooks, "request_headers", request_headers)
        return seen

    return install


def assert_one_spelling_per_name(headers: Mapping[str, str]) -> None:
    lowered = [name.lower() for name in headers]
    assert len(lowered) == len(set(lowered)), list(headers)


# --- authentication -----------------------------------------------------------------------------

#: (id, config kwargs, expected headers)
AUTH_CASES: list[tuple[str, dict[str, Any], dict[str, str]]] = [
    ("gateway", {"api_key": KEY}, {"Authorization": f"Bearer {KEY}"}),
    (
        "gateway-ignores-provider-key",
        {"api_key": KEY, "provider_api_key": PROVIDER_KEY},
        {"Authorization": f"Bearer {KEY}"},
    ),
    (
        "proxy",
        {"api_key": KEY, "mode": "proxy", "provider_api_key": PROVIDER_KEY},
        {"Authorization": f"Bearer {PROVIDER_KEY}", "Helicone-Auth": f"Bearer {KEY}"},
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "expected"), [c[1:] for c in AUTH_CASES], ids=[c[0] for c in AUTH_CASES]
)
def test_authentication_headers(kwargs: dict[str, Any], expected: dict[str, str]) -> None:
    config = HeliconeConfig(**kwargs)
    assert auth_headers(config) == expected
    assert build_headers(config) == expected


def test_keys_from_the_environment_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELICONE_API_KEY", KEY)
    monkeypatch.setenv("HELICONE_PROVIDER_API_KEY", PROVIDER_KEY)
    assert build_headers(HeliconeConfig(mode="proxy")) == {
        "Authorization": f"Bearer {PROVIDER_KEY}",
        "Helicone-Auth": f"Bearer {KEY}",
    }


#: (id, config kwargs, the field the MissingAPIKeyError names, env var it mentions)
MISSING_KEY_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("gateway-no-key", {}, "api_key", "HELICONE_API_KEY"),
    ("proxy-no-keys", {"mode": "proxy"}, "api_key", "HELICONE_API_KEY"),
    (
        "proxy-no-helicone-key",
        {"mode": "proxy", "provider_api_key": PROVIDER_KEY},
        "api_key",
        "HELICONE_API_KEY",
    ),
    (
        "proxy-no-provider-key",
        {"mode": "proxy", "api_key": KEY},
        "provider_api_key",
        "HELICONE_PROVIDER_API_KEY",
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "field", "env_var"),
    [c[1:] for c in MISSING_KEY_CASES],
    ids=[c[0] for c in MISSING_KEY_CASES],
)
def test_missing_key_raises_naming_the_field(
    kwargs: dict[str, Any], field: str, env_var: str
) -> None:
    config = HeliconeConfig(**kwargs)
    with pytest.raises(MissingAPIKeyError) as excinfo:
        build_headers(config)
    assert excinfo.value.field == field
    assert str(excinfo.value).startswith(f"{field}: ")
    assert env_var in str(excinfo.value)


# --- layers -------------------------------------------------------------------------------------

AUTH = {"Authorization": f"Bearer {KEY}"}

#: (id, plugin layers, config kwargs besides api_key, expected headers)
LAYER_CASES: list[tuple[str, list[tuple[str, dict[str, str]]], dict[str, Any], dict[str, str]]] = [
    ("built-in-only", [], {}, AUTH),
    (
        "plugin-adds",
        [("p", {"X-Team": "search"})],
        {},
        {**AUTH, "X-Team": "search"},
    ),
    (
        "plugin-beats-built-in",
        [("p", {"authorization": "Bearer plugin"})],
        {},
        {"authorization": "Bearer plugin"},
    ),
    (
        "option-beats-plugin",
        [("p", {"helicone-user-id": "from-plugin"})],
        {"user_id": "from-option"},
        {**AUTH, "Helicone-User-Id": "from-option"},
    ),
    (
        "property-option-beats-plugin",
        [("p", {"HELICONE-PROPERTY-ENV": "plugin"})],
        {"properties": {"Env": "option"}},
        {**AUTH, "Helicone-Property-Env": "option"},
    ),
    (
        "config-header-beats-option",
        [],
        {"user_id": "from-option", "headers": {"HELICONE-USER-ID": "from-headers"}},
        {**AUTH, "HELICONE-USER-ID": "from-headers"},
    ),
    (
        "config-header-beats-plugin",
        [("p", {"X-Team": "plugin"})],
        {"headers": {"x-team": "config"}},
        {**AUTH, "x-team": "config"},
    ),
    (
        "config-header-beats-built-in",
        [],
        {"headers": {"AUTHORIZATION": "Bearer custom"}},
        {"AUTHORIZATION": "Bearer custom"},
    ),
    (
        "config-header-beats-everything",
        [("p", {"helicone-cache-enabled": "false"})],
        {"cache_enabled": True, "headers": {"Helicone-Cache-Enabled": "false"}},
        {**AUTH, "Helicone-Cache-Enabled": "false"},
    ),
    (
        "later-plugin-layer-wins",
        [("a", {"X-P": "a", "X-A": "1"}), ("b", {"x-p": "b", "X-B": "2"})],
        {},
        {**AUTH, "x-p": "b", "X-A": "1", "X-B": "2"},
    ),
    (
        "distinct-headers-from-every-layer",
        [("p", {"X-Plugin": "1"})],
        {"cache_enabled": True, "headers": {"X-Custom": "2"}},
        {**AUTH, "X-Plugin": "1", "Helicone-Cache-Enabled": "true", "X-Custom": "2"},
    ),
]


@pytest.mark.parametrize(
    ("plugin_layers", "kwargs", "expected"),
    [c[1:] for c in LAYER_CASES],
    ids=[c[0] for c in LAYER_CASES],
)
def test_layer_precedence(
    set_plugin_headers: Callable[..., list[HeliconeConfig]],
    plugin_layers: list[tuple[str, dict[str, str]]],
    kwargs: dict[str, Any],
    expected: dict[str, str],
) -> None:
    set_plugin_headers(*plugin_layers)
    headers = build_headers(HeliconeConfig(api_key=KEY, **kwargs))
    assert headers == expected
    assert_one_spelling_per_name(headers)


def test_proxy_mode_layers(set_plugin_headers: Callable[..., list[HeliconeConfig]]) -> None:
    set_plugin_headers(("p", {"helicone-auth": "Bearer plugin"}))
    config = HeliconeConfig(
        api_key=KEY, mode="proxy", provider_api_key=PROVIDER_KEY, user_id="alice"
    )
    assert build_headers(config) == {
        "Authorization": f"Bearer {PROVIDER_KEY}",
        "helicone-auth": "Bearer plugin",
        "Helicone-User-Id": "alice",
    }


def test_plugin_hook_receives_the_config(
    set_plugin_headers: Callable[..., list[HeliconeConfig]],
) -> None:
    seen = set_plugin_headers(("p", {"X-A": "1"}))
    config = HeliconeConfig(api_key=KEY)
    build_headers(config)
    assert seen == [config]
    assert seen[0] is config


#: (id, plugin headers, the field named)
BAD_PLUGIN_HEADERS: list[tuple[str, dict[Any, Any], str]] = [
    ("name-space", {"X A": "1"}, "headers"),
    ("name-colon", {"X-A:": "1"}, "headers"),
    ("name-empty", {"": "1"}, "headers"),
    ("name-trailing-LF", {"X-A\n": "1"}, "headers"),
    ("value-LF", {"X-A": "1\r\nX-Evil: 1"}, "headers['X-A']"),
    ("value-non-ascii", {"X-A": "é"}, "headers['X-A']"),
    ("value-empty", {"X-A": ""}, "headers['X-A']"),
    ("value-not-str", {"X-A": 1}, "headers['X-A']"),
]


@pytest.mark.parametrize(
    ("plugin_headers", "field"),
    [c[1:] for c in BAD_PLUGIN_HEADERS],
    ids=[c[0] for c in BAD_PLUGIN_HEADERS],
)
def test_invalid_plugin_header_names_the_plugin(
    set_plugin_headers: Callable[..., list[HeliconeConfig]],
    plugin_headers: dict[Any, Any],
    field: str,
) -> None:
    set_plugin_headers(("badplugin", plugin_headers))
    with pytest.raises(InvalidOptionError) as excinfo:
        build_headers(HeliconeConfig(api_key=KEY))
    assert excinfo.value.field == field
    assert "'badplugin'" in str(excinfo.value)


def test_build_headers_mutates_nothing(
    set_plugin_headers: Callable[..., list[HeliconeConfig]],
) -> None:
    plugin_layer = {"X-Team": "plugin", "x-shared": "plugin"}
    set_plugin_headers(("p", plugin_layer))
    given_headers = {"X-Shared": "config"}
    config = HeliconeConfig(api_key=KEY, headers=given_headers)
    first = build_headers(config)
    first["X-Injected"] = "1"
    second = build_headers(config)
    assert "X-Injected" not in second
    assert second == {**AUTH, "X-Team": "plugin", "X-Shared": "config"}
    assert plugin_layer == {"X-Team": "plugin", "x-shared": "plugin"}
    assert given_headers == {"X-Shared": "config"}
    assert dict(config.headers) == {"X-Shared": "config"}


def test_property_names_differing_in_case_are_not_silently_dropped() -> None:
    # Either refused up front or both values sent; never one of them silently lost.
    outcome = _build({"properties": {"env": "prod", "ENV": "dev"}})
    if isinstance(outcome, InvalidOptionError):
        assert outcome.field == "properties"
    else:
        sent = {name.lower(): value for name, value in outcome.items()}
        assert len(sent) == len(outcome)
        assert sorted(v for n, v in outcome.items() if n.lower() == "helicone-property-env") == [
            "dev",
            "prod",
        ]


# --- merge_headers ------------------------------------------------------------------------------

#: (id, layers, merged)
MERGE_CASES: list[tuple[str, list[dict[str, str]], dict[str, str]]] = [
    ("nothing", [], {}),
    ("one-layer", [{"A": "1"}], {"A": "1"}),
    ("distinct-names", [{"A": "1"}, {"B": "2"}], {"A": "1", "B": "2"}),
    ("later-wins-same-spelling", [{"A": "1"}, {"A": "2"}], {"A": "2"}),
    ("later-wins-and-its-spelling-kept", [{"X-Trace": "1"}, {"x-TRACE": "2"}], {"x-TRACE": "2"}),
    ("empty-layer-changes-nothing", [{"A": "1"}, {}], {"A": "1"}),
    ("last-of-many", [{"X": "1"}, {"x": "2"}, {}, {"X": "3"}], {"X": "3"}),
    ("two-spellings-in-one-layer", [{"A": "1", "a": "2"}], {"a": "2"}),
]


@pytest.mark.parametrize(
    ("layers", "expected"), [c[1:] for c in MERGE_CASES], ids=[c[0] for c in MERGE_CASES]
)
def test_merge_headers(layers: list[dict[str, str]], expected: dict[str, str]) -> None:
    snapshot = [dict(layer) for layer in layers]
    merged = merge_headers(*layers)
    assert merged == expected
    assert_one_spelling_per_name(merged)
    assert layers == snapshot  # inputs untouched


def test_merge_headers_accepts_httpx_headers() -> None:
    merged = merge_headers(httpx.Headers({"X-A": "1"}), {"x-a": "2"})
    assert merged == {"x-a": "2"}


# --- scope_overrides ----------------------------------------------------------------------------

CONFIGURED = {"authorization": f"Bearer {KEY}", "helicone-user-id": "configured"}

#: (id, headers as sent, scope headers, what scope_overrides sets)
SCOPE_CASES: list[tuple[str, dict[str, str], dict[str, str], list[tuple[str, str]]]] = [
    (
        "absent-is-set",
        {"Authorization": f"Bearer {KEY}"},
        {"Helicone-Session-Id": "s1"},
        [("Helicone-Session-Id", "s1")],
    ),
    (
        "equal-to-configured-is-replaced",
        {"Helicone-User-Id": "configured"},
        {"Helicone-User-Id": "scoped"},
        [("Helicone-User-Id", "scoped")],
    ),
    (
        "equal-to-configured-other-case-is-replaced",
        {"helicone-user-id": "configured"},
        {"HELICONE-USER-ID": "scoped"},
        [("HELICONE-USER-ID", "scoped")],
    ),
    (
        "per-call-value-wins",
        {"Helicone-User-Id": "per-call"},
        {"Helicone-User-Id": "scoped"},
        [],
    ),
    (
        "per-call-header-not-configured-wins",
        {"Helicone-Session-Id": "per-call"},
        {"Helicone-Session-Id": "scoped"},
        [],
    ),
    (
        "per-call-other-case-wins",
        {"HELICONE-SESSION-ID": "per-call"},
        {"helicone-session-id": "scoped"},
        [],
    ),
    (
        "mixed",
        {"Helicone-User-Id": "configured", "Helicone-Session-Id": "per-call"},
        {"Helicone-User-Id": "u", "Helicone-Session-Id": "s", "Helicone-Property-A": "a"},
        [("Helicone-User-Id", "u"), ("Helicone-Property-A", "a")],
    ),
    ("empty-scope", {"Helicone-User-Id": "configured"}, {}, []),
]


@pytest.mark.parametrize(
    ("sent", "scoped", "expected"),
    [c[1:] for c in SCOPE_CASES],
    ids=[c[0] for c in SCOPE_CASES],
)
def test_scope_overrides(
    sent: dict[str, str], scoped: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    request_headers = httpx.Headers(sent)  # what the transport passes: case-insensitive
    assert list(scope_overrides(request_headers, CONFIGURED, scoped)) == expected


def test_scope_overrides_applied_like_the_transport_does() -> None:
    config = HeliconeConfig(api_key=KEY, user_id="configured", session_name="configured")
    configured = {name.lower(): value for name, value in build_headers(config).items()}
    request = httpx.Request(
        "POST",
        "https://ai-gateway.helicone.ai/v1/chat/completions",
        headers={**build_headers(config), "Helicone-Session-Name": "per-call"},
    )
    scoped = {"Helicone-User-Id": "scoped", "Helicone-Session-Name": "scoped", "X-S": "1"}
    for name, value in scope_overrides(request.headers, configured, scoped):
        request.headers[name] = value
    assert request.headers["Helicone-User-Id"] == "scoped"
    assert request.headers["Helicone-Session-Name"] == "per-call"
    assert request.headers["X-S"] == "1"
    assert request.headers["Authorization"] == f"Bearer {KEY}"


# --- property: anything in, either safe headers or InvalidOptionError -----------------------------

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def assert_sendable(headers: Mapping[str, str]) -> None:
    """Every name is an RFC 9110 token; every value a single line of printable ASCII.

    HTAB is allowed inside a value (RFC 9110 field-vchar / HTAB), never at either end.
    """
    for name, value in headers.items():
        assert isinstance(name, str)
        assert isinstance(value, str)
        assert _TOKEN.fullmatch(name), repr(name)
        assert value, name
        assert len(value) <= 8192, name
        assert all(0x20 <= ord(c) <= 0x7E or c == "\t" for c in value), (name, value)
        assert value == value.strip(" \t"), (name, value)
        assert "\r" not in name + value
        assert "\n" not in name + value
        assert "\x00" not in name + value


def _text_option(name: str) -> Callable[[str], dict[str, Any]]:
    return lambda text: {name: text}


#: (target id, how the text becomes config kwargs, the field an error must name)
TARGETS: list[tuple[str, Callable[[str], dict[str, Any]], str]] = [
    *[
        (name, _text_option(name), name)
        for name in [
            "user_id",
            "session_id",
            "session_path",
            "session_name",
            "cache_seed",
            "prompt_id",
            "model_override",
            "token_limit_handler",
            "llm_security",
            "rate_limit_policy",
            "request_id",
            "posthog_key",
            "posthog_host",
        ]
    ],
    ("property-name", lambda text: {"properties": {text: "value"}}, "properties"),
    ("property-value", lambda text: {"properties": {"name": text}}, "properties['name']"),
    ("cache-ignore-key", lambda text: {"cache_ignore_keys": ["user", text]}, "cache_ignore_keys"),
    ("header-name", lambda text: {"headers": {text: "value"}}, "headers"),
    ("header-value", lambda text: {"headers": {"X-Custom": text}}, "headers['X-Custom']"),
]

NASTY = [
    "a\n",
    "a\r\nX-Injected: 1",
    "\x00",
    "\x7f",
    "é",
    "\u2028",
    " ",
    "",
    "/ok",
    "http://[",
    "https://h.example/?",
    "²;w=60",
    "100;w=60;s=user",
    "8f14e45f-ceea-467a-9575-1ff1a0c1d3e6",
    "advanced",
    "middle-out",
]

texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="ascii"), max_size=40),
    st.sampled_from(NASTY),
    st.sampled_from(NASTY).flatmap(lambda n: st.text(max_size=5).map(lambda t: t + n)),
)


@pytest.mark.parametrize(
    ("to_kwargs", "field"), [t[1:] for t in TARGETS], ids=[t[0] for t in TARGETS]
)
@settings(
    max_examples=60,
    deadline=None,
)
@given(text=texts)
@example(text="env\n")  # passes a `$`-anchored token regex
@example(text="http://[::1")  # urlsplit raises ValueError
@example(text="²;w=60")  # str.isdigit but not int()
@example(text="ok\r\nX-Injected: 1")
@example(text="\x00")
@example(text="ok")
def test_any_text_gives_sendable_headers_or_invalid_option_error(
    to_kwargs: Callable[[str], dict[str, Any]], field: str, text: str
) -> None:
    outcome = _build(to_kwargs(text))
    if isinstance(outcome, InvalidOptionError):
        assert isinstance(outcome, ValueError)
        assert outcome.field == field
        assert str(outcome).startswith(f"{field}: ")
    else:
        assert_sendable(outcome)


def _build(kwargs: dict[str, Any]) -> dict[str, str] | InvalidOptionError:
    """The headers for a config of ``kwargs``, or the InvalidOptionError; others propagate."""
    try:
        return build_headers(HeliconeConfig(api_key=KEY, **kwargs))
    except InvalidOptionError as exc:
        return exc
