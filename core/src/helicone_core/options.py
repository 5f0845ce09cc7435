"""Helicone's request options: the one table of their names, checks and headers.

``HeliconeConfig``, ``scope()`` and the adapters all take these options by the same keyword names.
Each option has a checker, run when the config or scope is built so that bad input fails before
any request is sent, and a renderer that turns the checked value into headers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypedDict

from .errors import InvalidOptionError
from .ratelimit import RateLimitPolicy
from .secrets import Secret
from .validate import (
    check_bool,
    check_header_name,
    check_header_value,
    check_int,
    check_mapping,
    check_number,
    check_text,
    check_url,
    describe,
    is_instance,
)

if TYPE_CHECKING:
    import uuid
    from datetime import timedelta

__all__ = [
    "OPTIONS",
    "OPTION_NAMES",
    "LLMSecurity",
    "Option",
    "OptionArguments",
    "TokenLimitHandler",
    "check_combination",
    "check_model",
    "check_options",
    "fallback_models",
    "render_options",
]

LLMSecurity = Literal["basic", "advanced"]
TokenLimitHandler = Literal["truncate", "middle-out", "fallback"]

#: Helicone keeps cached responses for at most a year.
MAX_CACHE_AGE_SECONDS = 365 * 24 * 3600
MAX_CACHE_BUCKET_SIZE = 20
PROPERTY_PREFIX = "Helicone-Property-"


class OptionArguments(TypedDict, total=False):
    """The Helicone options as keyword arguments (``HeliconeConfig``, ``scope()``, adapters)."""

    user_id: str | None
    session_id: str | uuid.UUID | None
    session_path: str | None
    session_name: str | None
    properties: Mapping[str, str] | None
    cache_enabled: bool | None
    cache_max_age: int | timedelta | None
    cache_bucket_max_size: int | None
    cache_seed: str | None
    cache_ignore_keys: list[str] | tuple[str, ...] | None
    retry_enabled: bool | None
    retry_num: int | None
    retry_factor: float | None
    retry_min_timeout: int | None
    retry_max_timeout: int | None
    rate_limit_policy: RateLimitPolicy | str | None
    request_id: uuid.UUID | str | None
    prompt_id: str | None
    omit_request: bool | None
    omit_response: bool | None
    llm_security: LLMSecurity | Literal[True] | None
    moderations_enabled: bool | None
    token_limit_handler: TokenLimitHandler | None
    model_override: str | None
    posthog_key: str | Secret | None
    posthog_host: str | None


class Option(NamedTuple):
    """One Helicone option: ``check(field, value)`` normalizes or raises; ``render`` -> headers."""

    name: str
    check: Callable[[str, Any], Any]
    render: Callable[[Any], dict[str, str]]
    doc: str


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _one(header: str, fmt: Callable[[Any], str] = str) -> Callable[[Any], dict[str, str]]:
    return lambda value: {header: fmt(value)}


def _check_session_path(field: str, value: object) -> str:
    path = check_text(field, value)
    if not path.startswith("/"):
        raise InvalidOptionError(
            field, f"{describe(path)} does not start with '/'", "Write it like '/parent/child'"
        )
    return path


def _check_properties(field: str, value: object) -> dict[str, str]:
    return check_mapping(field, value, check_header_name, check_text)


def _check_max_age(field: str, value: object) -> int:
    if is_instance(value, "datetime", "timedelta"):
        seconds = value.total_seconds()  # type: ignore[attr-defined]
        if seconds != int(seconds):
            raise InvalidOptionError(
                field, f"{value} is not a whole number of seconds", "Round it to whole seconds"
            )
        value = int(seconds)
    return check_int(field, value, 0, MAX_CACHE_AGE_SECONDS, " s")


def _check_ignore_keys(field: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidOptionError(
            field,
            f"expected a list of request-body keys, got {describe(value)}",
            "Pass a list, e.g. ['user', 'temperature']",
        )
    keys = tuple(check_text(field, key) for key in value)
    for key in keys:
        if "," in key:
            raise InvalidOptionError(
                field, f"{describe(key)} contains a comma", "Pass each key as its own list item"
            )
    if not keys:
        raise InvalidOptionError(field, "is empty", "Leave it unset (None) instead")
    check_header_value(field, ",".join(keys))  # the joined header must fit too
    return keys


def _check_request_id(field: str, value: object) -> uuid.UUID:
    import uuid  # here, not at import: only a request id needs it

    fix = "Pass a UUID, e.g. uuid.uuid4()"
    if isinstance(value, uuid.UUID):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = uuid.UUID(value)
        except ValueError:
            # Helicone silently replaces a non-UUID id with a random one; say so instead.
            raise InvalidOptionError(field, f"{describe(value)} is not a UUID", fix) from None
    else:
        raise InvalidOptionError(field, f"expected a UUID, got {type(value).__name__}", fix)
    if parsed.version not in (1, 2, 3, 4, 5):
        raise InvalidOptionError(
            field, f"{parsed} is not a version 1-5 UUID, which Helicone requires", fix
        )
    return parsed


def _check_rate_limit(field: str, value: object) -> RateLimitPolicy:
    if isinstance(value, RateLimitPolicy):
        return value
    if isinstance(value, str):
        return RateLimitPolicy.parse(value)
    raise InvalidOptionError(
        field,
        f"expected a RateLimitPolicy or a policy string, got {type(value).__name__}",
        "Pass e.g. RateLimitPolicy(quota=100, window=3600, segment='user') or '100;w=3600;s=user'",
    )


def _choice(*allowed: str) -> Callable[[str, Any], str]:
    def check(field: str, value: object) -> str:
        if value not in allowed:
            raise InvalidOptionError(
                field,
                f"{describe(value)} is not one of {', '.join(map(repr, allowed))}",
                f"Pass one of {', '.join(map(repr, allowed))}",
            )
        return str(value)

    return check


def _check_llm_security(field: str, value: object) -> str:
    if value is True:
        return "basic"
    if value is False:
        raise InvalidOptionError(
            field, "False does not turn anything on", "Leave it unset (None) for no checks"
        )
    return _choice("basic", "advanced")(field, value)


def _render_llm_security(level: str) -> dict[str, str]:
    headers = {"Helicone-LLM-Security-Enabled": "true"}
    if level == "advanced":
        headers["Helicone-LLM-Security-Advanced"] = "true"
    return headers


def _check_secret(field: str, value: object) -> Secret:
    if not isinstance(value, (str, Secret)):
        raise InvalidOptionError(
            field, f"expected a string, got {type(value).__name__}", "Pass the key as a str"
        )
    secret = Secret(value)
    check_header_value(field, secret.get_secret_value(), secret=True)
    return secret


def _check_retry_factor(field: str, value: object) -> float:
    return check_number(field, value, 1, 10)


def _render_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _check_session_id(field: str, value: object) -> str:
    # Helicone's examples use UUIDs for sessions; take a uuid.UUID as well as its text.
    return check_text(field, str(value) if is_instance(value, "uuid", "UUID") else value)


OPTIONS: tuple[Option, ...] = (
    Option("user_id", check_text, _one("Helicone-User-Id"), "Per-user metrics and rate limits."),
    Option(
        "session_id",
        _check_session_id,
        _one("Helicone-Session-Id"),
        "Groups requests into a session (text or a uuid.UUID).",
    ),
    Option(
        "session_path",
        _check_session_path,
        _one("Helicone-Session-Path"),
        "Position in the session tree, e.g. '/plan/step-1'.",
    ),
    Option("session_name", check_text, _one("Helicone-Session-Name"), "The session's type name."),
    Option(
        "properties",
        _check_properties,
        lambda props: {f"{PROPERTY_PREFIX}{name}": val for name, val in props.items()},
        "Custom properties: {name: value} sent as Helicone-Property-<name>.",
    ),
    Option("cache_enabled", check_bool, _one("Helicone-Cache-Enabled", _flag), "Response cache."),
    Option(
        "cache_max_age",
        _check_max_age,
        _one("Cache-Control", lambda s: f"max-age={s}"),
        "Cache lifetime in seconds (or a timedelta), at most 365 days.",
    ),
    Option(
        "cache_bucket_max_size",
        lambda f, v: check_int(f, v, 1, MAX_CACHE_BUCKET_SIZE),
        _one("Helicone-Cache-Bucket-Max-Size"),
        "How many responses to store per cache key (1-20).",
    ),
    Option("cache_seed", check_text, _one("Helicone-Cache-Seed"), "A separate cache namespace."),
    Option(
        "cache_ignore_keys",
        _check_ignore_keys,
        _one("Helicone-Cache-Ignore-Keys", ",".join),
        "Request-body keys left out of the cache key.",
    ),
    Option(
        "retry_enabled",
        check_bool,
        _one("Helicone-Retry-Enabled", _flag),
        "Server-side retries with exponential backoff.",
    ),
    Option(
        "retry_num",
        lambda f, v: check_int(f, v, 1, 20),
        _one("Helicone-Retry-Num"),
        "How many times Helicone retries (1-20).",
    ),
    Option(
        "retry_factor",
        _check_retry_factor,
        _one("Helicone-Retry-Factor", _render_number),
        "Backoff factor (1-10).",
    ),
    Option(
        "retry_min_timeout",
        lambda f, v: check_int(f, v, 0, 600_000, " ms"),
        _one("Helicone-Retry-Min-Timeout"),
        "Shortest wait between retries, in milliseconds.",
    ),
    Option(
        "retry_max_timeout",
        lambda f, v: check_int(f, v, 0, 600_000, " ms"),
        _one("Helicone-Retry-Max-Timeout"),
        "Longest wait between retries, in milliseconds.",
    ),
    Option(
        "rate_limit_policy",
        _check_rate_limit,
        _one("Helicone-RateLimit-Policy"),
        "A RateLimitPolicy or its string form 'quota;w=seconds;u=request|cents;s=user|<prop>'.",
    ),
    Option(
        "request_id",
        _check_request_id,
        _one("Helicone-Request-Id"),
        "Pre-assigns the Helicone id of the request (a UUID).",
    ),
    Option("prompt_id", check_text, _one("Helicone-Prompt-Id"), "Associates a prompt."),
    Option(
        "omit_request",
        check_bool,
        _one("Helicone-Omit-Request", _flag),
        "Don't store the request body.",
    ),
    Option(
        "omit_response",
        check_bool,
        _one("Helicone-Omit-Response", _flag),
        "Don't store the response body.",
    ),
    Option(
        "llm_security",
        _check_llm_security,
        _render_llm_security,
        "Prompt-injection checks: 'basic' or 'advanced' (True means 'basic').",
    ),
    Option(
        "moderations_enabled",
        check_bool,
        _one("Helicone-Moderations-Enabled", _flag),
        "Moderation; flagged prompts are refused with PROMPT_FLAGGED_FOR_MODERATION.",
    ),
    Option(
        "token_limit_handler",
        _choice("truncate", "middle-out", "fallback"),
        _one("Helicone-Token-Limit-Exception-Handler"),
        "What to do when the prompt exceeds the context: truncate, middle-out or fallback.",
    ),
    Option(
        "model_override",
        check_text,
        _one("Helicone-Model-Override"),
        "Model name used for cost mapping.",
    ),
    Option(
        "posthog_key",
        _check_secret,
        lambda key: {"Helicone-Posthog-Key": key.get_secret_value()},
        "PostHog project key to export events to (kept secret).",
    ),
    Option(
        "posthog_host",
        check_url,
        _one("Helicone-Posthog-Host"),
        "PostHog host URL.",
    ),
)

OPTION_NAMES: frozenset[str] = frozenset(option.name for option in OPTIONS)
_BY_NAME = {option.name: option for option in OPTIONS}


def check_options(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check and normalize option values; ``None`` means "not set" and is dropped.

    Raises ``InvalidOptionError`` naming the first bad field, or ``TypeError`` for an unknown name.
    """
    checked: dict[str, Any] = {}
    for name, value in values.items():
        option = _BY_NAME.get(name)
        if option is None:
            raise TypeError(
                f"unknown Helicone option {name!r}; known: {', '.join(sorted(_BY_NAME))}"
            )
        if value is not None:
            checked[name] = option.check(name, value)
    check_combination(checked)
    return checked


