"""GraphQL over HTTP: credentials, retries with backoff where they are safe, and a count of
the requests made (so an application can see that its cache saves them)."""

from __future__ import annotations

import asyncio
import base64
import logging
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from llm_schema_registry_client.errors import HTTP_ERROR, TRANSPORT_ERROR, RegistryError

logger = logging.getLogger("llm_schema_registry_client")

# Gateways and load balancers answer these while a replica restarts; nothing was done.
_RETRYABLE_STATUS = frozenset({502, 503, 504})


def authorization(api_key: str | None = None, token: str | None = None) -> str | None:
    """The ``Authorization`` value for an API key (``lsr_<id>_<secret>``, sent as Bearer,
    or ``<id>:<secret>``, sent as HTTP Basic as Confluent's clients do) or a bearer token
    (a JWT from the identity provider)."""
    if api_key and token:
        raise ValueError("give an api_key or a token, not both")
    if token:
        return f"Bearer {token}"
    if not api_key:
        return None
    if ":" in api_key and not api_key.startswith("lsr_"):
        return "Basic " + base64.b64encode(api_key.encode()).decode("ascii")
    return f"Bearer {api_key}"


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits a random time in
    [0, min(cap, base * 2**n)], so clients that lost the same replica do not return to
    the next one in step."""

    base: float = 0.1
    cap: float = 5.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        ceiling = min(self.cap, self.base * (2 ** max(0, attempt)))
        return (rng or random).uniform(0.0, ceiling)


@dataclass
class RequestStats:
    """HTTP requests sent to the registry, by operation name (retries counted apiece)."""

    by_operation: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())


def graphql_url(url: str) -> str:
    """``http://host:8000`` or ``http://host:8000/graphql`` to the GraphQL endpoint."""
    base = url.rstrip("/")
    return base if base.endswith("/graphql") else base + "/graphql"


def websocket_url(url: str) -> str:
    endpoint = graphql_url(url)
    if endpoint.startswith("https://"):
        return "wss://" + endpoint.removeprefix("https://")
    return "ws://" + endpoint.removeprefix("http://")


def readiness_url(url: str) -> str:
    return graphql_url(url).removesuffix("/graphql") + "/readyz"


class GraphQLHttp:
    """Runs one operation per request on a shared ``httpx.AsyncClient``."""

    def __init__(
        self,
        url: str,
        *,
        authorization: str | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: Backoff | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.endpoint = graphql_url(url)
        self.retries = retries
        self.backoff = backoff or Backoff()
        self.stats = RequestStats()
        headers = {"Authorization": authorization} if authorization else {}
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._headers = headers

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def execute(
        self, operation: str, query: str, variables: dict[str, Any], *, retry: bool = True
    ) -> dict[str, Any]:
        """``data`` of the answer; RegistryError for a GraphQL error or a failed request.
        With ``retry``, transport failures and "not now" codes are tried again up to
        ``retries`` more times."""
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(attempts):
            try:
                return await self._once(operation, query, variables)
            except RegistryError as exc:
                if not exc.is_retryable and exc.status not in _RETRYABLE_STATUS:
                    raise
                if attempt + 1 >= attempts:
                    raise
                wait = self.backoff.delay(attempt)
                retry_after = exc.extensions.get("retryAfter")
                if isinstance(retry_after, int | float):
                    wait = max(wait, min(float(retry_after), self.backoff.cap))
                logger.info("%s failed (%s); retrying in %.2f s", operation, exc.code, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(self, operation: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        self.stats.by_operation[operation] += 1
        body = {"query": query, "variables": variables, "operationName": operation}
        try:
            response = await self._http.post(self.endpoint, json=body, headers=self._headers)
        except httpx.TransportError as exc:
            raise RegistryError(
                TRANSPORT_ERROR, f"{type(exc).__name__}: {exc} ({self.endpoint})"
            ) from exc
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if isinstance(payload, dict) and payload.get("errors"):
            error = RegistryError.from_graphql(payload["errors"])
            error.status = response.status_code
            retry_after = response.headers.get("Retry-After")
            if retry_after and retry_after.isdigit():
                error.extensions.setdefault("retryAfter", int(retry_after))
            raise error
        if response.status_code != 200 or not isinstance(payload, dict):
            raise RegistryError(
                HTTP_ERROR,
                f"HTTP {response.status_code} from {self.endpoint}: {response.text[:200]}",
                status=response.status_code,
            )
        data = payload.get("data")
        if not isinstance(data, dict):
            raise RegistryError(HTTP_ERROR, f"an answer without data: {response.text[:200]}")
        return data

    async def last_sequence(self) -> int | None:
        """The sequence of the last change the replica answering has delivered
        (``/readyz``'s ``lastSequence``), a point to subscribe ``after`` so that nothing
        committed after it is missed; None when it cannot be read."""
        self.stats.by_operation["readyz"] += 1
        try:
            response = await self._http.get(readiness_url(self.endpoint))
            value = response.json().get("lastSequence")
        except (httpx.HTTPError, ValueError, AttributeError):
            return None
        return value if isinstance(value, int) and value >= 0 else None
