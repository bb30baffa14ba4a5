"""CORS, so that a browser frontend on another origin may call the GraphQL and REST APIs.

Off unless ``REGISTRY_CORS_ORIGINS`` names the origins allowed (exact origins, or ``*``
for any origin when no credentials are allowed). Starlette's ``CORSMiddleware`` does the
work, with one change: a request from an origin that is not allowed gets no CORS header
at all (Starlette would still send the allowed methods, headers and max age, telling a
stranger what the API accepts), only ``Vary: Origin`` so that caches keep answers apart.

Websockets are not covered by CORS: a browser opens them from any origin.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message, Send

if TYPE_CHECKING:
    from app.settings import Settings

ANY_ORIGIN = "*"
# What the GraphQL (GET and POST) and REST (GET, POST, PUT, DELETE) APIs are called with.
ALLOWED_METHODS = ("GET", "POST", "PUT", "DELETE", "OPTIONS")
# Content-Type is needed for JSON bodies (only form types are safelisted by browsers).
ALLOWED_HEADERS = ("Authorization", "Content-Type")
# A refused request (429, 503) says when to try again; without this a script cannot read it.
EXPOSED_HEADERS = ("Retry-After",)

_FORM = "expected scheme://host[:port], such as https://app.example.com"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def normalize_origin(raw: str) -> str:
    """The origin as a browser sends it in ``Origin`` (lower case, no default port), or
    ValueError saying what is wrong: a path, even ``/``, would never match."""
    text = raw.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError(f"{text!r} is not an origin; {_FORM}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.netloc:
        raise ValueError(f"{text!r} is not an origin; {_FORM}")
    if parts.path or parts.query or parts.fragment or "?" in text or "#" in text:
        raise ValueError(f"{text!r} has a path, query or fragment; an origin has none ({_FORM})")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{text!r} has user information; {_FORM}")
    host = (parts.hostname or "").lower()
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{text!r} has an invalid IPv6 address; {_FORM}") from None
        host = f"[{host}]"
    elif not _HOSTNAME.fullmatch(host):
        raise ValueError(
            f"{text!r} has an invalid host name (international names in their xn-- form); {_FORM}"
        )
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def parse_origins(value: str | Sequence[object], *, allow_credentials: bool) -> tuple[str, ...]:
    """The allowed origins from a comma-separated list (or a sequence), normalized and
    without duplicates; ValueError for a malformed origin or a ``*`` that cannot hold."""
    items = value.split(",") if isinstance(value, str) else list(value)
    origins: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"{item!r} is not an origin; {_FORM}")
        if item.strip():
            origins.append(item.strip())
    if ANY_ORIGIN in origins:
        if len(origins) > 1:
            raise ValueError("'*' allows every origin, so it cannot be listed with others")
        if allow_credentials:
            raise ValueError(
                "'*' cannot be combined with REGISTRY_CORS_ALLOW_CREDENTIALS=true "
                "(browsers would send cookies from any site); list the origins instead"
            )
        return (ANY_ORIGIN,)
    return tuple(dict.fromkeys(normalize_origin(origin) for origin in origins))


class StrictCORSMiddleware(CORSMiddleware):
    """Starlette's middleware, sending no CORS header to an origin it does not allow."""

    def preflight_response(self, request_headers: Headers) -> Response:
        if self.is_allowed_origin(request_headers["origin"]):
            return super().preflight_response(request_headers)
        return PlainTextResponse(
            "Disallowed CORS origin", status_code=400, headers={"Vary": "Origin"}
        )

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        origin = request_headers.get("origin")
        if origin is None or self.is_allowed_origin(origin):
            await super().send(message, send, request_headers)
            return
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message).add_vary_header("Origin")
        await send(message)


def cors_middleware(settings: Settings) -> Middleware | None:
    """The CORS middleware the settings ask for, or None when CORS is off. It belongs
    outside authentication and rate limiting, so that preflights (which carry no
    credentials) are answered and refusals (401, 429) can be read by the frontend."""
    if not settings.cors_origins:
        return None
    return Middleware(
        StrictCORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=ALLOWED_METHODS,
        allow_headers=ALLOWED_HEADERS,
        allow_credentials=settings.cors_allow_credentials,
        expose_headers=EXPOSED_HEADERS,
        max_age=settings.cors_max_age,
    )
