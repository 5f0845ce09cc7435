"""Tool calls and JSON-schema value synthesis: arguments must satisfy the tool's schema."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from enum import Enum
from typing import Any, Literal, Optional, Union

import httpx
import pytest
from pydantic import BaseModel, Field

from helicone_core.testing import LocalGateway
from helicone_core.testing.schema import numbers_in, synthesize, words_in

# -- pydantic models whose JSON schemas use $defs, $ref, anyOf, enums, nesting and bounds ---------


class Unit(str, Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Multiply(BaseModel):
    a: int
    b: int


class Weather(BaseModel):
    city: str
    unit: Unit = Unit.CELSIUS
    days: int = Field(default=1, ge=1, le=10)


class Address(BaseModel):
    street: str
    city: str
    zip_code: Optional[int] = None  # noqa: UP045 - the Optional spelling is what users write


class Item(BaseModel):
    sku: str = Field(min_length=4, max_length=8)
    quantity: int = Field(gt=0)
    price: float = Field(ge=0.5, multiple_of=0.5)


class Order(BaseModel):
    items: list[Item] = Field(min_length=1)
    address: Address
    billing: Address | None = None
    priority: Literal["low", "high"]
    gift: bool
    tags: list[str] = Field(default_factory=list, max_length=3)


class Node(BaseModel):
    name: str
    children: list[Node] = Field(default_factory=list)


class Circle(BaseModel):
    kind: Literal["circle"]
    radius: float


class Square(BaseModel):
    kind: Literal["square"]
    side: float


class Drawing(BaseModel):
    shape: Union[Circle, Square] = Field(discriminator="kind")  # noqa: UP007
    when: dt.datetime
    day: dt.date
    ident: uuid.UUID
    label: int | str
    numbers: list[float]
    pair: tuple[int, str]
    extra: dict[str, int]


MODELS: list[type[BaseModel]] = [Multiply, Weather, Address, Order, Node, Drawing]


def tool(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    return {"type": "function", "function": {"name": model.__name__, "parameters": schema}}


def ask(
    client: httpx.Client, text: str, tools: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}], "tools": tools}
    response = client.post("/chat/completions", json={**body, **extra})
    assert response.status_code == 200, response.text
    return dict(response.json())


def only_call(data: dict[str, Any]) -> dict[str, Any]:
    choice = data["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "function"
    assert call["id"].startswith("call_")
    return dict(call["function"])


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_tool_arguments_validate_against_pydantic_schema(
    client: httpx.Client, model: type[BaseModel]
) -> None:
    call = only_call(ask(client, "Use the tool with 7 and 3 please, Berlin", [tool(model)]))
    assert call["name"] == model.__name__
    model.model_validate_json(call["arguments"], strict=True)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_json_schema_response_format_validates(
    client: httpx.Client, model: type[BaseModel]
) -> None:
    fmt = {
        "type": "json_schema",
        "json_schema": {
            "name": model.__name__,
            "schema": model.model_json_schema(),
            "strict": True,
        },
    }
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "9 things"}],
        "response_format": fmt,
    }
    content = client.post("/chat/completions", json=body).json()["choices"][0]["message"]["content"]
    model.model_validate_json(content, strict=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What is 3 times 4?", {"a": 3, "b": 4}),
        ("Multiply -2 by 10.", {"a": -2, "b": 10}),
        ("no numbers here", {"a": 1, "b": 1}),
    ],
)
def test_numbers_fill_numeric_parameters_in_order(
    client: httpx.Client, text: str, expected: dict[str, int]
) -> None:
    call = only_call(ask(client, text, [tool(Multiply)]))
    assert json.loads(call["arguments"]) == expected


def test_strings_take_proper_nouns_and_enums_their_first_value(client: httpx.Client) -> None:
    call = only_call(ask(client, "What's the weather in Paris for 3 days?", [tool(Weather)]))
    assert json.loads(call["arguments"]) == {"city": "Paris", "unit": "celsius", "days": 3}


def test_auto_picks_the_tool_named_in_the_prompt(client: httpx.Client) -> None:
    tools = [tool(Weather), tool(Multiply)]
    assert only_call(ask(client, "please multiply 2 and 5", tools))["name"] == "Multiply"
    assert only_call(ask(client, "anything else", tools))["name"] == "Weather"


def test_named_tool_choice_and_required(client: httpx.Client) -> None:
    tools = [tool(Weather), tool(Multiply)]
    named = {"type": "function", "function": {"name": "Multiply"}}
    assert only_call(ask(client, "weather?", tools, tool_choice=named))["name"] == "Multiply"
    assert only_call(ask(client, "x", tools, tool_choice="required"))["name"] == "Weather"


def test_unknown_named_tool_is_400(client: httpx.Client) -> None:
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "x"}],
        "tools": [tool(Multiply)],
        "tool_choice": {"type": "function", "function": {"name": "nope"}},
    }
    assert client.post("/chat/completions", json=body).status_code == 400


def test_tool_choice_none_answers_in_text(client: httpx.Client) -> None:
    data = ask(client, "3 times 4", [tool(Multiply)], tool_choice="none")
    assert data["choices"][0]["message"]["content"] == "Echo: 3 times 4"
    assert "tool_calls" not in data["choices"][0]["message"]


def test_tool_result_ends_the_loop_in_text(client: httpx.Client) -> None:
    first = ask(client, "What is 3 times 4?", [tool(Multiply)])
    call = first["choices"][0]["message"]["tool_calls"][0]
    messages = [
        {"role": "user", "content": "What is 3 times 4?"},
        first["choices"][0]["message"],
        {"role": "tool", "tool_call_id": call["id"], "content": "12"},
    ]
    body = {"model": "m", "messages": messages, "tools": [tool(Multiply)]}
    second = client.post("/chat/completions", json=body).json()["choices"][0]
    assert second["finish_reason"] == "stop"
    assert "12" in second["message"]["content"]


def test_structured_output_after_a_tool_result_uses_the_result(client: httpx.Client) -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "integer"}},
        "required": ["answer"],
    }
    messages = [
        {"role": "user", "content": "What is 3 times 4?"},
        {"role": "assistant", "content": None, "tool_calls": []},
        {"role": "tool", "tool_call_id": "call_1", "content": "12"},
    ]
    fmt = {"type": "json_schema", "json_schema": {"name": "a", "schema": schema}}
    body = {"model": "m", "messages": messages, "response_format": fmt}
    content = client.post("/chat/completions", json=body).json()["choices"][0]["message"]["content"]
    assert json.loads(content) == {"answer": 12}


def test_streamed_tool_call_reassembles(client: httpx.Client) -> None:
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "What is 6 times 7?"}],
        "tools": [tool(Multiply), tool(Weather)],
        "stream": True,
    }
    with client.stream("POST", "/chat/completions", json=body) as response:
        data = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    parsed = [json.loads(d) for d in data[:-1]]
    deltas = [p["choices"][0]["delta"] for p in parsed]
    assert deltas[0]["role"] == "assistant"
    header = deltas[0]["tool_calls"][0]
    assert (header["index"], header["type"]) == (0, "function")
    assert header["id"].startswith("call_")
    assert header["function"] == {"name": "Multiply", "arguments": ""}
    fragments = [
        d["tool_calls"][0]["function"]["arguments"] for d in deltas[1:] if d.get("tool_calls")
    ]
    assert len(fragments) > 3
    assert all(
        set(d["tool_calls"][0]) == {"index", "function"} for d in deltas[1:] if d.get("tool_calls")
    )
    assert json.loads("".join(fragments)) == {"a": 6, "b": 7}
    assert parsed[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_openai_sdk_parses_tool_calls(server: LocalGateway) -> None:
    openai = pytest.importorskip("openai")
    sdk = openai.OpenAI(base_url=server.url, api_key=server.api_key, max_retries=0)
    completion = sdk.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "What is 3 times 4?"}],
        tools=[tool(Multiply)],
    )
    calls = completion.choices[0].message.tool_calls
    assert calls is not None
    assert Multiply.model_validate_json(calls[0].function.arguments) == Multiply(a=3, b=4)


# -- the synthesizer on raw schemas ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "text", "expected"),
    [
        ({"type": "integer"}, "", 1),
        ({"type": ["null", "string"]}, "", "example"),
        ({"type": "null"}, "", None),
        ({"type": "boolean"}, "", True),
        ({"const": "fixed"}, "", "fixed"),
        ({"enum": [3, 4]}, "", 3),
        ({"type": "integer", "minimum": 5}, "a 2", 5),
        ({"type": "integer", "exclusiveMaximum": 10}, "a 99", 9),
        ({"type": "integer"}, "a 2.6", 3),
        ({"type": "number", "exclusiveMinimum": 0}, "a 0", 1),
        ({"type": "number", "multipleOf": 0.25}, "a 1.1", 1.25),
        ({"type": "string", "format": "date-time"}, "", "2024-01-01T00:00:00Z"),
        ({"type": "string", "minLength": 5}, "Go on Bob", "Bobxx"),
        ({"type": "string", "maxLength": 3}, 'say "hello world"', "hel"),
        ({"type": "array", "items": {"type": "integer"}}, "sum 1 2 3", [1, 2, 3]),
        ({"type": "array", "items": {"type": "integer"}, "maxItems": 2}, "sum 1 2 3", [1, 2]),
        (
            {"type": "array", "items": {"type": "string"}, "minItems": 3, "uniqueItems": True},
            "",
            ["example", "examplex", "examplexx"],
        ),
        ({"type": "array", "prefixItems": [{"type": "integer"}, {"const": "x"}]}, "7", [7, "x"]),
        ({"minimum": 3}, "", 3),
        ({"properties": {"a": {"type": "integer"}}}, "4", {"a": 4}),
        ({"type": "object", "required": ["free"]}, "", {"free": "free"}),
        (
            {"type": "object", "minProperties": 2, "additionalProperties": {"type": "integer"}},
            "",
            {"key0": 1, "key1": 1},
        ),
        (
            {
                "allOf": [
                    {"properties": {"a": {"type": "integer"}}},
                    {"properties": {"b": {"const": 2}}},
                ]
            },
            "",
            {"a": 1, "b": 2},
        ),
        ({"anyOf": [{"type": "null"}, {"type": "integer"}]}, "8", 8),
        ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, "", "example"),
        ({"$defs": {"P": {"type": "integer"}}, "$ref": "#/$defs/P"}, "5", 5),
        (
            {
                "definitions": {"P": {"type": "string"}},
                "type": "object",
                "properties": {"p": {"$ref": "#/definitions/P"}},
            },
            "",
            {"p": "p"},
        ),
        (True, "", "example"),
        ({}, "", "example"),
    ],
)
def test_synthesize(schema: Any, text: str, expected: Any) -> None:
    assert synthesize(schema, text) == expected


def test_recursive_schema_terminates() -> None:
    schema = {
        "$defs": {
            "N": {
                "type": "object",
                "properties": {"next": {"anyOf": [{"$ref": "#/$defs/N"}, {"type": "null"}]}},
            }
        },
        "$ref": "#/$defs/N",
    }
    value = synthesize(schema)
    depth = 0
    while value is not None:
        value, depth = value.get("next"), depth + 1
    assert 1 < depth < 20


@pytest.mark.parametrize(
    ("text", "numbers"),
    [("What is 3 times 4?", [3, 4]), ("-2 and 3.5.", [-2, 3.5]), ("gpt-4o v2", []), ("", [])],
)
def test_numbers_in(text: str, numbers: list[float]) -> None:
    assert numbers_in(text) == numbers


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("What's the weather in Paris?", ["Paris"]),
        ('Search for "llama index" in London', ["llama index", "London"]),
        ("I think Bob and I agree", ["Bob"]),
    ],
)
def test_words_in(text: str, words: list[str]) -> None:
    assert words_in(text) == words


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "required": True},
        {"type": "object", "minProperties": "x"},
        {"allOf": "nope"},
        {"type": 7},
        {"type": ["integer", 3]},
        {"$ref": "#/$defs/missing"},
        {"$ref": "#/$defs/Loop", "$defs": {"Loop": {"$ref": "#/$defs/Loop"}}},
        {"type": "array", "minItems": -1, "maxItems": "lots"},
    ],
)
def test_junk_schemas_do_not_crash(client: httpx.Client, schema: dict[str, Any]) -> None:
    tools = [{"type": "function", "function": {"name": "junk", "parameters": schema}}]
    assert only_call(ask(client, "x", tools))["name"] == "junk"
