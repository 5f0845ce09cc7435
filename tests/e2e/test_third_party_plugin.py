"""A third-party plugin, built, installed and run as a user would: examples/helicone-httpx-adapter.

The example is copied out of the repository (it must build on its own), built into an sdist and
a wheel with ``uv build --no-build-isolation --offline`` (hatchling comes from the dev group, so
nothing is fetched), and the wheel is installed with ``uv pip install --target`` into a
directory of its own. Every check then runs in a subprocess with that directory on
``PYTHONPATH``, so helicone-core finds the plugin the way it finds any other: through the
installed dist-info's ``helicone`` entry point. Requests go to the local gateway on 127.0.0.1.

docs/plugins.md shows the example's files in blocks titled with their paths; the last test
checks that each such block is the file, character for character.
"""

from __future__ import annotations

import configparser
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from helicone_core.testing import LocalGateway

HeliconeCLI = Callable[..., subprocess.CompletedProcess[str]]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "helicone-httpx-adapter"
PACKAGE = "helicone_httpx_adapter"
STEM = "helicone_httpx_adapter-0.1.0"
ID_LINE = re.compile(r"helicone-id: ([0-9a-f-]{36})  cache: (HIT|MISS|off)")
TIMEOUT = 120  # seconds, for every subprocess


def run(command: list[str], cwd: Path) -> None:
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, uv: list[str]) -> Path:
    """The example's sdist and wheel, built from a copy outside the repository."""
    if importlib.util.find_spec("hatchling") is None:
        pytest.fail("hatchling is not installed: `uv sync` installs it with the dev group")
    work = tmp_path_factory.mktemp("plugin")
    source = work / "helicone-httpx-adapter"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = work / "dist"
    no_fetching = ["--offline", "--no-progress", "--python", sys.executable]
    run([*uv, "build", "--no-build-isolation", *no_fetching, "--out-dir", str(out)], source)
    return out


@pytest.fixture(scope="module")
def site(built: Path, uv: list[str]) -> Path:
    """A directory the wheel is installed into (its dependencies are the dev environment's)."""
    target = built.parent / "site"
    wheel = built / f"{STEM}-py3-none-any.whl"
    no_fetching = ["--offline", "--no-progress", "--python", sys.executable]
    run(
        [*uv, "pip", "install", "--no-deps", *no_fetching, "--target", str(target), str(wheel)],
        ROOT,
    )
    return target


def env_for(gateway: LocalGateway, site: Path, **extra: str) -> dict[str, str]:
    return {
        "HELICONE_API_KEY": gateway.api_key,
        "HELICONE_API_BASE": gateway.url,
        "HELICONE_REST_BASE": gateway.rest_url,
        "PYTHONPATH": str(site),
        **extra,
    }


def test_the_wheel_ships_the_package_and_the_entry_point(built: Path) -> None:
    with zipfile.ZipFile(built / f"{STEM}-py3-none-any.whl") as wheel:
        names = set(wheel.namelist())
        entry_points = wheel.read(f"{STEM}.dist-info/entry_points.txt").decode()
        metadata = wheel.read(f"{STEM}.dist-info/METADATA").decode()

    shipped = {name for name in names if not name.startswith(f"{STEM}.dist-info/")}
    sources = {
        path.relative_to(EXAMPLE / "src").as_posix()
        for path in (EXAMPLE / "src" / PACKAGE).iterdir()
        if path.is_file() and path.suffix in {".py", ".typed"}
    }
    assert shipped == sources
    assert f"{PACKAGE}/py.typed" in shipped
    parser = configparser.ConfigParser(delimiters=("=",))
    parser.read_string(entry_points)
    assert {g: dict(parser[g]) for g in parser.sections()} == {
        "helicone": {"httpx": "helicone_httpx_adapter.plugin"}
    }
    assert "Requires-Dist: helicone-core<0.2,>=0.1.0" in metadata
    assert "Requires-Dist: httpx<1,>=0.27" in metadata
    assert (built / f"{STEM}.tar.gz").is_file()


