"""The option table: every option's header(s), every validation error, and fallback_models."""

from __future__ import annotations

import collections
import math
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from helicone_core import (
    HeliconeConfig,
    InvalidOptionError,
    RateLimitPolicy,
    build_headers,
    fallback_models,
)
from helicone_core.options import (
    OPTION_NAMES,
    OPTIONS,
    check_model,
    check_options,
    render_options,
)

pytestmark = pytest.mark.usefixtures("isolated_core")

API_KEY = "sk-helicone-test-0123456789"
REQUEST_UUID4 = uuid.UUID("8f14e45f-ceea-467a-9575-1ff1a0c1d3e6")
SESSION_UUID = "1f2e3d4c-5b6a-4789-8abc-def012345678"
POSTHOG_KEY = "phc_SUPERSECRETposthogkey123"

# ---------------------------------------------------------------------------------------------
# Rendering: one representative valid input per option.
# ---------------------------------------------------------------------------------------------

#: (option, input, the exact headers it renders to). One row per option, no more, no less.
RENDER_CASES: list[tuple[str, Any, dict[str, str]]] = [
    ("user_id", "alice@example.com", {"Helicone-User-Id": "alice@example.com"}),
    ("session_id", SESSION_UUID, {"Helicone-Session-Id": SESSION_UUID}),
    ("session_path", "/plan/step-1", {"Helicone-Session-Path": "/plan/step-1"}),
    ("session_name", "Research Agent", {"Helicone-Session-Name": "Research Agent"}),
    (
        "properties",
        {"Environment": "prod", "App-Version": "1.2.3"},
        {"Helicone-Property-Environment": "prod", "Helicone-Property-App-Version": "1.2.3"},
    ),
    ("cache_enabled", True, {"Helicone-Cache-Enabled": "true"}),
    ("cache_max_age", timedelta(days=1), {"Cache-Control": "max-age=86400"}),
    ("cache_bucket_max_size", 3, {"Helicone-Cache-Bucket-Max-Size": "3"}),
    ("cache_seed", "seed-42", {"Helicone-Cache-Seed": "seed-42"}),
    (
        "cache_ignore_keys",
        ["user", "temperature"],
        {"Helicone-Cache-Ignore-Keys": "user,temperature"},
    ),
    ("retry_enabled", True, {"Helicone-Retry-Enabled": "true"}),
    ("retry_num", 3, {"Helicone-Retry-Num": "3"}),
    ("retry_factor", 1.5, {"Helicone-Retry-Factor": "1.5"}),
    ("retry_min_timeout", 1000, {"Helicone-Retry-Min-Timeout": "1000"}),
    ("retry_max_timeout", 10000, {"Helicone-Retry-Max-Timeout": "10000"}),
    ("rate_limit_policy", "100;w=3600;s=user", {"Helicone-RateLimit-Policy": "100;w=3600;s=user"}),
    ("request_id", REQUEST_UUID4, {"Helicone-Request-Id": str(REQUEST_UUID4)}),
    ("prompt_id", "prompt-story", {"Helicone-Prompt-Id": "prompt-story"}),
    ("omit_request", True, {"Helicone-Omit-Request": "true"}),
    ("omit_response", True, {"Helicone-Omit-Response": "true"}),
    (
        "llm_security",
        "advanced",
        {"Helicone-LLM-Security-Enabled": "true", "Helicone-LLM-Security-Advanced": "true"},
    ),
    ("moderations_enabled", True, {"Helicone-Moderations-Enabled": "true"}),
    (
        "token_limit_handler",
        "middle-out",
        {"Helicone-Token-Limit-Exception-Handler": "middle-out"},
    ),
    ("model_override", "gpt-4o-mini", {"Helicone-Model-Override": "gpt-4o-mini"}),
    ("posthog_key", POSTHOG_KEY, {"Helicone-Posthog-Key": POSTHOG_KEY}),
    (
        "posthog_host",
        "https://eu.posthog.com/",
        {"Helicone-Posthog-Host": "https://eu.posthog.com"},
    ),
]


def render(name: str, value: Any) -> dict[str, str]:
    return render_options(check_options({name: value}))


def test_render_table_covers_every_option_exactly_once() -> None:
    counts = collections.Counter(name for name, _, _ in RENDER_CASES)
    duplicated = sorted(name for name, n in counts.items() if n > 1)
    assert duplicated == []
    assert set(counts) == set(OPTION_NAMES), (
        f"untested options: {sorted(set(OPTION_NAMES) - set(counts))}; "
        f"unknown: {sorted(set(counts) - set(OPTION_NAMES))}"
    )


