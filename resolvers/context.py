"""What every use case receives: the ports, and the limits that apply to input."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from registry import checks
from registry.access import Principal
from registry.checks import CanonicalSchema, CheckRequest, SchemaSource
from registry.compatibility import Incompatibility
from registry.errors import RegistryError
from registry.model import ProviderFinding, RegistrationResult
from registry.ports import (
    AuditLog,
    ChangeFeed,
    EventPublisher,
    KeyHasher,
    RegistryStore,
    SchemaChecker,
)
from registry.providers.model import Provider
from resolvers.actor import Actor, record_refusal
from resolvers.scoped import PrincipalFeed, ScopedStore
from resolvers.validator_cache import ValidatorCache

DEFAULT_MAX_SCHEMA_BYTES = 1024 * 1024


class InlineChecker:
    """Schema work done in the calling task, on the event loop (no worker processes)."""

    async def canonicalize(self, source: SchemaSource) -> CanonicalSchema:
        return checks.canonicalize(source)

    async def render(self, source: SchemaSource, form: str) -> str | None:
        return checks.render(source, form)

    async def find_incompatibilities(self, request: CheckRequest) -> list[Incompatibility]:
        return checks.find_incompatibilities(request)

    async def lint(
        self, source: SchemaSource, providers: tuple[Provider, ...]
    ) -> list[ProviderFinding]:
        return checks.lint_providers(source, providers)


INLINE_CHECKER = InlineChecker()


def _ignore_outcome(outcome: str) -> None:
    pass


@dataclass(frozen=True, slots=True)
class Services:
    store: RegistryStore
    publisher: EventPublisher
    feed: ChangeFeed
    max_schema_bytes: int = DEFAULT_MAX_SCHEMA_BYTES
    checker: SchemaChecker = INLINE_CHECKER
    key_hasher: KeyHasher | None = None
    audit_log: AuditLog | None = None
    actor: Actor | None = None
    # Shared by every view of these services (``replace`` keeps the same instance).
    validators: ValidatorCache = field(default_factory=ValidatorCache)
    # Told how each registration ended (``observe_registration``): for the app's metrics.
    on_registration: Callable[[str], None] = _ignore_outcome

    def for_principal(
        self, principal: Principal, *, client: str = "", request_id: str = ""
    ) -> Services:
        """The same services, seen as ``principal`` may see them; what it changes is
        audited (once ``acting`` names the operation)."""
        actor = Actor(principal.id, client, request_id)
        return replace(
            self,
            store=ScopedStore(self.store, principal.scopes, actor),
            feed=PrincipalFeed(self.feed, principal),
            actor=actor,
        )

    def for_caller(
        self, principal: Principal | None, *, client: str = "", request_id: str = ""
    ) -> Services:
        """``for_principal``; without credentials, the services as seen by nobody:
        nothing is allowed, but a refused change is still audited under ``anonymous``."""
        if principal is None:
            return replace(self, actor=Actor("anonymous", client, request_id))
        return self.for_principal(principal, client=client, request_id=request_id)

    def acting(self, action: str, operation: str) -> Services:
        """The same services for one operation: its changes are audited under it."""
        if self.actor is None:
            return self
        actor = replace(self.actor, action=action, operation=operation)
        store = self.store.acting(actor) if isinstance(self.store, ScopedStore) else self.store
        return replace(self, store=store, actor=actor)

    async def record_refusal(
        self, action: str, operation: str, code: str, subject: str | None
    ) -> None:
        """Audit a change refused for who asked (no-op without an audit log)."""
        if self.audit_log is None or self.actor is None:
            return
        actor = replace(self.actor, action=action, operation=operation)
        await record_refusal(self.audit_log, actor, code, subject)


async def observe_registration(
    services: Services, registration: Awaitable[RegistrationResult]
) -> RegistrationResult:
    """``registration``'s result, after telling ``services.on_registration`` how it
    ended: ``created``, ``existing`` (the content already was a version of the subject),
    the ``RegistryError``'s code, or ``INTERNAL_ERROR``."""
    try:
        result = await registration
    except RegistryError as exc:
        services.on_registration(exc.code)
        raise
    except Exception:
        services.on_registration("INTERNAL_ERROR")
        raise
    services.on_registration("created" if result.is_new_version else "existing")
    return result
