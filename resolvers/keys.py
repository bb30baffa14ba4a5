"""API keys: created with a secret shown once, listed without secrets, revoked.

A revocation is committed with a KEY_REVOKED event in the outbox: every replica's hub
receives it in sequence order with the changes, closes the key's open sockets and drops
its subscriptions before delivering anything committed later. Requests over HTTP read
the key's row on every request, so a revoked key fails at once on every replica, even
one whose broadcast is down.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace

from registry.access import ApiKey, Role, SubjectScopes
from registry.errors import BadUserInputError, KeyNotFoundError
from registry.model import EventKind
from resolvers.context import Services
from resolvers.tracing import use_case

MAX_KEY_NAME = 255
# An API key as one bearer token: ``lsr_<id>_<secret>`` (a JWT never starts so).
BEARER_PREFIX = "lsr_"


def _validate_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_KEY_NAME or not cleaned.isprintable():
        raise BadUserInputError(
            f"A key name must be 1 to {MAX_KEY_NAME} printable characters, got {name!r}."
        )
    return cleaned


@dataclass(frozen=True, slots=True)
class NewKey:
    key: ApiKey
    secret: str
    """Shown once, to whoever created the key; only its hash is stored."""

    @property
    def basic_auth(self) -> str:
        return f"{self.key.id}:{self.secret}"

    @property
    def bearer_token(self) -> str:
        return f"{BEARER_PREFIX}{self.key.id}_{self.secret}"


@use_case("create_api_key")
async def create_api_key(
    services: Services, *, name: str, role: Role, scopes: SubjectScopes
) -> NewKey:
    """A new key with a random id and a 256-bit random secret."""
    if services.key_hasher is None:
        raise RuntimeError("no key hasher configured")
    key = ApiKey(
        id=secrets.token_hex(8),
        name=_validate_name(name),
        role=role,
        scopes=scopes,
        created_at=time.time(),
    )
    secret = secrets.token_hex(32)
    secret_hash = await services.key_hasher.hash(secret)
    async with services.store.write() as tx:
        await tx.insert_api_key(key, secret_hash)
    return NewKey(key, secret)


async def list_api_keys(services: Services) -> list[ApiKey]:
    return await services.store.list_api_keys()


@use_case("revoke_api_key")
async def revoke_api_key(services: Services, key_id: str) -> ApiKey:
    """Revoke the key (idempotent: revoking a revoked key changes nothing)."""
    async with services.store.write() as tx:
        stored = await tx.get_api_key(key_id)
        if stored is None:
            raise KeyNotFoundError(key_id)
        if stored.key.is_revoked:
            return stored.key
        at = time.time()
        await tx.revoke_api_key(key_id, at)
        event = await tx.append_event(EventKind.KEY_REVOKED, None, key_id=key_id)
    await services.publisher.publish([event])
    return replace(stored.key, revoked_at=at)
