"""RateLimitPolicy: parse/str round trip, tolerated spellings, every error, and properties."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from helicone_core import InvalidOptionError, RateLimitPolicy
from helicone_core.ratelimit import MIN_WINDOW_SECONDS

pytestmark = pytest.mark.usefixtures("isolated_core")

FIELD = "rate_limit_policy"

#: (canonical text, the policy it is). str(policy) gives back exactly the text.
CANONICAL: list[tuple[str, RateLimitPolicy]] = [
    ("100;w=3600", RateLimitPolicy(100, 3600)),
    ("1;w=60", RateLimitPolicy(1, 60)),
    ("100;w=3600;s=user", RateLimitPolicy(100, 3600, segment="user")),
    ("1000;w=86400;u=cents", RateLimitPolicy(1000, 86400, unit="cents")),
    ("1000;w=86400;u=cents;s=user", RateLimitPolicy(1000, 86400, "cents", "user")),
    ("50;w=60;s=organization", RateLimitPolicy(50, 60, segment="organization")),
    ("50;w=60;u=cents;s=App-Tier", RateLimitPolicy(50, 60, "cents", "App-Tier")),
    ("7;w=600;s=a.b_c~d!#$%&'*+^`|", RateLimitPolicy(7, 600, segment="a.b_c~d!#$%&'*+^`|")),
    (
        "99999999999999999999;w=31536000",
        RateLimitPolicy(99999999999999999999, 31536000),
    ),
]


@pytest.mark.parametrize(("text", "policy"), CANONICAL, ids=[t for t, _ in CANONICAL])
def test_parse_canonical(text: str, policy: RateLimitPolicy) -> None:
    assert RateLimitPolicy.parse(text) == policy


@pytest.mark.parametrize(("text", "policy"), CANONICAL, ids=[t for t, _ in CANONICAL])
def test_str_is_canonical_text(text: str, policy: RateLimitPolicy) -> None:
    assert str(policy) == text


@pytest.mark.parametrize(("text", "policy"), CANONICAL, ids=[t for t, _ in CANONICAL])
def test_round_trip_both_ways(text: str, policy: RateLimitPolicy) -> None:
    assert str(RateLimitPolicy.parse(text)) == text
    assert RateLimitPolicy.parse(str(policy)) == policy


#: (id, accepted non-canonical text, canonical form).
TOLERATED: list[tuple[str, str, str]] = [
    ("explicit-default-unit", "100;w=3600;u=request", "100;w=3600"),
    ("explicit-default-unit-with-segment", "100;w=3600;u=request;s=user", "100;w=3600;s=user"),
    ("params-any-order", "100;s=user;u=cents;w=60", "100;w=60;u=cents;s=user"),
    ("spaces-around-everything", "  100 ; w = 3600 ; s = user  ", "100;w=3600;s=user"),
    ("tabs-and-newlines-around", "\t100;w=60\n", "100;w=60"),
    ("upper-case-keys", "100;W=3600;U=cents;S=user", "100;w=3600;u=cents;s=user"),
    ("leading-zeros", "007;w=0060", "7;w=60"),
    ("segment-case-kept", "100;w=60;s=User", "100;w=60;s=User"),
]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [case[1:] for case in TOLERATED],
    ids=[case[0] for case in TOLERATED],
)
def test_tolerated_spellings_parse_to_canonical(text: str, canonical: str) -> None:
    policy = RateLimitPolicy.parse(text)
    assert str(policy) == canonical
    assert RateLimitPolicy.parse(canonical) == policy


#: (id, text): strings that are not policies.
MALFORMED: list[tuple[str, Any]] = [
    ("empty", ""),
    ("blank", "   "),
    ("quota-only", "100"),
    ("quota-and-semicolon", "100;"),
    ("no-window", "100;u=cents;s=user"),
    ("window-59", "100;w=59"),
    ("window-0", "100;w=0"),
    ("window-negative", "100;w=-60"),
    ("window-float", "100;w=60.5"),
    ("window-word", "100;w=hour"),
    ("window-empty", "100;w="),
    ("window-no-equals", "100;w"),
    ("window-with-unit-suffix", "100;w=60s"),
    ("bad-unit", "100;w=60;u=dollars"),
    ("unit-upper-case", "100;w=60;u=CENTS"),
    ("unit-plural", "100;w=60;u=requests"),
    ("repeated-window", "100;w=60;w=120"),
    ("repeated-unit", "100;w=60;u=cents;u=request"),
    ("repeated-segment", "100;w=60;s=user;s=org"),
    ("repeated-different-case", "100;w=60;W=60"),
    ("unknown-param", "100;w=60;x=1"),
    ("param-without-key", "100;=60"),
    ("empty-param-between", "100;;w=60"),
    ("trailing-semicolon", "100;w=60;"),
    ("segment-empty", "100;w=60;s="),
    ("segment-space", "100;w=60;s=a b"),
    ("segment-colon", "100;w=60;s=a:b"),
    ("segment-non-ascii", "100;w=60;s=é"),
    ("quota-word", "many;w=60"),
    ("quota-float", "1.5;w=60"),
    ("quota-negative", "-1;w=60"),
    ("quota-zero", "0;w=60"),
    ("quota-plus", "+5;w=60"),
    ("quota-missing", ";w=60"),
    ("comma-separated", "100,w=60"),
    ("legacy-header-syntax", "100; window=60"),
    ("quota-superscript-digit", "²;w=60"),
    ("window-superscript-digit", "100;w=6²"),
    ("quota-4301-digits", "9" * 4301 + ";w=60"),
    ("window-4301-digits", "100;w=" + "9" * 4301),
]


@pytest.mark.parametrize("text", [c[1] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_text_is_refused(text: str) -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        RateLimitPolicy.parse(text)
    exc = excinfo.value
    assert exc.field == FIELD
    assert str(exc).startswith(f"{FIELD}: ")
    assert exc.fix
    assert str(exc).endswith(exc.fix)


@pytest.mark.parametrize("value", [100, None, b"100;w=60", ["100", "w=60"]], ids=repr)
def test_parse_of_non_string_is_refused(value: Any) -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        RateLimitPolicy.parse(value)
    assert excinfo.value.field == FIELD


#: (id, constructor kwargs): invalid policies built directly.
BAD_CONSTRUCTOR: list[tuple[str, dict[str, Any]]] = [
    ("quota-0", {"quota": 0, "window": 60}),
    ("quota-negative", {"quota": -1, "window": 60}),
    ("quota-bool", {"quota": True, "window": 60}),
    ("quota-float", {"quota": 1.0, "window": 60}),
    ("quota-str", {"quota": "100", "window": 60}),
    ("window-59", {"quota": 1, "window": MIN_WINDOW_SECONDS - 1}),
    ("window-bool", {"quota": 1, "window": True}),
    ("window-float", {"quota": 1, "window": 60.0}),
    ("window-str", {"quota": 1, "window": "60"}),
    ("unit-unknown", {"quota": 1, "window": 60, "unit": "tokens"}),
    ("unit-upper", {"quota": 1, "window": 60, "unit": "CENTS"}),
    ("segment-empty", {"quota": 1, "window": 60, "segment": ""}),
    ("segment-space", {"quota": 1, "window": 60, "segment": "a b"}),
    ("segment-semicolon", {"quota": 1, "window": 60, "segment": "user;w=1"}),
    ("segment-non-ascii", {"quota": 1, "window": 60, "segment": "é"}),
    ("segment-trailing-LF", {"quota": 1, "window": 60, "segment": "user\n"}),
    ("segment-int", {"quota": 1, "window": 60, "segment": 5}),
]


@pytest.mark.parametrize(
    "kwargs", [c[1] for c in BAD_CONSTRUCTOR], ids=[c[0] for c in BAD_CONSTRUCTOR]
)
def test_invalid_policy_cannot_be_built(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        RateLimitPolicy(**kwargs)
    assert excinfo.value.field == FIELD
    assert excinfo.value.fix


def test_window_minimum_is_sixty_seconds() -> None:
    assert MIN_WINDOW_SECONDS == 60
    assert RateLimitPolicy(1, 60).window == 60


def test_policy_is_immutable_hashable_and_picklable() -> None:
    policy = RateLimitPolicy(10, 60, "cents", "user")
    with pytest.raises(AttributeError):
        policy.quota = 5  # type: ignore[misc]
    assert hash(policy) == hash(RateLimitPolicy(10, 60, "cents", "user"))
    assert pickle.loads(pickle.dumps(policy)) == policy


def test_defaults_are_per_request_and_global() -> None:
    policy = RateLimitPolicy.parse("10;w=60")
    assert policy.unit == "request"
    assert policy.segment is None


# --- properties ---------------------------------------------------------------------------------

TOKEN_ALPHABET = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _accepted(**kwargs: Any) -> RateLimitPolicy | None:
    try:
        return RateLimitPolicy(**kwargs)
    except InvalidOptionError:
        return None


#: Segments: 'user', tokens, and whatever else the constructor itself accepts.
segments = st.one_of(
    st.none(),
    st.just("user"),
    st.text(alphabet=TOKEN_ALPHABET, min_size=1, max_size=30),
    st.text(alphabet=TOKEN_ALPHABET + " \t\n\r;=é", min_size=1, max_size=12),
)

policy_fields = st.fixed_dictionaries(
    {
        "quota": st.integers(min_value=1, max_value=10**15),
        "window": st.integers(min_value=MIN_WINDOW_SECONDS, max_value=10**9),
        "unit": st.sampled_from(["request", "cents"]),
        "segment": segments,
    }
)

#: A segment the constructor accepts although it is not a header token.
TRAILING_LF = {"quota": 1, "window": 60, "unit": "request", "segment": "user\n"}


@settings(max_examples=200, deadline=None)
@given(fields=policy_fields)
@example(fields={"quota": 1, "window": 60, "unit": "request", "segment": "user"})
@example(fields=TRAILING_LF)
def test_any_valid_policy_round_trips(fields: dict[str, Any]) -> None:
    policy = _accepted(**fields)
    if policy is None:  # not a valid policy: nothing to round-trip
        return
    assert RateLimitPolicy.parse(str(policy)) == policy


@settings(max_examples=200, deadline=None)
@given(fields=policy_fields)
@example(fields=TRAILING_LF)
def test_str_of_valid_policy_is_a_sendable_header_value(fields: dict[str, Any]) -> None:
    policy = _accepted(**fields)
    if policy is None:
        return
    text = str(policy)
    assert all(32 <= ord(c) < 127 for c in text), repr(text)


FRAGMENTS = [
    "100",
    "0",
    "²",
    "\u0661\u0660",  # Arabic-Indic digits
    "w=60",
    "w=59",
    "W=3600",
    "w=",
    "u=cents",
    "u=request",
    "u=x",
    "s=user",
    "s=",
    "s=a b",
    "=",
    "",
    " ",
    "w=60=1",
    "9" * 5000,
]

policy_like = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6).map(";".join)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.text(), policy_like))
@example(text="²;w=60")
@example(text="10;w=²")
@example(text="9" * 5000 + ";w=60")
@example(text="10;w=60;s=\x00")
def test_parse_returns_a_policy_or_raises_invalid_option_error(text: str) -> None:
    outcome = _parse_or_error(text)
    if isinstance(outcome, InvalidOptionError):
        assert outcome.field == FIELD
    else:
        assert RateLimitPolicy.parse(str(outcome)) == outcome


def _parse_or_error(text: str) -> RateLimitPolicy | InvalidOptionError:
    """The parsed policy, or the InvalidOptionError; any other exception propagates."""
    try:
        return RateLimitPolicy.parse(text)
    except InvalidOptionError as exc:
        return exc
