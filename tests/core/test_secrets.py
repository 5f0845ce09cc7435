"""Keys never leak: reprs, formatting, pickles, errors, logs; redact_headers and redact_text."""

from __future__ import annotations

import logging
import pickle
from typing import Any

import pytest

from helicone_core import (
    HeliconeConfig,
    InvalidOptionError,
    Secret,
    build_headers,
    redact_headers,
    redact_text,
)
from helicone_core.secrets import MASK

pytestmark = pytest.mark.usefixtures("isolated_core")

KEY = "sk-helicone-SECRETkey-0123456789"
EU_KEY = "sk-helicone-eu-SECRETkey-abcdef"
PROVIDER_KEY = "sk-openai-SECRETprovider-987654"
POSTHOG_KEY = "phc_SECRETposthog_424242"
ALL_KEYS = (KEY, EU_KEY, PROVIDER_KEY, POSTHOG_KEY)

CONFIGS: dict[str, dict[str, Any]] = {
    "gateway": {"api_key": KEY, "user_id": "alice"},
    "gateway-eu-key-as-secret": {"api_key": Secret(EU_KEY)},
    "gateway-with-posthog": {"api_key": KEY, "posthog_key": POSTHOG_KEY},
    "proxy": {
        "api_key": KEY,
        "mode": "proxy",
        "provider_api_key": PROVIDER_KEY,
        "posthog_key": POSTHOG_KEY,
    },
}


@pytest.fixture(params=sorted(CONFIGS), ids=sorted(CONFIGS))
def config(request: pytest.FixtureRequest) -> HeliconeConfig:
    return HeliconeConfig(**CONFIGS[request.param])


def assert_no_key(text: str | bytes) -> None:
    for key in ALL_KEYS:
        needle = key.encode() if isinstance(text, bytes) else key
        assert needle not in text
        marker = b"SECRET" if isinstance(text, bytes) else "SECRET"
        assert marker not in text


# --- Secret -------------------------------------------------------------------------------------

RENDERINGS = {
    "repr": repr,
    "str": str,
    "format": format,
    "format-spec": lambda s: format(s, ">60"),
    "f-string": lambda s: f"{s}",
    "f-string-repr": lambda s: f"{s!r}",
    "f-string-spec": lambda s: f"{s:<80}",
    "percent-s": lambda s: "%s" % s,  # noqa: UP031
    "percent-r": lambda s: "%r" % s,  # noqa: UP031
    "str-format": lambda s: "{}".format(s),  # noqa: UP032
    "in-list": lambda s: str([s]),
    "in-dict": lambda s: str({"key": s}),
}


@pytest.mark.parametrize("render", list(RENDERINGS.values()), ids=list(RENDERINGS))
def test_secret_is_never_shown(render: Any) -> None:
    secret = Secret(KEY)
    text = render(secret)
    assert_no_key(text)
    assert MASK in text


def test_secret_value_and_semantics() -> None:
    secret = Secret(KEY, env="HELICONE_API_KEY")
    assert secret.get_secret_value() == KEY
    assert secret.env == "HELICONE_API_KEY"
    assert repr(secret) == "Secret('**********')"
    assert str(secret) == MASK
    assert bool(secret)
    assert not Secret("")
    assert secret == Secret(KEY)
    assert secret != Secret(EU_KEY)
    assert secret != KEY  # a secret never equals its plain text
    assert Secret(secret).get_secret_value() == KEY
    assert hash(secret) == hash(Secret(KEY))


@pytest.mark.parametrize("value", [None, 123, b"sk-bytes"], ids=repr)
def test_secret_of_non_string_is_a_type_error(value: Any) -> None:
    with pytest.raises(TypeError):
        Secret(value)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickled_secret_holds_only_the_variable_name(
    monkeypatch: pytest.MonkeyPatch, protocol: int
) -> None:
    data = pickle.dumps(Secret(KEY, env="HELICONE_API_KEY"), protocol=protocol)
    assert_no_key(data)
    assert pickle.loads(data) is None  # variable unset in this process
    monkeypatch.setenv("HELICONE_API_KEY", EU_KEY)
    restored = pickle.loads(data)
    assert isinstance(restored, Secret)
    assert restored.get_secret_value() == EU_KEY
    assert pickle.loads(pickle.dumps(Secret(KEY), protocol=protocol)) is None  # no env at all


