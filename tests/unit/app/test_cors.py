"""CORS over a small Starlette app (httpx in process): preflights from allowed origins
answered, other origins told nothing, nothing at all unless origins are configured."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.cors import cors_middleware, normalize_origin
from app.settings import Settings
from app.startup import StartupError, load_settings

FRONTEND = "https://app.example.com"
STRANGER = "https://evil.example.net"


async def graphql(request: Request) -> JSONResponse:
    return JSONResponse({"data": {"ok": True}})


async def busy(request: Request) -> JSONResponse:
    return JSONResponse({"error_code": 42900}, status_code=429, headers={"Retry-After": "3"})


def build_app(**settings: Any) -> Starlette:
    middleware = cors_middleware(Settings(**settings))
    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/subjects/{name}", graphql, methods=["PUT", "DELETE"]),
            Route("/busy", busy),
        ],
        middleware=[] if middleware is None else [middleware],
    )


@pytest.fixture
async def client(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    settings = getattr(request, "param", {"cors_origins": f"{FRONTEND}, http://localhost:5173"})
    transport = httpx.ASGITransport(app=build_app(**settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://registry") as http:
        yield http


def preflight(
    origin: str, method: str = "POST", headers: str = "authorization, content-type"
) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


def varies_on_origin(response: httpx.Response) -> bool:
    return "origin" in [v.strip().lower() for v in response.headers.get("vary", "").split(",")]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
async def test_a_preflight_from_an_allowed_origin_is_answered(
    client: httpx.AsyncClient, method: str
) -> None:
    response = await client.options("/graphql", headers=preflight(FRONTEND, method))

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == FRONTEND
    methods = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert methods == {"GET", "POST", "PUT", "DELETE", "OPTIONS"}
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed
    assert "content-type" in allowed
    assert response.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in response.headers
    assert varies_on_origin(response)


async def test_a_preflight_from_another_origin_gets_no_cors_header(
    client: httpx.AsyncClient,
) -> None:
    response = await client.options("/graphql", headers=preflight(STRANGER))

    assert response.status_code == 400
    assert cors_headers(response) == {}
    assert varies_on_origin(response)


async def test_a_preflight_asking_for_an_unlisted_header_is_refused(
    client: httpx.AsyncClient,
) -> None:
    response = await client.options("/graphql", headers=preflight(FRONTEND, headers="x-admin"))

    assert response.status_code == 400


async def test_a_request_from_an_allowed_origin_may_be_read_with_its_retry_after(
    client: httpx.AsyncClient,
) -> None:
    ok = await client.post("/graphql", headers={"Origin": "http://localhost:5173"}, json={})
    refused = await client.get("/busy", headers={"Origin": FRONTEND})

    assert ok.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert varies_on_origin(ok)
    assert refused.status_code == 429
    assert refused.headers["access-control-allow-origin"] == FRONTEND
    assert refused.headers["access-control-expose-headers"] == "Retry-After"


async def test_a_request_from_another_origin_is_served_without_cors_headers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/graphql", headers={"Origin": STRANGER})

    assert response.status_code == 200
    assert cors_headers(response) == {}
    assert varies_on_origin(response)


async def test_a_request_without_origin_still_varies_on_origin(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/graphql")

    assert cors_headers(response) == {}
    assert varies_on_origin(response)


@pytest.mark.parametrize("client", [{}], indirect=True)
async def test_cors_is_off_by_default(client: httpx.AsyncClient) -> None:
    response = await client.options("/graphql", headers=preflight(FRONTEND))
    simple = await client.get("/graphql", headers={"Origin": FRONTEND})

    assert cors_middleware(Settings()) is None
    assert response.status_code == 405
    assert cors_headers(response) == {}
    assert cors_headers(simple) == {}


@pytest.mark.parametrize(
    "client",
    [{"cors_origins": FRONTEND, "cors_allow_credentials": True, "cors_max_age": 7200}],
    indirect=True,
)
async def test_credentials_and_max_age_follow_the_settings(client: httpx.AsyncClient) -> None:
    response = await client.options("/graphql", headers=preflight(FRONTEND))
    simple = await client.get("/graphql", headers={"Origin": FRONTEND})

    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-max-age"] == "7200"
    assert simple.headers["access-control-allow-credentials"] == "true"
    assert simple.headers["access-control-allow-origin"] == FRONTEND


@pytest.mark.parametrize("client", [{"cors_origins": "*"}], indirect=True)
async def test_any_origin_when_configured_so_without_credentials(
    client: httpx.AsyncClient,
) -> None:
    response = await client.options("/graphql", headers=preflight(STRANGER))

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("client", [{"cors_origins": "HTTPS://App.Example.COM:443"}], indirect=True)
async def test_a_configured_origin_matches_as_browsers_spell_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.options("/graphql", headers=preflight(FRONTEND))

    assert response.headers["access-control-allow-origin"] == FRONTEND


@pytest.mark.parametrize(
    ("raw", "origin"),
    [
        ("https://app.example.com", "https://app.example.com"),
        ("  https://APP.example.com  ", "https://app.example.com"),
        ("http://localhost:80", "http://localhost"),
        ("http://localhost:5173", "http://localhost:5173"),
        ("https://10.0.0.7:8443", "https://10.0.0.7:8443"),
        ("http://[::1]:3000", "http://[::1]:3000"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
    ],
)
def test_origins_are_normalized_as_browsers_send_them(raw: str, origin: str) -> None:
    assert normalize_origin(raw) == origin


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("app.example.com", "is not an origin"),
        ("ftp://app.example.com", "is not an origin"),
        ("null", "is not an origin"),
        ("https://", "is not an origin"),
        ("https://app.example.com/", "has a path"),
        ("https://app.example.com/graphql", "has a path"),
        ("https://app.example.com?x=1", "has a path, query"),
        ("https://user:pw@app.example.com", "user information"),
        ("https://app.example.com:99999", "is not an origin"),
        ("https://bücher.example", "invalid host name"),
        ("https://app_example.com", "invalid host name"),
        # Recent Pythons refuse it while splitting the URL, older ones leave it to us.
        ("http://[::zz]", "is not an origin|invalid IPv6"),
    ],
)
def test_a_malformed_origin_is_refused_with_the_expected_form(raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as refused:
        normalize_origin(raw)

    assert "scheme://host[:port]" in str(refused.value)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"REGISTRY_CORS_ORIGINS": "https://ok.example.com,https://app.example.com/"},
            "invalid setting REGISTRY_CORS_ORIGINS='https://ok.example.com,https://app."
            "example.com/': 'https://app.example.com/' has a path, query or fragment",
        ),
        (
            {"REGISTRY_CORS_ORIGINS": "*", "REGISTRY_CORS_ALLOW_CREDENTIALS": "true"},
            "invalid setting REGISTRY_CORS_ORIGINS='*': '*' cannot be combined with "
            "REGISTRY_CORS_ALLOW_CREDENTIALS=true",
        ),
        (
            {"REGISTRY_CORS_ORIGINS": "*, https://app.example.com"},
            "'*' allows every origin, so it cannot be listed with others",
        ),
    ],
)
def test_a_bad_origin_setting_stops_startup_with_one_line(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(StartupError) as refused:
        load_settings()

    assert message in refused.value.message
    assert "\n" not in refused.value.message


def test_origins_are_read_from_a_comma_separated_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_CORS_ORIGINS", "https://a.example.com, ,https://b.example.com,")

    assert load_settings().cors_origins == ("https://a.example.com", "https://b.example.com")