def test_option_names_are_unique_and_documented() -> None:
    names = [option.name for option in OPTIONS]
    assert len(names) == len(set(names))
    assert frozenset(names) == OPTION_NAMES
    assert all(option.doc.strip() for option in OPTIONS)


@pytest.mark.parametrize(
    ("name", "value", "expected"), RENDER_CASES, ids=[case[0] for case in RENDER_CASES]
)
def test_render_representative_value(name: str, value: Any, expected: dict[str, str]) -> None:
    assert render(name, value) == expected


@pytest.mark.parametrize(
    ("name", "value", "expected"), RENDER_CASES, ids=[case[0] for case in RENDER_CASES]
)
def test_config_sends_representative_value(name: str, value: Any, expected: dict[str, str]) -> None:
    headers = build_headers(HeliconeConfig(api_key=API_KEY, **{name: value}))
    assert headers == {"Authorization": f"Bearer {API_KEY}", **expected}


def test_all_options_together_render_every_header_once_in_table_order() -> None:
    values = {name: value for name, value, _ in RENDER_CASES}
    expected: dict[str, str] = {}
    for _, _, headers in RENDER_CASES:
        expected.update(headers)
    rendered = render_options(check_options(values))
    assert rendered == expected
    assert list(rendered) == list(expected)  # OPTIONS order == RENDER_CASES order


def test_session_id_takes_a_uuid_object() -> None:
    assert render("session_id", uuid.UUID(SESSION_UUID)) == {"Helicone-Session-Id": SESSION_UUID}


def test_retry_factor_keeps_its_precision() -> None:
    assert render("retry_factor", 1.2345678) == {"Helicone-Retry-Factor": "1.2345678"}
    assert render("retry_factor", 2.0) == {"Helicone-Retry-Factor": "2"}


def test_none_means_not_set() -> None:
    assert check_options(dict.fromkeys(OPTION_NAMES)) == {}
    assert render_options({}) == {}


BOOL_OPTIONS = {
    "cache_enabled": "Helicone-Cache-Enabled",
    "retry_enabled": "Helicone-Retry-Enabled",
    "omit_request": "Helicone-Omit-Request",
    "omit_response": "Helicone-Omit-Response",
    "moderations_enabled": "Helicone-Moderations-Enabled",
}


@pytest.mark.parametrize("flag", [True, False], ids=["true", "false"])
@pytest.mark.parametrize("name", sorted(BOOL_OPTIONS))
def test_booleans_render_lowercase_true_false(name: str, flag: bool) -> None:
    assert render(name, flag) == {BOOL_OPTIONS[name]: "true" if flag else "false"}


UUID1 = uuid.UUID("a8098c1a-f86e-11da-bd1a-00112444be1e")
UUID3 = uuid.uuid3(uuid.NAMESPACE_DNS, "helicone.ai")
UUID5 = uuid.uuid5(uuid.NAMESPACE_DNS, "helicone.ai")

