"""LangChain chat model for the Helicone AI Gateway.

``from langchain_helicone import HeliconeChat`` (alias ``ChatHelicone``). The class loads on
first use, so discovering this package's plugin never imports LangChain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_helicone.chat_models import ChatHelicone, HeliconeChat

__all__ = ["ChatHelicone", "HeliconeChat"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'langchain_helicone' has no attribute {name!r}")
    from langchain_helicone import chat_models

    return getattr(chat_models, name)
