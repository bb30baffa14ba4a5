"""Reading a JWKS document: the signature keys are kept, anything else left out, and a
document without one usable key is an error (so that the keys held are kept)."""

from __future__ import annotations

import json
import logging
import warnings
from typing import Any

import pytest
from joserfc.errors import SecurityWarning
from joserfc.jwk import OctKey, OKPKey, RSAKey

from app.jwks import JwksError, parse_key_set
from tests.support.tokens import ec_key, rsa_key

RSA = rsa_key("rsa-1")
EC = ec_key("ec-1")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", SecurityWarning)  # joserfc warns of the small key
    WEAK_RSA = {**RSAKey.generate_key(1024).as_dict(private=False), "kid": "small"}


def body(*keys: Any) -> bytes:
    return json.dumps({"keys": list(keys)}).encode()


def test_rsa_and_ec_signature_keys_are_read_with_their_kids() -> None:
    keys = parse_key_set(body(RSA.public_jwk, EC.public_jwk))

    assert [key.kid for key in keys] == ["rsa-1", "ec-1"]
    assert not any(key.is_private for key in keys)


def test_keys_of_other_types_and_entries_that_are_not_keys_are_left_out() -> None:
    oct_key = {**OctKey.generate_key(256).as_dict(), "kid": "oct"}
    okp_key = {**OKPKey.generate_key("Ed25519").as_dict(private=False), "kid": "okp"}

    keys = parse_key_set(body(oct_key, okp_key, "text", 42, {"kty": "PQ"}, RSA.public_jwk))

    assert [key.kid for key in keys] == ["rsa-1"]


def test_a_malformed_key_is_left_out_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    broken = {**EC.public_jwk, "kid": "broken", "y": EC.public_jwk["x"]}  # off the curve

    keys = parse_key_set(body(broken, RSA.public_jwk))

    assert [key.kid for key in keys] == ["rsa-1"]
    assert "'broken' is malformed" in caplog.text
    assert any(r.levelno == logging.WARNING for r in caplog.records)


def test_a_key_published_with_its_private_part_is_left_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    leaked = {**RSA.private.as_dict(private=True), "kid": "leaked"}

    keys = parse_key_set(body(leaked, EC.public_jwk))

    assert [key.kid for key in keys] == ["ec-1"]
    assert "'leaked' includes its private part" in caplog.text
    assert str(leaked["d"]) not in caplog.text


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"<html>sign in</html>", "not JSON"),
        (b"[]", "no 'keys' list"),
        (b'{"keys": {"kty": "RSA"}}', "no 'keys' list"),
        (b'{"keys": []}', "no RS256 or ES256 signature key"),
        (body({**RSA.public_jwk, "use": "enc"}), "no RS256 or ES256 signature key"),
        (body(WEAK_RSA), "no RS256 or ES256 signature key"),
    ],
    ids=["html", "list", "keys-not-a-list", "empty", "encryption-only", "rsa-1024"],
)
def test_a_document_without_a_usable_signature_key_is_an_error(
    document: bytes, reason: str
) -> None:
    with pytest.raises(JwksError, match=reason):
        parse_key_set(document)


def test_a_short_rsa_key_is_left_out_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    keys = parse_key_set(body(WEAK_RSA, EC.public_jwk))

    assert [key.kid for key in keys] == ["ec-1"]
    assert "'small' is a 1024-bit RSA key, too weak" in caplog.text
