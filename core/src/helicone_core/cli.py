"""The ``helicone`` command.

Errors are one line on stderr, never a traceback: exit code 2 for usage and configuration
errors, 1 for failures while running.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .errors import HeliconeError

__all__ = ["main"]


def _cmd_config(args: argparse.Namespace) -> int:
    from .config import HeliconeConfig

    rows = list(HeliconeConfig().describe())
    if args.json:
        print(json.dumps({name: {"value": shown, "source": src} for name, shown, src in rows}))
        return 0
    width = max(len(name) for name, _, _ in rows)
    value_width = min(48, max(len(shown) for _, shown, _ in rows))
    for name, shown, source in rows:
        print(f"{name:<{width}}  {shown:<{value_width}}  {source}")
    return 0


def _cmd_adapters(args: argparse.Namespace) -> int:
    from .plugins import hooks

    statuses = [adapter.status() for adapter in hooks.adapters().values()]
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "name": s.adapter.name,
                        "builds": s.adapter.builds,
                        "importable": s.importable,
                        "versions": s.versions,
                        "missing": s.missing,
                    }
                    for s in statuses
                ]
            )
        )
        return 0
    if not statuses:
        print(
            "no adapters are registered (install helicone-openai, llama-index-llms-helicone "
            "or langchain-helicone)"
        )
        return 0
    for s in statuses:
        state = "ok" if s.importable else f"missing: {', '.join(s.missing)}"
        versions = ", ".join(f"{d} {v or 'not installed'}" for d, v in s.versions.items())
        print(f"{s.adapter.name:<12}  {s.adapter.builds:<40}  {state:<10}  {versions}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="helicone", description="Helicone adapters: configuration and diagnostics."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    config = commands.add_parser(
        "config", help="show the resolved configuration, each value with its source (keys masked)"
    )
    config.add_argument("--json", action="store_true", help="print JSON")
    config.set_defaults(run=_cmd_config)
    adapters = commands.add_parser(
        "adapters", help="list registered adapters and whether their frameworks are installed"
    )
    adapters.add_argument("--json", action="store_true", help="print JSON")
    adapters.set_defaults(run=_cmd_adapters)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``helicone`` command and return its exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (HeliconeError, ValueError, TypeError) as exc:
        # Configuration errors name the field and the fix; they never contain a key.
        print(f"helicone: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
