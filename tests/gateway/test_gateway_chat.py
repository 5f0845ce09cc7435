"""Non-streaming chat completions, structured output and the other OpenAI endpoints."""

from __future__ import annotations

import json
import ssl
from typing import Any

import httpx
import pytest

from helicone_core.testing import MODELS, LocalGateway


def chat(client: httpx.Client, text: str = "hi", **extra: Any) -> httpx.Response:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}], **extra}
    return client.post("/chat/completions", json=body)


def test_chat_completion_has_openai_shape(client: httpx.Client) -> None:
    response = chat(client, "hello there")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    data = response.json()
    assert data["id"].startswith("chatcmpl-")
    assert data["object"] == "chat.completion"
    assert isinstance(data["created"], int)
    assert data["model"] == "gpt-4o-mini"
    (choice,) = data["choices"]
    assert choice["index"] == 0
    assert choice["message"] == {
        "role": "assistant",
        "content": "Echo: hello there",
        "refusal": None,
    }
    assert choice["finish_reason"] == "stop"
    assert data["usage"] == {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}


@pytest.mark.parametrize(
    ("messages", "content"),
    [
        ([{"role": "user", "content": "  spaced out  "}], "Echo: spaced out"),
        ([{"role": "user", "content": ""}], "Echo:"),
        (
            [
                {"role": "system", "content": "be nice"},
                {"role": "user", "content": "first"},
                {"role": "assistant", "content": "Echo: first"},
                {"role": "user", "content": "second"},
            ],
            "Echo: second",
        ),
        (
            [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "part one"},
                        {"type": "text", "text": "two"},
                    ],
                }
            ],
            "Echo: part one two",
        ),
        ([{"role": "user", "content": "count to 5"}], "1 2 3 4 5"),
        ([{"role": "user", "content": "Count to 3!"}], "1 2 3"),
        ([{"role": "user", "content": "count to 0"}], ""),
        ([{"role": "user", "content": "please count to 3"}], "Echo: please count to 3"),
        (
            [
                {"role": "user", "content": "weather?"},
                {"role": "assistant", "content": None, "tool_calls": []},
                {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
                {"role": "tool", "tool_call_id": "call_2", "content": "21 C"},
            ],
            "Tool result: sunny; 21 C",
        ),
    ],
)
def test_reply_rules(client: httpx.Client, messages: list[dict[str, Any]], content: str) -> None:
    response = client.post("/chat/completions", json={"model": "m", "messages": messages})
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == content


def test_token_counts_are_word_counts(client: httpx.Client) -> None:
    messages = [
        {"role": "system", "content": "one two three"},
        {"role": "user", "content": "count to 10"},
    ]
    usage = client.post("/chat/completions", json={"model": "m", "messages": messages}).json()[
        "usage"
    ]
    assert usage == {"prompt_tokens": 6, "completion_tokens": 10, "total_tokens": 16}


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
def test_max_tokens_caps_words(client: httpx.Client, field: str) -> None:
    data = chat(client, "count to 10", **{field: 4}).json()
    assert data["choices"][0]["message"]["content"] == "1 2 3 4"
    assert data["choices"][0]["finish_reason"] == "length"
    assert data["usage"]["completion_tokens"] == 4


def test_max_tokens_above_length_is_a_normal_stop(client: httpx.Client) -> None:
    data = chat(client, "count to 3", max_tokens=3).json()
    assert data["choices"][0]["message"]["content"] == "1 2 3"
    assert data["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": [{"role": "user", "content": "x"}]}, "model"),
        ({"model": "", "messages": [{"role": "user", "content": "x"}]}, "model"),
        ({"model": "m"}, "messages"),
        ({"model": "m", "messages": []}, "messages"),
        ({"model": "m", "messages": [{"content": "no role"}]}, "messages"),
        ({"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}, "stream"),
        (
            {"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 0},
            "max_tokens",
        ),
        ({"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": {}}, "tools"),
        (
            {"model": "m", "messages": [{"role": "user", "content": "x"}], "tool_choice": "auto"},
            "tool_choice",
        ),
        (
            {
                "model": "m",
                "messages": [{"role": "user", "content": "x"}],
                "response_format": {"type": "xml"},
            },
            "response_format",
        ),
    ],
)
def test_invalid_bodies_are_400(client: httpx.Client, body: dict[str, Any], param: str) -> None:
    response = client.post("/chat/completions", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == param
    assert error["type"] == "invalid_request_error"
    assert error["message"]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b""])
