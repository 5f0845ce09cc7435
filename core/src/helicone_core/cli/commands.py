"""The ``helicone`` subcommands other than ``demo``."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from helicone_core.adapters import Adapter, PromptRequest, PromptResult
from helicone_core.config import ENV_API_KEY, HeliconeConfig
from helicone_core.secrets import redact_text

__all__ = ["UsageError", "adapters", "chat", "config", "feedback", "gateway", "score"]


class UsageError(Exception):
    """A command line that cannot run; exit code 2."""


def redacted(text: str) -> str:
    """``text`` with the configured keys masked, for anything the CLI prints."""
    return redact_text(
        text, [os.environ.get(ENV_API_KEY), os.environ.get("HELICONE_PROVIDER_API_KEY")]
    )


def config(args: argparse.Namespace) -> int:
    rows = list(HeliconeConfig().describe())
    if args.json:
        print(json.dumps({name: {"value": shown, "source": src} for name, shown, src in rows}))
        return 0
    width = max(len(name) for name, _, _ in rows)
    value_width = min(48, max(len(shown) for _, shown, _ in rows))
    for name, shown, source in rows:
        print(f"{name:<{width}}  {shown:<{value_width}}  {source}")
    return 0


def adapters(args: argparse.Namespace) -> int:
    from helicone_core.plugins import hooks

    statuses = [adapter.status() for adapter in hooks.adapters().values()]
    if args.json:
        rows = [
            {
                "name": s.adapter.name,
                "builds": s.adapter.builds,
                "importable": s.importable,
                "versions": s.versions,
                "missing": s.missing,
            }
            for s in statuses
        ]
        print(json.dumps(rows))
        return 0
    if not statuses:
        print(
            "no adapters are registered: install helicone-openai, llama-index-llms-helicone "
            "or langchain-helicone"
        )
    for s in statuses:
        state = "ok" if s.importable else f"missing: {', '.join(s.missing)}"
        versions = ", ".join(f"{d} {v or 'not installed'}" for d, v in s.versions.items())
        print(f"{s.adapter.name:<12}  {s.adapter.builds:<40}  {state:<10}  {versions}")
    return 0


def choose_adapter(name: str | None) -> Adapter:
    """The adapter called ``name``, or ``openai``, or the first usable one."""
    from helicone_core.plugins import hooks

    registered = hooks.adapters()
    if name is not None:
        if name not in registered:
            known = ", ".join(registered) or "none"
            raise UsageError(f"--adapter: no adapter named {name!r} (registered: {known})")
        adapter = registered[name]
        status = adapter.status()
        if not status.importable:
            raise UsageError(
                f"--adapter: {name!r} needs {', '.join(status.missing)}, which is not installed"
            )
        return adapter
    usable = [a for a in registered.values() if a.status().importable]
    if not usable:
        raise UsageError("no usable adapter: install helicone-openai (or another adapter)")
    return next((a for a in usable if a.name == "openai"), usable[0])


def _properties(pairs: list[str]) -> dict[str, str] | None:
    properties = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--property: expected K=V, got {pair!r}")
        properties[key] = value
    return properties or None


def chat(args: argparse.Namespace) -> int:
    adapter = choose_adapter(args.adapter)
    settings = HeliconeConfig(
        user_id=args.user, session_id=args.session, properties=_properties(args.property)
    )
    settings.require_api_key()
    result = adapter.run_prompt(
        PromptRequest(
            prompt=args.prompt,
            config=settings,
            model=args.model,
            stream=args.stream,
            on_text=_print_piece if args.stream else None,
        )
    )
    print() if args.stream else print(result.text)
    print(describe_info(result))
    return 0


def _print_piece(piece: str) -> None:
    print(piece, end="", flush=True)


def describe_info(result: PromptResult) -> str:
    """``helicone-id … · cache HIT|MISS|off`` for a result."""
    info = result.info
    if info is None:
        return "helicone-id: (none received)"
    cache = {True: "HIT", False: "MISS", None: "off"}[info.cache_hit]
    return f"helicone-id: {info.request_id or '(none)'}  cache: {cache}"


def gateway(args: argparse.Namespace) -> int:
    from helicone_core.testing import LocalGateway

    gw = LocalGateway(args.port, host=args.host)
    print(f"Local Helicone gateway on {gw.url} (API key {gw.api_key}); Ctrl-C stops it.")
    print(f"  export HELICONE_API_BASE={gw.url} HELICONE_API_KEY={gw.api_key}", flush=True)
    gw.serve_forever()
    return 0


def _score_value(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise UsageError(f"score value {text!r} is not a number or true/false") from None


def feedback(args: argparse.Namespace) -> int:
    from helicone_core.api import HeliconeAPI

    with HeliconeAPI() as api:
        api.feedback(args.request_id, rating=args.rating == "good")
    print(f"rated {args.request_id} {args.rating}")
    return 0


def score(args: argparse.Namespace) -> int:
    from helicone_core.api import HeliconeAPI

    scores = {}
    for pair in args.scores:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"expected NAME=VALUE, got {pair!r}")
        scores[name] = _score_value(value)
    with HeliconeAPI() as api:
        api.score(args.request_id, scores)
    print(f"scored {args.request_id}: " + ", ".join(f"{k}={v}" for k, v in scores.items()))
    return 0
