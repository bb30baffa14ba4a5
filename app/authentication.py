"""Who is asking: credentials from a request's ``Authorization`` header (or a websocket's
``connection_init`` payload) to a ``Principal``.

Accepted, as Confluent's clients send them: HTTP Basic with ``<key id>:<secret>``
(``basic.auth.user.info``), ``Bearer lsr_<key id>_<secret>``, and ``Bearer <JWT>`` when
tokens are configured. With authentication off every caller is the local administrator.
No credentials is not an error here: the policy refuses the operation (UNAUTHENTICATED)
where one is needed, so the GraphiQL page and the health endpoints stay reachable.
Credentials that do not hold are refused at once with 401.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping
from typing import Protocol

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.keys import KeyVerifier, split_bearer_token
from app.rate_limit import MemoryBuckets, RateLimiter, retry_after
from app.request_limits import request_error_response
from registry.access import LOCAL_PRINCIPAL, Principal
from registry.errors import RateLimitedError, UnauthenticatedError
from rest.errors import CHALLENGE, error_response

logger = logging.getLogger(__name__)


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal: ...


class Authenticator:
    def __init__(
        self, keys: KeyVerifier, tokens: TokenVerifier | None = None, *, required: bool = True
    ) -> None:
        self._keys = keys
        self._tokens = tokens
        self.required = required

    async def authenticate(self, authorization: str | None) -> Principal | None:
        """The principal behind an ``Authorization`` value; None without one (when
        authentication is on). Raises ``UnauthenticatedError`` for credentials that do
        not hold; the message never says which part failed."""
        if not self.required:
            return LOCAL_PRINCIPAL
        value = "" if authorization is None else authorization.strip()
        if not value:
            return None
        # Every credential accepted is printable ASCII (base64, hex, base64url). Anything
        # else would reach base64, the secret hash or the database as text they refuse
        # (a header read as latin-1, a socket payload with a lone surrogate or a NUL).
        if not (value.isascii() and value.isprintable()):
            raise UnauthenticatedError("Invalid credentials.")
        scheme, _, credentials = value.partition(" ")
        credentials = credentials.strip()
        match scheme.lower():
            case "basic":
                key_id, secret = _basic(credentials)
                return await self._keys.verify(key_id, secret)
            case "bearer":
                key = split_bearer_token(credentials)
                if key is not None:
                    return await self._keys.verify(*key)
                if self._tokens is None:
                    raise UnauthenticatedError("Invalid credentials.")
                return await self._tokens.verify(credentials)
        raise UnauthenticatedError("Unsupported authorization scheme; use Basic or Bearer.")

    async def authenticate_params(self, params: Mapping[str, object]) -> Principal | None:
        """The principal named by a websocket ``connection_init`` payload:
        ``{"Authorization": "Bearer …"}`` (any case), or ``{"token": "…"}``."""
        for name, value in params.items():
            if name.lower() == "authorization" and isinstance(value, str):
                return await self.authenticate(value)
        token = params.get("token")
        if isinstance(token, str):
            return await self.authenticate(f"Bearer {token}")
        return await self.authenticate(None)


def _basic(credentials: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        raise UnauthenticatedError("Malformed Basic credentials.") from None
    key_id, separator, secret = decoded.partition(":")
    if not separator or not key_id or not secret or not decoded.isprintable():
        raise UnauthenticatedError("Malformed Basic credentials.")
    return key_id, secret


# Failed authentications an address may make per second, once its burst is spent.
FAILURE_RATE = 1.0

# Marks a request the replica serves to itself before it listens (app/warm_up.py).
WARM_UP_SCOPE_KEY = "llm_schema_registry.warm_up"


class AuthenticationMiddleware:
    """Authenticates every HTTP request and websocket upgrade once, before routing, and
    leaves the principal (or None) in ``scope["principal"]`` for the transports' policy.
    Credentials that do not hold are answered 401 here (a websocket upgrade is refused
    with 403, all the protocol allows before it is accepted)."""

    def __init__(
        self,
        app: ASGIApp,
        authenticator: Authenticator,
        *,
        graphql_path: str = "/graphql",
        open_paths: frozenset[str] = frozenset(),
        open_prefixes: tuple[str, ...] = (),
        limiter: RateLimiter | None = None,
        failure_burst: int = 20,
    ) -> None:
        self._app = app
        self._authenticator = authenticator
        self._graphql_path = graphql_path
        self._open_paths = open_paths
        self._open_prefixes = open_prefixes
        self._limiter = limiter
        # Failed credentials per client address: each costs an Argon2 verification, so
        # past a burst an address is refused before its credentials are even looked at.
        self._failures = MemoryBuckets(FAILURE_RATE, failure_burst) if failure_burst > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope.get(WARM_UP_SCOPE_KEY) is True:
            scope["principal"] = LOCAL_PRINCIPAL
            await self._app(scope, receive, send)
            return
        if (
            scope["type"] not in ("http", "websocket")
            or path in self._open_paths
            or (self._open_prefixes and path.startswith(self._open_prefixes))
        ):
            scope["principal"] = None
            await self._app(scope, receive, send)
            return
        header = _header(scope, b"authorization")
        if header is not None and self._authenticator.required and self._failures is not None:
            wait = self._failures.peek(_host(scope))
            if wait is not None:
                message = "Too many failed authentications from this address"
                await self._refuse(scope, receive, send, _rate_limited(message, wait))
                return
        try:
            scope["principal"] = await self._authenticator.authenticate(header)
        except UnauthenticatedError as exc:
            if header is not None and self._failures is not None:
                self._failures.take(_host(scope))
            await self._refuse(scope, receive, send, exc)
            return
        if self._limiter is not None and self._authenticator.required:
            principal = scope["principal"]
            # Without credentials, the client address is the one who asks.
            caller = principal.id if principal is not None else f"address:{_host(scope)}"
            wait = await self._limiter.take(caller)
            if wait is not None:
                await self._refuse(scope, receive, send, _rate_limited("Too many requests", wait))
                return
        await self._app(scope, receive, send)

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        error: UnauthenticatedError | RateLimitedError,
    ) -> None:
        """One log line, then the refusal: a websocket is closed before it is accepted
        (1008 policy violation, 1013 try again later), HTTP gets 401 or 429."""
        logger.info("refused %s on %s: %s", _client(scope), scope["path"][:200], error.message)
        if scope["type"] == "websocket":
            is_unauthenticated = isinstance(error, UnauthenticatedError)
            code, reason = (1008, error.message) if is_unauthenticated else (1013, "rate limited")
            await send({"type": "websocket.close", "code": code, "reason": reason})
            return
        await self._refusal(scope, error)(scope, receive, send)

    def _refusal(self, scope: Scope, error: UnauthenticatedError | RateLimitedError) -> Response:
        status, code = (401, 40101) if isinstance(error, UnauthenticatedError) else (429, 42901)
        if scope["path"].startswith(self._graphql_path):
            response = request_error_response(status, error.message)
        else:
            response = error_response(status, code, error.message)
        if isinstance(error, RateLimitedError):
            response.headers["Retry-After"] = str(error.retry_after_seconds)
        else:
            response.headers["WWW-Authenticate"] = CHALLENGE
        return response


def _rate_limited(what: str, wait: float) -> RateLimitedError:
    seconds = retry_after(wait)
    return RateLimitedError(f"{what}; retry in {seconds} s.", seconds)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _host(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "unknown"