#: (id, option, input, expected headers): the other input forms each option accepts.
VARIANT_CASES: list[tuple[str, str, Any, dict[str, str]]] = [
    ("max-age-int", "cache_max_age", 3600, {"Cache-Control": "max-age=3600"}),
    ("max-age-zero", "cache_max_age", 0, {"Cache-Control": "max-age=0"}),
    (
        "max-age-365-days",
        "cache_max_age",
        timedelta(days=365),
        {"Cache-Control": "max-age=31536000"},
    ),
    ("max-age-365-days-int", "cache_max_age", 31536000, {"Cache-Control": "max-age=31536000"}),
    ("bucket-1", "cache_bucket_max_size", 1, {"Helicone-Cache-Bucket-Max-Size": "1"}),
    ("bucket-20", "cache_bucket_max_size", 20, {"Helicone-Cache-Bucket-Max-Size": "20"}),
    ("ignore-keys-tuple", "cache_ignore_keys", ("user",), {"Helicone-Cache-Ignore-Keys": "user"}),
    (
        "ignore-keys-generator",
        "cache_ignore_keys",
        (k for k in ["a", "b", "c"]),
        {"Helicone-Cache-Ignore-Keys": "a,b,c"},
    ),
    ("retry-num-1", "retry_num", 1, {"Helicone-Retry-Num": "1"}),
    ("retry-num-20", "retry_num", 20, {"Helicone-Retry-Num": "20"}),
    ("factor-int", "retry_factor", 2, {"Helicone-Retry-Factor": "2"}),
    ("factor-float-whole", "retry_factor", 2.0, {"Helicone-Retry-Factor": "2"}),
    ("factor-1", "retry_factor", 1, {"Helicone-Retry-Factor": "1"}),
    ("factor-10", "retry_factor", 10.0, {"Helicone-Retry-Factor": "10"}),
    ("factor-2.25", "retry_factor", 2.25, {"Helicone-Retry-Factor": "2.25"}),
    ("min-timeout-0", "retry_min_timeout", 0, {"Helicone-Retry-Min-Timeout": "0"}),
    ("max-timeout-600000", "retry_max_timeout", 600_000, {"Helicone-Retry-Max-Timeout": "600000"}),
    (
        "policy-object",
        "rate_limit_policy",
        RateLimitPolicy(quota=1000, window=86400, unit="cents", segment="user"),
        {"Helicone-RateLimit-Policy": "1000;w=86400;u=cents;s=user"},
    ),
    (
        "policy-object-global",
        "rate_limit_policy",
        RateLimitPolicy(quota=10, window=60),
        {"Helicone-RateLimit-Policy": "10;w=60"},
    ),
    (
        "policy-str-property-segment",
        "rate_limit_policy",
        "500;w=60;u=cents;s=organization",
        {"Helicone-RateLimit-Policy": "500;w=60;u=cents;s=organization"},
    ),
    (
        "policy-str-normalized",
        "rate_limit_policy",
        " 100 ; w = 3600 ; u = request ",
        {"Helicone-RateLimit-Policy": "100;w=3600"},
    ),
    (
        "request-id-str",
        "request_id",
        str(REQUEST_UUID4),
        {"Helicone-Request-Id": str(REQUEST_UUID4)},
    ),
    (
        "request-id-str-upper-braces",
        "request_id",
        "{" + str(REQUEST_UUID4).upper() + "}",
        {"Helicone-Request-Id": str(REQUEST_UUID4)},
    ),
    ("request-id-v1", "request_id", UUID1, {"Helicone-Request-Id": str(UUID1)}),
    ("request-id-v3", "request_id", UUID3, {"Helicone-Request-Id": str(UUID3)}),
    ("request-id-v5-str", "request_id", str(UUID5), {"Helicone-Request-Id": str(UUID5)}),
    ("llm-security-basic", "llm_security", "basic", {"Helicone-LLM-Security-Enabled": "true"}),
    ("llm-security-true", "llm_security", True, {"Helicone-LLM-Security-Enabled": "true"}),
    (
        "token-limit-truncate",
        "token_limit_handler",
        "truncate",
        {"Helicone-Token-Limit-Exception-Handler": "truncate"},
    ),
    (
        "token-limit-fallback",
        "token_limit_handler",
        "fallback",
        {"Helicone-Token-Limit-Exception-Handler": "fallback"},
    ),
    ("properties-empty", "properties", {}, {}),
    (
        "property-token-chars",
        "properties",
        {"a.b_c~d!#$%&'*+^`|": "v"},
        {"Helicone-Property-a.b_c~d!#$%&'*+^`|": "v"},
    ),
    ("text-inner-space-and-tab", "user_id", "a b\tc", {"Helicone-User-Id": "a b\tc"}),
    ("text-8192-chars", "cache_seed", "s" * 8192, {"Helicone-Cache-Seed": "s" * 8192}),
    (
        "posthog-host-http",
        "posthog_host",
        "http://localhost:8000",
        {"Helicone-Posthog-Host": "http://localhost:8000"},
    ),
    ("session-path-root", "session_path", "/", {"Helicone-Session-Path": "/"}),
]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [case[1:] for case in VARIANT_CASES],
    ids=[case[0] for case in VARIANT_CASES],
)
def test_render_variant(name: str, value: Any, expected: dict[str, str]) -> None:
    assert render(name, value) == expected


#: (id, option, input, the normalized value check_options returns).
NORMALIZE_CASES: list[tuple[str, str, Any, Any]] = [
    ("max-age-timedelta-to-int", "cache_max_age", timedelta(hours=1), 3600),
    ("ignore-keys-list-to-tuple", "cache_ignore_keys", ["a", "b"], ("a", "b")),
    ("request-id-str-to-uuid", "request_id", str(REQUEST_UUID4), REQUEST_UUID4),
    ("policy-str-to-object", "rate_limit_policy", "5;w=60", RateLimitPolicy(5, 60)),
    ("llm-security-true-is-basic", "llm_security", True, "basic"),
    ("retry-factor-int-to-float", "retry_factor", 3, 3.0),
    (
        "posthog-host-trailing-slash",
        "posthog_host",
        "https://app.posthog.com/",
        "https://app.posthog.com",
    ),
]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [case[1:] for case in NORMALIZE_CASES],
    ids=[case[0] for case in NORMALIZE_CASES],
)
def test_check_options_normalizes(name: str, value: Any, expected: Any) -> None:
    checked = check_options({name: value})[name]
    assert checked == expected
    assert type(checked) is type(expected)


