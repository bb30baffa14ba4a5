"""The servers of ``bench_reads``: the registries by role, the data they hold, the raw
twin serving their answers' bytes, and the checks made before any load."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx

from load.common import (
    LOOPBACK,
    Managed,
    Processes,
    free_port,
    graphql,
    registry_env,
    wait_ready,
)
from load.reads_cases import (
    LARGE_LISTING,
    SET_CONFIG,
    SMALL_LISTING,
    Case,
    Fixture,
    normalized,
    register_listing,
)


def start_registries(
    procs: Processes, roles: set[str], databases: dict[str, str], log_level: str
) -> dict[str, Managed]:
    """Each role's registry; ``*_uncached`` shares its cached twin's database."""
    servers: dict[str, Managed] = {}
    for role in sorted(roles):
        base, _, uncached = role.partition("_")
        extra = {"REGISTRY_RESPONSE_CACHE_ENTRIES": "0"} if uncached else {}
        env = registry_env(databases[base], log_level=log_level, extra=extra)
        servers[role] = procs.start_registry(f"registry-{role}", env)
    return servers


def register_fixtures(servers: dict[str, Managed]) -> Fixture:
    """The main registry's subjects and its global config; the large listing's subjects."""
    with httpx.Client(timeout=30) as client:
        fixture = register_listing(client, servers["main"].url, SMALL_LISTING)
        graphql(client, servers["main"].url, SET_CONFIG)
        if "large" in servers:
            register_listing(client, servers["large"].url, LARGE_LISTING)
    return fixture


def fetch(client: httpx.Client, url: str, case: Case) -> httpx.Response:
    if case.method == "POST":
        return client.post(
            url + case.path, content=case.body, headers={"content-type": "application/json"}
        )
    return client.get(url + case.path)


def answers_of(
    cases: list[Case], servers: dict[str, Managed], checks: dict[str, dict[str, Any]]
) -> dict[str, bytes]:
    """One request per registry case before any load: 200 and the expected document (its
    outcome recorded in ``checks``); returns the answers' bytes."""
    answers: dict[str, bytes] = {}
    with httpx.Client(timeout=30) as client:
        for case in cases:
            if case.is_raw:
                continue
            response = fetch(client, servers[case.server].url, case)
            is_expected = response.status_code == 200 and normalized(response.json()) == (
                case.expected
            )
            checks[case.name] = {"status": response.status_code, "expected_document": is_expected}
            if not is_expected:
                raise RuntimeError(
                    f"{case.name}: HTTP {response.status_code}, unexpected {response.text[:500]}"
                )
            answers[case.name] = response.content
    return answers


def start_baseline(
    procs: Processes, cases: list[Case], answers: dict[str, bytes], log_level: str, workdir: Path
) -> Managed:
    """One raw Starlette app serving each raw case's source answer at ``/<name>``."""
    routes: dict[str, dict[str, str]] = {}
    for case in cases:
        if case.is_raw:
            body_file = workdir / f"{case.name}.body"
            body_file.write_bytes(answers[case.source])
            routes[case.path] = {"body_file": str(body_file), "content_type": case.content_type}
    routes_file = workdir / "baseline-routes.json"
    routes_file.write_text(json.dumps(routes))
    port = free_port()
    argv = ["--port", str(port), "--routes", str(routes_file), "--log-level", log_level]
    baseline = procs.start("baseline", [sys.executable, "-m", "load.baseline_app", *argv])
    baseline.url = f"http://{LOOPBACK}:{port}"
    wait_ready(baseline, "/healthz", 30)
    return baseline


def verify(
    cases: list[Case],
    servers: dict[str, Managed],
    answers: dict[str, bytes],
    checks: dict[str, dict[str, Any]],
) -> None:
    """Every raw case serves its source's exact bytes, and every registry case answers the
    exact bytes of its raw twin (so a read with the cache off answers what it does with the
    cache on); recorded in ``checks``."""
    by_name = {case.name: case for case in cases}
    with httpx.Client(timeout=30) as client:
        for case in cases:
            if case.is_raw:
                response = fetch(client, servers["baseline"].url, case)
                expected = answers[case.source]
                # Its document is its source's, checked in answers_of.
                checks[case.name] = {"expected_document": checks[case.source]["expected_document"]}
            else:
                response = fetch(client, servers[case.server].url, case)
                expected = answers[by_name[case.baseline].source]
            check = checks[case.name]
            check["status"] = response.status_code
            check["bytes"] = len(response.content)
            check["same_bytes"] = response.content == expected
            if response.status_code != 200 or not check["same_bytes"]:
                raise RuntimeError(
                    f"{case.name}: HTTP {response.status_code}, {len(response.content)} B "
                    f"differ from the {len(expected)} B expected: {response.text[:300]}"
                )


def cache_hits(server: Managed) -> float:
    text = httpx.get(server.url + "/metrics", timeout=10).text
    # Every kind (shared, private) of hit.
    return sum(
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith("registry_response_cache_hits_total{")
    )
