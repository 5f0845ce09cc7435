"""Plugins: entry-point discovery, allow/block lists, and every hook doing what its spec says."""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import helicone_core
from helicone_core import HeliconeConfig, HeliconeInfo, InvalidOptionError, hookspecs
from helicone_core.adapters import Adapter, PromptRequest, PromptResult
from helicone_core.config import ValueSource
from helicone_core.headers import build_headers
from helicone_core.plugins import get_plugin_manager, hooks, reset_plugin_manager

ROOT = Path(__file__).resolve().parents[2]

PLUGIN_SOURCE = """
from helicone_core import hookimpl
from helicone_core.adapters import Adapter, PromptResult

seen = []

def _run(request):
    return PromptResult(text="echo: " + request.prompt, info=None)

@hookimpl
def helicone_register_adapters(register):
    register(Adapter(
        name="{name}", builds="fake.Model", requires=("pluggy",),
        modules=("pluggy", "module_that_is_not_installed"), run_prompt=_run,
    ))

@hookimpl
def helicone_config_defaults():
    return {{"user_id": "from-{name}", "timeout": 42.0}}

@hookimpl
def helicone_request_headers(config):
    return {{"X-From-Plugin": "{name}", "Helicone-User-Id": "plugin-layer"}}

@hookimpl
def helicone_response(info, url):
    seen.append((info.request_id, url))
"""


def install_fake_distribution(root: Path, dist: str, plugins: dict[str, str]) -> None:
    """Write a distribution's metadata and plugin modules the way an installer would."""
    info = root / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    lines = ["[helicone]"]
    for name, module in plugins.items():
        (root / f"{module}.py").write_text(textwrap.dedent(PLUGIN_SOURCE.format(name=name)))
        lines.append(f"{name} = {module}")
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")


@pytest.fixture
def fake_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    install_fake_distribution(
        tmp_path,
        "fake-helicone-plugins",
        {
            "fake-one": "fake_helicone_one",
            "fake-two": "fake_helicone_two",
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for var in ("HELICONE_PLUGINS", "HELICONE_DISABLE_PLUGINS", "HELICONE_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    reset_plugin_manager()
    yield tmp_path
    reset_plugin_manager()


def registered() -> set[str]:
    return {name for name, _ in get_plugin_manager().list_name_plugin()}


def test_entry_points_are_discovered(fake_plugins: Path) -> None:
    assert {"fake-one", "fake-two"} <= registered()


@pytest.mark.parametrize(
    ("allow", "block", "expected"),
    [
        ("fake-one", None, {"fake-one"}),
        ("fake-one, fake-two", None, {"fake-one", "fake-two"}),
        ("", None, set()),
        (None, "fake-two", {"fake-one"}),
        ("fake-one,fake-two", "fake-one", {"fake-two"}),
    ],
    ids=["allow-one", "allow-both", "allow-none", "block-one", "allow-and-block"],
)
def test_allow_and_block_lists(
    fake_plugins: Path,
    monkeypatch: pytest.MonkeyPatch,
    allow: str | None,
    block: str | None,
    expected: set[str],
) -> None:
    if allow is not None:
        monkeypatch.setenv("HELICONE_PLUGINS", allow)
    if block is not None:
        monkeypatch.setenv("HELICONE_DISABLE_PLUGINS", block)
    reset_plugin_manager()
    assert registered() & {"fake-one", "fake-two"} == expected


def test_hook_helicone_register_adapters(
    fake_plugins: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELICONE_PLUGINS", "fake-one")
    reset_plugin_manager()
    adapter = hooks.adapters()["fake-one"]
    assert adapter.builds == "fake.Model"
    config = HeliconeConfig(api_key="k")
    result = adapter.run_prompt(PromptRequest(prompt="hi", config=config))
    assert result == PromptResult(text="echo: hi", info=None)
    status = adapter.status()
    assert not status.importable
    assert status.missing == ["module_that_is_not_installed"]
    assert status.versions["pluggy"]


def test_two_adapters_with_one_name_is_an_error(fake_plugins: Path) -> None:
    pm = get_plugin_manager()

    class Duplicate:
        @helicone_core.hookimpl
        def helicone_register_adapters(self, register):  # type: ignore[no-untyped-def]
            register(Adapter("fake-one", "x", (), (), run_prompt=lambda r: PromptResult("", None)))

    pm.register(Duplicate())
    with pytest.raises(ValueError, match="fake-one"):
        hooks.adapters()


def test_hook_helicone_config_defaults(fake_plugins: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELICONE_PLUGINS", "fake-one")
    reset_plugin_manager()
    config = HeliconeConfig(api_key="k")
    assert config.user_id == "from-fake-one"
    assert config.timeout == 42.0
    assert config.sources["user_id"] == ValueSource("plugin", "fake-one")
    # Explicit arguments still win over plugin defaults.
    assert HeliconeConfig(api_key="k", user_id="explicit").user_id == "explicit"


def test_bad_plugin_default_names_the_plugin(fake_plugins: Path) -> None:
    pm = get_plugin_manager()

    class Bad:
        @helicone_core.hookimpl(tryfirst=True)
        def helicone_config_defaults(self):  # type: ignore[no-untyped-def]
            return {"cache_bucket_max_size": 99}

    pm.register(Bad(), name="bad-plugin")
    with pytest.raises(InvalidOptionError, match="bad-plugin") as error:
        HeliconeConfig(api_key="k")
    assert error.value.field == "cache_bucket_max_size"


def test_hook_helicone_request_headers(fake_plugins: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELICONE_PLUGINS", "fake-two")
    reset_plugin_manager()
    headers = build_headers(HeliconeConfig(api_key="k", user_id="config-layer"))
    assert headers["X-From-Plugin"] == "fake-two"
    # Plugin headers sit below the config's options.
    assert headers["Helicone-User-Id"] == "config-layer"


def test_hook_helicone_response(fake_plugins: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELICONE_PLUGINS", "fake-one")
    reset_plugin_manager()
    import fake_helicone_one  # type: ignore[import-not-found]

    request = httpx.Request("POST", "http://x/v1")
    hooks.response(HeliconeInfo(request_id="abc", status_code=200), request)
    assert fake_helicone_one.seen == [("abc", "http://x/v1")]


def test_a_failing_response_observer_never_reaches_the_caller(
    fake_plugins: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        @helicone_core.hookimpl
        def helicone_response(self, info):  # type: ignore[no-untyped-def]
            raise RuntimeError("observer bug")

    get_plugin_manager().register(Broken())
    hooks.response(HeliconeInfo(request_id="abc"), httpx.Request("POST", "http://x"))
    assert "helicone_response hook failed" in caplog.text


# --- every hook is documented where it is declared, in docs/, and tested here ---------------------

HOOK_NAMES = sorted(
    name
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("helicone_")
)


def test_the_hook_list_is_not_empty() -> None:
    assert HOOK_NAMES == [
        "helicone_config_defaults",
        "helicone_register_adapters",
        "helicone_request_headers",
        "helicone_response",
    ]


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_every_hook_has_a_docstring(hook: str) -> None:
    assert (getattr(hookspecs, hook).__doc__ or "").strip()


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_every_hook_has_a_docs_section(hook: str) -> None:
    docs = (ROOT / "docs" / "plugins.md").read_text()
    assert re.search(rf"^### `{hook}\(", docs, re.MULTILINE), (
        f"docs/plugins.md has no ### `{hook}(`"
    )


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_every_hook_has_a_test(hook: str) -> None:
    assert f"test_hook_{hook}" in globals()
