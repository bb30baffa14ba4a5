"""The one exception the client raises: a refusal or a failure, with the registry's code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# Codes that mean "not now": nothing was done, the same call may succeed in a moment.
RETRYABLE_CODES = frozenset({"STORAGE_UNAVAILABLE", "SERVER_BUSY", "RATE_LIMITED"})
# Codes the client itself gives to failures that never reached a GraphQL answer.
TRANSPORT_ERROR = "TRANSPORT_ERROR"
HTTP_ERROR = "HTTP_ERROR"


class RegistryError(Exception):
    """A GraphQL error from the registry, or a request that could not be completed.

    ``code`` is the registry's stable ``extensions.code`` (``INCOMPATIBLE_SCHEMA``,
    ``SUBJECT_NOT_FOUND``, ...), or ``TRANSPORT_ERROR`` when no answer came (connection
    refused, timeout) and ``HTTP_ERROR`` for an answer that was not GraphQL.
    ``extensions`` holds the rest of the error's extensions (``incompatibilities``,
    ``findings``, ``messages``); ``errors`` every error of the answer as sent.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        extensions: Mapping[str, Any] | None = None,
        errors: Sequence[Mapping[str, Any]] = (),
        status: int | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.extensions: dict[str, Any] = dict(extensions or {})
        self.errors: list[dict[str, Any]] = [dict(error) for error in errors]
        self.status = status

    @property
    def incompatibilities(self) -> list[dict[str, Any]]:
        """For INCOMPATIBLE_SCHEMA: one record per problem (code, oldPath, newPath...)."""
        return list(self.extensions.get("incompatibilities") or [])

    @property
    def findings(self) -> list[dict[str, Any]]:
        """For PROVIDER_LINT_FAILED: the blocking findings (provider, ruleId, pointer...)."""
        return list(self.extensions.get("findings") or [])

    @property
    def is_retryable(self) -> bool:
        return self.code in RETRYABLE_CODES or self.code == TRANSPORT_ERROR

    @classmethod
    def from_graphql(cls, errors: Sequence[Mapping[str, Any]]) -> RegistryError:
        """The first error of a GraphQL answer, keeping them all."""
        first = errors[0] if errors else {}
        extensions = first.get("extensions")
        extensions = dict(extensions) if isinstance(extensions, Mapping) else {}
        code = str(extensions.get("code") or "GRAPHQL_ERROR")
        return cls(
            code,
            str(first.get("message") or "the registry answered an error"),
            extensions=extensions,
            errors=errors,
        )
