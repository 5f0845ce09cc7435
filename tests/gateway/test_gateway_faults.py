"""Scripted faults, by model name and through the test API."""

from __future__ import annotations

import json
import ssl
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from helicone_core.testing import Fault, LocalGateway

if TYPE_CHECKING:
    from conftest import MakeClient


@pytest.fixture
def client(make_client: MakeClient) -> httpx.Client:
    return make_client(timeout=5)


def ask(
    client: httpx.Client, model: str = "gpt-4o-mini", text: str = "hi", **extra: Any
) -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": text}], **extra}
    return client.post("/chat/completions", json=body)


def stream(
    client: httpx.Client, model: str = "gpt-4o-mini", text: str = "count to 10"
) -> list[str]:
    body = {"model": model, "messages": [{"role": "user", "content": text}], "stream": True}
    with client.stream("POST", "/chat/completions", json=body) as response:
        assert response.status_code == 200
        return [line for line in response.iter_lines() if line]


def stream_until_error(client: httpx.Client, model: str = "gpt-4o-mini") -> list[str]:
    lines: list[str] = []
    body = {
        "model": model,
        "messages": [{"role": "user", "content": "count to 10"}],
        "stream": True,
    }
    with (
        pytest.raises(httpx.TransportError),
        client.stream("POST", "/chat/completions", json=body) as response,
    ):
        lines.extend(line for line in response.iter_lines() if line)
    return lines


@pytest.mark.parametrize(
    ("model", "status", "code", "error_type"),
    [
        ("fault-500", 500, None, "server_error"),
        ("fault-502", 502, "bad_gateway", "server_error"),
        ("fault-503", 503, "service_unavailable", "server_error"),
        ("fault-401", 401, "invalid_api_key", "invalid_request_error"),
        ("fault-403", 403, "permission_denied", "permission_error"),
        ("fault-404", 404, "model_not_found", "invalid_request_error"),
        ("fault-429", 429, "rate_limit_exceeded", "requests"),
        ("fault-418", 418, None, "invalid_request_error"),
    ],
)
def test_status_fault_models_always_fail(
    client: httpx.Client,
    gw: LocalGateway,
    model: str,
    status: int,
    code: str | None,
    error_type: str,
) -> None:
    for _ in range(2):
        response = ask(client, model)
        assert response.status_code == status
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert (error["code"], error["type"]) == (code, error_type)
        assert "helicone-id" in response.headers
    assert len(gw.requests) == 2
    assert [r.status for r in gw.requests] == [status, status]


def test_fault_404_names_the_model(client: httpx.Client) -> None:
    assert "fault-404" in ask(client, "fault-404").json()["error"]["message"]


def test_fault_429_carries_retry_after_zero(client: httpx.Client) -> None:
    assert ask(client, "fault-429").headers["retry-after"] == "0"


def test_once_models_fail_only_the_first_time(client: httpx.Client, gw: LocalGateway) -> None:
    first = ask(client, "fault-429-once")
    assert (first.status_code, first.headers["retry-after"]) == (429, "0")
    assert ask(client, "fault-429-once").status_code == 200
    assert ask(client, "fault-503-once").status_code == 503  # each model fails once
    assert ask(client, "fault-503-once").status_code == 200
    assert len(gw.requests) == 4
    gw.reset()
    assert ask(client, "fault-429-once").status_code == 429


def test_openai_sdk_retries_fault_429_once(gw: LocalGateway) -> None:
    openai = pytest.importorskip("openai")
    sdk = openai.OpenAI(base_url=gw.url, api_key=gw.api_key, max_retries=2)
    completion = sdk.chat.completions.create(
        model="fault-429-once", messages=[{"role": "user", "content": "retry"}]
    )
    assert completion.choices[0].message.content == "Echo: retry"
    assert [r.status for r in gw.requests] == [429, 200]


def test_slow_model_answers_after_waiting(client: httpx.Client) -> None:
    start = time.monotonic()
    response = ask(client, "fault-slow-0.2")
    assert response.status_code == 200
    assert response.json()["model"] == "fault-slow-0.2"
    assert time.monotonic() - start < 5


def test_slow_model_trips_a_client_timeout(gw: LocalGateway, tls: ssl.SSLContext) -> None:
    body = {"model": "fault-slow-2", "messages": [{"role": "user", "content": "x"}]}
    headers = {"Authorization": f"Bearer {gw.api_key}"}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            f"{gw.url}/chat/completions", json=body, headers=headers, timeout=0.3, verify=tls
        )


def test_close_interrupts_a_slow_fault(tls: ssl.SSLContext) -> None:
    gateway = LocalGateway().start()
    outcome: list[object] = []

    def call() -> None:
        try:
            body = {"model": "fault-slow-30", "messages": [{"role": "user", "content": "x"}]}
            headers = {"Authorization": f"Bearer {gateway.api_key}"}
            outcome.append(
                httpx.post(
                    f"{gateway.url}/chat/completions",
                    json=body,
                    headers=headers,
                    timeout=20,
                    verify=tls,
                ).status_code
            )
        except httpx.TransportError as error:
            outcome.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 5
    while not gateway.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    start = time.monotonic()
    gateway.close()
    caller.join(10)
    assert time.monotonic() - start < 5
    assert not caller.is_alive()
    (result,) = outcome
    assert result != 200


