"""Tokens verified with the issuer's JWKS, served by a real HTTP server: caching, key
rotation, the bound on fetches a flood of unknown ``kid``s can cause, and a JWKS server
that is down, slow or answers nonsense (tokens refused as unauthenticated, cached keys
kept)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from app.token_config import TokenConfig
from app.tokens import REFUSAL_MESSAGE, TokenVerifier
from registry.access import Principal, Role
from registry.errors import UnauthenticatedError
from tests.integration.helpers import wait_until
from tests.support.jwks_server import JwksServer, running_jwks_server
from tests.support.server import free_port
from tests.support.tokens import AUDIENCE, ISSUER, REMOVE, ec_key, issue, rsa_key

KEY_1 = rsa_key("key-1")
KEY_2 = rsa_key("key-2")
EC_1 = ec_key("ec-1")
UNPUBLISHED = rsa_key("never-published")

MakeVerifier = Callable[..., TokenVerifier]


def jwks_config(url: str, **overrides: Any) -> TokenConfig:
    base = TokenConfig(
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks_url=url,
        jwks_cache_seconds=300,
        jwks_min_refresh_seconds=0,
        jwks_timeout=2,
    )
    return replace(base, **overrides)


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    with running_jwks_server(KEY_1, EC_1) as server:
        yield server


@pytest.fixture
async def make_verifier() -> AsyncIterator[MakeVerifier]:
    opened: list[TokenVerifier] = []

    def make(url: str, **overrides: Any) -> TokenVerifier:
        verifier = TokenVerifier(jwks_config(url, **overrides))
        opened.append(verifier)
        return verifier

    yield make
    for verifier in opened:
        await verifier.aclose()


async def refused(verify: Awaitable[Principal]) -> None:
    with pytest.raises(UnauthenticatedError) as caught:
        await verify
    assert caught.value.message == REFUSAL_MESSAGE


def stranger(kid: str) -> str:
    """A well-formed token from a key nobody published, under ``kid``."""
    return issue(UNPUBLISHED, kid=kid)


async def test_tokens_signed_by_keys_of_the_set_are_accepted(
    jwks: JwksServer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier(jwks.url)

    rsa = await verifier.verify(issue(KEY_1))
    ec = await verifier.verify(issue(EC_1, role="admin"))

    assert (rsa.role, ec.role) == (Role.WRITER, Role.ADMIN)
    assert rsa.id == f"{ISSUER}|svc-42"


async def test_the_set_is_fetched_once_while_it_is_fresh(
    jwks: JwksServer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier(jwks.url)
    tokens = [issue(KEY_1, sub=f"svc-{n}") for n in range(20)]

    together = await asyncio.gather(*(verifier.verify(token) for token in tokens))
    one_by_one = [await verifier.verify(token) for token in tokens]

    assert len(together) == len(one_by_one) == 20
    assert jwks.requests == 1


async def test_a_token_without_kid_uses_the_one_key_that_fits(
    jwks: JwksServer, make_verifier: MakeVerifier
) -> None:
    # One RSA key and one EC key: each algorithm has exactly one candidate.
    assert await make_verifier(jwks.url).verify(issue(EC_1, kid=REMOVE))
    jwks.publish(KEY_1, KEY_2)

    # Two RSA keys: which one is meant is not guessed.
    await refused(make_verifier(jwks.url).verify(issue(KEY_1, kid=REMOVE)))


async def test_a_rotated_key_is_accepted_once_the_set_is_fetched_again(
    jwks: JwksServer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier(jwks.url)
    await verifier.verify(issue(KEY_1))

    jwks.publish(KEY_2)  # the issuer rotates: key-1 withdrawn, key-2 signs from now on
    rotated = await verifier.verify(issue(KEY_2, role="reader"))

    assert rotated.role is Role.READER
    assert jwks.requests == 2
    await refused(verifier.verify(issue(KEY_1)))


async def test_a_rotation_right_after_a_fetch_waits_for_the_refresh_interval(
    jwks: JwksServer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier(jwks.url, jwks_min_refresh_seconds=0.5)
    await verifier.verify(issue(KEY_1))
    jwks.publish(KEY_1, KEY_2)

    await refused(verifier.verify(issue(KEY_2)))
    assert jwks.requests == 1
    await asyncio.sleep(0.6)

    assert (await verifier.verify(issue(KEY_2))).role is Role.WRITER
    assert jwks.requests == 2


async def test_a_flood_of_unknown_kids_fetches_the_set_at_most_once_per_interval(
    jwks: JwksServer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier(jwks.url, jwks_min_refresh_seconds=1.0)
    await verifier.verify(issue(KEY_1))
    await asyncio.sleep(1.05)
    flood = [stranger(uuid.uuid4().hex) for _ in range(200)]

    results = await asyncio.gather(
        *(verifier.verify(token) for token in flood[:150]), return_exceptions=True
    )
    for token in flood[150:]:
        await refused(verifier.verify(token))

    assert all(isinstance(result, UnauthenticatedError) for result in results)
    assert jwks.requests == 2  # the first fetch, and one refresh for the whole flood
    assert (await verifier.verify(issue(KEY_1))).role is Role.WRITER
    await asyncio.sleep(1.05)
    await refused(verifier.verify(stranger("another")))
    assert jwks.requests == 3


async def test_an_unreachable_jwks_server_refuses_tokens_as_unauthenticated(
    make_verifier: MakeVerifier, caplog: pytest.LogCaptureFixture
) -> None:
    verifier = make_verifier(f"http://127.0.0.1:{free_port()}/jwks.json")

    await refused(verifier.verify(issue(KEY_1)))

    warnings = [r for r in caplog.records if r.name == "app.jwks"]
    assert [r.levelno for r in warnings] == [logging.WARNING]
    assert "cannot fetch the JWKS" in warnings[0].getMessage()
    assert "ConnectError" in warnings[0].getMessage()


async def test_cached_keys_keep_working_while_the_jwks_server_is_down(
    jwks: JwksServer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier(jwks.url, jwks_cache_seconds=0.2)
    await verifier.verify(issue(KEY_1))
    jwks.stop()
    await asyncio.sleep(0.3)  # the cached set is now past its time

    for _ in range(3):
        assert (await verifier.verify(issue(KEY_1))).role is Role.WRITER
    await refused(verifier.verify(issue(KEY_2)))
    assert (await verifier.verify(issue(EC_1))).role is Role.WRITER


@pytest.mark.parametrize("behaviour", ["error", "not-json", "not-a-jwks"])
async def test_a_jwks_server_answering_nonsense_keeps_the_cached_keys(
    jwks: JwksServer,
    make_verifier: MakeVerifier,
    caplog: pytest.LogCaptureFixture,
    behaviour: Any,
) -> None:
    verifier = make_verifier(jwks.url)
    await verifier.verify(issue(KEY_1))
    jwks.behaviour = behaviour

    await refused(verifier.verify(issue(KEY_2)))

    assert jwks.requests == 2
    assert (await verifier.verify(issue(KEY_1))).role is Role.WRITER
    assert "cannot fetch the JWKS" in caplog.text
    assert "keeping 2 cached key(s)" in caplog.text


@pytest.mark.parametrize("behaviour", ["error", "not-json", "not-a-jwks"])
async def test_a_jwks_server_answering_nonsense_from_the_start_refuses_tokens(
    jwks: JwksServer, make_verifier: MakeVerifier, behaviour: Any
) -> None:
    jwks.behaviour = behaviour

    await refused(make_verifier(jwks.url).verify(issue(KEY_1)))


async def test_a_hanging_jwks_server_is_given_up_after_the_timeout(
    jwks: JwksServer, make_verifier: MakeVerifier, caplog: pytest.LogCaptureFixture
) -> None:
    jwks.behaviour = "hang"
    verifier = make_verifier(jwks.url, jwks_timeout=0.5)
    started = time.monotonic()

    await refused(verifier.verify(issue(KEY_1)))

    assert time.monotonic() - started < 3
    assert "no answer in time" in caplog.text


async def test_the_set_is_fetched_again_in_the_background_once_its_time_is_over(
    jwks: JwksServer, make_verifier: MakeVerifier
) -> None:
    verifier = make_verifier(jwks.url, jwks_cache_seconds=0.3)
    await verifier.verify(issue(KEY_1))
    jwks.publish(KEY_2)  # key-1 withdrawn
    await asyncio.sleep(0.35)

    # The stale set still answers at once; the new one is fetched meanwhile.
    assert (await verifier.verify(issue(KEY_1))).role is Role.WRITER
    await wait_until(lambda: jwks.requests == 2)
    await wait_until(lambda: verifier.jwks is not None and verifier.jwks.fetches == 2)

    await refused(verifier.verify(issue(KEY_1)))
    assert (await verifier.verify(issue(KEY_2))).role is Role.WRITER


async def test_a_key_published_for_encryption_does_not_verify_signatures(
    jwks: JwksServer, make_verifier: MakeVerifier
) -> None:
    encryption = rsa_key("enc-1")
    jwks.keys = [KEY_1.public_jwk, {**encryption.public_jwk, "use": "enc"}]
    verifier = make_verifier(jwks.url)

    await refused(verifier.verify(issue(encryption)))
    assert (await verifier.verify(issue(KEY_1))).role is Role.WRITER


async def test_a_password_in_the_jwks_url_stays_out_of_the_log(
    jwks: JwksServer, make_verifier: MakeVerifier, caplog: pytest.LogCaptureFixture
) -> None:
    jwks.behaviour = "error"
    url = jwks.url.replace("http://", "http://reader:pa55word@")

    await refused(make_verifier(url).verify(issue(KEY_1)))

    assert "http://***@127.0.0.1" in caplog.text
    assert "pa55word" not in caplog.text


async def test_closing_the_verifier_closes_the_client_it_made(jwks: JwksServer) -> None:
    clients: list[httpx.AsyncClient] = []

    def client_factory() -> httpx.AsyncClient:
        clients.append(httpx.AsyncClient(timeout=2))
        return clients[-1]

    verifier = TokenVerifier(jwks_config(jwks.url, jwks_cache_seconds=0.05), client_factory)
    await verifier.verify(issue(KEY_1))
    await asyncio.sleep(0.1)
    await verifier.verify(issue(KEY_1))  # starts a background refresh

    await verifier.aclose()

    assert len(clients) == 1
    assert clients[0].is_closed
