"""``import helicone_core`` stays cheap: no framework, no httpx, no plugin scan."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("openai", "llama_index", "langchain", "langchain_core", "httpx", "pluggy")


def modules_after(code: str) -> list[str]:
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_import_loads_no_framework_and_no_transport() -> None:
    loaded = modules_after("import helicone_core")
    assert [m for m in loaded if m.split(".")[0] in HEAVY] == []


def test_building_a_config_loads_no_framework() -> None:
    loaded = modules_after(
        "import helicone_core\nhelicone_core.HeliconeConfig(api_key='k', user_id='u')"
    )
    assert [m for m in loaded if m.split(".")[0] in HEAVY[:4]] == []


def test_lazy_attributes_resolve() -> None:
    import helicone_core

    assert callable(helicone_core.http_client)
    assert callable(helicone_core.build_headers)
    assert set(helicone_core.__all__) <= set(dir(helicone_core)) | set(helicone_core._LAZY)
