"""What JWT bearer tokens the registry accepts, read from the REGISTRY_JWT_* settings.

``load_token_config`` checks the whole block once at startup (it runs while the
settings are validated, so a mistake is one ``invalid setting ...`` line and exit code 2)
and returns the keys ready to verify with. Messages never contain a secret or a key.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificatePublicKeyTypes,
    PublicKeyTypes,
)
from joserfc.jwk import ECKey, Key, OctKey, RSAKey

from registry.access import SubjectScopes
from registry.errors import BadUserInputError

if TYPE_CHECKING:
    from app.settings import Settings

RS256 = "RS256"
ES256 = "ES256"
HS256 = "HS256"
SUPPORTED_ALGORITHMS = (RS256, ES256, HS256)
# RFC 7518 3.2: an HS256 key must be at least as long as the hash output.
MIN_HS256_SECRET_BYTES = 32
# Below this an RSA signature can be forged with public means; NIST has retired it.
MIN_RSA_BITS = 2048
_LOOPBACK_NAMES = frozenset({"localhost"})


class TokenConfigError(ValueError):
    """A JWT setting that cannot work; the message is one line naming the setting."""


@dataclass(frozen=True, slots=True)
class TokenConfig:
    """Everything a ``TokenVerifier`` needs. Keys are kept out of the repr."""

    issuer: str
    audience: str
    algorithms: frozenset[str] = frozenset({RS256, ES256})
    public_keys: tuple[Key, ...] = field(default=(), repr=False)
    """Configured keys (from a PEM); a token's ``kid`` is not needed to pick one."""
    jwks_url: str | None = None
    hs256_key: OctKey | None = field(default=None, repr=False)
    role_claim: str = "role"
    subjects_claim: str = "subjects"
    name_claim: str = "sub"
    default_scopes: SubjectScopes | None = None
    """Scopes of a token without the subjects claim; None refuses such a token."""
    clock_skew: int = 30
    jwks_cache_seconds: float = 300.0
    jwks_min_refresh_seconds: float = 5.0
    jwks_timeout: float = 5.0


def load_token_config(settings: Settings) -> TokenConfig | None:
    """The configuration, None when no issuer is set (JWT authentication off), or
    ``TokenConfigError`` saying which setting is wrong and what is expected."""
    issuer = settings.jwt_issuer
    if issuer is None:
        _refuse_without_issuer(settings)
        return None
    if settings.jwt_audience is None:
        raise TokenConfigError(
            f"invalid setting REGISTRY_JWT_ISSUER={issuer!r}: REGISTRY_JWT_AUDIENCE is "
            "needed too (the audience tokens for this registry carry in their 'aud' claim)"
        )
    algorithms = frozenset(settings.jwt_algorithms)
    hs256_key = _hs256_key(settings, algorithms)
    public_keys = _public_keys(settings)
    jwks_url = _jwks_url(settings.jwt_jwks_url) if settings.jwt_jwks_url else None
    if len([s for s in (public_keys, jwks_url) if s]) > 1:
        raise TokenConfigError(
            "invalid setting REGISTRY_JWT_JWKS_URL: give either a JWKS URL or a public key "
            "(REGISTRY_JWT_PUBLIC_KEY or REGISTRY_JWT_PUBLIC_KEY_FILE), not both"
        )
    if not public_keys and not jwks_url and hs256_key is None:
        raise TokenConfigError(
            f"invalid setting REGISTRY_JWT_ISSUER={issuer!r}: no key to verify tokens with; "
            "set REGISTRY_JWT_JWKS_URL, REGISTRY_JWT_PUBLIC_KEY or REGISTRY_JWT_PUBLIC_KEY_FILE"
        )
    if (public_keys or jwks_url) and not algorithms & {RS256, ES256}:
        raise TokenConfigError(
            "invalid setting REGISTRY_JWT_ALGORITHMS: a public key or JWKS is configured but "
            "neither RS256 nor ES256 is accepted"
        )
    return TokenConfig(
        issuer=issuer,
        audience=settings.jwt_audience,
        algorithms=algorithms,
        public_keys=public_keys,
        jwks_url=jwks_url,
        hs256_key=hs256_key,
        role_claim=settings.jwt_role_claim,
        subjects_claim=settings.jwt_subjects_claim,
        name_claim=settings.jwt_name_claim,
        default_scopes=_default_scopes(settings.jwt_default_subjects),
        clock_skew=settings.jwt_clock_skew,
        jwks_cache_seconds=settings.jwt_jwks_cache_seconds,
        jwks_min_refresh_seconds=settings.jwt_jwks_min_refresh_seconds,
        jwks_timeout=settings.jwt_jwks_timeout,
    )


