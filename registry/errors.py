"""Domain errors. Every error carries a stable ``code`` (public API: add, never rename)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from registry.compatibility import Incompatibility
    from registry.model import CompatibilityLevel, SchemaVersion
    from registry.providers import LintFinding, Provider


class RegistryError(Exception):
    code: ClassVar[str] = "REGISTRY_ERROR"
    http_status: ClassVar[int] = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadUserInputError(RegistryError):
    """An argument is malformed: an empty subject name, an oversized schema."""

    code = "BAD_USER_INPUT"
    http_status = 422


class InvalidSubjectError(BadUserInputError):
    """A malformed subject name (same public code as any other bad input)."""


class InvalidVersionError(BadUserInputError):
    """A version number out of range."""


class SchemaTooLargeError(BadUserInputError):
    """A schema over the configured size limit."""


class SubjectNotFoundError(RegistryError):
    code = "SUBJECT_NOT_FOUND"
    http_status = 404

    def __init__(self, subject: str, message: str | None = None) -> None:
        super().__init__(message or f"Subject '{subject}' not found.")
        self.subject = subject


class SubjectSoftDeletedError(SubjectNotFoundError):
    """Soft-deleting a subject that is already soft-deleted: it has no live version, so
    it is "not found" (same public code), a case Confluent's REST API reports apart."""

    def __init__(self, subject: str) -> None:
        super().__init__(subject, f"Subject '{subject}' was soft deleted.")


class VersionNotFoundError(RegistryError):
    code = "VERSION_NOT_FOUND"
    http_status = 404

    def __init__(self, subject: str, version: int | str) -> None:
        super().__init__(f"Version {version} not found under subject '{subject}'.")
        self.subject = subject
        self.version = version


class VersionSoftDeletedError(VersionNotFoundError):
    """Soft-deleting a version that is already soft-deleted (public code as not found)."""


class SchemaNotFoundError(RegistryError):
    code = "SCHEMA_NOT_FOUND"
    http_status = 404

    def __init__(self, message: str) -> None:
        super().__init__(message)


class InvalidSchemaError(RegistryError):
    code = "INVALID_SCHEMA"
    http_status = 422


class IncompatibleSchemaError(RegistryError):
    """A candidate the subject's level refuses. ``checked`` are the earlier versions it was
    compared with (so a client can be shown the schema it broke), ``level`` the level
    applied, ``subject`` where it was refused."""

    code = "INCOMPATIBLE_SCHEMA"
    http_status = 409

    def __init__(
        self,
        message: str,
        incompatibilities: Sequence[Incompatibility],
        *,
        subject: str | None = None,
        level: CompatibilityLevel | None = None,
        checked: Sequence[SchemaVersion] = (),
    ) -> None:
        super().__init__(message)
        self.incompatibilities = tuple(incompatibilities)
        self.subject = subject
        self.level = level
        self.checked = tuple(checked)


class ProviderLintFailedError(RegistryError):
    """A schema a chosen model provider cannot take: a registration under a subject whose
    provider rules are enforced, or an export to a provider's request shape. ``findings``
    are the blocking findings, each with the provider whose rule it breaks."""

    code = "PROVIDER_LINT_FAILED"
    http_status = 422

    def __init__(self, message: str, findings: Sequence[tuple[Provider, LintFinding]]) -> None:
        super().__init__(message)
        self.findings = tuple(findings)

    def records(self) -> list[dict[str, str]]:
        """The findings as public records: provider, ruleId, pointer, message, severity."""
        return [
            {"provider": provider.value, **finding.as_record()}
            for provider, finding in self.findings
        ]


class VersionConflictError(RegistryError):
    code = "VERSION_CONFLICT"
    http_status = 409


class SubjectNotSoftDeletedError(RegistryError):
    """Permanent deletion needs a soft delete first, as in Confluent Schema Registry."""

    code = "SUBJECT_NOT_SOFT_DELETED"
    http_status = 409

    def __init__(self, subject: str) -> None:
        super().__init__(
            f"Subject '{subject}' must be soft-deleted before it can be deleted permanently."
        )
        self.subject = subject


