"""The raw baseline: a bare Starlette route returning precomputed JSON bytes, served by
uvicorn with the registry's options (one worker, loop/http "auto" = uvloop + httptools).

    python -m load.baseline_app --port 8001 --body-file body.json
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def create_app(body: bytes) -> Starlette:
    async def schema(request: Request) -> Response:
        return Response(body, media_type="application/json")

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/schema", schema, methods=["GET", "POST"]), Route("/healthz", healthz)]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body-file", type=Path, required=True)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.body_file.read_bytes()),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        loop="auto",
        http="auto",
        lifespan="on",
    )


if __name__ == "__main__":
    main()
