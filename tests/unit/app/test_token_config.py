"""The REGISTRY_JWT_* settings: what turns JWT on, what each key source accepts, and the
one-line message a mistake stops startup with (never showing a secret)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID
from joserfc.jwk import RSAKey
from pydantic import SecretStr, ValidationError

from app.settings import Settings
from app.startup import describe_settings_error
from app.token_config import HS256, TokenConfig, load_token_config
from app.tokens import TokenVerifier, build_token_verifier
from registry.access import Role
from tests.support.tokens import AUDIENCE, ISSUER, issue, issue_hs256, rsa_key

SECRET = "hs256-secret-that-is-long-enough-0123456789"
SIGNER = rsa_key()
JWT: dict[str, Any] = {"jwt_issuer": ISSUER, "jwt_audience": AUDIENCE}


def pem(key: Any) -> str:
    return str(
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def certificate(key: rsa.RSAPrivateKey) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


RSA_PRIVATE = rsa.generate_private_key(65537, 2048)
WEAK_RSA = rsa.generate_private_key(65537, 1024)
P384 = ec.generate_private_key(ec.SECP384R1())
ED25519 = ed25519.Ed25519PrivateKey.generate()


def config(**values: Any) -> TokenConfig:
    loaded = load_token_config(Settings(**values))
    assert loaded is not None
    return loaded


def settings_error(**values: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        Settings(**values)
    return describe_settings_error(caught.value)


def test_jwt_is_off_without_an_issuer() -> None:
    assert load_token_config(Settings()) is None
    assert build_token_verifier(Settings()) is None
    assert build_token_verifier(Settings(jwt_issuer="", jwt_audience="")) is None


async def test_an_inline_public_key_verifies_the_issuers_tokens() -> None:
    verifier = build_token_verifier(Settings(**JWT, jwt_public_key=SIGNER.public_pem))

    assert isinstance(verifier, TokenVerifier)
    assert (await verifier.verify(issue(SIGNER))).role is Role.WRITER


async def test_an_inline_public_key_may_write_its_line_breaks_as_backslash_n() -> None:
    one_line = SIGNER.public_pem.replace("\n", "\\n")
    verifier = build_token_verifier(Settings(**JWT, jwt_public_key=one_line))

    assert verifier is not None
    assert (await verifier.verify(issue(SIGNER))).role is Role.WRITER


async def test_a_public_key_file_or_a_certificate_file_is_read(tmp_path: Path) -> None:
    key_file = tmp_path / "issuer.pem"
    key_file.write_text(SIGNER.public_pem)
    cert_file = tmp_path / "issuer.crt"
    cert_file.write_text(certificate(RSA_PRIVATE))

    from_key = config(**JWT, jwt_public_key_file=key_file)
    from_cert = config(**JWT, jwt_public_key_file=cert_file)

    assert len(from_key.public_keys) == len(from_cert.public_keys) == 1
    cert_key = from_cert.public_keys[0]
    assert isinstance(cert_key, RSAKey)
    assert cert_key.as_pem(private=False).decode() == pem(RSA_PRIVATE)


@pytest.mark.parametrize(
    "url",
    [
        "https://idp.example.com/.well-known/jwks.json",
        "http://127.0.0.1:8080/jwks",
        "http://localhost/jwks",
        "http://[::1]:9000/jwks",
    ],
)
def test_a_jwks_url_over_https_or_to_this_machine_is_accepted(url: str) -> None:
    assert config(**JWT, jwt_jwks_url=url).jwks_url == url


async def test_hs256_alone_is_a_complete_configuration_when_listed(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")

    inline = config(**JWT, jwt_algorithms="HS256", jwt_hs256_secret=SECRET)
    from_file = build_token_verifier(
        Settings(**JWT, jwt_algorithms="HS256", jwt_hs256_secret_file=secret_file)
    )

    assert inline.algorithms == frozenset({HS256})
    assert from_file is not None
    # The file's final line break is not part of the secret.
    assert (await from_file.verify(issue_hs256(SECRET))).role is Role.WRITER


def test_the_algorithms_are_read_from_a_comma_separated_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REGISTRY_JWT_ALGORITHMS", "rs256, ES256,RS256")

    assert Settings().jwt_algorithms == ("RS256", "ES256")


def test_the_claim_names_clock_skew_and_cache_times_are_carried_over() -> None:
    loaded = config(
        **JWT,
        jwt_public_key=SIGNER.public_pem,
        jwt_role_claim="registry_role",
        jwt_subjects_claim="scope",
        jwt_name_claim="preferred_username",
        jwt_default_subjects="public.*, shared.*",
        jwt_clock_skew=5,
        jwt_jwks_cache_seconds=60,
        jwt_jwks_min_refresh_seconds=2,
        jwt_jwks_timeout=1.5,
    )

    assert (loaded.role_claim, loaded.subjects_claim, loaded.name_claim) == (
        "registry_role",
        "scope",
        "preferred_username",
    )
    assert loaded.default_scopes is not None
    assert loaded.default_scopes.patterns == ("public.*", "shared.*")
    assert (loaded.clock_skew, loaded.jwks_cache_seconds) == (5, 60)
    assert (loaded.jwks_min_refresh_seconds, loaded.jwks_timeout) == (2, 1.5)


MISTAKES: list[tuple[dict[str, Any], list[str]]] = [
    ({"jwt_issuer": ISSUER}, ["REGISTRY_JWT_ISSUER=", "REGISTRY_JWT_AUDIENCE is needed"]),
    (JWT, ["no key to verify tokens with", "REGISTRY_JWT_JWKS_URL"]),
    ({"jwt_audience": AUDIENCE}, ["REGISTRY_JWT_AUDIENCE", "needs REGISTRY_JWT_ISSUER"]),
    ({"jwt_jwks_url": "https://idp/jwks"}, ["REGISTRY_JWT_JWKS_URL", "needs REGISTRY_JWT_ISSUER"]),
    ({**JWT, "jwt_public_key_file": "/no/such/key.pem"}, ["/no/such/key.pem", "cannot read"]),
    ({**JWT, "jwt_public_key": "-----BEGIN PUBLIC KEY-----\nAAAA\n"}, ["not a PEM public key"]),
    ({**JWT, "jwt_public_key": "just text"}, ["REGISTRY_JWT_PUBLIC_KEY:", "not a PEM"]),
    ({**JWT, "jwt_public_key": private_pem(RSA_PRIVATE)}, ["private key", "public key only"]),
    ({**JWT, "jwt_public_key": pem(WEAK_RSA)}, ["1024-bit RSA key is too weak"]),
    ({**JWT, "jwt_public_key": pem(P384)}, ["expected an RSA key (RS256) or a P-256 EC key"]),
    ({**JWT, "jwt_public_key": pem(ED25519)}, ["expected an RSA key (RS256) or a P-256"]),
    (
        {**JWT, "jwt_public_key": pem(RSA_PRIVATE), "jwt_jwks_url": "https://idp/jwks"},
        ["REGISTRY_JWT_JWKS_URL", "not both"],
    ),
    (
        {**JWT, "jwt_public_key": pem(RSA_PRIVATE), "jwt_public_key_file": "/k.pem"},
        ["REGISTRY_JWT_PUBLIC_KEY", "not both"],
    ),
    ({**JWT, "jwt_jwks_url": "ftp://idp/jwks"}, ["REGISTRY_JWT_JWKS_URL='ftp://idp/jwks'"]),
    ({**JWT, "jwt_jwks_url": "not a url"}, ["expected an https:// URL"]),
    (
        {**JWT, "jwt_jwks_url": f"http://app:{SECRET}@idp.example.com/jwks"},
        ["'http://***@idp.example.com/jwks'", "plain http:// is only accepted for this machine"],
    ),
    ({**JWT, "jwt_algorithms": "RS256,none"}, ["REGISTRY_JWT_ALGORITHMS", "unsupported", "none"]),
    ({**JWT, "jwt_algorithms": "RS512"}, ["unsupported algorithm(s) RS512"]),
    ({**JWT, "jwt_algorithms": " , "}, ["no algorithm given"]),
    ({**JWT, "jwt_algorithms": "RS256,HS256"}, ["HS256 needs a shared secret"]),
    ({**JWT, "jwt_hs256_secret": SECRET}, ["HS256 is not in REGISTRY_JWT_ALGORITHMS"]),
    (
        {**JWT, "jwt_algorithms": "HS256", "jwt_hs256_secret": "short-" + SECRET[:10]},
        ["REGISTRY_JWT_HS256_SECRET", "has 16 bytes; at least 32"],
    ),
    (
        {**JWT, "jwt_algorithms": "HS256", "jwt_hs256_secret_file": "/no/such/secret"},
        ["REGISTRY_JWT_HS256_SECRET_FILE='/no/such/secret'", "cannot read"],
    ),
    (
        {
            **JWT,
            "jwt_algorithms": "HS256",
            "jwt_hs256_secret": SECRET,
            "jwt_hs256_secret_file": "/s",
        },
        ["not both"],
    ),
    (
        {
            **JWT,
            "jwt_algorithms": "HS256",
            "jwt_hs256_secret": SECRET,
            "jwt_public_key": pem(RSA_PRIVATE),
        },
        ["neither RS256 nor ES256"],
    ),
    (
        {
            **JWT,
            "jwt_hs256_secret": SECRET,
            "jwt_algorithms": "HS256",
            "jwt_default_subjects": "a*b",
        },
        ["REGISTRY_JWT_DEFAULT_SUBJECTS='a*b'", "may only end a pattern"],
    ),
    ({**JWT, "jwt_clock_skew": -1}, ["REGISTRY_JWT_CLOCK_SKEW", "greater than or equal to 0"]),
    ({**JWT, "jwt_role_claim": ""}, ["REGISTRY_JWT_ROLE_CLAIM"]),
]


@pytest.mark.parametrize(("values", "expected"), MISTAKES)
def test_a_jwt_mistake_is_one_line_naming_the_setting(
    values: dict[str, Any], expected: list[str]
) -> None:
    message = settings_error(**values)

    assert len(message.splitlines()) == 1, message
    assert message.startswith("invalid setting REGISTRY_JWT_"), message
    for text in expected:
        assert text in message, message
    assert SECRET not in message
    assert "PRIVATE KEY" not in message
    assert "MII" not in message  # no key material


def test_a_key_file_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    message = settings_error(**JWT, jwt_public_key_file=tmp_path)

    assert message.startswith(f"invalid setting REGISTRY_JWT_PUBLIC_KEY_FILE='{tmp_path}'")
    assert "cannot read it" in message


def test_a_malformed_key_file_is_named(tmp_path: Path) -> None:
    key_file = tmp_path / "issuer.pem"
    key_file.write_text("-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----\n")

    message = settings_error(**JWT, jwt_public_key_file=key_file)

    assert f"REGISTRY_JWT_PUBLIC_KEY_FILE='{key_file}'" in message
    assert "not a PEM public key" in message


def test_secrets_and_keys_stay_out_of_the_settings_and_config_reprs() -> None:
    settings = Settings(
        **JWT,
        jwt_algorithms="RS256,HS256",
        jwt_hs256_secret=SecretStr(SECRET),
        jwt_public_key=SIGNER.public_pem,
    )
    loaded = load_token_config(settings)

    for text in (repr(settings), str(settings), repr(loaded), repr(build_token_verifier(settings))):
        assert SECRET not in text
        assert "BEGIN PUBLIC KEY" not in text