class VersionNotSoftDeletedError(RegistryError):
    code = "VERSION_NOT_SOFT_DELETED"
    http_status = 409

    def __init__(self, subject: str, version: int) -> None:
        super().__init__(
            f"Version {version} of subject '{subject}' must be soft-deleted before it "
            "can be deleted permanently."
        )
        self.subject = subject
        self.version = version


class ReferenceExistsError(RegistryError):
    """Deleting a version another schema refers to (the message names who refers to it)."""

    code = "SCHEMA_REFERENCED"
    http_status = 422


class SubscriberTooSlowError(RegistryError):
    """A subscriber fell so far behind that its buffer overflowed; it should resubscribe
    with ``after`` set to the last sequence it received."""

    code = "SUBSCRIBER_TOO_SLOW"
    http_status = 429


class UnsupportedFormatError(RegistryError):
    code = "UNSUPPORTED_FORMAT"
    http_status = 422


class OperationNotPermittedError(RegistryError):
    """Refused by the mode in force: a write under READONLY, an explicit id or version
    outside IMPORT, an imported id already holding other content."""

    code = "OPERATION_NOT_PERMITTED"
    http_status = 422


class StorageUnavailableError(RegistryError):
    """The backing database could not be reached or refused the operation."""

    code = "STORAGE_UNAVAILABLE"
    http_status = 503


class ServerBusyError(RegistryError):
    """More schema work (parsing, compatibility checks) is waiting than the server
    queues; nothing was done, and the same request may be sent again shortly."""

    code = "SERVER_BUSY"
    http_status = 503
    retry_after_seconds = 1


# Codes that say the server, not the request, is at fault.
SERVER_FAULT_CODES = frozenset({StorageUnavailableError.code, "INTERNAL_ERROR"})
# Codes about who is asking, not what: an operator wants to see them.
ACCESS_CODES = frozenset({"UNAUTHENTICATED", "FORBIDDEN", "RATE_LIMITED"})


def refusal_log_level(code: str, *, is_write: bool) -> int:
    """How loudly a refused request is logged: a server fault is an error; a refused
    change (registration, delete, config), or any request refused because the server is
    busy, is a warning an operator may want to see; a refused read (not found, bad
    argument) is routine information."""
    if code in SERVER_FAULT_CODES:
        return logging.ERROR
    if code == ServerBusyError.code or code in ACCESS_CODES:
        return logging.WARNING
    return logging.WARNING if is_write else logging.INFO


class PayloadTooLargeError(RegistryError):
    """A request body over the configured size, refused while it was being read."""

    code = "PAYLOAD_TOO_LARGE"
    http_status = 413


class UnauthenticatedError(RegistryError):
    """No credentials where they are required, or credentials that do not hold (unknown,
    revoked or expired key, a token that fails verification). The message never says
    which, so a caller cannot probe for key ids."""

    code = "UNAUTHENTICATED"
    http_status = 401

    def __init__(self, message: str = "Authentication required.") -> None:
        super().__init__(message)


class ForbiddenError(RegistryError):
    """The principal is authenticated but its role or subject scopes do not allow it."""

    code = "FORBIDDEN"
    http_status = 403


class RateLimitedError(RegistryError):
    """The principal sent more requests than its rate allows; retry after the delay."""

    code = "RATE_LIMITED"
    http_status = 429

    def __init__(self, message: str, retry_after_seconds: int = 1) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class KeyNotFoundError(RegistryError):
    code = "KEY_NOT_FOUND"
    http_status = 404

    def __init__(self, key_id: str) -> None:
        super().__init__(f"No API key has the id '{key_id}'.")
        self.key_id = key_id


class AuditLogDamagedError(RegistryError):
    """The audit log holds a row no record can be read from: it was changed outside the
    registry. ``llm-schema-registry audit verify`` names the damage."""

    code = "AUDIT_LOG_DAMAGED"
    http_status = 500