def test_properties_are_copied_not_aliased() -> None:
    props = {"env": "prod"}
    checked = check_options({"properties": props})["properties"]
    props["env"] = "dev"
    props["extra"] = "x"
    assert render_options({"properties": checked}) == {"Helicone-Property-env": "prod"}


def test_posthog_key_is_rendered_but_kept_secret() -> None:
    checked = check_options({"posthog_key": POSTHOG_KEY})["posthog_key"]
    assert POSTHOG_KEY not in repr(checked)
    assert POSTHOG_KEY not in str(checked)
    assert render_options({"posthog_key": checked}) == {"Helicone-Posthog-Key": POSTHOG_KEY}


# ---------------------------------------------------------------------------------------------
# Validation errors
# ---------------------------------------------------------------------------------------------


def assert_invalid(exc: BaseException, field: str) -> InvalidOptionError:
    """An InvalidOptionError (a ValueError) naming ``field`` and saying how to fix it."""
    assert isinstance(exc, InvalidOptionError), f"{type(exc).__name__}: {exc}"
    assert isinstance(exc, ValueError)
    assert exc.field == field
    message = str(exc)
    assert message.startswith(f"{field}: "), message
    assert exc.problem
    assert exc.problem in message
    assert exc.fix.strip()
    assert message.endswith(exc.fix)
    return exc


def via_check_options(name: str, value: Any) -> None:
    check_options({name: value})


def via_config(name: str, value: Any) -> None:
    HeliconeConfig(**{name: value})


BUILDERS: list[Callable[[str, Any], None]] = [via_check_options, via_config]


@pytest.fixture(params=BUILDERS, ids=["check_options", "HeliconeConfig"])
def build(request: pytest.FixtureRequest) -> Callable[[str, Any], None]:
    return request.param  # type: ignore[no-any-return]


def expect_invalid(build: Callable[[str, Any], None], name: str, value: Any, field: str) -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        build(name, value)
    assert_invalid(excinfo.value, field)


#: (id, bad text): every way a string can fail to be a header value.
BAD_TEXT: list[tuple[str, str]] = [
    ("CR", "ab\rcd"),
    ("LF", "ab\ncd"),
    ("CRLF-injection", "ab\r\nX-Evil: 1"),
    ("NUL", "ab\x00cd"),
    ("control-x01", "ab\x01cd"),
    ("control-ESC", "ab\x1bcd"),
    ("control-x1f", "ab\x1fcd"),
    ("DEL", "ab\x7fcd"),
    ("non-ascii-latin1", "café"),
    ("non-ascii-emoji", "ab\U0001f600"),
    ("non-ascii-nbsp", "ab\u00a0cd"),
    ("leading-space", " abcd"),
    ("trailing-space", "abcd "),
    ("leading-tab", "\tabcd"),
    ("trailing-LF", "abcd\n"),
    ("empty", ""),
    ("8193-chars", "a" * 8193),
]

TEXT_OPTIONS = [
    "user_id",
    "session_id",
    "session_path",
    "session_name",
    "cache_seed",
    "prompt_id",
    "model_override",
    "posthog_key",
]


def text_input(name: str, bad: str) -> str:
    """``bad`` as input to ``name``; session paths get their '/' so only the defect is wrong."""
    if name == "session_path" and bad and not bad[0].isspace():
        return "/" + bad
    return bad


@pytest.mark.parametrize(("case", "bad"), BAD_TEXT, ids=[c for c, _ in BAD_TEXT])
@pytest.mark.parametrize("name", TEXT_OPTIONS)
def test_text_option_rejects_unsendable_text(
    build: Callable[[str, Any], None], name: str, case: str, bad: str
) -> None:
    expect_invalid(build, name, text_input(name, bad), name)


@pytest.mark.parametrize(("case", "bad"), BAD_TEXT, ids=[c for c, _ in BAD_TEXT])
def test_property_value_rejects_unsendable_text(
    build: Callable[[str, Any], None], case: str, bad: str
) -> None:
    expect_invalid(build, "properties", {"env": bad}, "properties['env']")


@pytest.mark.parametrize(("case", "bad"), BAD_TEXT, ids=[c for c, _ in BAD_TEXT])
def test_cache_ignore_key_rejects_unsendable_text(
    build: Callable[[str, Any], None], case: str, bad: str
) -> None:
    expect_invalid(build, "cache_ignore_keys", ["user", bad], "cache_ignore_keys")


