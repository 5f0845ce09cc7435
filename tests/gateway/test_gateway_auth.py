"""Authentication in AI Gateway and proxy mode, and the Helicone-Id rules."""

from __future__ import annotations

import ssl
import uuid

import httpx
import pytest

from helicone_core.testing import DEFAULT_API_KEY, LocalGateway

KEY = "sk-helicone-test-key-123"
PROVIDER_KEY = "sk-proj-provider-key-456"
WRONG = "sk-helicone-wrong-key-789"
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def gateway_options() -> dict[str, str]:
    return {"api_key": KEY}


def post(
    gw: LocalGateway,
    tls: ssl.SSLContext,
    headers: dict[str, str],
    path: str = "/v1/chat/completions",
) -> httpx.Response:
    return httpx.post(f"{gw.rest_url}{path}", json=BODY, headers=headers, timeout=10, verify=tls)


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {KEY}"},
        {"Authorization": f"bearer {KEY}"},
        {"Helicone-Auth": f"Bearer {KEY}", "Authorization": f"Bearer {PROVIDER_KEY}"},
        {"helicone-auth": f"Bearer {KEY}", "authorization": "Bearer anything"},
    ],
    ids=["gateway", "lowercase-scheme", "proxy", "proxy-lowercase-names"],
)
def test_accepted_credentials(
    gw: LocalGateway, headers: dict[str, str], tls: ssl.SSLContext
) -> None:
    assert post(gw, tls, headers).status_code == 200


@pytest.mark.parametrize(
    ("headers", "mentions"),
    [
        ({}, "Missing Authorization"),
        ({"Authorization": f"Bearer {WRONG}"}, "not carry a valid"),
        ({"Authorization": f"Basic {KEY}"}, "Bearer"),
        ({"Authorization": "Bearer"}, "Bearer"),
        ({"Authorization": f"Bearer {PROVIDER_KEY}"}, "Helicone-Auth"),
        ({"Authorization": f"Bearer {DEFAULT_API_KEY}"}, "not carry a valid"),
        ({"Helicone-Auth": f"Bearer {KEY}"}, "Authorization"),
        ({"Helicone-Auth": f"Bearer {KEY}", "Authorization": "Bearer"}, "Authorization"),
        ({"Helicone-Auth": f"Bearer {WRONG}", "Authorization": f"Bearer {KEY}"}, "Helicone-Auth"),
        ({"Helicone-Auth": KEY, "Authorization": f"Bearer {PROVIDER_KEY}"}, "Helicone-Auth"),
    ],
    ids=[
        "nothing",
        "wrong-key",
        "not-bearer",
        "empty-bearer",
        "provider-key-alone",
        "default-key",
        "proxy-without-provider-key",
        "proxy-empty-provider-key",
        "proxy-wrong-helicone-key",
        "proxy-helicone-auth-not-bearer",
    ],
)
def test_rejected_credentials(
    gw: LocalGateway, headers: dict[str, str], mentions: str, tls: ssl.SSLContext
) -> None:
    response = post(gw, tls, headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "invalid_api_key"
    assert error["type"] == "invalid_request_error"
    assert mentions in error["message"]
    for secret in (KEY, WRONG, PROVIDER_KEY, DEFAULT_API_KEY):
        assert secret not in response.text
    assert "helicone-id" in response.headers


def test_rest_api_takes_the_key_in_authorization_only(
    gw: LocalGateway, tls: ssl.SSLContext
) -> None:
    proxy_style = {"Helicone-Auth": f"Bearer {KEY}", "Authorization": f"Bearer {PROVIDER_KEY}"}
    response = httpx.post(
        f"{gw.rest_url}/v1/request/{uuid.uuid4()}/feedback",
        json={"rating": True},
        headers=proxy_style,
        timeout=10,
        verify=tls,
    )
    assert response.status_code == 401
    assert response.json()["data"] is None
    assert PROVIDER_KEY not in response.text
    assert KEY not in response.text


def test_valid_request_id_becomes_helicone_id(gw: LocalGateway, tls: ssl.SSLContext) -> None:
    for wanted in (str(uuid.uuid4()), str(uuid.uuid1()), str(uuid.uuid5(uuid.NAMESPACE_DNS, "x"))):
        response = post(gw, tls, {"Authorization": f"Bearer {KEY}", "Helicone-Request-Id": wanted})
        assert response.headers["helicone-id"] == wanted


def test_uppercase_request_id_is_lowercased(gw: LocalGateway, tls: ssl.SSLContext) -> None:
    wanted = str(uuid.uuid4())
    response = post(
        gw, tls, {"Authorization": f"Bearer {KEY}", "Helicone-Request-Id": wanted.upper()}
    )
    assert response.headers["helicone-id"] == wanted


@pytest.mark.parametrize(
    "bad", ["not-a-uuid", "12345", str(uuid.UUID(int=0)), str(uuid.uuid4())[:-1], ""]
)
def test_invalid_request_id_is_replaced(gw: LocalGateway, bad: str, tls: ssl.SSLContext) -> None:
    response = post(gw, tls, {"Authorization": f"Bearer {KEY}", "Helicone-Request-Id": bad})
    issued = response.headers["helicone-id"]
    assert issued != bad
    assert uuid.UUID(issued).version == 4


def test_fresh_ids_differ(gw: LocalGateway, tls: ssl.SSLContext) -> None:
    ids = {
        post(gw, tls, {"Authorization": f"Bearer {KEY}"}).headers["helicone-id"] for _ in range(5)
    }
    assert len(ids) == 5


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("POST", "/v1/chat/completions", {"Authorization": f"Bearer {KEY}"}, 200),
        ("POST", "/v1/chat/completions", {}, 401),
        ("GET", "/v1/chat/completions", {}, 405),
        ("POST", "/v1/completions", {"Authorization": f"Bearer {KEY}"}, 404),
        ("GET", "/v1/models", {"Authorization": f"Bearer {KEY}"}, 200),
        ("GET", "/elsewhere", {}, 404),
        ("POST", f"/v1/request/{uuid.uuid4()}/feedback", {"Authorization": f"Bearer {KEY}"}, 404),
    ],
)
def test_every_response_carries_helicone_id(
    gw: LocalGateway,
    method: str,
    path: str,
    headers: dict[str, str],
    status: int,
    tls: ssl.SSLContext,
) -> None:
    wanted = str(uuid.uuid4())
    response = httpx.request(
        method,
        f"{gw.rest_url}{path}",
        json=BODY,
        headers={**headers, "Helicone-Request-Id": wanted},
        timeout=10,
        verify=tls,
    )
    assert response.status_code == status
    assert response.headers["helicone-id"] == wanted
    assert gw.requests[-1].helicone_id == wanted


def test_empty_api_key_is_refused() -> None:
    with pytest.raises(ValueError, match="api_key"):
        LocalGateway(api_key="")
