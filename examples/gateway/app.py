"""The gateway: ``GET /tools?provider=openai`` serves the tool list for a provider's SDK,
``POST /chat`` asks the model and checks its tool call against the tool's current schema
before passing it on, ``GET /status`` says how live the registry link is and which tools
each provider refuses.

The tool list comes from the client's live cache: one subscription keeps it current, so a
new version registered in the registry is served at once, with no restart, no poll and no
registry request per gateway request. A tool whose schema a provider cannot take (a
closed object for Gemini, an optional property for OpenAI's strict mode) is left out of
that provider's list only, and reported.

    GATEWAY_REGISTRY_URL=http://127.0.0.1:8000 GATEWAY_TOOLS_PREFIX=tools. \\
        uvicorn --factory examples.gateway.app:create_app_from_env --port 8080
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from examples.gateway.fake_model import FakeModel
from llm_schema_registry_client import (
    AsyncRegistryClient,
    Change,
    Provider,
    RegistryError,
    ToolRefusal,
)

logger = logging.getLogger("gateway")


class Gateway:
    def __init__(self, client: AsyncRegistryClient, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self.model = FakeModel()
        self.changes: deque[dict[str, Any]] = deque(maxlen=100)

    async def on_change(self, change: Change) -> None:
        """Each registration or deletion under the prefix, once, as it happens: the tool
        list needs nothing from here (the cache already has it); this records it."""
        event = change.event
        self.changes.append(
            {
                "subject": event.subject,
                "kind": event.kind,
                "sequence": event.sequence,
                "version": None if change.latest is None else change.latest.version,
                "receivedAt": time.time(),
            }
        )
        logger.info("tool %s changed: %s v%s", event.subject, event.kind, event.version)


def _gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


def _refusal(refusal: ToolRefusal) -> dict[str, Any]:
    return {
        "subject": refusal.subject,
        "version": refusal.version,
        "schemaId": refusal.schema_id,
        "code": refusal.code,
        "message": refusal.message,
        "findings": refusal.findings,
    }


async def tools(request: Request) -> JSONResponse:
    gateway = _gateway(request)
    provider = request.query_params.get("provider", "openai")
    try:
        exports = await gateway.client.tool_exports(gateway.prefix, provider)
        refused = await gateway.client.tool_refusals(gateway.prefix, provider)
    except ValueError as exc:
        return JSONResponse({"error": "UNKNOWN_PROVIDER", "message": str(exc)}, status_code=400)
    return JSONResponse(
        {
            "provider": provider.upper(),
            "tools": [e.document for e in exports],
            "versions": [
                {
                    "subject": e.subject,
                    "version": e.version,
                    "schemaId": e.schema_id,
                    "name": e.name,
                }
                for e in exports
            ],
            # Live versions this provider cannot take (left out of "tools"), and why.
            "refused": [_refusal(r) for r in refused],
        }
    )


async def chat(request: Request) -> JSONResponse:
    gateway = _gateway(request)
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return JSONResponse(
            {"error": "BAD_REQUEST", "message": 'send {"message": "...", "tool"?, "arguments"?}'},
            status_code=400,
        )
    exports = await gateway.client.tool_exports(gateway.prefix, Provider.OPENAI)
    arguments = body.get("arguments")
    try:
        call = gateway.model.reply(
            body["message"],
            exports,
            tool=body.get("tool"),
            arguments=arguments if isinstance(arguments, dict) else None,
        )
    except LookupError as exc:
        return JSONResponse({"error": "NO_SUCH_TOOL", "message": str(exc)}, status_code=404)
    schema = {
        "subject": call.tool.subject,
        "version": call.tool.version,
        "schemaId": call.tool.schema_id,
    }
    try:
        verdict = await gateway.client.validate(
            call.tool.subject, call.arguments, version=call.tool.version
        )
    except RegistryError as exc:
        return JSONResponse(
            {"error": "REGISTRY_UNAVAILABLE", "code": exc.code, "message": exc.message},
            status_code=503,
        )
    if not verdict.valid:
        # The model's reply breaks the tool's contract: never pass it on to the tool.
        return JSONResponse(
            {
                "error": "MODEL_REPLY_INVALID",
                "toolCall": {"name": call.name, "arguments": call.arguments},
                "schema": schema,
                "errors": [e.as_dict() for e in verdict.errors],
            },
            status_code=502,
        )
    return JSONResponse(
        {
            "model": gateway.model.name,
            "toolCall": {"name": call.name, "arguments": call.arguments},
            "schema": schema,
        }
    )


async def status(request: Request) -> JSONResponse:
    gateway = _gateway(request)
    # From the cache only: /status never asks the registry (null: not known right now).
    refused: dict[str, list[dict[str, Any]] | None] = {}
    for provider in Provider:
        cached = gateway.client.cached_tool_refusals(gateway.prefix, provider)
        refused[provider.value] = None if cached is None else [_refusal(r) for r in cached]
    stats = gateway.client.stats
    return JSONResponse(
        {
            "live": gateway.client.is_live,
            "refused": refused,
            "registryRequests": stats.total,
            "registryRequestsByOperation": dict(stats.by_operation),
            "changes": list(gateway.changes),
        }
    )


def create_app(registry_url: str, prefix: str = "tools.", api_key: str | None = None) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncRegistryClient(registry_url, api_key=api_key, watch=[prefix]) as client:
            gateway = Gateway(client, prefix)
            client.on_change(prefix, gateway.on_change)
            if not await client.start():
                logger.warning("registry at %s not reachable yet; retrying", registry_url)
            else:
                for provider in Provider:  # warm the cache
                    await client.tools(prefix, provider)
            app.state.gateway = gateway
            yield

    return Starlette(
        routes=[
            Route("/tools", tools),
            Route("/chat", chat, methods=["POST"]),
            Route("/status", status),
        ],
        lifespan=lifespan,
    )


def create_app_from_env() -> Starlette:
    return create_app(
        os.environ.get("GATEWAY_REGISTRY_URL", "http://127.0.0.1:8000"),
        os.environ.get("GATEWAY_TOOLS_PREFIX", "tools."),
        os.environ.get("GATEWAY_REGISTRY_API_KEY") or None,
    )
