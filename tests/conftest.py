"""Test-wide setup: results never depend on the machine's Helicone or OpenAI settings."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable

import pytest

_MACHINE_VARIABLES = [name for name in os.environ if name.startswith(("HELICONE_", "OPENAI_"))]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _MACHINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


HeliconeCLI = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture
def helicone_cli() -> HeliconeCLI:
    """Run ``helicone ARGS...`` as a subprocess with only the given ``HELICONE_*`` variables."""

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environ = {
            k: v for k, v in os.environ.items() if not k.startswith(("HELICONE_", "OPENAI_"))
        }
        environ.update(env)
        return subprocess.run(
            [sys.executable, "-m", "helicone_core.cli", *args],
            capture_output=True,
            text=True,
            env=environ,
            timeout=120,
        )

    return run


@pytest.fixture(scope="session")
def uv() -> list[str]:
    """How to call uv here: ``$UV`` (set by ``uv run``), uv on PATH, or ``python -m uv``.

    The README's set-up installs uv; a test that needs it fails without it, never skips.
    """
    if os.environ.get("UV") and os.path.isfile(os.environ["UV"]):
        return [os.environ["UV"]]
    if found := shutil.which("uv"):
        return [found]
    if importlib.util.find_spec("uv") is not None:
        return [sys.executable, "-m", "uv"]
    pytest.fail("uv is not installed: `python3 -m pip install uv` (the README's set-up)")
