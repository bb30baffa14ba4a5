"""Signing keys and tokens for the JWT tests, made with joserfc as an issuer would."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, replace
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, Key, OctKey, RSAKey

from app.token_config import TokenConfig

ISSUER = "https://idp.example.com/realms/registry"
AUDIENCE = "schema-registry"
HS256_SECRET = "a-shared-secret-of-forty-two-bytes-length!"
REMOVE = object()
"""A claim or header value meaning: leave it out."""


@dataclass(frozen=True)
class SigningKey:
    private: RSAKey | ECKey
    alg: str
    kid: str

    @property
    def public_pem(self) -> str:
        return self.private.as_pem(private=False).decode()

    @property
    def public_jwk(self) -> dict[str, Any]:
        return {**self.private.as_dict(private=False), "kid": self.kid, "use": "sig"}

    @property
    def public(self) -> Key:
        return type(self.private).import_key(self.public_pem.encode())


def rsa_key(kid: str = "rsa-1") -> SigningKey:
    return SigningKey(RSAKey.generate_key(2048), "RS256", kid)


def ec_key(kid: str = "ec-1") -> SigningKey:
    return SigningKey(ECKey.generate_key("P-256"), "ES256", kid)


def claims(**overrides: object) -> dict[str, Any]:
    now = int(time.time())
    values: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "svc-42",
        "iat": now,
        "exp": now + 300,
        "role": "writer",
        "subjects": ["team-a.*", "shared.events"],
    }
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not REMOVE}


def issue(
    key: SigningKey,
    *,
    alg: str | None = None,
    kid: object = None,
    payload: dict[str, Any] | None = None,
    **overrides: object,
) -> str:
    """A token signed by ``key`` (``alg`` defaults to the key's own; ``kid`` to the
    key's, REMOVE for none) with ``claims(**overrides)``."""
    header: dict[str, Any] = {"alg": alg or key.alg, "kid": key.kid if kid is None else kid}
    if header["kid"] is REMOVE:
        del header["kid"]
    body = payload if payload is not None else claims(**overrides)
    return jwt.encode(header, body, key.private, algorithms=[header["alg"]])


def issue_hs256(secret: str = HS256_SECRET, **overrides: object) -> str:
    key = OctKey.import_key(secret.encode())
    return jwt.encode({"alg": "HS256"}, claims(**overrides), key, algorithms=["HS256"])


def _part(value: dict[str, Any] | bytes) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forge_hs256(secret: bytes, **overrides: object) -> str:
    """HS256 keyed with ``secret`` written by hand, as an attacker would: joserfc itself
    refuses to use a public key as an HMAC secret."""
    signing_input = f"{_part({'alg': 'HS256', 'typ': 'JWT'})}.{_part(claims(**overrides))}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_part(mac)}"


def unsigned(alg: str = "none", **overrides: object) -> str:
    """A token with no signature, as an attacker would write one."""
    return f"{_part({'alg': alg, 'typ': 'JWT'})}.{_part(claims(**overrides))}."


def static_config(*keys: SigningKey, **overrides: Any) -> TokenConfig:
    """A configuration verifying with the given keys' public halves."""
    config = TokenConfig(
        issuer=ISSUER, audience=AUDIENCE, public_keys=tuple(key.public for key in keys)
    )
    return replace(config, **overrides)


def hs256_key(secret: str = HS256_SECRET) -> OctKey:
    return OctKey.import_key(secret.encode())
