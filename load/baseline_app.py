"""The raw baseline: bare Starlette routes returning precomputed bytes, served by uvicorn
with the registry's options (one worker, loop/http "auto" = uvloop + httptools).

    python -m load.baseline_app --port 8001 --body-file body.json
    python -m load.baseline_app --port 8001 --routes routes.json

``--body-file`` serves its bytes at ``/schema``; ``--routes`` names a JSON object mapping
each path to ``{"body_file": ..., "content_type": ...}``, so one process can stand for
several registry answers (each at its own path, GET and POST alike).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

JSON = "application/json"


def create_app(bodies: dict[str, tuple[bytes, str]]) -> Starlette:
    """One route per path in ``bodies``, answering its (body, content type)."""

    def route(path: str, body: bytes, media_type: str) -> Route:
        async def answer(request: Request) -> Response:
            return Response(body, media_type=media_type)

        return Route(path, answer, methods=["GET", "POST"])

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    routes = [route(path, body, media_type) for path, (body, media_type) in bodies.items()]
    return Starlette(routes=[*routes, Route("/healthz", healthz)])


def read_routes(path: Path) -> dict[str, tuple[bytes, str]]:
    manifest = json.loads(path.read_text())
    return {
        route: (Path(spec["body_file"]).read_bytes(), spec.get("content_type", JSON))
        for route, spec in manifest.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--body-file", type=Path, help="bytes served at /schema")
    source.add_argument("--routes", type=Path, help="JSON: path -> {body_file, content_type}")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    if args.routes is not None:
        bodies = read_routes(args.routes)
    else:
        bodies = {"/schema": (args.body_file.read_bytes(), JSON)}
    uvicorn.run(
        create_app(bodies),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        loop="auto",
        http="auto",
        lifespan="on",
    )


if __name__ == "__main__":
    main()