@pytest.mark.parametrize(
    ("case", "bad"),
    [c for c in BAD_TEXT if c[0] not in ("empty", "leading-space", "leading-tab")],
    ids=[c for c, _ in BAD_TEXT if c not in ("empty", "leading-space", "leading-tab")],
)
def test_posthog_host_rejects_unsendable_text(
    build: Callable[[str, Any], None], case: str, bad: str
) -> None:
    expect_invalid(build, "posthog_host", "https://posthog.example.com/" + bad, "posthog_host")


#: (id, option, input, field named by the error): wrong types, ranges and formats.
INVALID_CASES: list[tuple[str, str, Any, str]] = [
    # wrong types
    *[(f"{name}-str-true", name, "true", name) for name in sorted(BOOL_OPTIONS)],
    *[(f"{name}-int-1", name, 1, name) for name in sorted(BOOL_OPTIONS)],
    ("cache_max_age-bool", "cache_max_age", True, "cache_max_age"),
    ("cache_max_age-str", "cache_max_age", "3600", "cache_max_age"),
    ("cache_max_age-float", "cache_max_age", 3600.0, "cache_max_age"),
    ("cache_bucket_max_size-bool", "cache_bucket_max_size", True, "cache_bucket_max_size"),
    ("cache_bucket_max_size-float", "cache_bucket_max_size", 2.0, "cache_bucket_max_size"),
    ("retry_num-bool", "retry_num", True, "retry_num"),
    ("retry_num-str", "retry_num", "3", "retry_num"),
    ("retry_factor-bool", "retry_factor", True, "retry_factor"),
    ("retry_factor-str", "retry_factor", "2", "retry_factor"),
    ("retry_min_timeout-bool", "retry_min_timeout", False, "retry_min_timeout"),
    ("retry_max_timeout-float", "retry_max_timeout", 1000.5, "retry_max_timeout"),
    *[(f"{name}-int", name, 123, name) for name in TEXT_OPTIONS],
    ("user_id-bytes", "user_id", b"alice", "user_id"),
    ("properties-list", "properties", ["env", "prod"], "properties"),
    ("properties-int-value", "properties", {"env": 1}, "properties['env']"),
    ("properties-int-name", "properties", {1: "prod"}, "properties"),
    ("posthog_host-int", "posthog_host", 8000, "posthog_host"),
    ("rate_limit_policy-int", "rate_limit_policy", 100, "rate_limit_policy"),
    (
        "rate_limit_policy-dict",
        "rate_limit_policy",
        {"quota": 1, "window": 60},
        "rate_limit_policy",
    ),
    ("request_id-int", "request_id", REQUEST_UUID4.int, "request_id"),
    ("request_id-bytes", "request_id", REQUEST_UUID4.bytes, "request_id"),
    # ranges
    ("cache_max_age-negative", "cache_max_age", -1, "cache_max_age"),
    ("cache_max_age-365d+1s", "cache_max_age", 365 * 86400 + 1, "cache_max_age"),
    (
        "cache_max_age-timedelta-365d+1s",
        "cache_max_age",
        timedelta(days=365, seconds=1),
        "cache_max_age",
    ),
    ("cache_max_age-timedelta-negative", "cache_max_age", timedelta(seconds=-1), "cache_max_age"),
    ("cache_max_age-timedelta-fraction", "cache_max_age", timedelta(seconds=1.5), "cache_max_age"),
    ("cache_bucket_max_size-0", "cache_bucket_max_size", 0, "cache_bucket_max_size"),
    ("cache_bucket_max_size-21", "cache_bucket_max_size", 21, "cache_bucket_max_size"),
    ("retry_num-0", "retry_num", 0, "retry_num"),
    ("retry_num-21", "retry_num", 21, "retry_num"),
    ("retry_factor-0.99", "retry_factor", 0.99, "retry_factor"),
    ("retry_factor-10.01", "retry_factor", 10.01, "retry_factor"),
    ("retry_factor-0", "retry_factor", 0, "retry_factor"),
    ("retry_factor-negative", "retry_factor", -2, "retry_factor"),
    ("retry_factor-nan", "retry_factor", math.nan, "retry_factor"),
    ("retry_factor-inf", "retry_factor", math.inf, "retry_factor"),
    ("retry_min_timeout-negative", "retry_min_timeout", -1, "retry_min_timeout"),
    ("retry_min_timeout-600001", "retry_min_timeout", 600_001, "retry_min_timeout"),
    ("retry_max_timeout-negative", "retry_max_timeout", -1, "retry_max_timeout"),
    ("retry_max_timeout-600001", "retry_max_timeout", 600_001, "retry_max_timeout"),
    # rate-limit policies
    ("policy-no-window", "rate_limit_policy", "100", "rate_limit_policy"),
    ("policy-no-window-with-unit", "rate_limit_policy", "100;u=cents", "rate_limit_policy"),
    ("policy-window-59", "rate_limit_policy", "100;w=59", "rate_limit_policy"),
    ("policy-window-0", "rate_limit_policy", "100;w=0", "rate_limit_policy"),
    ("policy-bad-unit", "rate_limit_policy", "100;w=60;u=dollars", "rate_limit_policy"),
    ("policy-repeated-window", "rate_limit_policy", "100;w=60;w=120", "rate_limit_policy"),
    ("policy-repeated-segment", "rate_limit_policy", "100;w=60;s=user;s=org", "rate_limit_policy"),
    ("policy-unknown-param", "rate_limit_policy", "100;w=60;x=1", "rate_limit_policy"),
    ("policy-bad-segment-space", "rate_limit_policy", "100;w=60;s=a b", "rate_limit_policy"),
    ("policy-bad-segment-non-ascii", "rate_limit_policy", "100;w=60;s=é", "rate_limit_policy"),
    ("policy-empty-segment", "rate_limit_policy", "100;w=60;s=", "rate_limit_policy"),
    ("policy-non-numeric-quota", "rate_limit_policy", "many;w=60", "rate_limit_policy"),
    ("policy-negative-quota", "rate_limit_policy", "-5;w=60", "rate_limit_policy"),
    ("policy-zero-quota", "rate_limit_policy", "0;w=60", "rate_limit_policy"),
    ("policy-non-numeric-window", "rate_limit_policy", "100;w=hour", "rate_limit_policy"),
    ("policy-empty", "rate_limit_policy", "", "rate_limit_policy"),
    # request ids
    ("request_id-not-uuid", "request_id", "req-123", "request_id"),
    ("request_id-truncated", "request_id", str(REQUEST_UUID4)[:-1], "request_id"),
    ("request_id-nil-uuid", "request_id", "00000000-0000-0000-0000-000000000000", "request_id"),
    ("request_id-nil-uuid-object", "request_id", uuid.UUID(int=0), "request_id"),
    ("request_id-max-uuid", "request_id", "ffffffff-ffff-ffff-ffff-ffffffffffff", "request_id"),
    ("request_id-v7", "request_id", "01890a5d-ac96-774b-bcce-b302099a8057", "request_id"),
    (
        "request_id-v7-object",
        "request_id",
        uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057"),
        "request_id",
    ),
    ("request_id-v8", "request_id", "01890a5d-ac96-874b-bcce-b302099a8057", "request_id"),
    # property names that are not header tokens
    ("property-name-space", "properties", {"a b": "v"}, "properties"),
    ("property-name-colon", "properties", {"a:b": "v"}, "properties"),
    ("property-name-empty", "properties", {"": "v"}, "properties"),
    ("property-name-non-ascii", "properties", {"é": "v"}, "properties"),
    ("property-name-slash", "properties", {"a/b": "v"}, "properties"),
    ("property-name-LF-inside", "properties", {"a\nb": "v"}, "properties"),
    ("property-name-trailing-LF", "properties", {"env\n": "v"}, "properties"),
    ("property-name-trailing-CRLF", "properties", {"env\r\n": "v"}, "properties"),
    # cache_ignore_keys
    ("ignore-keys-bare-string", "cache_ignore_keys", "user", "cache_ignore_keys"),
    ("ignore-keys-comma-string", "cache_ignore_keys", "user,temperature", "cache_ignore_keys"),
    ("ignore-keys-item-with-comma", "cache_ignore_keys", ["user,temperature"], "cache_ignore_keys"),
    ("ignore-keys-empty-list", "cache_ignore_keys", [], "cache_ignore_keys"),
    ("ignore-keys-int-item", "cache_ignore_keys", ["user", 1], "cache_ignore_keys"),
    ("ignore-keys-int", "cache_ignore_keys", 5, "cache_ignore_keys"),
    # choices and formats
    ("session_path-no-slash", "session_path", "plan/step-1", "session_path"),
    ("token_limit_handler-unknown", "token_limit_handler", "drop", "token_limit_handler"),
    ("token_limit_handler-upper", "token_limit_handler", "TRUNCATE", "token_limit_handler"),
    ("token_limit_handler-underscore", "token_limit_handler", "middle_out", "token_limit_handler"),
    ("token_limit_handler-bool", "token_limit_handler", True, "token_limit_handler"),
    ("llm_security-unknown", "llm_security", "medium", "llm_security"),
    ("llm_security-upper", "llm_security", "BASIC", "llm_security"),
    ("llm_security-int", "llm_security", 1, "llm_security"),
    ("posthog_host-no-scheme", "posthog_host", "eu.posthog.com", "posthog_host"),
    ("posthog_host-ftp", "posthog_host", "ftp://eu.posthog.com", "posthog_host"),
    ("posthog_host-no-host", "posthog_host", "https://", "posthog_host"),
    ("posthog_host-credentials", "posthog_host", "https://u:p@eu.posthog.com", "posthog_host"),
    ("posthog_host-query", "posthog_host", "https://eu.posthog.com?x=1", "posthog_host"),
    ("posthog_host-space", "posthog_host", "https://eu.post hog.com", "posthog_host"),
    ("posthog_host-bad-port", "posthog_host", "https://eu.posthog.com:99999", "posthog_host"),
]


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [case[1:] for case in INVALID_CASES],
    ids=[case[0] for case in INVALID_CASES],
)
def test_invalid_value(
    build: Callable[[str, Any], None], name: str, value: Any, field: str
) -> None:
    expect_invalid(build, name, value, field)