def test_non_object_bodies_are_400(client: httpx.Client, raw: bytes) -> None:
    response = client.post("/chat/completions", content=raw)
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


def test_json_object_response_format(client: httpx.Client) -> None:
    data = chat(client, "give me json", response_format={"type": "json_object"}).json()
    assert json.loads(data["choices"][0]["message"]["content"]) == {"echo": "give me json"}


def test_json_schema_response_format_satisfies_the_schema(client: httpx.Client) -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "temperature": {"type": "number"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
        },
        "required": ["city", "temperature", "unit", "tags"],
        "additionalProperties": False,
    }
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "w", "schema": schema, "strict": True},
    }
    data = chat(client, "It is 21.5 degrees in Paris", response_format=response_format).json()
    content = json.loads(data["choices"][0]["message"]["content"])
    assert content["city"] == "Paris"
    assert content["temperature"] == 21.5
    assert content["unit"] == "celsius"
    assert len(content["tags"]) == 2
    assert all(isinstance(tag, str) for tag in content["tags"])


def test_text_response_format_is_plain_text(client: httpx.Client) -> None:
    data = chat(client, "plain", response_format={"type": "text"}).json()
    assert data["choices"][0]["message"]["content"] == "Echo: plain"


def test_legacy_completions_endpoint_is_unsupported(client: httpx.Client) -> None:
    response = client.post("/completions", json={"model": "gpt-4o-mini", "prompt": "hi"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert "/v1/chat/completions" in error["message"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["code"] == "unsupported_endpoint"


def test_models_list(client: httpx.Client) -> None:
    data = client.get("/models").json()
    assert data["object"] == "list"
    assert [m["id"] for m in data["data"]] == list(MODELS)
    assert all(m["object"] == "model" for m in data["data"])
    assert client.get("/models/gpt-4o").json()["id"] == "gpt-4o"


def test_models_needs_auth(gw: LocalGateway, tls: ssl.SSLContext) -> None:
    assert httpx.get(f"{gw.url}/models", timeout=10, verify=tls).status_code == 401


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/nope"), ("POST", "/v1/embeddings"), ("GET", "/")]
)
def test_unknown_paths_are_404(
    gw: LocalGateway, method: str, path: str, tls: ssl.SSLContext
) -> None:
    response = httpx.request(method, f"{gw.rest_url}{path}", timeout=10, verify=tls)
    assert response.status_code == 404
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/v1/chat/completions"), ("POST", "/v1/models")]
)
def test_wrong_method_is_405(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path.removeprefix("/v1"))
    assert response.status_code == 405
    assert response.headers["allow"] in ("GET", "POST")


def test_openai_sdk_round_trip(gw: LocalGateway) -> None:
    openai = pytest.importorskip("openai")
    sdk = openai.OpenAI(base_url=gw.url, api_key=gw.api_key, max_retries=0)
    completion = sdk.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "from the sdk"}]
    )
    assert completion.choices[0].message.content == "Echo: from the sdk"
    assert completion.usage is not None
    assert completion.usage.total_tokens == 7  # 3 prompt words + 4 reply words
    raw = sdk.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
    )
    assert raw.headers["helicone-id"] == gw.requests[-1].helicone_id


def test_absurdly_nested_json_is_a_400_not_a_crash(client: httpx.Client) -> None:
    response = client.post("/chat/completions", content=b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400


def test_unknown_fault_like_model_is_served_normally(client: httpx.Client) -> None:
    response = client.post(
        "/chat/completions",
        json={"model": "fault-banana", "messages": [{"role": "user", "content": "x"}]},
    )
    assert response.status_code == 200
    assert response.json()["model"] == "fault-banana"
