"""The issuer's JSON Web Key Set, fetched over HTTP and cached.

Fetches are rare and bounded: the set is fetched on first use, again in the background
once it is older than the cache time, and again when a token names a key it does not
hold (a key rotation), but never twice within the minimum interval, so a flood of
tokens with made-up ``kid``s costs the issuer at most one request per interval.
Concurrent callers share one fetch. A failed fetch keeps the keys already held.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
import warnings
from collections.abc import Callable

import httpx
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import ECKey, Key, RSAKey

from app.token_config import MIN_RSA_BITS, key_fits

logger = logging.getLogger(__name__)

ClientFactory = Callable[[], httpx.AsyncClient]

# A key set is a few kilobytes; anything far larger is not one.
MAX_JWKS_BYTES = 1024 * 1024
_KEY_TYPES: dict[str, type[RSAKey] | type[ECKey]] = {"RSA": RSAKey, "EC": ECKey}


class JwksError(Exception):
    """The key set could not be fetched or read; the message says why (no secrets)."""


class JwksCache:
    def __init__(
        self,
        url: str,
        *,
        client_factory: ClientFactory,
        cache_seconds: float,
        min_refresh_seconds: float,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._shown_url = re.sub(r"(?<=://)[^/@]*@", "***@", url)
        self._client_factory = client_factory
        self._client: httpx.AsyncClient | None = None
        self._cache_seconds = cache_seconds
        self._min_refresh_seconds = min_refresh_seconds
        self._timeout = timeout
        self._clock = clock
        self._keys: tuple[Key, ...] | None = None
        self._fetched_at = 0.0
        self._last_attempt: float | None = None
        self._attempts = 0
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"JwksCache({self._shown_url!r})"

    @property
    def fetches(self) -> int:
        """Fetches attempted so far, successful or not."""
        return self._attempts

    async def find(self, kid: str | None, alg: str) -> Key | None:
        """The key for a token's ``kid`` and ``alg`` (without a ``kid``: the one key that
        fits, if only one does), or None when the set, even fetched again, has none."""
        seen = self._attempts
        if self._keys is None:
            await self._refresh(seen)
        elif self._clock() - self._fetched_at >= self._cache_seconds and self._may_fetch():
            self._refresh_in_background()
        key = self._pick(kid, alg)
        if key is None and self._attempts == seen:
            # Maybe a rotation: the issuer signs with a key published since the last fetch.
            await self._refresh(seen)
            key = self._pick(kid, alg)
        return key

    async def aclose(self) -> None:
        self._closed = True
        if self._background is not None:
            self._background.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._background
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _pick(self, kid: str | None, alg: str) -> Key | None:
        fitting = [key for key in self._keys or () if key_fits(key, alg)]
        if kid is not None:
            fitting = [key for key in fitting if key.kid == kid]
            return fitting[0] if fitting else None
        return fitting[0] if len(fitting) == 1 else None

    def _may_fetch(self) -> bool:
        last = self._last_attempt
        return last is None or self._clock() - last >= self._min_refresh_seconds

    def _refresh_in_background(self) -> None:
        if self._background is None or self._background.done():
            self._background = asyncio.create_task(self._refresh(self._attempts))

    async def _refresh(self, seen: int) -> None:
        async with self._lock:
            if self._attempts != seen or self._closed:
                return  # another caller fetched while this one waited: use its result
            if not self._may_fetch():
                return
            self._last_attempt = self._clock()
            try:
                keys = await asyncio.wait_for(self._fetch(), self._timeout)
            except Exception as exc:  # whatever the issuer does, verification goes on
                reason = "no answer in time" if isinstance(exc, TimeoutError) else str(exc)
                logger.warning(
                    "cannot fetch the JWKS from %s (%s): %s; keeping %d cached key(s)",
                    self._shown_url,
                    type(exc).__name__,
                    reason or "failed",
                    len(self._keys or ()),
                )
                logger.debug("JWKS fetch failure", exc_info=True)
            else:
                self._keys = keys
                self._fetched_at = self._clock()
                logger.debug("fetched %d key(s) from %s", len(keys), self._shown_url)
            finally:
                self._attempts += 1

    async def _fetch(self) -> tuple[Key, ...]:
        if self._client is None:
            self._client = self._client_factory()
        headers = {"Accept": "application/jwk-set+json, application/json"}
        async with self._client.stream("GET", self._url, headers=headers) as response:
            if response.status_code != 200:
                raise JwksError(f"HTTP status {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_JWKS_BYTES:
                    raise JwksError(f"the answer is larger than {MAX_JWKS_BYTES} bytes")
        return parse_key_set(bytes(body))


def parse_key_set(body: bytes) -> tuple[Key, ...]:
    """The signature keys of a JWKS document (RFC 7517 section 5). Keys of other types,
    malformed ones and private ones (a published private key signs for anyone) are left
    out; a set with no usable key is an error, so the keys held are kept."""
    try:
        document = json.loads(body)
    except ValueError:
        raise JwksError("the answer is not JSON") from None
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise JwksError("the answer is not a JWKS (no 'keys' list)")
    keys: list[Key] = []
    for entry in entries:
        key_type = _KEY_TYPES.get(str(entry.get("kty"))) if isinstance(entry, dict) else None
        if key_type is None:
            continue
        try:
            with warnings.catch_warnings():
                # joserfc warns of a short RSA key; it is left out just below, and said so.
                warnings.simplefilter("ignore", SecurityWarning)
                key = key_type.import_key(entry)
        except (JoseError, ValueError, TypeError, KeyError):
            logger.warning("JWKS key %r is malformed; ignored", _shown_kid(entry))
            continue
        if key.is_private:
            logger.warning("JWKS key %r includes its private part; ignored", _shown_kid(entry))
            continue
        if isinstance(key, RSAKey) and key.raw_value.key_size < MIN_RSA_BITS:
            logger.warning(
                "JWKS key %r is a %d-bit RSA key, too weak; ignored",
                _shown_kid(entry),
                key.raw_value.key_size,
            )
            continue
        keys.append(key)
    if not any(key_fits(key, alg) for key in keys for alg in ("RS256", "ES256")):
        raise JwksError("the set holds no RS256 or ES256 signature key")
    return tuple(keys)


def _shown_kid(entry: dict[str, object]) -> str:
    return str(entry.get("kid", "?"))[:64]
