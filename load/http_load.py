"""Fallback load generator when wrk is unavailable: N keep-alive HTTP/1.1 connections on
one asyncio (uvloop) loop, each sending its next request as soon as the previous
response is read (closed loop, like wrk). Raw streams rather than an HTTP client library,
so the generator costs as little CPU as possible on a machine it shares with the server.

    python -m load.http_load --url http://127.0.0.1:8000/graphql --method POST \
        --body-file body.json --connections 32 --duration 10

Prints one JSON object: requests, seconds, rps, latency percentiles (ms), errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from load.common import percentile


def build_request(url: str, method: str, body: bytes) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", "Accept: application/json"]
    if method == "POST":
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode()
    return (
        parts.hostname or "127.0.0.1",
        parts.port or 80,
        head + (body if method == "POST" else b""),
    )


async def connection(
    host: str, port: int, request: bytes, stop_at: float, latencies: list[float], errors: list[str]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
                elif name.strip().lower() == b"transfer-encoding":
                    raise RuntimeError("chunked responses are not supported")
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not 200 <= status < 400:
                errors.append(f"status {status}")
    except (OSError, asyncio.IncompleteReadError, RuntimeError) as exc:
        errors.append(repr(exc))
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def run(
    url: str, method: str, body: bytes, connections: int, duration: float
) -> dict[str, Any]:
    host, port, request = build_request(url, method, body)
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    stop_at = started + duration
    await asyncio.gather(
        *(connection(host, port, request, stop_at, latencies, errors) for _ in range(connections))
    )
    seconds = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "seconds": seconds,
        "rps": len(latencies) / seconds,
        "latency_ms": {
            "p50": percentile(latencies, 50) * 1000,
            "p90": percentile(latencies, 90) * 1000,
            "p99": percentile(latencies, 99) * 1000,
            "max": max(latencies, default=0.0) * 1000,
        },
        "errors": len(errors),
        "error_samples": errors[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--method", choices=["GET", "POST"], default="GET")
    parser.add_argument("--body-file", type=Path)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    body = args.body_file.read_bytes() if args.body_file else b""
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(run(args.url, args.method, body, args.connections, args.duration))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