def test_invalid_ids_are_unique() -> None:
    ids = [case[0] for case in INVALID_CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("min_ms", "max_ms"), [(5000, 1000), (1, 0), (600_000, 599_999)], ids=str)
def test_retry_min_timeout_above_max_is_refused(
    build: Callable[[str, Any], None], min_ms: int, max_ms: int
) -> None:
    values = {"retry_min_timeout": min_ms, "retry_max_timeout": max_ms}
    make = check_options if build is via_check_options else HeliconeConfig.from_mapping
    with pytest.raises(InvalidOptionError) as excinfo:
        make(values)
    exc = assert_invalid(excinfo.value, "retry_max_timeout")
    assert "retry_min_timeout" in str(exc)


def test_retry_min_equal_to_max_is_allowed() -> None:
    values = {"retry_min_timeout": 2000, "retry_max_timeout": 2000}
    assert render_options(check_options(values)) == {
        "Helicone-Retry-Min-Timeout": "2000",
        "Helicone-Retry-Max-Timeout": "2000",
    }


@pytest.mark.parametrize(
    ("case", "bad"),
    [*BAD_TEXT, ("wrong-type", 12345)],
    ids=[*(c for c, _ in BAD_TEXT), "wrong-type"],
)
def test_posthog_key_never_appears_in_errors(case: str, bad: Any) -> None:
    marker = "phcSECRETmarker"
    if not isinstance(bad, str) or not bad:
        value = bad  # nothing of a key to leak
    elif bad[0].isspace():
        value = bad + marker
    else:
        value = marker + bad
    with pytest.raises(InvalidOptionError) as excinfo:
        check_options({"posthog_key": value})
    exc = assert_invalid(excinfo.value, "posthog_key")
    for text in (str(exc), repr(exc), exc.problem, exc.fix):
        assert marker not in text
        if isinstance(value, str) and value.strip():
            assert value.strip() not in text


