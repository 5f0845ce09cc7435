"""Hostile input never reaches the wire: a clear ValueError naming the field, at construction."""

from __future__ import annotations

from typing import Any

import pytest
from adapter_drivers import ADAPTERS, build_direct
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helicone_core.testing import LocalGateway

NASTY = st.one_of(
    st.text(min_size=1, max_size=40),
    st.text(alphabet=st.sampled_from("ab\r\n\x00\t é日\x7f "), min_size=1, max_size=20),
    st.just("x" * 10_240),
    st.sampled_from(["a\r\nX-Injected: 1", "\x00", "é", " padded ", "\n"]),
)
URLS = st.one_of(
    st.sampled_from(
        [
            "ai-gateway.helicone.ai/v1",
            "ftp://host/v1",
            "http://user:SECRETpw@host/v1",
            "http://ho st/v1",
            "https://host/v1?x=1",
            "javascript:alert(1)",
            "http://[::1",
            "",
        ]
    ),
    st.text(max_size=30),
)
POLICIES = st.one_of(
    st.sampled_from(["", "100", "100;w=30", "x;w=60", "10;w=60;u=dollars", "10;w=60;s=a b"]),
    st.text(max_size=30),
)

FIELDS: dict[str, tuple[st.SearchStrategy[Any], Any]] = {
    "user_id": (NASTY, lambda v: {"user_id": v}),
    "session_path": (NASTY, lambda v: {"session_path": v}),
    "properties": (NASTY, lambda v: {"properties": {v: "x"}}),
    "properties-value": (NASTY, lambda v: {"properties": {"Name": v}}),
    "rate_limit_policy": (POLICIES, lambda v: {"rate_limit_policy": v}),
    "api_base": (URLS, lambda v: {"api_base": v}),
    "request_id": (NASTY, lambda v: {"request_id": v}),
    "headers": (NASTY, lambda v: {"headers": {"X-Custom": v}}),
}


def error_of(construct: Any) -> str | None:
    """The message of the ValueError construction raised, or None if it succeeded."""
    try:
        construct()
    except ValueError as error:
        return str(error)
    return None


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("field", list(FIELDS))
def test_hostile_values_fail_clearly_before_any_request(
    helicone_gateway: LocalGateway, adapter: str, field: str
) -> None:
    strategy, arguments = FIELDS[field]
    name = "properties" if field.startswith("properties") else field

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(value=strategy)
    def check(value: Any) -> None:
        options = {"api_key": helicone_gateway.api_key, "api_base": helicone_gateway.url}
        options |= arguments(value)
        message = error_of(lambda: build_direct(adapter, **options))
        if message is not None:
            assert name in message, message
            assert "SECRETpw" not in message
        # No construction ever sends anything.
        assert helicone_gateway.requests == []

    check()


@pytest.mark.parametrize("adapter", ["llama-index", "langchain"])
@given(model=NASTY)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_hostile_model_strings_fail_clearly(
    helicone_gateway: LocalGateway, adapter: str, model: str
) -> None:
    api = {"api_key": helicone_gateway.api_key, "api_base": helicone_gateway.url}
    message = error_of(lambda: build_direct(adapter, model=model, **api))
    assert message is None or "model" in message, message
    assert helicone_gateway.requests == []
