"""Registrations during a read benchmark (``--write-every-ms``): each one is an event that
ends the registry's cached live answers, so the reads show their hit rate and latency
when the cache keeps being invalidated.

A thread registers a new version every interval on the registry that is under load at
the moment (none while a raw twin is), each role under its own subject outside every
answer measured: the answers stay the same, and two registries sharing a database never
write the same subject.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from load.common import REGISTER, Managed, graphql, tool_schema
from load.reads_servers import cache_hits

CHURN_PREFIX = "churn."


class Churn:
    def __init__(self, interval_ms: int) -> None:
        self._interval = interval_ms / 1000
        self._target: tuple[str, str] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="churn", daemon=True)
        self.writes = 0
        self.failures: list[str] = []

    def __enter__(self) -> Churn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def aim(self, role: str | None, server: Managed | None) -> None:
        """Write to ``server`` (as ``role``) from now on; to nothing when None."""
        with self._lock:
            self._target = None if role is None or server is None else (role, server.url)

    def _run(self) -> None:
        revision = 10_000
        next_at = time.monotonic()
        with httpx.Client(timeout=30) as client:
            while not self._stop.wait(max(0.0, next_at - time.monotonic())):
                # No catching up after a slow registration: one write per interval at most.
                next_at = max(next_at + self._interval, time.monotonic())
                with self._lock:
                    target = self._target
                if target is None:
                    continue
                role, url = target
                try:
                    graphql(
                        client,
                        url,
                        REGISTER,
                        subject=CHURN_PREFIX + role,
                        schema=tool_schema(revision),
                    )
                except (httpx.HTTPError, RuntimeError) as exc:
                    self.failures.append(f"{role}: {exc!r}"[:300])
                    continue
                revision += 1
                with self._lock:
                    self.writes += 1


def slice_probe(
    servers: dict[str, Managed],
    roles: dict[str, str],
    churn: Churn | None,
) -> Callable[[str], Callable[[dict[str, Any]], None]]:
    """For ``measure``: before each slice of case ``name`` aim the churn at its registry
    and read its cache hits; after it, record the hits and writes the slice saw."""

    def before(name: str) -> Callable[[dict[str, Any]], None]:
        role = roles[name]
        server = servers[role]
        is_registry = role != "baseline"
        hits_before = cache_hits(server) if is_registry else 0.0
        writes_before = churn.writes if churn else 0
        if churn is not None:
            churn.aim(role if is_registry else None, server if is_registry else None)

        def after(result: dict[str, Any]) -> None:
            if churn is not None:
                churn.aim(None, None)
                result["writes"] = churn.writes - writes_before
            if is_registry:
                result["cache_hits"] = cache_hits(server) - hits_before

        return after

    return before