def test_cache_ignore_keys_rendered_value_fits_in_a_header() -> None:
    # Each key is a valid header value on its own, but the joined header would be 10001
    # characters, over the 8192 limit every other header value is held to.
    keys = ["a" * 5000, "b" * 5000]
    with pytest.raises(InvalidOptionError) as excinfo:
        render_options(check_options({"cache_ignore_keys": keys}))
    assert_invalid(excinfo.value, "cache_ignore_keys")


def test_property_names_differing_only_in_case_are_refused() -> None:
    # Header names are case-insensitive: these two would be one header on the wire and one value
    # would be silently dropped (config ``headers`` refuses two spellings the same way).
    with pytest.raises(InvalidOptionError) as excinfo:
        check_options({"properties": {"env": "prod", "ENV": "dev"}})
    assert_invalid(excinfo.value, "properties")


@pytest.mark.parametrize("name", ["user", "userid", "User_Id", "cache", "properties_"])
def test_unknown_option_name_is_a_type_error(name: str) -> None:
    with pytest.raises(TypeError) as excinfo:
        check_options({name: "x"})
    assert not isinstance(excinfo.value, ValueError)
    assert repr(name) in str(excinfo.value)
    assert "user_id" in str(excinfo.value)  # lists the known names


def test_unknown_option_is_a_type_error_even_when_none() -> None:
    with pytest.raises(TypeError):
        check_options({"not_an_option": None})


def test_first_bad_field_is_named() -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        check_options({"user_id": "ok", "session_path": "bad", "retry_num": 0})
    assert excinfo.value.field == "session_path"


# ---------------------------------------------------------------------------------------------
# fallback_models
# ---------------------------------------------------------------------------------------------

