"""API keys: created with a secret shown once, listed without secrets, revoked.

A revocation is committed with a KEY_REVOKED event in the outbox: every replica's hub
receives it in sequence order with the changes, closes the key's open sockets and drops
its subscriptions before delivering anything committed later. Requests over HTTP read
the key's row on every request, so a revoked key fails at once on every replica, even
one whose broadcast is down.
"""

from __future__ import annotations

from registry.access import ApiKey, Role, SubjectScopes
from registry.errors import BadUserInputError, KeyNotFoundError
from registry.model import EventKind
from resolvers.context import Services

MAX_KEY_NAME = 255


def _validate_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_KEY_NAME or not cleaned.isprintable():
        raise BadUserInputError(
            f"A key name must be 1 to {MAX_KEY_NAME} printable characters, got {name!r}."
        )
    return cleaned


async def create_api_key(
    services: Services,
    *,
    key_id: str,
    name: str,
    role: Role,
    scopes: SubjectScopes,
    secret_hash: str,
    created_at: float,
) -> ApiKey:
    """Store a new key; the caller generated its id and secret and hashed the secret."""
    key = ApiKey(
        id=key_id, name=_validate_name(name), role=role, scopes=scopes, created_at=created_at
    )
    async with services.store.write() as tx:
        await tx.insert_api_key(key, secret_hash)
    return key


async def list_api_keys(services: Services) -> list[ApiKey]:
    return await services.store.list_api_keys()


async def revoke_api_key(services: Services, key_id: str, at: float) -> ApiKey:
    """Revoke the key (idempotent: revoking a revoked key changes nothing)."""
    async with services.store.write() as tx:
        stored = await tx.get_api_key(key_id)
        if stored is None:
            raise KeyNotFoundError(key_id)
        if stored.key.is_revoked:
            return stored.key
        await tx.revoke_api_key(key_id, at)
        event = await tx.append_event(EventKind.KEY_REVOKED, None, key_id=key_id)
    await services.publisher.publish([event])
    revoked = await services.store.get_api_key(key_id)
    assert revoked is not None
    return revoked.key