# --- HeliconeConfig -----------------------------------------------------------------------------

CONFIG_RENDERINGS = {
    "repr": repr,
    "str": str,
    "format": format,
    "f-string": lambda c: f"{c}",
    "f-string-repr": lambda c: f"{c!r}",
    "percent-s": lambda c: "%s" % (c,),  # noqa: UP031
    "percent-r": lambda c: "%r" % (c,),  # noqa: UP031
    "describe": lambda c: repr(list(c.describe())),
    "sources": lambda c: repr(dict(c.sources)),
    "options": lambda c: repr(c.options),
    "api_key-attribute": lambda c: f"{c.api_key} {c.api_key!r}",
    "provider_api_key-attribute": lambda c: f"{c.provider_api_key} {c.provider_api_key!r}",
    "posthog_key-attribute": lambda c: f"{c.posthog_key} {c.posthog_key!r}",
}


@pytest.mark.parametrize("render", list(CONFIG_RENDERINGS.values()), ids=list(CONFIG_RENDERINGS))
def test_config_never_shows_a_key(config: HeliconeConfig, render: Any) -> None:
    assert_no_key(render(config))


def test_config_from_environment_never_shows_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELICONE_API_KEY", KEY)
    monkeypatch.setenv("HELICONE_PROVIDER_API_KEY", PROVIDER_KEY)
    config = HeliconeConfig(mode="proxy")
    for render in CONFIG_RENDERINGS.values():
        assert_no_key(render(config))
    assert config.require_provider_api_key() == PROVIDER_KEY


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickled_config_contains_no_key(config: HeliconeConfig, protocol: int) -> None:
    assert_no_key(pickle.dumps(config, protocol=protocol))


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_unpickled_config_reads_keys_from_the_loading_environment(
    monkeypatch: pytest.MonkeyPatch, protocol: int
) -> None:
    config = HeliconeConfig(
        api_key=KEY,
        mode="proxy",
        provider_api_key=PROVIDER_KEY,
        posthog_key=POSTHOG_KEY,
        user_id="alice",
        properties={"env": "prod"},
        cache_max_age=3600,
    )
    data = pickle.dumps(config, protocol=protocol)

    monkeypatch.setenv("HELICONE_API_KEY", EU_KEY)
    monkeypatch.setenv("HELICONE_PROVIDER_API_KEY", "sk-openai-loader")
    restored = pickle.loads(data)
    assert restored.require_api_key() == EU_KEY
    assert restored.require_provider_api_key() == "sk-openai-loader"
    assert restored.posthog_key is None  # no variable to re-read it from
    assert restored.mode == config.mode
    assert restored.user_id == "alice"
    assert dict(restored.properties) == {"env": "prod"}
    assert restored.cache_max_age == 3600
    assert restored.api_base == config.api_base


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_unpickled_config_has_no_key_when_the_variable_is_unset(protocol: int) -> None:
    data = pickle.dumps(HeliconeConfig(api_key=KEY, user_id="alice"), protocol=protocol)
    restored = pickle.loads(data)
    assert restored.api_key is None
    assert restored.user_id == "alice"


def test_config_from_environment_pickles_and_re_resolves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELICONE_API_KEY", KEY)
    data = pickle.dumps(HeliconeConfig())
    assert_no_key(data)
    monkeypatch.setenv("HELICONE_API_KEY", EU_KEY)
    assert pickle.loads(data).require_api_key() == EU_KEY


@pytest.mark.parametrize("protocol", [0, pickle.HIGHEST_PROTOCOL])
def test_config_with_headers_pickles(protocol: int) -> None:
    config = HeliconeConfig(api_key=KEY, headers={"X-Trace": "abc"}, user_id="alice")
    restored = pickle.loads(pickle.dumps(config, protocol=protocol))
    assert dict(restored.headers) == {"X-Trace": "abc"}
    assert restored.user_id == "alice"


@pytest.mark.parametrize("protocol", [0, pickle.HIGHEST_PROTOCOL])
def test_pickled_config_with_a_credential_header_contains_no_key(protocol: int) -> None:
    # Header values are treated as secrets everywhere else (never quoted, masked by repr).
    config = HeliconeConfig(headers={"X-Api-Key": KEY})
    assert_no_key(repr(config))
    assert_no_key(pickle.dumps(config, protocol=protocol))