FALLBACK_CASES: list[tuple[str, tuple[str, ...], tuple[str, ...], str]] = [
    ("single", ("gpt-4o-mini",), (), "gpt-4o-mini"),
    (
        "order-kept",
        ("gpt-4o", "claude-sonnet-4", "gemini-2.5-flash"),
        (),
        "gpt-4o,claude-sonnet-4,gemini-2.5-flash",
    ),
    ("order-kept-reversed", ("b-model", "a-model"), (), "b-model,a-model"),
    ("model-provider", ("gpt-4o/openai",), (), "gpt-4o/openai"),
    ("deployment", ("gpt-4o/azure/my-deployment",), (), "gpt-4o/azure/my-deployment"),
    (
        "mixed-chain",
        ("gpt-4o/openai", "gpt-4o/azure/eu-deploy", "claude-sonnet-4"),
        (),
        "gpt-4o/openai,gpt-4o/azure/eu-deploy,claude-sonnet-4",
    ),
    ("one-exclusion", ("gpt-4o",), ("azure",), "gpt-4o,!azure"),
    (
        "exclusions-after-models",
        ("gpt-4o/openai", "claude-sonnet-4"),
        ("azure", "bedrock"),
        "gpt-4o/openai,claude-sonnet-4,!azure,!bedrock",
    ),
]


@pytest.mark.parametrize(
    ("models", "exclude", "expected"),
    [case[1:] for case in FALLBACK_CASES],
    ids=[case[0] for case in FALLBACK_CASES],
)
def test_fallback_models(models: tuple[str, ...], exclude: tuple[str, ...], expected: str) -> None:
    assert fallback_models(*models, exclude_providers=exclude) == expected


def test_fallback_models_docstring_example() -> None:
    assert (
        fallback_models("gpt-4o/openai", "claude-sonnet-4", exclude_providers=["azure"])
        == "gpt-4o/openai,claude-sonnet-4,!azure"
    )


def test_fallback_models_accepts_any_iterable_of_exclusions() -> None:
    exclusions = (p for p in ["azure", "bedrock"])
    assert fallback_models("gpt-4o", exclude_providers=exclusions) == "gpt-4o,!azure,!bedrock"


#: (id, models, exclude_providers, field named by the error)
FALLBACK_ERRORS: list[tuple[str, tuple[Any, ...], Any, str]] = [
    ("no-models", (), (), "model"),
    ("no-models-only-exclusions", (), ("azure",), "model"),
    ("comma-in-model", ("gpt-4o,gpt-4o-mini",), (), "model"),
    ("empty-model", ("",), (), "model"),
    ("empty-model-in-chain", ("gpt-4o", ""), (), "model"),
    ("space-in-model", ("gpt 4o",), (), "model"),
    ("bang-in-model", ("!azure",), (), "model"),
    ("leading-slash", ("/openai",), (), "model"),
    ("trailing-slash", ("gpt-4o/",), (), "model"),
    ("LF-in-model", ("gpt-4o\n",), (), "model"),
    ("non-ascii-model", ("gpt-4o-é",), (), "model"),
    ("model-not-str", (4,), (), "model"),
    ("exclusion-with-slash", ("gpt-4o",), ("azure/eu",), "exclude_providers"),
    ("exclusion-with-comma", ("gpt-4o",), ("azure,bedrock",), "exclude_providers"),
    ("exclusion-empty", ("gpt-4o",), ("",), "exclude_providers"),
    ("exclusions-bare-string", ("gpt-4o",), "azure", "exclude_providers"),
]


@pytest.mark.parametrize(
    ("models", "exclude", "field"),
    [case[1:] for case in FALLBACK_ERRORS],
    ids=[case[0] for case in FALLBACK_ERRORS],
)
def test_fallback_models_errors(models: tuple[Any, ...], exclude: Any, field: str) -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        fallback_models(*models, exclude_providers=exclude)
    assert_invalid(excinfo.value, field)


def test_fallback_model_string_is_accepted_as_model_override() -> None:
    chain = fallback_models("gpt-4o/openai", "claude-sonnet-4", exclude_providers=["azure"])
    assert render("model_override", chain) == {"Helicone-Model-Override": chain}


@pytest.mark.parametrize(
    "model",
    ["!azure", "!azure,!bedrock", "gpt-4o,,gpt-4o-mini", "gpt 4o", "!"],
)
def test_check_model_refuses_what_the_gateway_would(model: str) -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        check_model("model", model)
    assert_invalid(excinfo.value, "model")


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gpt-4o/openai,!azure", "a/b/c,d"])
def test_check_model_accepts_gateway_model_strings(model: str) -> None:
    assert check_model("model", model) == model
