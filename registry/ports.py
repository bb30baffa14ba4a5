"""What the use cases need from the outside world. storage/ and subscriptions/ implement these."""

from __future__ import annotations

from collections.abc import AsyncIterator
from collections.abc import Sequence as Seq
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from registry.access import ApiKey, StoredKey
from registry.audit import AuditEntry, AuditRecord
from registry.audit_checkpoints import AuditCheckpoint
from registry.checks import CanonicalSchema, CheckRequest, SchemaSource
from registry.compatibility import ChangelogEntry, Incompatibility
from registry.model import (
    ChangeClass,
    ChangeEvent,
    CompatibilityLevel,
    CompatibilityPolicy,
    EventKind,
    Page,
    ProviderEnforcement,
    ProviderFinding,
    RegistryMode,
    Schema,
    SchemaFormat,
    SchemaReference,
    SchemaVersion,
    ScopeConfig,
    Subject,
)
from registry.providers.model import Provider
from registry.types import SchemaId, Sequence, SubjectName, Version


class RegistryReader(Protocol):
    """Reads that see committed data only."""

    async def get_schema(self, schema_id: SchemaId) -> Schema | None:
        """The schema with this id while any version (live or soft-deleted) refers to it."""
        ...

    async def list_schema_versions(
        self, schema_id: SchemaId, include_deleted: bool = False
    ) -> list[SchemaVersion]:
        """Versions, in any subject, that refer to this schema, by subject then version;
        live ones only unless ``include_deleted``."""
        ...

    async def list_subjects(
        self,
        prefix: str | None = None,
        include_deleted: bool = False,
        *,
        deleted_only: bool = False,
        page: Page | None = None,
    ) -> list[SubjectName]:
        """Subject names in order: live subjects, also soft-deleted ones with
        ``include_deleted``, or soft-deleted ones only with ``deleted_only`` (which wins)."""
        ...

    async def get_subject(
        self, name: SubjectName, include_deleted: bool = False
    ) -> Subject | None: ...

    async def get_version(
        self, subject: SubjectName, version: Version, include_deleted: bool = False
    ) -> SchemaVersion | None: ...

    async def get_subjects(
        self, names: Seq[SubjectName], include_deleted: bool = False
    ) -> list[Subject]:
        """``get_subject`` of each name at once: those found, in name order."""
        ...

    async def get_latest_version(self, subject: SubjectName) -> SchemaVersion | None: ...

    async def get_latest_versions(
        self, subjects: Seq[SubjectName]
    ) -> dict[SubjectName, SchemaVersion]:
        """``get_latest_version`` of each subject at once: those that have one."""
        ...

    async def list_versions(
        self,
        subject: SubjectName,
        *,
        include_deleted: bool = False,
        deleted_only: bool = False,
        page: Page | None = None,
    ) -> list[Version]:
        """Version numbers of ``subject`` in order, chosen as ``list_subjects`` chooses
        subjects; empty for an unknown subject."""
        ...

    async def list_live_versions(self, subject: SubjectName) -> list[SchemaVersion]:
        """Versions not soft-deleted, oldest first."""
        ...

    async def find_version_by_fingerprint(
        self, subject: SubjectName, fingerprint: str, include_deleted: bool = False
    ) -> SchemaVersion | None:
        """The live version of ``subject`` whose schema has this fingerprint; with
        ``include_deleted``, the highest version holding it, soft-deleted or not."""
        ...

    async def list_referencing_versions(
        self, subject: SubjectName, version: Version, include_deleted: bool = False
    ) -> list[SchemaVersion]:
        """The versions whose schema refers to ``subject`` ``version``: live ones, and
        soft-deleted ones too with ``include_deleted``; by subject, then version."""
        ...

    async def list_changelog(self, subject: SubjectName) -> list[ChangelogEntry]:
        """Every version of ``subject`` (soft-deleted ones marked), oldest first, with how
        it changed against the previous one."""
        ...

    async def get_compatibility(self, subject: SubjectName | None) -> CompatibilityLevel | None:
        """The level set for ``subject`` (global when None); None when unset."""
        ...

    async def get_scope_config(self, subject: SubjectName | None) -> ScopeConfig:
        """Everything set for ``subject`` (global when None); unset fields are None."""
        ...

    async def get_scope_configs(self, subjects: Seq[SubjectName | None]) -> list[ScopeConfig]:
        """``get_scope_config`` of each scope at once, in the order given."""
        ...

    async def list_events_after(self, sequence: Sequence, limit: int) -> list[ChangeEvent]:
        """Committed events with a greater sequence, in sequence order."""
        ...

    async def get_last_sequence(self) -> Sequence: ...

    async def get_api_key(self, key_id: str) -> StoredKey | None:
        """The key with this id, revoked or not, with the hash of its secret."""
        ...

    async def list_api_keys(self) -> list[ApiKey]:
        """Every key, revoked ones included, oldest first."""
        ...


