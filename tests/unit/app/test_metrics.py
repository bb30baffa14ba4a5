"""app/metrics.py and app/check_timing.py: what the scrape reads, on a registry of its own."""

from __future__ import annotations

import json

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from app.check_timing import TimedChecker
from app.metrics import Metrics
from registry.checks import CheckRequest, EarlierSchema, SchemaSource
from registry.model import ChangeEvent, CompatibilityLevel, EventKind, SchemaFormat
from registry.types import Sequence, SubjectName, Version
from resolvers.context import INLINE_CHECKER


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(metrics.registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def registered(sequence: int, created_at: float) -> ChangeEvent:
    return ChangeEvent(
        sequence=Sequence(sequence),
        kind=EventKind.REGISTERED,
        subject=SubjectName("orders"),
        version=Version(1),
        created_at=created_at,
    )


def test_database_health_and_pool_are_read_at_each_scrape() -> None:
    metrics = Metrics()
    up = [True]
    pool = [(3, 4, 10)]
    metrics.watch_database(lambda: up[-1], lambda: pool[-1])
    first = samples(metrics)
    up.append(False)
    pool.append((10, 0, 10))
    second = samples(metrics)

    assert first[("registry_database_up", ())] == 1.0
    assert [first[("registry_db_pool_connections", (("state", s),))] for s in STATES] == [3, 4, 10]
    assert second[("registry_database_up", ())] == 0.0
    assert [second[("registry_db_pool_connections", (("state", s),))] for s in STATES] == [
        10,
        0,
        10,
    ]


STATES = ("in_use", "idle", "max")


def test_event_lag_is_observed_from_the_commit_time_once_per_event() -> None:
    metrics = Metrics()
    metrics.observe_event(registered(1, created_at=1000.0), now=1000.3)
    metrics.observe_event(registered(2, created_at=1000.0), now=1004.0)
    found = samples(metrics)

    assert found[("registry_event_delivery_lag_seconds_count", ())] == 2
    assert abs(found[("registry_event_delivery_lag_seconds_sum", ())] - 4.3) < 1e-9
    assert found[("registry_event_delivery_lag_seconds_bucket", (("le", "0.5"),))] == 1
    assert found[("registry_events_total", (("kind", "REGISTERED"),))] == 2


def test_a_commit_time_ahead_of_this_clock_counts_as_no_lag_and_none_is_not_observed() -> None:
    metrics = Metrics()
    metrics.observe_event(registered(1, created_at=1000.0), now=999.0)
    metrics.observe_event(registered(2, created_at=0.0), now=999.0)
    found = samples(metrics)

    assert found[("registry_event_delivery_lag_seconds_count", ())] == 1
    assert found[("registry_event_delivery_lag_seconds_sum", ())] == 0.0
    assert found[("registry_events_total", (("kind", "REGISTERED"),))] == 2


def test_both_kinds_of_cache_hit_are_exposed_before_the_first_hit() -> None:
    found = samples(Metrics())
    assert found[("registry_response_cache_hits_total", (("kind", "shared"),))] == 0
    assert found[("registry_response_cache_hits_total", (("kind", "private"),))] == 0


def _json_source(properties: dict[str, str]) -> SchemaSource:
    document = {"type": "object", "properties": {k: {"type": v} for k, v in properties.items()}}
    return SchemaSource(SchemaFormat.JSON, json.dumps(document))


async def test_a_compatibility_check_is_timed_by_format_and_level() -> None:
    metrics = Metrics()
    checker = TimedChecker(INLINE_CHECKER, metrics.compatibility_checks)
    request = CheckRequest(
        candidate=_json_source({"a": "string", "b": "integer"}),
        level=CompatibilityLevel.FULL_TRANSITIVE,
        earlier=(EarlierSchema(Version(1), _json_source({"a": "string"})),),
    )

    found = await checker.find_incompatibilities(request)
    labels = (("format", "JSON"), ("level", "FULL_TRANSITIVE"))

    assert found == await INLINE_CHECKER.find_incompatibilities(request)
    assert samples(metrics)[("registry_compatibility_check_seconds_count", labels)] == 1


async def test_a_request_with_nothing_to_compare_is_not_a_timed_check() -> None:
    metrics = Metrics()
    checker = TimedChecker(INLINE_CHECKER, metrics.compatibility_checks)
    request = CheckRequest(
        candidate=_json_source({"a": "string"}), level=CompatibilityLevel.BACKWARD, earlier=()
    )

    assert await checker.find_incompatibilities(request) == []
    assert not any(
        name.startswith("registry_compatibility_check_seconds") for name, _ in samples(metrics)
    )
