"""What /metrics exports, scraped from a running server: every family is documented in
the README (and the README names no other), the dashboard and the alert rules read only
exported families, and the on-call series move when the registry works."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.e2e.conftest import (
    WAIT,
    GraphQLHttp,
    new_server,
    object_schema,
    poll,
    start_server,
    stop_server,
    unique_subject,
)
from tests.support.metric_names import (
    alert_rules,
    dashboard_expressions,
    exported_families,
    metric_names,
    readme_metric_names,
)
from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def families(module_server: ServerProcess) -> dict[str, str]:
    exposition = httpx.get(f"{module_server.url}/metrics", timeout=WAIT).text
    return exported_families(exposition)


async def sample(gql_http: GraphQLHttp, series: str) -> float:
    """One series' value, 0 when it has no sample yet (a label value not seen so far)."""
    text = (await gql_http.http.get(f"{gql_http.server.url}/metrics")).text
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_the_registry_exports_the_on_call_families(families: dict[str, str]) -> None:
    expected = {
        "registry_registrations_total": "counter",
        "registry_compatibility_check_seconds": "histogram",
        "registry_event_delivery_lag_seconds": "histogram",
        "registry_outbox_gap_reads_total": "counter",
        "registry_outbox_poll_recoveries_total": "counter",
        "registry_db_pool_connections": "gauge",
        "registry_database_up": "gauge",
        "registry_check_jobs": "gauge",
        "registry_response_cache_hits_total": "counter",
    }
    assert {name: families.get(name) for name in expected} == expected


def test_every_exported_family_is_in_the_readme_and_the_readme_names_no_other(
    families: dict[str, str],
) -> None:
    documented = readme_metric_names()
    assert sorted(set(families) - documented) == []
    assert sorted(documented - set(families)) == []


def test_the_dashboard_reads_only_exported_families(families: dict[str, str]) -> None:
    read = set().union(*(metric_names(e, families) for e in dashboard_expressions()))
    assert sorted(read - set(families)) == []
    # The extraction finds names at all: an empty set would pass vacuously.
    assert {"registry_http_requests_total", "registry_event_delivery_lag_seconds"} <= read


def test_the_alert_rules_read_only_exported_families(families: dict[str, str]) -> None:
    read = set().union(*(metric_names(rule["expr"], families) for rule in alert_rules()))
    assert sorted(read - set(families)) == []
    assert {"registry_database_up", "registry_db_pool_connections"} <= read


def test_histogram_series_are_read_as_their_family(families: dict[str, str]) -> None:
    expression = (
        "histogram_quantile(0.99, sum by (le) (rate(registry_http_request_duration_seconds_bucket"
        '{route="/graphql"}[5m]))) / registry_subscribers'
    )
    assert metric_names(expression, families) == {
        "registry_http_request_duration_seconds",
        "registry_subscribers",
    }
    assert metric_names("registry_not_exported_total > 0", families) == {
        "registry_not_exported_total"
    }


async def test_registrations_are_counted_by_outcome_over_graphql_and_rest(
    gql_http: GraphQLHttp,
) -> None:
    outcomes = ("created", "existing", "INCOMPATIBLE_SCHEMA")
    series = {o: f'registry_registrations_total{{outcome="{o}"}}' for o in outcomes}
    before = {o: await sample(gql_http, s) for o, s in series.items()}
    subject = unique_subject("metrics")
    await gql_http.register(subject, object_schema({"a": "string"}))
    await gql_http.register(subject, object_schema({"a": "string"}))
    refused = await gql_http.post(
        "mutation($s: String!, $t: String!) { registerSchema(subject: $s, schema: $t) { id } }",
        {"s": subject, "t": object_schema({"a": "integer"}, ["a"])},
    )
    assert refused.json()["errors"][0]["extensions"]["code"] == "INCOMPATIBLE_SCHEMA"
    rest = await gql_http.http.post(
        f"{gql_http.server.url}/subjects/{subject}/versions",
        json={"schemaType": "JSON", "schema": object_schema({"a": "string", "b": "string"})},
    )
    assert rest.status_code == 200, rest.text

    after = {o: await sample(gql_http, s) for o, s in series.items()}
    assert {o: after[o] - before[o] for o in outcomes} == {
        "created": 2,
        "existing": 1,
        "INCOMPATIBLE_SCHEMA": 1,
    }


async def test_checks_and_event_delivery_are_timed(gql_http: GraphQLHttp) -> None:
    checks = 'registry_compatibility_check_seconds_count{format="JSON",level="BACKWARD"}'
    lag = "registry_event_delivery_lag_seconds_count"
    checks_before, lag_before = await sample(gql_http, checks), await sample(gql_http, lag)
    subject = unique_subject("timed")
    await gql_http.register(subject, object_schema({"a": "string"}))
    await gql_http.register(subject, object_schema({"a": "string", "b": "string"}))

    # The second version is checked against the first (the subject's BACKWARD level).
    assert await sample(gql_http, checks) >= checks_before + 1
    # Both registrations' events reach this replica's hub.
    await poll(lambda: sample(gql_http, lag), lambda value: value >= lag_before + 2)


@pytest.fixture
async def postgres_server(postgres_url: str) -> AsyncIterator[ServerProcess]:
    server = await start_server(
        new_server(postgres_url, REGISTRY_DB_POOL_MIN_SIZE="2", REGISTRY_DB_POOL_MAX_SIZE="7")
    )
    try:
        yield server
    finally:
        await stop_server(server)


async def test_the_postgresql_pool_and_database_health_are_read_at_scrape_time(
    postgres_server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(timeout=WAIT) as http:
        text = (await http.get(f"{postgres_server.url}/metrics")).text
    values = {
        state: float(m)
        for state, m in re.findall(
            r'^registry_db_pool_connections\{state="(\w+)"\} (\S+)$', text, re.MULTILINE
        )
    }
    assert values["max"] == 7
    # The pool opens its minimum at once; the scrape itself holds none.
    assert values["in_use"] + values["idle"] >= 2
    assert values["in_use"] + values["idle"] <= 7
    assert re.search(r"^registry_database_up 1\.0$", text, re.MULTILINE)