def test_helicone_adapters_lists_it_once_installed(
    helicone_cli: HeliconeCLI, helicone_gateway: LocalGateway, site: Path
) -> None:
    result = helicone_cli("adapters", "--json", **env_for(helicone_gateway, site))
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["httpx"]["builds"] == "httpx.Client / httpx.AsyncClient"
    assert rows["httpx"]["importable"] is True
    assert rows["httpx"]["versions"]["httpx"]
    assert "openai" in rows  # the built-in adapters are still there

    without = helicone_cli("adapters")  # not installed: nothing on PYTHONPATH
    assert without.returncode == 0, without.stderr
    assert "httpx" not in [line.split()[0] for line in without.stdout.splitlines()]


@pytest.mark.parametrize(
    ("variable", "value", "httpx_listed", "others_listed"),
    [
        ("HELICONE_DISABLE_PLUGINS", "httpx", False, True),
        ("HELICONE_DISABLE_PLUGINS", "openai, httpx", False, True),
        ("HELICONE_PLUGINS", "httpx", True, False),
    ],
)
def test_the_entry_point_name_selects_it(
    helicone_cli: HeliconeCLI,
    helicone_gateway: LocalGateway,
    site: Path,
    variable: str,
    value: str,
    httpx_listed: bool,
    others_listed: bool,
) -> None:
    env = env_for(helicone_gateway, site, **{variable: value})
    result = helicone_cli("adapters", "--json", **env)
    assert result.returncode == 0, result.stderr
    names = {row["name"] for row in json.loads(result.stdout)}
    assert ("httpx" in names) is httpx_listed
    assert ("langchain" in names) is others_listed

    if not httpx_listed:
        chat = helicone_cli("chat", "--adapter", "httpx", "hi", **env)
        assert chat.returncode == 2
        assert "--adapter: no adapter named 'httpx'" in chat.stderr
        assert helicone_gateway.requests == []


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_chat_through_the_plugin(
    helicone_cli: HeliconeCLI, helicone_gateway: LocalGateway, site: Path, stream: bool
) -> None:
    flags = ["--stream"] if stream else []
    args = ["chat", "--adapter", "httpx", *flags, "--user", "u-1", "--property", "Team=search"]
    prompt = "count to 3" if stream else "hello"
    result = helicone_cli(*args, prompt, **env_for(helicone_gateway, site))
    assert result.returncode == 0, result.stderr
    reply, id_line = result.stdout.splitlines()
    assert reply == ("1 2 3" if stream else "Echo: hello")

    (request,) = helicone_gateway.requests
    match = ID_LINE.fullmatch(id_line)
    assert match, id_line
    assert match.group(1) == request.helicone_id  # the info of that exact response
    assert request.path == "/v1/chat/completions"
    assert request.json.get("stream", False) is stream
    assert request.headers["Authorization"] == f"Bearer {helicone_gateway.api_key}"
    assert request.helicone_headers == {
        "helicone-property-adapter": "httpx",  # the adapter's own tag
        "helicone-property-python": platform.python_version(),  # helicone_request_headers
        "helicone-user-id": "u-1",
        "helicone-property-team": "search",
    }


def test_a_users_property_wins_over_the_adapters_tag(
    helicone_cli: HeliconeCLI, helicone_gateway: LocalGateway, site: Path
) -> None:
    args = ["chat", "--adapter", "httpx", "--property", "Adapter=mine", "hi"]
    result = helicone_cli(*args, **env_for(helicone_gateway, site))
    assert result.returncode == 0, result.stderr
    (request,) = helicone_gateway.requests
    assert request.headers["Helicone-Property-Adapter"] == "mine"


def test_its_request_headers_hook_applies_to_every_adapter(
    helicone_cli: HeliconeCLI, helicone_gateway: LocalGateway, site: Path
) -> None:
    result = helicone_cli("chat", "--adapter", "openai", "hi", **env_for(helicone_gateway, site))
    assert result.returncode == 0, result.stderr
    (request,) = helicone_gateway.requests
    assert request.headers["Helicone-Property-Python"] == platform.python_version()
    assert "Helicone-Property-Adapter" not in request.headers  # the httpx adapter's own