def parse_algorithms(value: object) -> object:
    """``RS256,ES256`` (or a list) as a tuple; anything but the supported ones is an
    error, so ``none`` or a typo is caught at startup rather than refusing every token."""
    items = re.split(r"[\s,]+", value) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        return value
    given = [str(item).strip() for item in items if str(item).strip()]
    unknown = [name for name in given if name.upper() not in SUPPORTED_ALGORITHMS]
    names = tuple(dict.fromkeys(name.upper() for name in given))
    if unknown:
        raise ValueError(
            f"unsupported algorithm(s) {', '.join(unknown)}; expected a comma-separated list "
            f"of {', '.join(SUPPORTED_ALGORITHMS)}"
        )
    if not names:
        raise ValueError(f"no algorithm given; expected some of {', '.join(SUPPORTED_ALGORITHMS)}")
    return names


def _refuse_without_issuer(settings: Settings) -> None:
    others = {
        "REGISTRY_JWT_AUDIENCE": settings.jwt_audience,
        "REGISTRY_JWT_JWKS_URL": settings.jwt_jwks_url,
        "REGISTRY_JWT_PUBLIC_KEY": settings.jwt_public_key,
        "REGISTRY_JWT_PUBLIC_KEY_FILE": settings.jwt_public_key_file,
        "REGISTRY_JWT_HS256_SECRET": settings.jwt_hs256_secret,
        "REGISTRY_JWT_HS256_SECRET_FILE": settings.jwt_hs256_secret_file,
    }
    given = [name for name, value in others.items() if value is not None]
    if given:
        raise TokenConfigError(
            f"invalid setting {given[0]}: JWT authentication needs REGISTRY_JWT_ISSUER too "
            "(the 'iss' every accepted token must carry)"
        )


def _hs256_key(settings: Settings, algorithms: frozenset[str]) -> OctKey | None:
    inline, path = settings.jwt_hs256_secret, settings.jwt_hs256_secret_file
    if inline is not None and path is not None:
        raise TokenConfigError(
            "invalid setting REGISTRY_JWT_HS256_SECRET: give it or "
            "REGISTRY_JWT_HS256_SECRET_FILE, not both"
        )
    if HS256 not in algorithms:
        if inline is not None or path is not None:
            raise TokenConfigError(
                "invalid setting REGISTRY_JWT_HS256_SECRET: a shared secret is set but HS256 "
                "is not in REGISTRY_JWT_ALGORITHMS; add it there to accept HS256 tokens"
            )
        return None
    if path is not None:
        secret = _read(path, "REGISTRY_JWT_HS256_SECRET_FILE").rstrip(b"\r\n")
        setting = "REGISTRY_JWT_HS256_SECRET_FILE"
    elif inline is not None:
        secret = inline.get_secret_value().encode()
        setting = "REGISTRY_JWT_HS256_SECRET"
    else:
        raise TokenConfigError(
            "invalid setting REGISTRY_JWT_ALGORITHMS: HS256 needs a shared secret in "
            "REGISTRY_JWT_HS256_SECRET or REGISTRY_JWT_HS256_SECRET_FILE"
        )
    if len(secret) < MIN_HS256_SECRET_BYTES:
        raise TokenConfigError(
            f"invalid setting {setting}: the HS256 secret has {len(secret)} bytes; at least "
            f"{MIN_HS256_SECRET_BYTES} are needed"
        )
    return OctKey.import_key(secret)


