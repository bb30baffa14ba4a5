"""The GraphQL subjects listing reads in a fixed number of statements, whatever the
number of subjects, and shows a scoped caller only the subjects in its scopes."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from graph.context import GraphContext
from graph.schema import build_schema
from registry.access import Principal, Role, SubjectScopes
from registry.model import SchemaFormat
from resolvers.context import Services
from resolvers.schemas import register_schema
from storage.store import DatabaseStore
from tests.integration.helpers import object_schema

LISTING = "{ subjects(prefix: %s) { name versions latest { id version } } }"


class _Statements(logging.Handler):
    """Counts statements as they are sent: prepared ones (storage.statements) and those
    ``databases`` compiles (its "Query:" lines)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@pytest.fixture
def statements() -> Any:
    handler = _Statements()
    loggers = [logging.getLogger("storage.statements"), logging.getLogger("databases")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield handler
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


async def _register(services: Services, prefix: str, count: int) -> None:
    for number in range(count):
        for revision in range(2):
            await register_schema(
                services,
                f"{prefix}{number:03d}",
                object_schema(title=f"{number}-{revision}"),
                SchemaFormat.JSON,
            )


READER = Principal(id="reader", role=Role.READER)


async def _list(
    services: Services, prefix: str, store: DatabaseStore, principal: Principal = READER
) -> list[dict[str, Any]]:
    store.versions.clear()  # uncached reads
    context = GraphContext(services=services.for_principal(principal), principal=principal)
    result = await build_schema().execute(LISTING % f'"{prefix}"', context_value=context)
    assert result.errors is None, result.errors
    assert result.data is not None
    listed: list[dict[str, Any]] = result.data["subjects"]
    return listed


async def test_listing_costs_the_same_statements_for_three_subjects_and_for_twelve(
    store: DatabaseStore, services: Services, statements: _Statements
) -> None:
    await _register(services, "few-", 3)
    await _register(services, "many-", 12)
    statements.count = 0
    few = await _list(services, "few-", store)
    few_statements = statements.count
    statements.count = 0
    many = await _list(services, "many-", store)
    assert len(few) == 3 and len(many) == 12
    assert statements.count == few_statements
    assert all(s["versions"] == [1, 2] and s["latest"]["version"] == 2 for s in many)


async def test_a_scoped_listing_shows_only_the_subjects_in_scope_with_their_latest(
    store: DatabaseStore, services: Services
) -> None:
    await _register(services, "team-a.", 2)
    await _register(services, "team-b.", 2)
    principal = Principal(id="reader", role=Role.READER, scopes=SubjectScopes.parse(["team-a.*"]))
    scoped = services.for_principal(principal)
    listed = await _list(services, "team-", store, principal)
    assert [s["name"] for s in listed] == ["team-a.000", "team-a.001"]
    everything = await _list(services, "team-", store)
    assert len(everything) == 4
    assert [s["latest"] for s in listed] == [s["latest"] for s in everything[:2]]
    names = [s["name"] for s in everything]
    assert sorted(await scoped.store.get_latest_versions(names)) == ["team-a.000", "team-a.001"]
    assert [s.name for s in await scoped.store.get_subjects(names)] == [
        "team-a.000",
        "team-a.001",
    ]
