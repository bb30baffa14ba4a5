"""What one principal sees: the store and the change feed, filtered by its subject scopes.

A subject outside the scopes reads exactly as a subject that does not exist: the same
answers, reached through the same queries (the underlying read is made, then dropped),
so neither the code nor the timing class tells them apart. A schema id answers only
when a subject in scope uses it. Global settings stay readable. The feed also drops the
internal KEY_REVOKED events, and ends the stream (UNAUTHENTICATED) when one revokes the
principal's own key or its token expires: nothing committed after that reaches it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from collections.abc import Sequence as Seq
from contextlib import AbstractAsyncContextManager

from registry.access import ApiKey, Principal, StoredKey, SubjectScopes
from registry.compatibility import ChangelogEntry
from registry.errors import UnauthenticatedError
from registry.model import (
    PUBLIC_EVENT_KINDS,
    ChangeEvent,
    CompatibilityLevel,
    EventKind,
    Page,
    Schema,
    SchemaVersion,
    ScopeConfig,
    Subject,
)
from registry.ports import ChangeFeed, RegistryStore, RegistryWriter
from registry.types import SchemaId, Sequence, SubjectName, Version
from resolvers.actor import Actor, audited_write


class ScopedStore:
    """A ``RegistryStore`` that hides the subjects outside ``scopes``. Writes pass
    through: the policy has refused those outside the scopes before they get here."""

    def __init__(
        self, store: RegistryStore, scopes: SubjectScopes, actor: Actor | None = None
    ) -> None:
        self._store = store
        self._scopes = scopes
        self._everything = scopes.is_everything
        self._actor = actor

    def acting(self, actor: Actor) -> ScopedStore:
        return ScopedStore(self._store, self._scopes, actor)

    def everything(self) -> RegistryStore:
        """The store behind this view, every subject visible."""
        return self._store

    def sees(self, subject: str | None) -> bool:
        return self._sees(subject)

    def _sees(self, subject: str | None) -> bool:
        return subject is None or self._everything or self._scopes.covers(subject)

    def write(self) -> AbstractAsyncContextManager[RegistryWriter]:
        if self._actor is None:
            return self._store.write()
        return audited_write(self._store, self._actor)

    async def get_schema(self, schema_id: SchemaId) -> Schema | None:
        found = await self._store.get_schema(schema_id)
        if self._everything:
            return found
        uses = await self._store.list_schema_versions(schema_id, include_deleted=True)
        return found if any(self._sees(v.subject) for v in uses) else None

    async def list_schema_versions(
        self, schema_id: SchemaId, include_deleted: bool = False
    ) -> list[SchemaVersion]:
        found = await self._store.list_schema_versions(schema_id, include_deleted)
        return [v for v in found if self._sees(v.subject)]

    async def list_subjects(
        self,
        prefix: str | None = None,
        include_deleted: bool = False,
        *,
        deleted_only: bool = False,
        page: Page | None = None,
    ) -> list[SubjectName]:
        if self._everything:
            return await self._store.list_subjects(
                prefix, include_deleted, deleted_only=deleted_only, page=page
            )
        if prefix is not None and not self._scopes.may_cover_prefix(prefix):
            await self._store.list_subjects(
                prefix, include_deleted, deleted_only=deleted_only, page=Page(0, 1)
            )
            return []
        # The page is cut after filtering, so it counts visible subjects only.
        names = await self._store.list_subjects(prefix, include_deleted, deleted_only=deleted_only)
        visible = [n for n in names if self._scopes.covers(n)]
        if page is None:
            return visible
        end = None if page.limit is None else page.offset + page.limit
        return visible[page.offset : end]

    async def get_subject(self, name: SubjectName, include_deleted: bool = False) -> Subject | None:
        found = await self._store.get_subject(name, include_deleted)
        return found if self._sees(name) else None

    async def get_subjects(
        self, names: Seq[SubjectName], include_deleted: bool = False
    ) -> list[Subject]:
        found = await self._store.get_subjects(names, include_deleted)
        return [s for s in found if self._sees(s.name)]

    async def get_version(
        self, subject: SubjectName, version: Version, include_deleted: bool = False
    ) -> SchemaVersion | None:
        found = await self._store.get_version(subject, version, include_deleted)
        return found if self._sees(subject) else None

    async def get_latest_version(self, subject: SubjectName) -> SchemaVersion | None:
        found = await self._store.get_latest_version(subject)
        return found if self._sees(subject) else None

    async def get_latest_versions(
        self, subjects: Seq[SubjectName]
    ) -> dict[SubjectName, SchemaVersion]:
        found = await self._store.get_latest_versions(subjects)
        return {name: v for name, v in found.items() if self._sees(name)}

    async def list_versions(
        self,
        subject: SubjectName,
        *,
        include_deleted: bool = False,
        deleted_only: bool = False,
        page: Page | None = None,
    ) -> list[Version]:
        found = await self._store.list_versions(
            subject, include_deleted=include_deleted, deleted_only=deleted_only, page=page
        )
        return found if self._sees(subject) else []

    async def list_live_versions(self, subject: SubjectName) -> list[SchemaVersion]:
        found = await self._store.list_live_versions(subject)
        return found if self._sees(subject) else []

    async def find_version_by_fingerprint(
        self, subject: SubjectName, fingerprint: str, include_deleted: bool = False
    ) -> SchemaVersion | None:
        found = await self._store.find_version_by_fingerprint(subject, fingerprint, include_deleted)
        return found if self._sees(subject) else None

    async def list_referencing_versions(
        self, subject: SubjectName, version: Version, include_deleted: bool = False
    ) -> list[SchemaVersion]:
        if not self._sees(subject):
            return []
        found = await self._store.list_referencing_versions(subject, version, include_deleted)
        return [v for v in found if self._sees(v.subject)]

    async def list_changelog(self, subject: SubjectName) -> list[ChangelogEntry]:
        return await self._store.list_changelog(subject) if self._sees(subject) else []

    async def get_compatibility(self, subject: SubjectName | None) -> CompatibilityLevel | None:
        found = await self._store.get_compatibility(subject)
        return found if self._sees(subject) else None

    async def get_scope_config(self, subject: SubjectName | None) -> ScopeConfig:
        found = await self._store.get_scope_config(subject)
        return found if self._sees(subject) else ScopeConfig()

    async def get_scope_configs(self, subjects: Seq[SubjectName | None]) -> list[ScopeConfig]:
        found = await self._store.get_scope_configs(subjects)
        return [
            config if self._sees(subject) else ScopeConfig()
            for subject, config in zip(subjects, found, strict=True)
        ]

    async def list_events_after(self, sequence: Sequence, limit: int) -> list[ChangeEvent]:
        found = await self._store.list_events_after(sequence, limit)
        return [e for e in found if self._sees(e.subject)]

    async def get_last_sequence(self) -> Sequence:
        return await self._store.get_last_sequence()

    async def get_api_key(self, key_id: str) -> StoredKey | None:
        return await self._store.get_api_key(key_id)

    async def list_api_keys(self) -> list[ApiKey]:
        return await self._store.list_api_keys()


class PrincipalFeed:
    """The change feed as ``principal`` may see it."""

    def __init__(self, feed: ChangeFeed, principal: Principal) -> None:
        self._feed = feed
        self._principal = principal

    def subscribe(
        self,
        subject: str | None = None,
        subject_prefix: str | None = None,
        after: Sequence | None = None,
    ) -> AsyncIterator[ChangeEvent]:
        return self._filtered(self._feed.subscribe(subject, subject_prefix, after))

    async def _filtered(self, events: AsyncIterator[ChangeEvent]) -> AsyncIterator[ChangeEvent]:
        principal = self._principal
        scopes = principal.scopes
        everything = scopes.is_everything
        key_id = principal.key_id
        expires_at = principal.expires_at
        try:
            async for event in events:
                if event.kind is EventKind.KEY_REVOKED:
                    if key_id is not None and event.key_id == key_id:
                        raise UnauthenticatedError("The API key was revoked.")
                    continue
                if expires_at is not None and time.time() >= expires_at:
                    raise UnauthenticatedError("The token expired.")
                if event.kind not in PUBLIC_EVENT_KINDS:
                    continue
                if everything or event.subject is None or scopes.covers(event.subject):
                    yield event
        finally:
            # Ends the hub's subscription now, not when the generator is collected.
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()
