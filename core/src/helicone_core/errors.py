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


class MissingAPIKeyError(InvalidOptionError):
    """No Helicone API key was given or found in the environment."""