def test_its_config_default_shows_in_helicone_config(
    helicone_cli: HeliconeCLI, helicone_gateway: LocalGateway, site: Path
) -> None:
    def timeout(**env: str) -> subprocess.CompletedProcess[str]:
        return helicone_cli("config", "--json", **env_for(helicone_gateway, site, **env))

    result = timeout(HELICONE_TIMEOUT="12.5")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["timeout"] == {"value": "12.5", "source": "plugin (httpx)"}

    unset = json.loads(timeout().stdout)["timeout"]
    assert unset["source"] == "default"

    bad = timeout(HELICONE_TIMEOUT="soon")
    assert bad.returncode == 2
    assert (
        bad.stderr.strip() == "helicone: error: HELICONE_TIMEOUT='soon' is not a number of seconds"
    )


def test_helicone_demo_runs_it_alone_offline(helicone_cli: HeliconeCLI, site: Path) -> None:
    # No HELICONE_API_KEY: the demo starts a local gateway of its own.
    result = helicone_cli("demo", PYTHONPATH=str(site), HELICONE_PLUGINS="httpx")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[httpx] httpx.Client / httpx.AsyncClient" in out
    for form in ("sync", "async", "stream"):
        assert re.search(rf"  {form} +'Echo: Hello from the Helicone demo'", out), out
    assert "tool call multiply(a=6, b=7) -> 42" in out
    assert "cache: MISS" in out
    assert "cache: HIT" in out
    assert "Helicone-Property-Adapter: httpx" in out
    assert "Helicone-Session-Id: " in out  # the demo's scope, applied by the core's transport


USER_PROGRAM = """
import asyncio, json, logging
from helicone_core import HeliconeConfig, scope
from helicone_core.adapters import PromptRequest
from helicone_core.plugins import hooks

logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s")
logging.getLogger("helicone_httpx_adapter").setLevel(logging.DEBUG)
adapter = hooks.adapters()["httpx"]
config = HeliconeConfig()
pieces = []
with scope(session_id="s-42"):
    results = [
        adapter.run_prompt(PromptRequest("hello", config)),
        adapter.run_prompt(
            PromptRequest("count to 4", config, stream=True, use_async=True, on_text=pieces.append)
        ),
    ]
print(json.dumps({
    "texts": [r.text for r in results],
    "ids": [r.info.request_id for r in results],
    "pieces": pieces,
}))
"""


def test_a_program_using_it_directly(helicone_gateway: LocalGateway, site: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("HELICONE_", "OPENAI_"))}
    environ.update(env_for(helicone_gateway, site))
    program = textwrap.dedent(USER_PROGRAM)
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        env=environ,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["texts"] == ["Echo: hello", "1 2 3 4"]
    assert out["pieces"] == ["1", " 2", " 3", " 4"]

    requests = helicone_gateway.requests
    assert out["ids"] == [r.helicone_id for r in requests]
    assert [r.headers["Helicone-Session-Id"] for r in requests] == ["s-42", "s-42"]
    # helicone_response: one DEBUG line per response, with the id Helicone sent.
    logged = re.findall(r"helicone-id=(\S+) cache-hit=None", result.stderr)
    assert logged == out["ids"], result.stderr
    assert f"POST {helicone_gateway.url}/chat/completions -> 200" in result.stderr


DOC_FILE_BLOCK = re.compile(
    r'^(?P<indent>[ ]*)```\w+ title="(?P<path>examples/[^"]+)"\n(?P<body>.*?)^(?P=indent)```$',
    re.MULTILINE | re.DOTALL,
)


def test_the_docs_show_the_example_files_as_they_are() -> None:
    page = (ROOT / "docs" / "plugins.md").read_text()
    shown = {}
    for block in DOC_FILE_BLOCK.finditer(page):
        indent = block["indent"]
        lines = block["body"].splitlines(keepends=True)
        assert all(line.startswith(indent) or not line.strip() for line in lines)
        shown[block["path"]] = "".join(
            line[len(indent) :] if line.strip() else "\n" for line in lines
        )
    assert {
        "examples/helicone-httpx-adapter/pyproject.toml",
        "examples/helicone-httpx-adapter/src/helicone_httpx_adapter/plugin.py",
        "examples/helicone-httpx-adapter/src/helicone_httpx_adapter/chat.py",
    } <= set(shown)
    for path, text in shown.items():
        assert text == (ROOT / path).read_text(), f"docs/plugins.md shows an outdated {path}"
