"""What every use case receives: the ports, and the limits that apply to input."""

from __future__ import annotations

from dataclasses import dataclass, replace

from registry import checks
from registry.access import Principal
from registry.checks import CanonicalSchema, CheckRequest
from registry.compatibility import Incompatibility
from registry.model import SchemaFormat
from registry.ports import ChangeFeed, EventPublisher, KeyHasher, RegistryStore, SchemaChecker
from resolvers.scoped import PrincipalFeed, ScopedStore

DEFAULT_MAX_SCHEMA_BYTES = 1024 * 1024


class InlineChecker:
    """Schema work done in the calling task, on the event loop (no worker processes)."""

    async def canonicalize(self, format: SchemaFormat, text: str) -> CanonicalSchema:
        return checks.canonicalize(format, text)

    async def find_incompatibilities(self, request: CheckRequest) -> list[Incompatibility]:
        return checks.find_incompatibilities(request)


INLINE_CHECKER = InlineChecker()


@dataclass(frozen=True, slots=True)
class Services:
    store: RegistryStore
    publisher: EventPublisher
    feed: ChangeFeed
    max_schema_bytes: int = DEFAULT_MAX_SCHEMA_BYTES
    checker: SchemaChecker = INLINE_CHECKER
    key_hasher: KeyHasher | None = None

    def for_principal(self, principal: Principal) -> Services:
        """The same services, seen as ``principal`` may see them."""
        store = self.store
        if not principal.scopes.is_everything:
            store = ScopedStore(store, principal.scopes)
        return replace(self, store=store, feed=PrincipalFeed(self.feed, principal))
