"""``helicone demo``: every installed adapter, end to end, in a few seconds.

Without ``HELICONE_API_KEY`` it starts the local gateway in this process and shows what the
gateway received; with a key it runs the same against the real gateway and says so.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

from helicone_core.adapters import Adapter, PromptRequest, PromptResult
from helicone_core.config import ENV_API_BASE, ENV_API_KEY, HeliconeConfig
from helicone_core.scope import scope
from helicone_core.secrets import redact_headers

from .commands import UsageError, describe_info

if TYPE_CHECKING:
    from helicone_core.testing import LocalGateway

__all__ = ["run"]

PROMPT = "Hello from the Helicone demo"


def multiply(a: int, b: int) -> int:
    """Multiply two whole numbers."""
    return a * b


@contextlib.contextmanager
def _target() -> Iterator[tuple[HeliconeConfig, LocalGateway | None]]:
    """The config to run with, and the local gateway when there is no key."""
    if os.environ.get(ENV_API_KEY):
        config = HeliconeConfig()
        print(f"HELICONE_API_KEY is set: running against the real gateway at {config.api_base}")
        yield config, None
        return
    from helicone_core.testing import LocalGateway

    with LocalGateway() as gateway:
        print(
            f"No {ENV_API_KEY} set: running offline against a local Helicone gateway at "
            f"{gateway.url}"
        )
        print(f"(set {ENV_API_KEY}, and {ENV_API_BASE} if needed, to use the real one)")
        yield HeliconeConfig(api_key=gateway.api_key, api_base=gateway.url), gateway


def _show(label: str, result: PromptResult) -> None:
    calls = "".join(
        f"\n      tool call {c.name}({', '.join(f'{k}={v!r}' for k, v in c.arguments.items())})"
        f" -> {c.result!r}"
        for c in result.tool_calls
    )
    print(f"  {label:<7} {result.text!r}{calls}\n          {describe_info(result)}")


def _run_adapter(adapter: Adapter, config: HeliconeConfig, model: str) -> PromptResult:
    print(f"\n[{adapter.name}] {adapter.builds}")
    forms = {
        "sync": PromptRequest(PROMPT, config, model),
        "async": PromptRequest(PROMPT, config, model, use_async=True),
        "stream": PromptRequest(PROMPT, config, model, stream=True),
        "tool": PromptRequest("What is 6 times 7?", config, model, tools=(multiply,)),
    }
    result = None
    for label, request in forms.items():
        result = adapter.run_prompt(request)
        _show(label, result)
    assert result is not None
    return result


def run(args: argparse.Namespace) -> int:
    from helicone_core.plugins import hooks

    usable = [a for a in hooks.adapters().values() if a.status().importable]
    if not usable:
        raise UsageError("no usable adapter is installed: install helicone-openai")
    session = str(uuid.uuid4())
    with _target() as (config, gateway):
        print(
            f"Every request runs in scope(session_id={session!r}, user_id='demo-user', "
            "properties={'Demo': 'yes'})"
        )
        with scope(session_id=session, user_id="demo-user", properties={"Demo": "yes"}):
            last = [_run_adapter(adapter, config, args.model) for adapter in usable][-1]
        print("\nCaching: the same request twice with cache_enabled=True")
        cached = config.replace(cache_enabled=True)
        for _ in range(2):
            _show("cached", usable[0].run_prompt(PromptRequest(PROMPT, cached, args.model)))
        if last.info is not None and last.info.request_id:
            from helicone_core.api import HeliconeAPI

            rest = config.replace(rest_base=gateway.rest_url) if gateway is not None else config
            with HeliconeAPI(rest) as api:
                api.feedback(last.info.request_id, rating=True)
            print(f"\nFeedback: rated {last.info.request_id} good through the REST API")
        if gateway is not None:
            _show_received(gateway)
    return 0


def _show_received(gateway: LocalGateway) -> None:
    requests = gateway.requests
    print(
        f"\nThe local gateway received {len(requests)} requests on "
        f"{gateway.connections_accepted} connection(s); the first one:"
    )
    first = requests[0]
    print(f"  {first.method} {first.path}")
    for name, value in redact_headers(first.headers.items()).items():
        if name.lower().startswith("helicone") or name.lower() == "authorization":
            print(f"    {name}: {value}")
