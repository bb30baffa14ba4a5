"""JWT bearer tokens: a token in, a ``Principal`` out, or ``UnauthenticatedError``.

A token is accepted when it is a compact JWS signed with an accepted algorithm (RS256
or ES256; HS256 only when configured; ``none`` never) by the configured key or a key of
the issuer's JWKS, and its claims hold: ``iss`` is the issuer, ``aud`` names this
registry's audience, ``exp`` is present and not past, ``nbf``/``iat`` are not in the
future (all within the clock skew), ``sub`` is present, and the role and subjects claims
are valid. The caller learns only that the token was refused; the log (info) says why,
never with the token itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, NoReturn

import httpx
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, ClaimError, JoseError
from joserfc.jwk import Key

from app.jwks import ClientFactory, JwksCache
from app.settings import Settings
from app.token_config import HS256, TokenConfig, key_fits, load_token_config, parse_scopes
from registry.access import Principal, PrincipalKind, Role, SubjectScopes
from registry.errors import BadUserInputError, UnauthenticatedError

logger = logging.getLogger(__name__)

# Far above any real token (a few kilobytes); parsing is refused beyond it.
MAX_TOKEN_CHARS = 16 * 1024
REFUSAL_MESSAGE = "The bearer token is not valid."
_ROLE_RANK = {Role.READER: 0, Role.WRITER: 1, Role.ADMIN: 2}
_ROLE_VALUES = {role.value: role for role in Role}


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _refuse(reason: str) -> NoReturn:
    raise _Refused(reason)


def _shown(value: object) -> str:
    """A value from an unverified token, safe to log: quoted, one line, short."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class TokenVerifier:
    """Verifies bearer tokens against one ``TokenConfig``. Holds the JWKS cache (and its
    HTTP client, made by ``client_factory`` on first fetch): create one per app in the
    lifespan and ``aclose`` it on shutdown."""

    def __init__(
        self,
        config: TokenConfig,
        client_factory: ClientFactory | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._jwks: JwksCache | None = None
        if config.jwks_url is not None:
            self._jwks = JwksCache(
                config.jwks_url,
                client_factory=client_factory or _default_client_factory(config),
                cache_seconds=config.jwks_cache_seconds,
                min_refresh_seconds=config.jwks_min_refresh_seconds,
                timeout=config.jwks_timeout,
                clock=clock,
            )
        self._claims = jwt.JWTClaimsRegistry(
            leeway=config.clock_skew,
            iss={"essential": True, "value": config.issuer},
            aud={"essential": True, "value": config.audience},
            exp={"essential": True},
            sub={"essential": True},
        )

    def __repr__(self) -> str:
        return f"TokenVerifier(issuer={self._config.issuer!r})"

    @property
    def config(self) -> TokenConfig:
        return self._config

    @property
    def jwks(self) -> JwksCache | None:
        return self._jwks

    async def verify(self, token: str) -> Principal:
        """The principal the token stands for; ``UnauthenticatedError`` with one generic
        message whatever the reason, so that a caller cannot probe the checks."""
        try:
            return await self._verify(token)
        except _Refused as refusal:
            logger.info("bearer token refused: %s", refusal.reason)
        raise UnauthenticatedError(REFUSAL_MESSAGE)

    async def aclose(self) -> None:
        if self._jwks is not None:
            await self._jwks.aclose()

    async def _verify(self, token: str) -> Principal:
        if not token or len(token) > MAX_TOKEN_CHARS:
            _refuse(f"empty or longer than {MAX_TOKEN_CHARS} characters")
        try:
            header = jws.extract_compact(token.encode("ascii")).headers()
        except (JoseError, ValueError, TypeError, UnicodeError):
            _refuse("not a compact JWS (header.payload.signature)")
        alg = header.get("alg")
        if alg not in self._config.algorithms:
            _refuse(f"algorithm {_shown(alg)} is not accepted")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            _refuse("its 'kid' is not a string")
        key = await self._key(alg, kid)
        if key is None:
            _refuse(f"no {alg} key for kid {_shown(kid)}")
        try:
            claims = jwt.decode(token, key, algorithms=[alg]).claims
        except BadSignatureError:
            _refuse(f"bad signature (kid {_shown(kid)})")
        except (JoseError, ValueError, TypeError) as exc:
            _refuse(f"cannot be verified ({type(exc).__name__})")
        try:
            self._claims.validate(claims)
        except ClaimError as exc:
            _refuse(f"claim {_shown(exc.claim)}: {exc.description}")
        return self._principal(claims)

    async def _key(self, alg: str, kid: str | None) -> Key | None:
        if alg == HS256:
            return self._config.hs256_key
        if self._jwks is not None:
            return await self._jwks.find(kid, alg)
        # A configured key is the issuer's one key: a token's kid is not needed.
        fitting = [key for key in self._config.public_keys if key_fits(key, alg)]
        return fitting[0] if fitting else None

    def _principal(self, claims: dict[str, Any]) -> Principal:
        issuer, subject = claims["iss"], claims["sub"]
        name = claims.get(self._config.name_claim)
        return Principal(
            id=f"{issuer}|{subject}",
            role=self._role(claims.get(self._config.role_claim)),
            scopes=self._scopes(claims.get(self._config.subjects_claim)),
            kind=PrincipalKind.TOKEN,
            name=name if isinstance(name, str) and name else subject,
            expires_at=float(claims["exp"]),
        )

    def _role(self, value: object) -> Role:
        """One of reader, writer, admin; a list (as identity providers give roles) is
        its highest role among those, the others it names being ignored."""
        claim = _shown(self._config.role_claim)
        if value is None:
            _refuse(f"no {claim} claim")
        if isinstance(value, str):
            if value not in _ROLE_VALUES:
                _refuse(f"claim {claim}: unknown role {_shown(value)}")
            return _ROLE_VALUES[value]
        if isinstance(value, list):
            roles = [_ROLE_VALUES[v] for v in value if isinstance(v, str) and v in _ROLE_VALUES]
            if not roles:
                _refuse(f"claim {claim}: none of reader, writer, admin")
            return max(roles, key=_ROLE_RANK.__getitem__)
        _refuse(f"claim {claim}: not a string or a list")

    def _scopes(self, value: object) -> SubjectScopes:
        claim = _shown(self._config.subjects_claim)
        if value is None:
            if self._config.default_scopes is None:
                _refuse(f"no {claim} claim")
            return self._config.default_scopes
        if not isinstance(value, str | list) or (
            isinstance(value, list) and not all(isinstance(v, str) for v in value)
        ):
            _refuse(f"claim {claim}: not a string or a list of strings")
        try:
            return parse_scopes(value)
        except BadUserInputError as exc:
            _refuse(f"claim {claim}: {exc.message[:200]}")


def _default_client_factory(config: TokenConfig) -> ClientFactory:
    def create() -> httpx.AsyncClient:
        # No redirects: the https-only rule on the JWKS URL must hold where it leads.
        return httpx.AsyncClient(timeout=config.jwks_timeout, follow_redirects=False)

    return create


def build_token_verifier(
    settings: Settings, client_factory: ClientFactory | None = None
) -> TokenVerifier | None:
    """The verifier the settings describe, or None when JWT authentication is off
    (``REGISTRY_JWT_ISSUER`` unset). The settings were checked when they were loaded;
    ``TokenConfigError`` (a ``ValueError`` with a one-line message) if a key file has
    since become unreadable."""
    config = load_token_config(settings)
    return None if config is None else TokenVerifier(config, client_factory)
