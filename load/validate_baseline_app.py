"""The raw twin of ``validatePayload``: a bare Starlette route that reads the same POST
body (a GraphQL request whose ``variables.p`` is the payload), validates the payload with
a jsonschema-rs validator built once at startup (linear-time patterns, as the registry's),
and answers the same JSON shape. Served by uvicorn with the registry's options (one
worker, loop/http "auto"). What the registry adds on top (GraphQL parsing, validation and
execution, access policy, version lookup, middleware) is the difference between the two.

    python -m load.validate_baseline_app --port 8001 --schema-file tool.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def create_app(schema: dict[str, Any], subject: str) -> Starlette:
    validator = jsonschema_rs.validator_for(schema, pattern_options=jsonschema_rs.RegexOptions())

    def pointer(tokens: list[str | int]) -> str:
        return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)

    async def validate(request: Request) -> Response:
        payload = json.loads(await request.body())["variables"]["p"]
        errors = [
            {
                "instancePath": pointer(e.instance_path),
                "schemaPath": pointer(e.schema_path),
                "keyword": str(e.schema_path[-1]) if e.schema_path else "",
                "message": e.message,
            }
            for e in validator.iter_errors(payload)
        ][:100]
        result = {"valid": not errors, "subject": subject, "version": 1, "errors": errors}
        return JSONResponse({"data": {"validatePayload": result}})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/validate", validate, methods=["POST"]), Route("/healthz", healthz)]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--schema-file", type=Path, required=True)
    parser.add_argument("--subject", default="tools.extract_invoice")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    schema = json.loads(args.schema_file.read_text())
    uvicorn.run(
        create_app(schema, args.subject),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        loop="auto",
        http="auto",
        lifespan="on",
    )


if __name__ == "__main__":
    main()
