"""Who is acting, for the audit log: every change a write transaction commits is
recorded in that same transaction, with its principal, action, client and request id;
a refused change is recorded in a transaction of its own.

The writer is wrapped, not the use cases: every change appends an outbox event, so the
event is where the record is made (a new API key, which has no event, is recorded where
it is inserted). A use case cannot forget to audit.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

from registry.access import ApiKey
from registry.audit import OUTCOME_OK, AuditRecord
from registry.model import (
    ChangeClass,
    ChangeEvent,
    CompatibilityLevel,
    EventKind,
    ProviderFinding,
    Schema,
)
from registry.ports import AuditLog, RegistryStore, RegistryWriter
from registry.types import SubjectName, Version


@dataclass(frozen=True, slots=True)
class Actor:
    principal: str
    client: str = ""
    request_id: str = ""
    action: str = ""
    """The policy's action (``registry.access.Action`` value) of the operation."""
    operation: str = ""
    """The operation as the transport names it: a GraphQL field, ``PUT /config``, a command."""

    def record(self, **fields: Any) -> AuditRecord:
        detail: dict[str, str | int | bool | None] = {}
        if self.operation:
            detail["operation"] = self.operation
        detail.update(fields.pop("detail", {}))
        return AuditRecord(
            at=time.time(),
            principal=self.principal,
            action=fields.pop("action", self.action) or "change",
            client=self.client,
            request_id=self.request_id,
            detail=detail or None,
            **fields,
        )


class AuditedWriter:
    """A write transaction that records each change it makes in the audit log."""

    def __init__(self, writer: RegistryWriter, actor: Actor) -> None:
        self._writer = writer
        self._actor = actor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._writer, name)

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
        lint_findings: Sequence[ProviderFinding] = (),
    ) -> ChangeEvent:
        event = await self._writer.append_event(
            kind,
            subject,
            version=version,
            schema=schema,
            compatibility=compatibility,
            is_permanent=is_permanent,
            key_id=key_id,
            change=change,
            lint_findings=lint_findings,
        )
        detail: dict[str, str | int | bool | None] = {
            "event": kind.value,
            "sequence": event.sequence,
        }
        if is_permanent:
            detail["permanent"] = True
        if key_id is not None:
            detail["key"] = key_id
        if change is not None:
            detail["change"] = change.value
        if lint_findings:
            detail["lintFindings"] = len(lint_findings)
        await self._writer.append_audit(
            self._actor.record(
                outcome=OUTCOME_OK,
                subject=subject,
                version=version,
                schema_id=None if schema is None else schema.id,
                detail=detail,
            )
        )
        return event

    async def insert_api_key(self, key: ApiKey, secret_hash: str) -> None:
        await self._writer.insert_api_key(key, secret_hash)
        await self._writer.append_audit(
            self._actor.record(
                outcome=OUTCOME_OK,
                detail={
                    "event": "KEY_CREATED",
                    "key": key.id,
                    "role": key.role.value,
                    "subjects": str(key.scopes),
                },
            )
        )


def audited_write(
    store: RegistryStore, actor: Actor
) -> AbstractAsyncContextManager[RegistryWriter]:
    @asynccontextmanager
    async def write() -> AsyncIterator[RegistryWriter]:
        async with store.write() as writer:
            yield cast(RegistryWriter, AuditedWriter(writer, actor))

    return write()


async def record_refusal(
    log: AuditLog, actor: Actor, code: str, subject: str | None = None
) -> None:
    """A change refused for who asked (FORBIDDEN, UNAUTHENTICATED), in its own transaction."""
    await log.append_audit(actor.record(outcome=code, subject=subject))
