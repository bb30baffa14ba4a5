"""JWT bearer tokens against a configured public key: every rule that accepts or refuses
a token, and what the caller and the log are told."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from joserfc import jws, jwt
from joserfc.jwk import ECKey, Key, OKPKey

from app.token_config import HS256, TokenConfig
from app.tokens import MAX_TOKEN_CHARS, REFUSAL_MESSAGE, TokenVerifier
from registry.access import PrincipalKind, Role, SubjectScopes
from registry.errors import UnauthenticatedError
from tests.support.tokens import (
    AUDIENCE,
    HS256_SECRET,
    ISSUER,
    REMOVE,
    claims,
    ec_key,
    forge_hs256,
    hs256_key,
    issue,
    issue_hs256,
    rsa_key,
    static_config,
    unsigned,
)

RSA = rsa_key()
EC = ec_key()
OTHER_RSA = rsa_key("rsa-1")  # same kid, another key: an impostor
pytestmark = pytest.mark.asyncio


def verifier(config: TokenConfig | None = None) -> TokenVerifier:
    return TokenVerifier(config or static_config(RSA, EC))


def hs256_config(**overrides: Any) -> TokenConfig:
    return static_config(
        RSA, algorithms=frozenset({"RS256", "ES256", HS256}), hs256_key=hs256_key(), **overrides
    )


async def refused(token: str, config: TokenConfig | None = None) -> UnauthenticatedError:
    with pytest.raises(UnauthenticatedError) as caught:
        await verifier(config).verify(token)
    assert caught.value.message == REFUSAL_MESSAGE
    return caught.value


async def test_a_good_rs256_token_gives_a_token_principal() -> None:
    token = issue(RSA)

    principal = await verifier().verify(token)

    assert principal.kind is PrincipalKind.TOKEN
    assert principal.id == f"{ISSUER}|svc-42"
    assert principal.role is Role.WRITER
    assert principal.scopes == SubjectScopes(("shared.events", "team-a.*"))
    assert principal.name == "svc-42"
    assert principal.expires_at is not None
    assert abs(principal.expires_at - (time.time() + 300)) < 5


async def test_a_good_es256_token_is_accepted() -> None:
    principal = await verifier().verify(issue(EC, role="reader"))

    assert principal.role is Role.READER
    assert principal.id == f"{ISSUER}|svc-42"


async def test_a_configured_key_needs_no_kid_in_the_token() -> None:
    principal = await verifier(static_config(RSA)).verify(issue(RSA, kid=REMOVE))

    assert principal.role is Role.WRITER


async def test_hs256_is_refused_when_it_is_not_enabled() -> None:
    await refused(issue_hs256())


async def test_hs256_is_accepted_with_the_configured_secret_when_enabled() -> None:
    principal = await verifier(hs256_config()).verify(issue_hs256(role="admin"))

    assert principal.role is Role.ADMIN


async def test_hs256_signed_with_another_secret_is_refused() -> None:
    await refused(issue_hs256("another-shared-secret-of-forty-two-bytes!!"), hs256_config())


async def test_hs256_signed_with_the_public_key_as_secret_is_refused() -> None:
    """Algorithm confusion: the public key is public, so it must never act as a secret."""
    forged = forge_hs256(RSA.public_pem.encode())
    # The same forgery with the configured secret is accepted: the test can fail.
    assert await verifier(hs256_config()).verify(forge_hs256(HS256_SECRET.encode()))

    await refused(forged, hs256_config())
    await refused(forged)


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE", ""])
async def test_an_unsigned_token_is_refused(alg: str) -> None:
    await refused(unsigned(alg))


async def test_an_unsigned_token_is_refused_even_with_hs256_enabled() -> None:
    await refused(unsigned(), hs256_config())


def signed_with(alg: str) -> str:
    keys: dict[str, Key] = {
        "ES384": ECKey.generate_key("P-384"),
        "ES512": ECKey.generate_key("P-521"),
        "Ed25519": OKPKey.generate_key("Ed25519"),
        "HS512": hs256_key(),
    }
    key = keys.get(alg, RSA.private)
    return jwt.encode({"alg": alg, "kid": RSA.kid}, claims(), key, algorithms=[alg])


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS256", "ES384", "ES512", "Ed25519", "HS512"])
async def test_a_token_signed_with_any_other_algorithm_is_refused(alg: str) -> None:
    token = signed_with(alg)

    await refused(token)
    await refused(token, hs256_config())


async def test_es256_with_a_key_of_another_curve_is_refused() -> None:
    p384 = ECKey.generate_key("P-384")
    token = jwt.encode({"alg": "ES384"}, claims(), p384, algorithms=["ES384"])
    _, payload, signature = token.split(".")
    es256_header = issue(EC).split(".")[0]

    await refused(f"{es256_header}.{payload}.{signature}")


async def test_a_wrong_issuer_is_refused() -> None:
    await refused(issue(RSA, iss="https://evil.example.com/"))


async def test_a_missing_issuer_is_refused() -> None:
    await refused(issue(RSA, iss=REMOVE))


async def test_a_wrong_audience_is_refused() -> None:
    await refused(issue(RSA, aud="another-service"))


async def test_an_audience_list_naming_the_registry_is_accepted() -> None:
    principal = await verifier().verify(issue(RSA, aud=["account", AUDIENCE]))

    assert principal.role is Role.WRITER


@pytest.mark.parametrize("aud", [REMOVE, [], ["account"], "", 42])
async def test_an_audience_not_naming_the_registry_is_refused(aud: object) -> None:
    await refused(issue(RSA, aud=aud))


async def test_a_token_without_exp_is_refused() -> None:
    await refused(issue(RSA, exp=REMOVE))


@pytest.mark.parametrize("exp", ["tomorrow", None, True, float("inf"), float("nan")])
async def test_a_malformed_exp_is_refused(exp: object) -> None:
    await refused(issue(RSA, exp=exp))


async def test_an_expired_token_is_refused() -> None:
    await refused(issue(RSA, exp=int(time.time()) - 120))


async def test_a_token_expired_within_the_clock_skew_is_accepted() -> None:
    principal = await verifier().verify(issue(RSA, exp=int(time.time()) - 10))

    assert principal.role is Role.WRITER


async def test_the_clock_skew_is_configurable() -> None:
    token = issue(RSA, exp=int(time.time()) - 10)

    await refused(token, static_config(RSA, clock_skew=0))
    assert await verifier(static_config(RSA, clock_skew=60)).verify(
        issue(RSA, exp=int(time.time()) - 50)
    )


async def test_a_token_not_yet_valid_is_refused() -> None:
    await refused(issue(RSA, nbf=int(time.time()) + 120))


async def test_a_token_valid_within_the_clock_skew_is_accepted() -> None:
    principal = await verifier().verify(issue(RSA, nbf=int(time.time()) + 10))

    assert principal.role is Role.WRITER


async def test_a_token_issued_in_the_future_is_refused() -> None:
    await refused(issue(RSA, iat=int(time.time()) + 120))


async def test_a_token_without_a_subject_is_refused() -> None:
    await refused(issue(RSA, sub=REMOVE))
    await refused(issue(RSA, sub=""))


async def test_a_token_without_a_role_is_refused() -> None:
    await refused(issue(RSA, role=REMOVE))


@pytest.mark.parametrize("role", ["superuser", "Admin", "", 3, {"name": "admin"}, ["owner"], []])
async def test_a_token_with_a_bad_role_value_is_refused(role: object) -> None:
    await refused(issue(RSA, role=role))


async def test_a_role_list_gives_the_highest_role_it_names() -> None:
    principal = await verifier().verify(
        issue(RSA, role=["offline_access", "reader", "admin", "uma_authorization"])
    )

    assert principal.role is Role.ADMIN


async def test_the_role_claim_name_is_configurable() -> None:
    config = static_config(RSA, role_claim="registry_role")
    token = issue(RSA, role=REMOVE, registry_role="admin")

    assert (await verifier(config).verify(token)).role is Role.ADMIN
    await refused(issue(RSA), config)


@pytest.mark.parametrize(
    ("subjects", "expected"),
    [
        (["team-a.*"], ("team-a.*",)),
        ("team-a.* team-b.orders", ("team-a.*", "team-b.orders")),
        ("team-a.*,team-b.orders", ("team-a.*", "team-b.orders")),
        (" team-a.* ,  team-b.orders ", ("team-a.*", "team-b.orders")),
        ("*", ("*",)),
        (["x", "x"], ("x",)),
    ],
)
async def test_subject_scopes_are_read_from_a_list_or_a_separated_string(
    subjects: object, expected: tuple[str, ...]
) -> None:
    principal = await verifier().verify(issue(RSA, subjects=subjects))

    assert principal.scopes.patterns == expected


@pytest.mark.parametrize("subjects", ["", [], "team-*.a", ["ok", ""], [1, 2], 7, {"a": 1}])
async def test_malformed_subject_scopes_are_refused(subjects: object) -> None:
    await refused(issue(RSA, subjects=subjects))


async def test_a_token_without_subject_scopes_is_refused_by_default() -> None:
    await refused(issue(RSA, subjects=REMOVE))


async def test_a_token_without_subject_scopes_gets_the_configured_default() -> None:
    config = static_config(RSA, default_scopes=SubjectScopes(("public.*",)))

    principal = await verifier(config).verify(issue(RSA, subjects=REMOVE))
    scoped = await verifier(config).verify(issue(RSA, subjects=["team-a.*"]))

    assert principal.scopes.patterns == ("public.*",)
    assert scoped.scopes.patterns == ("team-a.*",)


async def test_the_subjects_and_name_claims_are_configurable() -> None:
    config = static_config(RSA, subjects_claim="scope", name_claim="preferred_username")
    token = issue(RSA, subjects=REMOVE, scope="team-c.*", preferred_username="ci-bot")

    principal = await verifier(config).verify(token)

    assert principal.scopes.patterns == ("team-c.*",)
    assert principal.name == "ci-bot"
    assert principal.id == f"{ISSUER}|svc-42"


async def test_the_name_falls_back_to_the_subject() -> None:
    config = static_config(RSA, name_claim="preferred_username")

    assert (await verifier(config).verify(issue(RSA))).name == "svc-42"


async def test_a_tampered_payload_is_refused() -> None:
    header, _, signature = issue(RSA, role="reader").split(".")
    payload = issue(RSA, role="admin").split(".")[1]

    await refused(f"{header}.{payload}.{signature}")


async def test_a_tampered_signature_is_refused() -> None:
    header, payload, signature = issue(RSA).split(".")
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))

    await refused(f"{header}.{payload}.{flipped}")


async def test_a_token_signed_by_another_key_is_refused() -> None:
    await refused(issue(OTHER_RSA))
    await refused(issue(ec_key()))


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b.c",
        "a.b",
        "...",
        "é.é.é",
        "x" * (MAX_TOKEN_CHARS + 1),
        "eyJhbGciOiJSUzI1NiJ9.e30.e30.e30.e30",
        "W10.e30.",  # header is a JSON list
        "bnVsbA.e30.",  # header is null
        "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.AAAA",
    ],
)
async def test_a_malformed_token_is_refused_as_unauthenticated(token: str) -> None:
    await refused(token)


async def test_a_signed_payload_that_is_not_an_object_is_refused() -> None:
    token = jws.serialize_compact({"alg": "RS256"}, b"[1,2]", RSA.private, algorithms=["RS256"])

    await refused(token)


async def test_the_caller_is_never_told_which_check_failed() -> None:
    errors = [
        await refused(token)
        for token in (
            issue(RSA, iss="x"),
            issue(RSA, exp=1),
            issue(OTHER_RSA),
            unsigned(),
            "garbage",
            issue(RSA, role="root"),
        )
    ]

    assert {str(error) for error in errors} == {REFUSAL_MESSAGE}
    assert {error.code for error in errors} == {"UNAUTHENTICATED"}


async def test_the_reason_is_logged_at_info_without_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = issue(RSA, exp=int(time.time()) - 3600)
    caplog.set_level(logging.INFO, logger="app.tokens")

    error = await refused(token)

    records = [r for r in caplog.records if r.name == "app.tokens"]
    assert [r.levelno for r in records] == [logging.INFO]
    assert "'exp'" in records[0].getMessage()
    assert "expired" in records[0].getMessage()
    for part in token.split("."):
        assert part not in caplog.text
        assert part not in str(error)


async def test_secrets_stay_out_of_reprs_logs_and_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    config = hs256_config()
    verifier_ = TokenVerifier(config)

    await refused(issue_hs256("another-shared-secret-of-forty-two-bytes!!"), config)
    await refused(issue_hs256(HS256_SECRET, exp=1), config)

    for text in (repr(config), repr(verifier_), caplog.text):
        assert HS256_SECRET not in text
        assert "BEGIN PUBLIC KEY" not in text
