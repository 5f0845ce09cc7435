"""The keys never appear anywhere a user or a log could see them, in any adapter or mode.

Searched: repr, str, pickles, LangChain dumpd/dumps, LlamaIndex to_dict/to_json, DEBUG log
records from this suite, httpx, httpcore and openai, exception messages and tracebacks, and CLI
output.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
import traceback
from typing import Any

import openai
import pytest
from adapter_drivers import ADAPTERS, ask, build

from helicone_core import HeliconeConfig
from helicone_core.testing import LocalGateway

PROVIDER_KEY = "sk-provider-SECRET-5f2e9a7c1b"
POSTHOG_KEY = "phc_SECRET_posthog_8d3b"
MODES = ("gateway", "proxy")


def options(gw: LocalGateway, mode: str) -> dict[str, Any]:
    found: dict[str, Any] = {
        "api_key": gw.api_key,
        "api_base": gw.url,
        "posthog_key": POSTHOG_KEY,
        "max_retries": 0,
    }
    if mode == "proxy":
        found |= {"mode": "proxy", "provider_api_key": PROVIDER_KEY}
    return found


def secrets(gw: LocalGateway) -> tuple[str, ...]:
    return (gw.api_key, PROVIDER_KEY, POSTHOG_KEY)


def assert_clean(text: str | bytes, gw: LocalGateway, where: str) -> None:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
    for secret in secrets(gw):
        assert secret.encode() not in data, f"a key appears in {where}"


def views(adapter: str, obj: Any) -> dict[str, str | bytes]:
    """Every serialized or printed form of a model object."""
    shown: dict[str, str | bytes] = {"repr": repr(obj), "str": str(obj)}
    try:
        shown["pickle"] = pickle.dumps(obj)
    except Exception as error:  # an unpicklable object must not quote a key either
        shown["pickle error"] = f"{type(error).__name__}: {error}"
    if adapter == "llama-index":
        shown["to_dict"] = json.dumps(obj.to_dict(), default=str)
        shown["to_json"] = obj.to_json()
    if adapter == "langchain":
        from langchain_core.load import dumpd, dumps

        shown["dumpd"] = json.dumps(dumpd(obj), default=str)
        shown["dumps"] = dumps(obj)
        shown["ls_params"] = repr(obj._get_ls_params())
        shown["identifying_params"] = repr(obj._identifying_params)
    return shown


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_objects_logs_and_errors_never_show_a_key(
    helicone_gateway: LocalGateway,
    caplog: pytest.LogCaptureFixture,
    adapter: str,
    mode: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "openai", "helicone_core", "langchain", "llama_index"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    obj = build(adapter, **options(helicone_gateway, mode))

    for form in ("sync", "async", "stream", "astream"):
        assert await ask(adapter, obj, form, "hi") == "Echo: hi"
    with pytest.raises(openai.APIStatusError) as raised:
        await ask(adapter, obj, "sync", "hi", model="fault-401")

    for where, text in views(adapter, obj).items():
        assert_clean(text, helicone_gateway, where)
    assert_clean(str(raised.value), helicone_gateway, "the exception message")
    assert_clean("".join(traceback.format_exception(raised.value)), helicone_gateway, "traceback")
    assert caplog.records, "DEBUG logging captured nothing"
    assert_clean(caplog.text, helicone_gateway, "log records")
    assert_clean(
        pickle.dumps(HeliconeConfig(**options(helicone_gateway, mode))),
        helicone_gateway,
        "a pickled config",
    )


def test_cli_output_never_shows_a_key(helicone_gateway: LocalGateway) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HELICONE_", "OPENAI_"))}
    env |= {
        "HELICONE_API_KEY": helicone_gateway.api_key,
        "HELICONE_API_BASE": helicone_gateway.url,
        "HELICONE_PROVIDER_API_KEY": PROVIDER_KEY,
        "HELICONE_REST_BASE": helicone_gateway.rest_url,
    }
    runs = [
        ["config"],
        ["config", "--json"],
        ["chat", "hi"],
        ["chat", "--stream", "hi"],
        ["chat", "--model", "fault-401", "hi"],
        ["demo"],
    ]
    for args in runs:
        done = subprocess.run(
            [sys.executable, "-m", "helicone_core.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert_clean(done.stdout + done.stderr, helicone_gateway, f"helicone {' '.join(args)}")
