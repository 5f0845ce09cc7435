"""The REST API client against the local gateway's REST endpoints."""

from __future__ import annotations

import uuid

import pytest

from helicone_core import HeliconeConfig, InvalidOptionError, capture_info
from helicone_core.api import AsyncHeliconeAPI, HeliconeAPI, HeliconeAPIError
from helicone_core.testing import LocalGateway
from helicone_core.transport import http_client


@pytest.fixture
def rest(helicone_gateway: LocalGateway) -> HeliconeConfig:
    return HeliconeConfig(rest_base=helicone_gateway.rest_url, mode="proxy", provider_api_key="p")


def logged_request(gw: LocalGateway, **options: object) -> str:
    client = http_client(HeliconeConfig(**options))  # type: ignore[arg-type]
    with capture_info() as captured:
        client.post(
            f"{gw.url}/chat/completions",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
        ).raise_for_status()
    assert captured.last is not None
    assert captured.last.request_id
    return captured.last.request_id


def test_feedback_score_and_property(helicone_gateway: LocalGateway, rest: HeliconeConfig) -> None:
    request_id = logged_request(helicone_gateway)
    with HeliconeAPI(rest) as api:
        api.feedback(request_id, rating=True)
        api.score(request_id, {"accuracy": 92, "helpful": True, "latency": 0.25})
        api.set_property(request_id, "Reviewed", "yes")
    assert helicone_gateway.feedback == {request_id: True}
    assert helicone_gateway.scores[request_id] == {"accuracy": 92, "helpful": True, "latency": 0.25}
    assert helicone_gateway.properties[request_id] == {"Reviewed": "yes"}
    rest_calls = [r for r in helicone_gateway.requests if "/request/" in r.path]
    # The REST API takes the Helicone key as Authorization, whatever the mode of the config.
    assert {r.headers["Authorization"] for r in rest_calls} == {
        f"Bearer {helicone_gateway.api_key}"
    }
    assert all("Helicone-User-Id" not in r.headers for r in rest_calls)


async def test_async_client(helicone_gateway: LocalGateway, rest: HeliconeConfig) -> None:
    session = str(uuid.uuid4())
    request_id = logged_request(helicone_gateway, session_id=session)
    async with AsyncHeliconeAPI(rest) as api:
        await api.feedback(request_id, rating=False)
        await api.score(request_id, {"accuracy": 10})
        await api.set_property(request_id, "Reviewed", "no")
        await api.session_feedback(session, rating=True)
    assert helicone_gateway.feedback == {request_id: False}
    assert helicone_gateway.session_feedback == {session: True}


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda api: api.feedback("not-a-uuid", rating=True), "request_id"),
        (lambda api: api.feedback(str(uuid.uuid4()), rating="good"), "rating"),
        (lambda api: api.score(str(uuid.uuid4()), {}), "scores"),
        (lambda api: api.score(str(uuid.uuid4()), {"x": float("nan")}), "scores['x']"),
        (lambda api: api.score(str(uuid.uuid4()), {"x": "high"}), "scores['x']"),
        (lambda api: api.set_property(str(uuid.uuid4()), "bad\nkey", "v"), "key"),
    ],
    ids=["non-uuid-id", "rating-not-bool", "no-scores", "nan-score", "text-score", "bad-key"],
)
def test_bad_arguments_fail_before_sending(
    helicone_gateway: LocalGateway, rest: HeliconeConfig, call: object, field: str
) -> None:
    with HeliconeAPI(rest) as api, pytest.raises(InvalidOptionError) as error:
        call(api)  # type: ignore[operator]
    assert error.value.field == field
    assert helicone_gateway.requests == []


def test_refusals_raise_with_helicones_message(
    helicone_gateway: LocalGateway, rest: HeliconeConfig
) -> None:
    with HeliconeAPI(rest) as api, pytest.raises(HeliconeAPIError) as error:
        api.feedback(str(uuid.uuid4()), rating=True)
    assert error.value.status_code == 404
    assert "Helicone-Id" in str(error.value)
    wrong = rest.replace(api_key="sk-helicone-wrong")
    with HeliconeAPI(wrong) as api, pytest.raises(HeliconeAPIError) as error:
        api.feedback(logged_request(helicone_gateway), rating=True)
    assert error.value.status_code == 401
    assert "HELICONE_API_KEY" in str(error.value)
    assert "sk-helicone-wrong" not in str(error.value)
