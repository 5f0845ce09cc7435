"""Fixtures for the helicone_core unit tests.

``isolated_core`` is opt-in (``pytestmark = pytest.mark.usefixtures("isolated_core")``) so it
never changes the plugin machinery for the tests that exercise real plugins.
"""

from __future__ import annotations

import pytest

from helicone_core.plugins import hooks

#: Every variable helicone_core reads; removed so results do not depend on the machine.
HELICONE_ENV = (
    "HELICONE_API_KEY",
    "HELICONE_API_BASE",
    "HELICONE_PROVIDER_API_KEY",
    "HELICONE_REST_BASE",
    "HELICONE_PLUGINS",
    "HELICONE_DISABLE_PLUGINS",
)


@pytest.fixture
def isolated_core(monkeypatch: pytest.MonkeyPatch) -> None:
    """No HELICONE_* variables, and no installed plugin contributes defaults or headers.

    Tests that need a plugin monkeypatch ``hooks.config_defaults`` / ``hooks.request_headers``
    again, on top of this.
    """
    for name in HELICONE_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(hooks, "config_defaults", lambda: [])
    monkeypatch.setattr(hooks, "request_headers", lambda config: [])