def test_reset_mid_stream(client: httpx.Client, gw: LocalGateway) -> None:
    lines = stream_until_error(client, "fault-reset-mid-stream")
    assert "data: [DONE]" not in lines
    assert len(lines) <= 3
    assert ask(client).status_code == 200  # the gateway itself is fine


def test_reset_without_streaming_gets_no_answer(client: httpx.Client, gw: LocalGateway) -> None:
    with pytest.raises(httpx.TransportError):
        ask(client, "fault-reset-mid-stream")
    assert gw.requests[-1].status is None


def test_malformed_json(client: httpx.Client) -> None:
    response = ask(client, "fault-malformed-json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_malformed_json_in_a_stream(client: httpx.Client) -> None:
    lines = stream(client, "fault-malformed-json")
    assert lines[-1] == "data: [DONE]"
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[0].removeprefix("data: "))


def test_truncated_sse(client: httpx.Client) -> None:
    lines = stream(client, "fault-truncated-sse")
    assert "data: [DONE]" not in lines
    assert len(lines) == 4
    for line in lines[:3]:
        json.loads(line.removeprefix("data: "))
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[3].removeprefix("data: "))


def test_truncated_json_body(client: httpx.Client) -> None:
    response = ask(client, "fault-truncated-sse")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


# -- the test API ---------------------------------------------------------------------------------


def test_fail_next_applies_to_the_next_n_requests(client: httpx.Client, gw: LocalGateway) -> None:
    gw.fail_next(status=503, times=2)
    assert gw.pending_faults == 2
    assert [ask(client, model).status_code for model in ("a", "b", "c")] == [503, 503, 200]
    assert gw.pending_faults == 0
    assert len(gw.requests) == 3


@pytest.mark.parametrize(
    ("retry_after", "header"), [(None, None), (0, "0"), (2, "2"), (1.5, "1.5")]
)
def test_fail_next_retry_after(
    client: httpx.Client, gw: LocalGateway, retry_after: float | None, header: str | None
) -> None:
    gw.fail_next(429, retry_after=retry_after)
    response = ask(client)
    assert response.status_code == 429
    assert response.headers.get("retry-after") == header


def test_fail_next_custom_bodies(client: httpx.Client, gw: LocalGateway) -> None:
    gw.fail_next(500, body={"error": {"message": "custom"}})
    gw.fail_next(502, body="<html>upstream exploded</html>")
    first, second = ask(client), ask(client)
    assert (first.status_code, first.json()) == (500, {"error": {"message": "custom"}})
    assert second.status_code == 502
    assert second.headers["content-type"].startswith("text/plain")
    assert second.text == "<html>upstream exploded</html>"


def test_script_runs_in_order(client: httpx.Client, gw: LocalGateway) -> None:
    gw.script(Fault.error(502), Fault.slow(0.05), Fault.error(504), times=1)
    assert [ask(client).status_code for _ in range(4)] == [502, 200, 504, 200]


@pytest.mark.parametrize(
    ("arm", "streaming", "check"),
    [
        ("reset_mid_stream_next", True, "reset"),
        ("malformed_json_next", False, "malformed"),
        ("truncated_sse_next", True, "truncated"),
        ("slow_next", False, "ok"),
    ],
)
def test_fault_methods(
    client: httpx.Client, gw: LocalGateway, arm: str, streaming: bool, check: str
) -> None:
    method = getattr(gw, arm)
    method(0.05) if arm == "slow_next" else method()
    if check == "reset":
        assert "data: [DONE]" not in stream_until_error(client)
    elif check == "truncated":
        assert "data: [DONE]" not in stream(client)
    elif check == "malformed":
        with pytest.raises(json.JSONDecodeError):
            json.loads(ask(client).content)
    else:
        assert ask(client).status_code == 200
    assert ask(client).status_code == 200  # one request only
    assert gw.pending_faults == 0


def test_scripted_fault_goes_before_a_once_model(client: httpx.Client, gw: LocalGateway) -> None:
    gw.fail_next(500)
    assert [ask(client, "fault-429-once").status_code for _ in range(3)] == [500, 429, 200]


def test_faults_wait_for_requests_that_reach_the_upstream(
    client: httpx.Client, gw: LocalGateway, tls: ssl.SSLContext
) -> None:
    gw.fail_next(500)
    assert (
        httpx.post(f"{gw.url}/chat/completions", json={}, timeout=5, verify=tls).status_code == 401
    )
    assert client.post("/chat/completions", json={"model": "m"}).status_code == 400
    cached = {"Helicone-Cache-Enabled": "true"}
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    assert client.post("/chat/completions", json=body, headers=cached).status_code == 500
    assert client.post("/chat/completions", json=body, headers=cached).status_code == 200
    gw.fail_next(500)
    assert (
        client.post("/chat/completions", json=body, headers=cached).headers["helicone-cache"]
        == "HIT"
    )
    assert gw.pending_faults == 1


def test_reset_clears_scripted_faults(client: httpx.Client, gw: LocalGateway) -> None:
    gw.fail_next(500, times=3)
    gw.reset()
    assert ask(client).status_code == 200


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Fault.error(200), "400-599"),
        (lambda: Fault.error(600), "400-599"),
        (lambda: Fault.slow(-1), "non-negative"),
    ],
)
def test_invalid_faults_are_refused(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_times_must_be_positive(gw: LocalGateway) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        gw.fail_next(500, times=0)


def test_slow_is_capped() -> None:
    assert Fault.slow(1000).seconds == 30