def _public_keys(settings: Settings) -> tuple[Key, ...]:
    inline, path = settings.jwt_public_key, settings.jwt_public_key_file
    if inline is not None and path is not None:
        raise TokenConfigError(
            "invalid setting REGISTRY_JWT_PUBLIC_KEY: give it or REGISTRY_JWT_PUBLIC_KEY_FILE, "
            "not both"
        )
    if path is not None:
        setting = f"REGISTRY_JWT_PUBLIC_KEY_FILE='{path}'"
        return (_import_public_pem(_read(path, "REGISTRY_JWT_PUBLIC_KEY_FILE"), setting),)
    if inline is not None:
        # An environment variable rarely holds line breaks: accept them written as \n.
        text = inline.get_secret_value().replace("\\n", "\n")
        return (_import_public_pem(text.encode(), "REGISTRY_JWT_PUBLIC_KEY"),)
    return ()


def _import_public_pem(data: bytes, setting: str) -> Key:
    """An RSA (2048 bits or more) or P-256 public key from a PEM public key or
    certificate; a private key is refused so that it is noticed and kept elsewhere."""
    public: PublicKeyTypes | CertificatePublicKeyTypes
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            public = x509.load_pem_x509_certificate(data).public_key()
        else:
            public = serialization.load_pem_public_key(data)
    except ValueError:
        private = b"PRIVATE KEY-----" in data
        reason = (
            "it holds a private key; give the issuer's public key only"
            if private
            else "it is not a PEM public key or certificate (-----BEGIN PUBLIC KEY-----)"
        )
        raise TokenConfigError(f"invalid setting {setting}: {reason}") from None
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if isinstance(public, rsa.RSAPublicKey):
        if public.key_size < MIN_RSA_BITS:
            raise TokenConfigError(
                f"invalid setting {setting}: a {public.key_size}-bit RSA key is too "
                f"weak; at least {MIN_RSA_BITS} bits are needed"
            )
        return RSAKey.import_key(pem)
    if isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == "secp256r1":
        return ECKey.import_key(pem)
    raise TokenConfigError(
        f"invalid setting {setting}: expected an RSA key (RS256) or a P-256 EC key (ES256)"
    )


def _read(path: Path, setting: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TokenConfigError(
            f"invalid setting {setting}='{path}': cannot read it ({exc.strerror or exc})"
        ) from None


def _jwks_url(raw: str) -> str:
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, TypeError, ValueError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise TokenConfigError(
            f"invalid setting REGISTRY_JWT_JWKS_URL={_masked(raw)!r}: expected an https:// URL "
            "such as https://idp.example.com/.well-known/jwks.json"
        )
    # Whoever can change the key set in transit can sign tokens: plain HTTP only to
    # this machine.
    if url.scheme == "http" and not _is_loopback(url.host):
        raise TokenConfigError(
            f"invalid setting REGISTRY_JWT_JWKS_URL={_masked(raw)!r}: plain http:// is only "
            "accepted for this machine (localhost); use https://"
        )
    return raw


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _masked(url: str) -> str:
    return re.sub(r"(?<=://)[^/@]*@", "***@", url)


def _default_scopes(raw: str | None) -> SubjectScopes | None:
    if raw is None:
        return None
    try:
        return parse_scopes(raw)
    except BadUserInputError as exc:
        raise TokenConfigError(
            f"invalid setting REGISTRY_JWT_DEFAULT_SUBJECTS={raw!r}: {exc.message}"
        ) from None


def parse_scopes(value: str | list[str]) -> SubjectScopes:
    """A claim's subject patterns: a list, or one string separated by spaces or commas
    (as OAuth's ``scope``); ``BadUserInputError`` for an empty or malformed one."""
    if isinstance(value, str):
        return SubjectScopes.parse(p for p in re.split(r"[\s,]+", value) if p)
    return SubjectScopes.parse(value)


def key_fits(key: Key, alg: str) -> bool:
    """Whether ``key`` may verify an ``alg`` signature: its type and curve match the
    algorithm, and its own ``use``/``alg``, when it names them, do not say otherwise."""
    if key.get("use") not in (None, "sig") or key.get("alg") not in (None, alg):
        return False
    if alg == RS256:
        return isinstance(key, RSAKey) and key.raw_value.key_size >= MIN_RSA_BITS
    if alg == ES256:
        return isinstance(key, ECKey) and key.curve_name == "P-256"
    return False