def check_combination(values: Mapping[str, Any]) -> None:
    """Check the options that constrain each other, once each is valid on its own."""
    retry_min, retry_max = values.get("retry_min_timeout"), values.get("retry_max_timeout")
    if retry_min is not None and retry_max is not None and retry_min > retry_max:
        raise InvalidOptionError(
            "retry_max_timeout",
            f"{retry_max} ms is shorter than retry_min_timeout ({retry_min} ms)",
            "Make retry_max_timeout at least retry_min_timeout",
        )


def render_options(values: Mapping[str, Any]) -> dict[str, str]:
    """The headers for already-checked option values, in the order of ``OPTIONS``."""
    headers: dict[str, str] = {}
    for option in OPTIONS:
        value = values.get(option.name)
        if value is not None:
            headers.update(option.render(value))
    return headers


def fallback_models(*models: str, exclude_providers: Iterable[str] = ()) -> str:
    """The AI Gateway model string for an ordered fallback chain.

    Each model is a plain name (``"gpt-4o-mini"``), a model on one provider
    (``"gpt-4o/openai"``) or a deployment (``"gpt-4o/azure/my-deployment"``). Providers in
    ``exclude_providers`` are never used for any model in the chain:

    ```pycon
    >>> fallback_models("gpt-4o/openai", "claude-sonnet-4", exclude_providers=["azure"])
    'gpt-4o/openai,claude-sonnet-4,!azure'

    ```
    """
    if not models:
        raise InvalidOptionError("model", "no model was given", "Pass at least one model name")
    entries = [_check_model_entry("model", model) for model in models]
    if isinstance(exclude_providers, str):
        raise InvalidOptionError(
            "exclude_providers",
            f"expected a list of provider names, got the string {describe(exclude_providers)}",
            f"Pass a list, e.g. [{exclude_providers!r}]",
        )
    for provider in exclude_providers:
        name = _check_model_entry("exclude_providers", provider)
        if "/" in name:
            raise InvalidOptionError(
                "exclude_providers",
                f"{describe(name)} is not a provider name",
                "Pass provider names such as 'azure'",
            )
        entries.append(f"!{name}")
    return ",".join(entries)


def check_model(field: str, value: object) -> str:
    """A model string the AI Gateway accepts: a name, ``model/provider``, a deployment, or a
    comma-separated fallback chain that may exclude providers with ``!provider``."""
    text = check_text(field, value)
    for entry in text.split(","):
        if not entry.removeprefix("!"):
            raise InvalidOptionError(
                field, f"{describe(text)} has an empty entry", "Remove the extra ',' or '!'"
            )
        _check_model_entry(field, entry.removeprefix("!"))
    if all(entry.startswith("!") for entry in text.split(",")):
        # The gateway refuses it with a 400; say so before anything is sent.
        raise InvalidOptionError(
            field,
            f"{describe(text)} excludes providers but names no model",
            "Add a model, e.g. 'gpt-4o-mini,!azure'",
        )
    return text


def _check_model_entry(field: str, model: object) -> str:
    name = check_text(field, model)
    if "," in name or "!" in name or " " in name or name.startswith("/") or name.endswith("/"):
        raise InvalidOptionError(
            field,
            f"{describe(name)} is not a single name",
            "Pass each one as its own item, e.g. fallback_models('gpt-4o', 'gpt-4o-mini')",
        )
    return name