class RegistryWriter(RegistryReader, Protocol):
    """One write transaction. Writes are serialized registry-wide while it is open,
    so what it reads stays true until it commits, and event sequences follow commit order."""

    async def list_all_versions(self, subject: SubjectName) -> list[SchemaVersion]: ...

    async def find_schema_by_fingerprint(self, fingerprint: str) -> Schema | None: ...

    async def find_schema_by_id(self, schema_id: SchemaId) -> Schema | None:
        """The stored content with this id, referenced by a version or not."""
        ...

    async def insert_schema(
        self,
        format: SchemaFormat,
        text: str,
        fingerprint: str,
        schema_id: SchemaId | None = None,
        *,
        references: tuple[SchemaReference, ...] = (),
        dialect: str | None = None,
    ) -> Schema:
        """Store new content under the next free id, or under ``schema_id`` (IMPORT);
        automatic ids continue after the highest id stored. ``references`` and
        ``dialect`` are part of the content (see ``Schema``)."""
        ...

    async def insert_version(
        self,
        subject: SubjectName,
        version: Version,
        schema_id: SchemaId,
        *,
        change: ChangeClass | None = None,
        findings: Seq[Incompatibility] = (),
    ) -> None:
        """Add a version, creating the subject (or reviving a soft-deleted one), with how
        it changed against the previous one and the findings that say so."""
        ...

    async def get_next_version(self, subject: SubjectName) -> Version:
        """One past the highest version stored, soft-deleted ones included. As in
        Confluent Schema Registry, the number of a permanently deleted latest version
        can be given again; schema ids are never reused."""
        ...

    async def soft_delete_versions(self, subject: SubjectName, versions: Seq[Version]) -> None: ...

    async def purge_versions(self, subject: SubjectName, versions: Seq[Version]) -> None:
        """Remove version rows for good; schema contents stay so ids are never reused."""
        ...

    async def set_compatibility(
        self, subject: SubjectName | None, level: CompatibilityLevel | None
    ) -> None:
        """Set (or with None remove) the level of ``subject``, or the global one."""
        ...

    async def set_compatibility_policy(
        self, subject: SubjectName | None, policy: CompatibilityPolicy | None
    ) -> None:
        """Set (or with None remove) the policy of ``subject``, or the global one."""
        ...

    async def set_mode(self, subject: SubjectName | None, mode: RegistryMode | None) -> None:
        """Set (or with None remove) the mode of ``subject``, or the global one."""
        ...

    async def set_dialect(self, subject: SubjectName | None, dialect: str | None) -> None:
        """Set (or with None remove) the default dialect of ``subject``, or the global one."""
        ...

    async def set_providers(
        self, subject: SubjectName | None, providers: tuple[Provider, ...] | None
    ) -> None:
        """Set (or with None remove) the providers of ``subject``, or the global ones; an
        empty tuple is kept as a setting (no providers)."""
        ...

    async def set_provider_enforcement(
        self, subject: SubjectName | None, enforcement: ProviderEnforcement | None
    ) -> None:
        """Set (or with None remove) the provider enforcement of ``subject``, or the
        global one."""
        ...

    async def insert_api_key(self, key: ApiKey, secret_hash: str) -> None: ...

    async def revoke_api_key(self, key_id: str, at: float) -> bool:
        """Mark the key revoked; False when there is no such key or it already was."""
        ...

    async def append_event(
        self,
        kind: EventKind,
        subject: SubjectName | None,
        *,
        version: Version | None = None,
        schema: Schema | None = None,
        compatibility: CompatibilityLevel | None = None,
        is_permanent: bool = False,
        key_id: str | None = None,
        change: ChangeClass | None = None,
        lint_findings: Seq[ProviderFinding] = (),
    ) -> ChangeEvent:
        """Record a change in the same transaction; it is published after commit."""
        ...

    async def append_audit(self, record: AuditRecord) -> AuditRecord:
        """Append ``record`` to the audit log in this transaction (gone if it rolls back),
        after the last row: the record as stored (texts cleaned and cut, see
        ``registry.audit.sanitized``) with its sequence."""
        ...


