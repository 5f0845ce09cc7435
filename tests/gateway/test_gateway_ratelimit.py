"""Helicone rate limits: global, per user, per property, cents, headers and 429s."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from helicone_core.ratelimit import RateLimitPolicy
from helicone_core.testing import LocalGateway, cents_cost

if TYPE_CHECKING:
    from conftest import FakeClock


@pytest.fixture(scope="module")
def gateway_options(clock: FakeClock) -> dict[str, FakeClock]:
    return {"clock": clock}


def ask(client: httpx.Client, policy: str, text: str = "hi", **headers: str) -> httpx.Response:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}
    extra = {name.replace("_", "-"): value for name, value in headers.items()}
    return client.post(
        "/chat/completions", json=body, headers={"Helicone-RateLimit-Policy": policy, **extra}
    )


def test_global_quota_then_429(client: httpx.Client) -> None:
    responses = [ask(client, "3;w=60") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r.headers["helicone-ratelimit-remaining"] for r in responses] == ["2", "1", "0", "0"]
    assert all(r.headers["helicone-ratelimit-limit"] == "3" for r in responses)
    assert all(r.headers["helicone-ratelimit-policy"] == "3;w=60" for r in responses)
    refused = responses[-1]
    assert refused.headers["retry-after"] == "60"
    error = refused.json()["error"]
    assert error["code"] == "rate_limit_exceeded"
    assert set(error) == {"message", "type", "param", "code"}
    assert "retry-after" not in responses[0].headers


def test_window_slides(client: httpx.Client, clock: FakeClock) -> None:
    assert ask(client, "2;w=60").status_code == 200
    clock.now += 30
    assert ask(client, "2;w=60").status_code == 200
    refused = ask(client, "2;w=60")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "30"  # when the first request leaves the window
    clock.now += 30
    assert ask(client, "2;w=60").status_code == 200


def test_per_user_segments(client: httpx.Client) -> None:
    policy = "1;w=60;s=user"
    assert ask(client, policy, Helicone_User_Id="alice").status_code == 200
    assert ask(client, policy, Helicone_User_Id="alice").status_code == 429
    assert ask(client, policy, Helicone_User_Id="bob").status_code == 200


def test_per_property_segments(client: httpx.Client) -> None:
    policy = "1;w=60;s=tenant"
    assert ask(client, policy, Helicone_Property_Tenant="acme").status_code == 200
    assert ask(client, policy, Helicone_Property_Tenant="acme").status_code == 429
    assert ask(client, policy, Helicone_Property_Tenant="globex").status_code == 200
    assert ask(client, policy, Helicone_User_Id="acme").status_code == 200  # no tenant: shared ""


def test_policies_are_counted_separately(client: httpx.Client) -> None:
    assert ask(client, "1;w=60").status_code == 200
    assert ask(client, "1;w=120").status_code == 200
    assert ask(client, "1;w=60").status_code == 429


def test_cents_count_the_documented_cost(client: httpx.Client) -> None:
    policy = "5;w=60;u=cents"
    first = ask(client, policy, "count to 250")  # 3 prompt + 250 reply words = 253 tokens
    assert cents_cost(253) == 3
    assert first.status_code == 200
    assert first.headers["helicone-ratelimit-remaining"] == "2"
    second = ask(client, policy, "hi")  # 1 + 2 words: 1 cent
    assert second.headers["helicone-ratelimit-remaining"] == "1"
    assert ask(client, policy, "count to 100").status_code == 200  # allowed: 4 < 5 used before
    refused = ask(client, policy, "hi")
    assert refused.status_code == 429
    assert refused.headers["helicone-ratelimit-policy"] == "5;w=60;u=cents"


@pytest.mark.parametrize(("tokens", "cents"), [(0, 1), (1, 1), (100, 1), (101, 2), (1000, 10)])
def test_cents_cost_rule(tokens: int, cents: int) -> None:
    assert cents_cost(tokens) == cents


@pytest.mark.parametrize(
    "policy", ["abc", "10", "10;w=10", "10;w=60;u=tokens", "10;w=60;x=1", "0;w=60"]
)
def test_malformed_policy_is_400(client: httpx.Client, policy: str) -> None:
    response = ask(client, policy)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_rate_limit_policy"
    assert "rate_limit_policy" in error["message"]
    with pytest.raises(ValueError, match="rate_limit_policy"):
        RateLimitPolicy.parse(policy)


def test_reset_clears_usage(client: httpx.Client, server: LocalGateway) -> None:
    assert ask(client, "1;w=60").status_code == 200
    server.reset()
    assert ask(client, "1;w=60").status_code == 200


def test_openai_sdk_sees_a_rate_limit_error(server: LocalGateway) -> None:
    openai = pytest.importorskip("openai")
    server.reset()
    sdk = openai.OpenAI(
        base_url=server.url,
        api_key=server.api_key,
        max_retries=0,
        default_headers={"Helicone-RateLimit-Policy": "1;w=60"},
    )
    messages = [{"role": "user", "content": "x"}]
    sdk.chat.completions.create(model="m", messages=messages)
    with pytest.raises(openai.RateLimitError) as caught:
        sdk.chat.completions.create(model="m", messages=messages)
    assert caught.value.response.headers["retry-after"] == "60"
