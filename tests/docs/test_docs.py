"""Every Python block in README.md and docs/ runs, against the local gateway.

Blocks in one file run in order in one namespace, like a reader following the page. Output
listings use ```text and are not run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helicone_core.config import FIELDS
from helicone_core.options import OPTIONS
from helicone_core.testing import LocalGateway

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def python_blocks(page: Path) -> list[str]:
    return BLOCK.findall(page.read_text())


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_python_blocks_run(
    page: Path, helicone_gateway: LocalGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for number, block in enumerate(python_blocks(page), start=1):
        code = compile(block, f"{page.name} block {number}", "exec")
        exec(code, namespace)  # the docs are ours; running them is the point


def test_configuration_reference_lists_every_field() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    missing = [name for name in FIELDS if f"| `{name}` |" not in text]
    assert missing == []
    assert len(OPTIONS) + 12 == len(FIELDS)
