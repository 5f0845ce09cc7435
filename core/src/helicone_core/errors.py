"""Exceptions raised by the suite itself.

Errors from the gateway (401, 429, 5xx, …) are not wrapped: they reach users as the typed errors of
the SDK or framework they called (``openai.RateLimitError`` and friends), which is what their code
already catches.
"""

from __future__ import annotations

__all__ = ["HeliconeError", "InvalidOptionError", "MissingAPIKeyError"]


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
