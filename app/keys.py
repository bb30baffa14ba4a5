"""API key secrets: generated, hashed slowly, verified with a cache.

A key is ``<id>:<secret>`` for HTTP Basic (``basic.auth.user.info``), or the single
token ``lsr_<id>_<secret>`` for ``Authorization: Bearer``. The id is a public lookup
handle; only an Argon2id hash of the secret is stored. Verifying a hash costs tens of
milliseconds of CPU by design, so it runs in a thread (the event loop keeps serving),
and a secret that verified once is remembered by its SHA-256 (in this process only), so
a client's steady requests cost one primary-key read each, not one Argon2 each. The
key's row is still read on every request: a revocation holds at once.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets
from collections import OrderedDict

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from registry.access import Principal, StoredKey
from registry.errors import UnauthenticatedError
from registry.ports import RegistryReader
from resolvers.keys import BEARER_PREFIX

# OWASP's Argon2id baseline (19 MiB, 2 passes, 1 lane): about 20 ms here.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_CACHE_ENTRIES = 10_000


class Argon2Hasher:
    """The ``KeyHasher`` port: Argon2id, in a thread so the event loop keeps serving."""

    async def hash(self, secret: str) -> str:
        return await asyncio.to_thread(_HASHER.hash, secret)


def split_bearer_token(token: str) -> tuple[str, str] | None:
    """``(id, secret)`` of an API key token, or None for anything else (a JWT)."""
    if not token.startswith(BEARER_PREFIX):
        return None
    key_id, _, secret = token[len(BEARER_PREFIX) :].partition("_")
    return (key_id, secret) if key_id and secret else None


def _matches(secret_hash: str, secret: str) -> bool:
    try:
        return _HASHER.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


class KeyVerifier:
    """Turns a key id and secret into the key's principal, or refuses."""

    def __init__(self, reader: RegistryReader, cache_entries: int = _CACHE_ENTRIES) -> None:
        self._reader = reader
        # (key id, stored hash, SHA-256 of the secret): verified. The stored hash is
        # part of the entry, so a key whose secret were ever replaced is verified again.
        self._verified: OrderedDict[tuple[str, str, bytes], None] = OrderedDict()
        self._max = cache_entries

    async def verify(self, key_id: str, secret: str) -> Principal:
        refused = UnauthenticatedError("Invalid credentials.")
        if len(key_id) > 64 or len(secret) > 256:
            raise refused
        stored = await self._reader.get_api_key(key_id)
        if stored is None:
            # As slow as a wrong secret, so a caller cannot tell ids that exist.
            await asyncio.to_thread(_matches, _dummy_hash(), secret)
            raise refused
        if not await self._is_secret_of(stored, secret):
            raise refused
        if stored.key.is_revoked:
            raise UnauthenticatedError("Invalid credentials.")
        return stored.key.principal()

    async def _is_secret_of(self, stored: StoredKey, secret: str) -> bool:
        digest = hashlib.sha256(secret.encode()).digest()
        entry = (stored.key.id, stored.secret_hash, digest)
        if entry in self._verified:
            self._verified.move_to_end(entry)
            return True
        if not await asyncio.to_thread(_matches, stored.secret_hash, secret):
            return False
        self._verified[entry] = None
        while len(self._verified) > self._max:
            self._verified.popitem(last=False)
        return True


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_hex(16))
