"""Test-wide setup: results never depend on the machine's Helicone or OpenAI settings."""

from __future__ import annotations

import os

import pytest

_MACHINE_VARIABLES = [name for name in os.environ if name.startswith(("HELICONE_", "OPENAI_"))]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _MACHINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
