"""Helicone's REST API: feedback, scores, properties and session feedback."""

from __future__ import annotations

import ssl
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from helicone_core.testing import LocalGateway

if TYPE_CHECKING:
    from conftest import MakeClient


@pytest.fixture
def rest(gw: LocalGateway, make_client: MakeClient) -> httpx.Client:
    return make_client(base_url=gw.rest_url)


SESSION = "5f0c6c43-2a5f-4b8e-9a57-2d0e5f8a1c11"


@pytest.fixture
def request_id(rest: httpx.Client) -> str:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    response = rest.post(
        "/v1/chat/completions", json=body, headers={"Helicone-Session-Id": SESSION}
    )
    return response.headers["helicone-id"]


def test_request_feedback(rest: httpx.Client, gw: LocalGateway, request_id: str) -> None:
    response = rest.post(f"/v1/request/{request_id}/feedback", json={"rating": True})
    assert response.status_code == 200
    assert response.json() == {"data": {"requestId": request_id, "rating": True}, "error": None}
    rest.post(f"/v1/request/{request_id}/feedback", json={"rating": False})
    assert gw.feedback == {request_id: False}


def test_scores_merge(rest: httpx.Client, gw: LocalGateway, request_id: str) -> None:
    assert (
        rest.post(f"/v1/request/{request_id}/score", json={"scores": {"accuracy": 0.9}}).status_code
        == 200
    )
    response = rest.post(
        f"/v1/request/{request_id}/score", json={"scores": {"helpful": True, "n": 3}}
    )
    assert response.json()["data"]["scores"] == {"accuracy": 0.9, "helpful": True, "n": 3}
    assert gw.scores == {request_id: {"accuracy": 0.9, "helpful": True, "n": 3}}


def test_property(rest: httpx.Client, gw: LocalGateway, request_id: str) -> None:
    response = rest.put(
        f"/v1/request/{request_id}/property", json={"key": "stage", "value": "eval"}
    )
    assert response.status_code == 200
    assert response.json()["error"] is None
    assert gw.properties == {request_id: {"stage": "eval"}}


def test_session_feedback(rest: httpx.Client, gw: LocalGateway, request_id: str) -> None:
    response = rest.post(f"/v1/session/{SESSION}/feedback", json={"rating": True})
    assert response.status_code == 200
    assert gw.session_feedback == {SESSION: True}


def test_pre_assigned_request_id_is_known(rest: httpx.Client, gw: LocalGateway) -> None:
    wanted = str(uuid.uuid4())
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    rest.post("/v1/chat/completions", json=body, headers={"Helicone-Request-Id": wanted})
    assert rest.post(f"/v1/request/{wanted}/feedback", json={"rating": True}).status_code == 200


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("POST", "feedback", {}),
        ("POST", "feedback", {"rating": "yes"}),
        ("POST", "feedback", {"rating": 1}),
        ("POST", "feedback", ["rating"]),
        ("POST", "feedback", None),
        ("POST", "score", {"scores": {}}),
        ("POST", "score", {"scores": {"a": "high"}}),
        ("POST", "score", {"scores": {"": 1}}),
        ("POST", "score", {"scores": [1, 2]}),
        ("POST", "score", {"accuracy": 1}),
        ("PUT", "property", {"key": "", "value": "v"}),
        ("PUT", "property", {"key": "k"}),
        ("PUT", "property", {"key": "k", "value": 3}),
        ("PUT", "property", {"value": "v"}),
    ],
)
def test_bad_bodies_are_400(
    rest: httpx.Client, gw: LocalGateway, request_id: str, method: str, suffix: str, body: Any
) -> None:
    response = rest.request(method, f"/v1/request/{request_id}/{suffix}", json=body)
    assert response.status_code == 400
    data = response.json()
    assert data["data"] is None
    assert "body" in data["error"]
    assert (gw.feedback, gw.scores, gw.properties) == ({}, {}, {})


def test_non_finite_score_is_400(rest: httpx.Client, request_id: str) -> None:
    response = rest.post(
        f"/v1/request/{request_id}/score",
        content=b'{"scores": {"a": NaN}}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", f"/v1/request/{uuid.uuid4()}/feedback", {"rating": True}),
        ("POST", f"/v1/request/{uuid.uuid4()}/score", {"scores": {"a": 1}}),
        ("PUT", f"/v1/request/{uuid.uuid4()}/property", {"key": "k", "value": "v"}),
        ("POST", f"/v1/session/{uuid.uuid4()}/feedback", {"rating": True}),
    ],
)
def test_unknown_ids_are_404(rest: httpx.Client, method: str, path: str, body: Any) -> None:
    response = rest.request(method, path, json=body)
    assert response.status_code == 404
    assert response.json()["data"] is None


def test_ids_of_unauthenticated_requests_are_unknown(
    rest: httpx.Client, gw: LocalGateway, tls: ssl.SSLContext
) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    refused = httpx.post(f"{gw.url}/chat/completions", json=body, timeout=10, verify=tls)
    assert refused.status_code == 401
    assert (
        rest.post(
            f"/v1/request/{refused.headers['helicone-id']}/feedback", json={"rating": True}
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", "feedback"), ("PUT", "feedback"), ("POST", "property"), ("DELETE", "score")],
)
def test_wrong_method_is_405(rest: httpx.Client, request_id: str, method: str, suffix: str) -> None:
    response = rest.request(method, f"/v1/request/{request_id}/{suffix}")
    assert response.status_code == 405
    assert response.headers["allow"] in ("POST", "PUT")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer sk-helicone-wrong"}])
def test_rest_auth(
    gw: LocalGateway, request_id: str, headers: dict[str, str], tls: ssl.SSLContext
) -> None:
    response = httpx.post(
        f"{gw.rest_url}/v1/request/{request_id}/feedback",
        json={"rating": True},
        headers=headers,
        timeout=10,
        verify=tls,
    )
    assert response.status_code == 401
    assert response.json()["data"] is None
    assert "sk-helicone-wrong" not in response.text
    assert gw.feedback == {}


def test_reset_forgets_ids_and_data(rest: httpx.Client, gw: LocalGateway, request_id: str) -> None:
    rest.post(f"/v1/request/{request_id}/feedback", json={"rating": True})
    gw.reset()
    assert gw.feedback == {}
    assert rest.post(f"/v1/request/{request_id}/feedback", json={"rating": True}).status_code == 404
