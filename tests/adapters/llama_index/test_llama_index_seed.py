"""The seed's LlamaIndex snippets (docs.helicone.ai/gateway/integrations/llamaindex) run as written.

The snippets below are copied verbatim from the "Usage" and "Advanced Configuration" sections.
Only two things change before they run, both by plain text substitution so the rest of the code
is what users paste:

* the placeholder ``"<helicone-api-key>"`` is replaced by the local gateway's key (the snippets
  pass ``api_key=`` explicitly, so the environment could not supply it without editing the code);
* the base URL: the Usage snippet has none and reads ``HELICONE_API_BASE`` (set to the gateway by
  the ``helicone_gateway`` fixture); the Advanced snippet's literal
  ``https://ai-gateway.helicone.ai/v1`` is replaced by the gateway's URL.
"""

from __future__ import annotations

import pytest

from helicone_core.testing import LocalGateway

USAGE_SNIPPET = """\
from llama_index.llms.helicone import Helicone
from llama_index.llms.openai_like.base import ChatMessage

llm = Helicone(
    api_key="<helicone-api-key>",
    model="gpt-4o-mini",  # works across providers
    is_chat_model=True,
)

message: ChatMessage = ChatMessage(role="user", content="Hello world!")

response = llm.chat(messages=[message])
print(str(response))
"""

ADVANCED_SNIPPET = """\
from llama_index.llms.helicone import Helicone

llm = Helicone(
    model="gpt-4.1-mini",
    api_key="<helicone-api-key>",
    api_base="https://ai-gateway.helicone.ai/v1",
    default_headers={
        "Helicone-Session-Id": "demo-session",
        "Helicone-User-Id": "user-123",
        "Helicone-Property-Environment": "production",
    },
    temperature=0.2,
    max_tokens=256,
)
"""

PLACEHOLDER = '"<helicone-api-key>"'
PUBLIC_BASE = '"https://ai-gateway.helicone.ai/v1"'


def prepared(snippet: str, gateway: LocalGateway) -> str:
    assert snippet.count(PLACEHOLDER) == 1
    code = snippet.replace(PLACEHOLDER, repr(gateway.api_key))
    return code.replace(PUBLIC_BASE, repr(gateway.url))


def test_usage_snippet_runs_verbatim(
    helicone_gateway: LocalGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace: dict[str, object] = {}
    exec(compile(prepared(USAGE_SNIPPET, helicone_gateway), "<seed usage>", "exec"), namespace)

    assert capsys.readouterr().out == "assistant: Echo: Hello world!\n"
    [sent] = helicone_gateway.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.status == 200
    assert sent.headers["Authorization"] == f"Bearer {helicone_gateway.api_key}"
    assert sent.json["model"] == "gpt-4o-mini"
    assert sent.json["messages"] == [{"role": "user", "content": "Hello world!"}]
    response = namespace["response"]
    assert response.additional_kwargs["helicone"]["request_id"] == sent.helicone_id  # type: ignore[attr-defined]


def test_advanced_snippet_headers_reach_the_wire(helicone_gateway: LocalGateway) -> None:
    from llama_index.core.llms import ChatMessage

    code = prepared(ADVANCED_SNIPPET, helicone_gateway)
    assert repr(helicone_gateway.url) in code
    namespace: dict[str, object] = {}
    exec(compile(code, "<seed advanced>", "exec"), namespace)
    llm = namespace["llm"]

    reply = llm.chat([ChatMessage(role="user", content="hi")])  # type: ignore[attr-defined]

    assert reply.message.content == "Echo: hi"
    [sent] = helicone_gateway.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["Authorization"] == f"Bearer {helicone_gateway.api_key}"
    assert sent.helicone_headers == {
        "helicone-session-id": "demo-session",
        "helicone-user-id": "user-123",
        "helicone-property-environment": "production",
    }
    assert sent.json["model"] == "gpt-4.1-mini"
    assert sent.json["temperature"] == 0.2
    assert sent.json["max_tokens"] == 256
