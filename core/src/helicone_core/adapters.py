"""What an adapter tells the core about itself through ``helicone_register_adapters``."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .config import HeliconeConfig
from .info import HeliconeInfo

__all__ = ["Adapter", "AdapterStatus", "PromptRequest", "PromptResult", "ToolCall"]


@dataclass(frozen=True)
class PromptRequest:
    """A framework-neutral prompt, run by ``Adapter.run_prompt`` (``helicone chat``/``demo``).

    - ``stream``: stream the reply, calling ``on_text`` with each piece as it arrives;
    - ``use_async``: go through the framework's async API (run to completion inside
      ``run_prompt``);
    - ``tools``: plain Python functions with annotated parameters the model may call; the
      adapter runs the calls through its framework's own tool machinery, sends the results back
      and returns the final reply.
    """

    prompt: str
    config: HeliconeConfig
    model: str = "gpt-4o-mini"
    stream: bool = False
    use_async: bool = False
    tools: tuple[Callable[..., Any], ...] = ()
    on_text: Callable[[str], None] | None = None


@dataclass(frozen=True)
class ToolCall:
    """A tool call the model made while answering, with what the tool returned."""

    name: str
    arguments: dict[str, Any]
    result: Any


@dataclass(frozen=True)
class PromptResult:
    """The reply, what Helicone said about the request that produced it, and any tool calls."""

    text: str
    info: HeliconeInfo | None
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True)
class Adapter:
    """An adapter's description.

    - ``name``: what users pass to ``--adapter`` (``"openai"``, ``"llama-index"``, …).
    - ``builds``: what it builds, e.g. ``"llama_index.llms.helicone.Helicone"``.
    - ``requires``: the framework distributions it needs, e.g. ``("openai",)``.
    - ``modules``: modules that must import for it to work; checked without importing them.
    - ``run_prompt``: runs one prompt through the adapter's framework. It should import the
      framework lazily, so that listing adapters never imports a framework.
    """

    name: str
    builds: str
    requires: tuple[str, ...]
    modules: tuple[str, ...]
    run_prompt: Callable[[PromptRequest], PromptResult] = field(compare=False)

    def status(self) -> AdapterStatus:
        """Whether the framework is installed, and the installed versions of ``requires``."""
        versions: dict[str, str | None] = {}
        for dist in self.requires:
            try:
                versions[dist] = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                versions[dist] = None
        missing = [m for m in self.modules if not _module_exists(m)]
        return AdapterStatus(self, importable=not missing, versions=versions, missing=missing)


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


@dataclass(frozen=True)
class AdapterStatus:
    """An adapter and whether it can run here."""

    adapter: Adapter
    importable: bool
    versions: dict[str, str | None]
    missing: list[str]
