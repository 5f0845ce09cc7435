"""Exceptions raised by the suite itself.

Errors from the gateway (401, 429, 5xx, …) are not wrapped: they reach users as the typed errors of
the SDK or framework they called (``openai.RateLimitError`` and friends), which is what their code
already catches.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["HeliconeError", "InvalidOptionError", "MissingAPIKeyError", "explain_refusal"]

_AUTH_HINTS = {
    "gateway": "mode 'gateway': Authorization carries the Helicone key "
    "(api_key or HELICONE_API_KEY)",
    "proxy": "mode 'proxy': Helicone-Auth carries the Helicone key (api_key or "
    "HELICONE_API_KEY) and Authorization the provider's key (provider_api_key or "
    "HELICONE_PROVIDER_API_KEY)",
}


class HeliconeError(Exception):
    """Base class of every exception the suite raises itself."""


class InvalidOptionError(HeliconeError, ValueError):
    """An option value that cannot be sent, found before any request is made.

    ``field`` names the parameter (``"user_id"``, ``"properties"``, ``"rate_limit_policy"``, …),
    ``problem`` says what is wrong with it and ``fix`` how to put it right. The message never
    contains a secret: fields that hold keys are described, never quoted.
    """

    def __init__(self, field: str, problem: str, fix: str) -> None:
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(f"{field}: {problem}. {fix}")

    def __reduce__(self) -> tuple[type[InvalidOptionError], tuple[str, str, str]]:
        return (type(self), (self.field, self.problem, self.fix))

    def renamed(self, names: dict[str, str]) -> InvalidOptionError:
        """This error under the caller's name for the field (``headers`` → ``default_headers``).

        Adapters take some fields under their framework's names; their users should read
        those names in errors. ``names`` maps the core's name to the adapter's; a field such as
        ``headers['X-A']`` is renamed by its prefix. Returns ``self`` when nothing matches.
        """
        for core_name, adapter_name in names.items():
            if self.field == core_name or self.field.startswith(core_name + "["):
                field = adapter_name + self.field[len(core_name) :]
                return type(self)(field, self.problem, self.fix)
        return self


class MissingAPIKeyError(InvalidOptionError):
    """No Helicone API key was given or found in the environment."""


def explain_refusal(
    message: str,
    status_code: int,
    request_headers: Mapping[str, str],
    response_headers: Mapping[str, str],
) -> str:
    """``message`` of a refused request, with what Helicone users need to act on it.

    Adds the ``Helicone-Id`` (to find the request in Helicone) and, for a 401, which keys the
    mode in use sends where. Never includes a key. ``request_headers`` and
    ``response_headers`` must look names up case-insensitively (as ``httpx.Headers`` do).
    """
    notes = []
    if status_code == 401:
        mode = "proxy" if request_headers.get("helicone-auth") else "gateway"
        notes.append(f"Helicone did not accept the credentials; {_AUTH_HINTS[mode]}")
    helicone_id = response_headers.get("helicone-id")
    if helicone_id:
        notes.append(f"Helicone-Id: {helicone_id}")
    return f"{message} [{'; '.join(notes)}]" if notes else message
