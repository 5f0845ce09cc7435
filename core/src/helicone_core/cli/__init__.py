"""The ``helicone`` command.

Errors are one line on stderr, never a traceback: exit code 2 for usage and configuration
errors, 1 for failures while running (the gateway refused, a connection failed, …).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import commands, demo

__all__ = ["build_parser", "main"]


def _chat_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--adapter", help="adapter to use (default: openai, else the first one)")
    parser.add_argument("--model", default="gpt-4o-mini", help="model (default: %(default)s)")
    parser.add_argument("--stream", action="store_true", help="stream the reply")
    parser.add_argument("--session", metavar="ID", help="Helicone session id")
    parser.add_argument("--user", metavar="ID", help="Helicone user id")
    parser.add_argument(
        "--property", metavar="K=V", action="append", default=[], help="custom property (repeat)"
    )
    parser.add_argument("prompt", help="what to ask")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="helicone", description="Send LLM traffic through Helicone from any framework."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    config = sub.add_parser("config", help="resolved configuration, each value with its source")
    config.add_argument("--json", action="store_true", help="print JSON")
    config.set_defaults(run=commands.config)

    adapters = sub.add_parser("adapters", help="registered adapters and their frameworks")
    adapters.add_argument("--json", action="store_true", help="print JSON")
    adapters.set_defaults(run=commands.adapters)

    chat = sub.add_parser("chat", help="send one prompt; print the reply, Helicone-Id and cache")
    _chat_arguments(chat)
    chat.set_defaults(run=commands.chat)

    run_demo = sub.add_parser(
        "demo", help="run every installed adapter end to end (offline without HELICONE_API_KEY)"
    )
    run_demo.add_argument("--model", default="gpt-4o-mini", help="model (default: %(default)s)")
    run_demo.set_defaults(run=demo.run)

    gateway = sub.add_parser("gateway", help="serve the local Helicone gateway for offline tests")
    gateway.add_argument("--port", type=int, default=8787, help="port (default: %(default)s)")
    gateway.add_argument("--host", default="127.0.0.1", help="address (default: %(default)s)")
    gateway.set_defaults(run=commands.gateway)

    feedback = sub.add_parser("feedback", help="rate a logged request good or bad")
    feedback.add_argument("request_id", metavar="ID", help="the request's Helicone-Id")
    feedback.add_argument("--rating", choices=("good", "bad"), required=True)
    feedback.set_defaults(run=commands.feedback)

    score = sub.add_parser("score", help="attach scores to a logged request")
    score.add_argument("request_id", metavar="ID", help="the request's Helicone-Id")
    score.add_argument("scores", metavar="NAME=VALUE", nargs="+", help="e.g. accuracy=92")
    score.set_defaults(run=commands.score)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``helicone`` command and return its exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (ValueError, TypeError, commands.UsageError) as exc:
        # InvalidOptionError is a ValueError: it names the field and the fix, never a key.
        _fail(str(exc))
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a failure while running: one line, not a traceback
        _fail(f"{type(exc).__name__}: {commands.redacted(str(exc))}")
        return 1


def _fail(message: str) -> None:
    first_line = message.strip().splitlines()[0] if message.strip() else "failed"
    print(f"helicone: error: {first_line}", file=sys.stderr)