# --- errors -------------------------------------------------------------------------------------

#: (id, bad key): keys that fail validation; none may be quoted by the error.
BAD_KEYS: list[tuple[str, str]] = [
    ("LF-inside", "sk-helicone-SECRET\nkey"),
    ("trailing-LF", "sk-helicone-SECRETkey\n"),
    ("CR-inside", "sk-helicone-SECRET\rkey"),
    ("NUL", "sk-helicone-SECRET\x00key"),
    ("control", "sk-helicone-SECRET\x01key"),
    ("DEL", "sk-helicone-SECRET\x7fkey"),
    ("non-ascii", "sk-helicone-SECRETkéy"),
    ("non-ascii-at-end", "sk-helicone-SECRETkey\u00e9"),
    ("leading-space", " sk-helicone-SECRETkey"),
    ("trailing-space", "sk-helicone-SECRETkey "),
    ("too-long", "sk-helicone-SECRET" + "k" * 9000),
]


@pytest.mark.parametrize("field", ["api_key", "provider_api_key", "posthog_key"])
@pytest.mark.parametrize("bad", [c[1] for c in BAD_KEYS], ids=[c[0] for c in BAD_KEYS])
def test_invalid_key_error_does_not_quote_the_key(field: str, bad: str) -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        HeliconeConfig(**{field: bad})
    exc = excinfo.value
    assert exc.field == field
    for text in (str(exc), repr(exc), exc.problem, exc.fix, repr(exc.args)):
        assert "SECRET" not in text
        assert bad.strip() not in text


@pytest.mark.parametrize(
    ("env_var", "field"),
    [("HELICONE_API_KEY", "api_key"), ("HELICONE_PROVIDER_API_KEY", "provider_api_key")],
)
@pytest.mark.parametrize(
    "bad",
    [c[1] for c in BAD_KEYS if c[0] != "NUL"],  # the environment cannot hold a NUL
    ids=[c[0] for c in BAD_KEYS if c[0] != "NUL"],
)
def test_invalid_key_from_environment_is_not_quoted(
    monkeypatch: pytest.MonkeyPatch, env_var: str, field: str, bad: str
) -> None:
    monkeypatch.setenv(env_var, bad)
    with pytest.raises(InvalidOptionError) as excinfo:
        HeliconeConfig()
    assert excinfo.value.field == field
    assert env_var in str(excinfo.value)
    assert "SECRET" not in str(excinfo.value)


def test_invalid_header_value_is_not_quoted() -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        HeliconeConfig(headers={"X-Custom-Auth": "Bearer SECRETtoken\n"})
    assert excinfo.value.field == "headers['X-Custom-Auth']"
    assert "SECRET" not in str(excinfo.value)


#: (id, URL with a password): whatever else is wrong, the password is never quoted.
URLS_WITH_PASSWORD: list[tuple[str, str]] = [
    ("credentials-only", "https://user:SECRETpw@gw.example.com/v1"),
    ("wrong-scheme", "ftp://user:SECRETpw@gw.example.com/v1"),
    ("no-scheme", "user:SECRETpw@gw.example.com/v1"),
    ("white-space", "https://user:SECRETpw@gw.example.com/v 1"),
    ("control-char", "https://user:SECRETpw@gw.example.com/v1\n"),
]


@pytest.mark.parametrize(
    "url", [c[1] for c in URLS_WITH_PASSWORD], ids=[c[0] for c in URLS_WITH_PASSWORD]
)
def test_invalid_url_error_does_not_quote_a_password(url: str) -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        HeliconeConfig(api_base=url)
    assert excinfo.value.field == "api_base"
    assert "SECRETpw" not in str(excinfo.value)


def test_invalid_key_error_survives_pickling_without_the_key() -> None:
    with pytest.raises(InvalidOptionError) as excinfo:
        HeliconeConfig(api_key="sk-helicone-SECRET\n")
    restored = pickle.loads(pickle.dumps(excinfo.value))
    assert type(restored) is type(excinfo.value)
    assert restored.field == "api_key"
    assert str(restored) == str(excinfo.value)
    assert "SECRET" not in str(restored)


# --- logging ------------------------------------------------------------------------------------