class RegistryStore(RegistryReader, Protocol):
    def write(self) -> AbstractAsyncContextManager[RegistryWriter]:
        """A transaction that commits on normal exit and rolls back on any exception."""
        ...


class AuditLog(Protocol):
    """The tamper-evident audit log (``registry.audit``). Rows are appended, never
    changed: by a write transaction (``RegistryWriter.append_audit``) for what it does,
    or here for what changes nothing else (a refusal)."""

    async def append_audit(self, record: AuditRecord) -> AuditRecord:
        """Append ``record`` in a write transaction of its own; as stored, with its sequence."""
        ...

    async def list_audit(
        self,
        *,
        principal: str | None = None,
        subject: str | None = None,
        since: float | None = None,
        until: float | None = None,
        after_sequence: int | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """Rows matching every filter given, by sequence: ``since <= at < until``, and
        after ``after_sequence`` (the last one of the previous page); at most ``limit``
        (1 to ``MAX_AUDIT_PAGE``, else ``BadUserInputError``)."""
        ...

    def iter_audit(self, after_sequence: int = 0) -> AsyncIterator[AuditEntry]:
        """Every row after ``after_sequence`` in sequence order, read in batches (bounded
        memory); ``UnreadableAuditRowError`` at a row no record can be read from."""
        ...

    async def add_audit_checkpoint(self, checkpoint: AuditCheckpoint) -> None: ...

    async def get_latest_audit_checkpoint(self) -> AuditCheckpoint | None:
        """The checkpoint added last; ``UnreadableAuditRowError`` if its row is damaged."""
        ...


class EventPublisher(Protocol):
    async def publish(self, events: Seq[ChangeEvent]) -> None:
        """Announce committed events to every replica. Best effort: a lost publish is
        recovered from the event table by the subscribers' catch-up."""
        ...


class ChangeFeed(Protocol):
    def subscribe(
        self,
        subject: str | None = None,
        subject_prefix: str | None = None,
        after: Sequence | None = None,
    ) -> AsyncIterator[ChangeEvent]:
        """Events about ``subject`` (or subjects starting with ``subject_prefix``; global
        config changes always match): first every committed event after ``after``, then
        live ones, in sequence order, with no gap and no duplicate."""
        ...


class KeyHasher(Protocol):
    """A slow, salted hash for API key secrets (the secret itself is never stored)."""

    async def hash(self, secret: str) -> str: ...


class SchemaChecker(Protocol):
    """Where the CPU-heavy schema work runs: in the caller, or in worker processes so that
    the event loop keeps serving reads and events meanwhile. Either way the answers are
    those of ``registry.checks``; a checker with too much work waiting raises
    ``ServerBusyError`` without starting the new work."""

    async def canonicalize(self, source: SchemaSource) -> CanonicalSchema:
        """Parse and validate ``source`` (``InvalidSchemaError`` naming the problem)."""
        ...

    async def render(self, source: SchemaSource, form: str) -> str | None:
        """A stored schema in another named form (``registry.checks.render``)."""
        ...

    async def find_incompatibilities(self, request: CheckRequest) -> list[Incompatibility]: ...

    async def lint(
        self, source: SchemaSource, providers: tuple[Provider, ...]
    ) -> list[ProviderFinding]:
        """The provider lint of a candidate (``registry.checks.lint_providers``)."""
        ...
