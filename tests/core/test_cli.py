"""The ``helicone`` command, run as a subprocess like a user would."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest

HeliconeCLI = Callable[..., subprocess.CompletedProcess[str]]

KEY = "sk-helicone-cli-secret-0123456789"


def test_config_shows_every_value_with_its_source_and_no_key(helicone_cli: HeliconeCLI) -> None:
    result = helicone_cli("config", HELICONE_API_KEY=KEY, HELICONE_API_BASE="http://127.0.0.1:9/v1")
    assert result.returncode == 0, result.stderr
    assert KEY not in result.stdout + result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert "environment (HELICONE_API_KEY)" in lines["api_key"]
    assert "**********" in lines["api_key"]
    assert "environment (HELICONE_API_BASE)" in lines["api_base"]
    assert lines["timeout"].endswith("default")
    assert lines["user_id"].endswith("unset")
    from helicone_core.config import FIELDS

    assert set(lines) == set(FIELDS)


def test_config_json(helicone_cli: HeliconeCLI) -> None:
    result = helicone_cli("config", "--json", HELICONE_API_KEY=KEY)
    data = json.loads(result.stdout)
    assert data["api_key"]["source"] == "environment (HELICONE_API_KEY)"
    assert KEY not in result.stdout


def test_config_never_reads_openai_variables(helicone_cli: HeliconeCLI) -> None:
    result = helicone_cli(
        "config", "--json", OPENAI_API_KEY="sk-openai", OPENAI_BASE_URL="http://evil/v1"
    )
    data = json.loads(result.stdout)
    assert data["api_key"]["source"] == "unset"
    assert data["api_base"]["value"] == "'https://ai-gateway.helicone.ai/v1'"


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({"HELICONE_API_BASE": "ai-gateway.helicone.ai/v1"}, "api_base"),
        ({"HELICONE_API_KEY": KEY + "\n"}, "api_key"),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(
    helicone_cli: HeliconeCLI, env: dict[str, str], field: str
) -> None:
    result = helicone_cli("config", **env)
    assert result.returncode == 2
    assert result.stderr.startswith(f"helicone: error: {field}:")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert KEY not in result.stderr


def test_usage_error_exits_2(helicone_cli: HeliconeCLI) -> None:
    result = helicone_cli("no-such-command")
    assert result.returncode == 2


def test_adapters_lists_registered_adapters(helicone_cli: HeliconeCLI) -> None:
    result = helicone_cli("adapters", "--json")
    assert result.returncode == 0, result.stderr
    assert isinstance(json.loads(result.stdout), list)