def test_logged_config_and_secret_show_no_key(
    caplog: pytest.LogCaptureFixture, config: HeliconeConfig
) -> None:
    logger = logging.getLogger("tests.core.secrets")
    with caplog.at_level(logging.DEBUG, logger="tests.core.secrets"):
        logger.debug("config %r", config)
        logger.debug("config %s", config)
        logger.debug("key %r / %s", config.api_key, config.api_key)
        logger.debug("secret %r / %s", Secret(KEY), Secret(PROVIDER_KEY))
        logger.debug("describe %s", list(config.describe()))
        logger.debug("kwargs %s", {"api_key": Secret(KEY)})
    assert len(caplog.records) == 6
    for record in caplog.records:
        assert_no_key(record.getMessage())
    assert_no_key(caplog.text)


# --- redact_headers -----------------------------------------------------------------------------

#: (id, header name, is it a credential)
HEADER_NAMES: list[tuple[str, str, bool]] = [
    ("Authorization", "Authorization", True),
    ("authorization", "authorization", True),
    ("AUTHORIZATION", "AUTHORIZATION", True),
    ("Helicone-Auth", "Helicone-Auth", True),
    ("helicone-auth", "helicone-auth", True),
    ("HELICONE-AUTH", "HELICONE-AUTH", True),
    ("api-key", "api-key", True),
    ("X-Api-Key", "X-Api-Key", True),
    ("Helicone-Posthog-Key", "Helicone-Posthog-Key", True),
    ("Helicone-User-Id", "Helicone-User-Id", False),
    ("Content-Type", "Content-Type", False),
    ("Helicone-Property-Auth", "Helicone-Property-Auth", False),
]


@pytest.mark.parametrize(
    ("name", "sensitive"), [c[1:] for c in HEADER_NAMES], ids=[c[0] for c in HEADER_NAMES]
)
def test_redact_headers(name: str, sensitive: bool) -> None:
    headers = {name: f"Bearer {KEY}", "Other": "visible"}
    redacted = redact_headers(headers)
    assert redacted == {name: MASK if sensitive else f"Bearer {KEY}", "Other": "visible"}
    assert headers == {name: f"Bearer {KEY}", "Other": "visible"}  # input untouched


def test_redact_headers_accepts_pairs_and_masks_real_auth_headers() -> None:
    config = HeliconeConfig(api_key=KEY, mode="proxy", provider_api_key=PROVIDER_KEY)
    sent = build_headers(config)
    redacted = redact_headers(list(sent.items()))
    assert redacted == {"Authorization": MASK, "Helicone-Auth": MASK}
    assert_no_key(repr(redacted))


# --- redact_text --------------------------------------------------------------------------------

#: (id, text, secrets, expected)
REDACT_TEXT_CASES: list[tuple[str, str, list[Any], str]] = [
    ("no-secrets", "hello", [], "hello"),
    ("one", f"key={KEY}", [KEY], f"key={MASK}"),
    ("every-occurrence", f"{KEY} and {KEY}, {KEY}", [KEY], f"{MASK} and {MASK}, {MASK}"),
    ("secret-object", f"Bearer {KEY}", [Secret(KEY)], f"Bearer {MASK}"),
    ("none-and-empty-ignored", "abc", [None, "", Secret("")], "abc"),
    ("longest-first", "abcdef abc", ["abc", "abcdef"], f"{MASK} {MASK}"),
    ("longest-first-other-order", "abcdef abc", ["abcdef", "abc"], f"{MASK} {MASK}"),
    ("regex-chars-are-literal", "a.b axb a+b", ["a.b", "a+b"], f"{MASK} axb {MASK}"),
    ("several", f"{KEY}/{PROVIDER_KEY}", [KEY, PROVIDER_KEY], f"{MASK}/{MASK}"),
    ("duplicates", f"{KEY}", [KEY, Secret(KEY), KEY], MASK),
    ("absent", "nothing here", [KEY], "nothing here"),
]


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [c[1:] for c in REDACT_TEXT_CASES],
    ids=[c[0] for c in REDACT_TEXT_CASES],
)
def test_redact_text(text: str, secrets: list[Any], expected: str) -> None:
    assert redact_text(text, secrets) == expected


def test_redact_text_accepts_a_generator() -> None:
    assert redact_text(f"x{KEY}x", (s for s in [KEY])) == f"x{MASK}x"
