"""LlamaIndex LLM for the Helicone AI Gateway.

``from llama_index.llms.helicone import Helicone`` — a drop-in for the public
``llama-index-llms-helicone`` package, on the suite's shared core. The class loads on first use,
so discovering this package's plugin never imports LlamaIndex.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llama_index.llms.helicone.base import DEFAULT_API_BASE, DEFAULT_MODEL, Helicone

__all__ = ["DEFAULT_API_BASE", "DEFAULT_MODEL", "Helicone"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'llama_index.llms.helicone' has no attribute {name!r}")
    from llama_index.llms.helicone import base

    return getattr(base, name)
