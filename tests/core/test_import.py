"""``import helicone_core`` stays cheap: no framework, no httpx, no plugin scan."""

from __future__ import annotations

import json
import subprocess
import sys

FRAMEWORKS = ("openai", "llama_index.core", "langchain_core", "langchain_openai")


def modules_after(code: str) -> list[str]:
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def loaded_from(modules: list[str], roots: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == r or m.startswith(r + ".") for r in roots)]


def test_import_loads_no_framework_and_no_transport() -> None:
    loaded = modules_after("import helicone_core")
    assert loaded_from(loaded, (*FRAMEWORKS, "httpx", "pluggy", "pydantic")) == []


def test_building_a_config_loads_plugins_but_no_framework() -> None:
    # Building a config asks the plugins for defaults, so the adapters' plugin modules load;
    # they must not import their frameworks.
    loaded = modules_after(
        "import helicone_core\nhelicone_core.HeliconeConfig(api_key='k', user_id='u')"
    )
    assert loaded_from(loaded, FRAMEWORKS) == []
    assert "helicone_openai.plugin" in loaded


def test_lazy_attributes_resolve() -> None:
    import helicone_core

    assert callable(helicone_core.http_client)
    assert callable(helicone_core.build_headers)
    assert set(helicone_core.__all__) <= set(dir(helicone_core)) | set(helicone_core._LAZY)
