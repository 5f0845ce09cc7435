"""The ``helicone`` pytest plugin, exercised in a separate pytest run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

INNER_TESTS = """
import os

import httpx


def test_gateway_and_environment(helicone_gateway):
    assert os.environ["HELICONE_API_BASE"] == helicone_gateway.url
    assert os.environ["HELICONE_API_KEY"] == helicone_gateway.api_key
    assert "OPENAI_API_KEY" not in os.environ
    assert "OPENAI_BASE_URL" not in os.environ
    response = httpx.post(
        os.environ["HELICONE_API_BASE"] + "/chat/completions",
        json={"model": "m", "messages": [{"role": "user", "content": "plugin"}]},
        headers={"Authorization": "Bearer " + os.environ["HELICONE_API_KEY"]},
        timeout=10,
    )
    assert response.json()["choices"][0]["message"]["content"] == "Echo: plugin"
    assert len(helicone_gateway.requests) == 1
    helicone_gateway.fail_next(500)


def test_each_test_gets_a_reset_gateway(helicone_gateway, helicone_gateway_session):
    assert helicone_gateway is helicone_gateway_session
    assert helicone_gateway.requests == []
    assert helicone_gateway.pending_faults == 0


def test_environment_is_restored_afterwards():
    assert os.environ["OPENAI_API_KEY"] == "sk-outer"
    assert os.environ["OPENAI_BASE_URL"] == "http://outer.invalid"
    assert "HELICONE_API_BASE" not in os.environ
"""


def run_pytest(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        # The entry point may or may not be installed yet: load the plugin explicitly, once.
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "OPENAI_API_KEY": "sk-outer",
        "OPENAI_BASE_URL": "http://outer.invalid",
    }
    env.pop("HELICONE_API_BASE", None)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "helicone_core.testing.pytest_plugin",
        "-p",
        "no:cacheprovider",
        *args,
    ]
    return subprocess.run(
        command, cwd=directory, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_plugin_fixture_in_a_pytest_run(tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(INNER_TESTS))
    result = run_pytest(tmp_path, "-q", "test_inner.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_plugin_lists_its_fixtures(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "--fixtures", "-q")
    assert "helicone_gateway" in result.stdout
    assert "helicone_gateway_session" in result.stdout


def test_plugin_import_is_cheap() -> None:
    code = (
        "import sys\n"
        "import helicone_core.testing.pytest_plugin\n"
        "import helicone_core.testing\n"
        "heavy = ('gateway', 'transport', 'pipeline')\n"
        "loaded = [m for m in heavy if f'helicone_core.testing.{m}' in sys.modules]\n"
        "assert not loaded, loaded\n"
        "from helicone_core.testing import LocalGateway\n"
        "assert 'helicone_core.testing.gateway' in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
