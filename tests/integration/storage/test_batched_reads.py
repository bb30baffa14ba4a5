"""Reads of several subjects at once answer as the per-subject reads do."""

from __future__ import annotations

from registry.model import CompatibilityLevel, SchemaFormat
from registry.types import SubjectName, Version
from resolvers.config import set_compatibility
from resolvers.context import Services
from resolvers.schemas import register_schema
from resolvers.subjects import delete_schema_version, delete_subject
from storage.store import DatabaseStore
from tests.integration.helpers import object_schema

NAMES = [SubjectName(n) for n in ("alpha", "beta", "gamma", "delta")]


async def _fill(services: Services) -> None:
    """alpha: 3 versions, its latest soft-deleted; beta: 1; gamma: soft-deleted;
    delta: 2 versions."""
    for name, count in (("alpha", 3), ("beta", 1), ("gamma", 1), ("delta", 2)):
        for number in range(count):
            await register_schema(
                services, name, object_schema(title=f"{name}{number}"), SchemaFormat.JSON
            )
    await delete_schema_version(services, "alpha", 3)
    await delete_subject(services, "gamma")


async def test_subjects_read_together_match_those_read_one_by_one(
    store: DatabaseStore, services: Services
) -> None:
    await _fill(services)
    asked = [*NAMES, SubjectName("missing")]
    for include_deleted in (False, True):
        together = await store.get_subjects(asked, include_deleted)
        one_by_one = [await store.get_subject(n, include_deleted) for n in sorted(asked)]
        assert together == [s for s in one_by_one if s is not None]
    assert [s.name for s in await store.get_subjects(asked)] == ["alpha", "beta", "delta"]
    assert (await store.get_subjects([SubjectName("alpha")]))[0].versions == (
        Version(1),
        Version(2),
    )
    assert await store.get_subjects([]) == []


async def test_latest_versions_read_together_match_those_read_one_by_one(
    store: DatabaseStore, services: Services
) -> None:
    await _fill(services)
    asked = [*NAMES, SubjectName("missing")]
    store.versions.clear()
    together = await store.get_latest_versions(asked)
    store.versions.clear()
    one_by_one = {n: await store.get_latest_version(n) for n in asked}
    assert together == {n: v for n, v in one_by_one.items() if v is not None}
    assert together[SubjectName("alpha")].version == Version(2)
    assert SubjectName("gamma") not in together
    # Answered from the version cache once read.
    assert await store.get_latest_versions(asked) == together


async def test_latest_versions_follow_a_registration_made_after_they_were_cached(
    store: DatabaseStore, services: Services
) -> None:
    await _fill(services)
    before = await store.get_latest_versions(NAMES)
    await register_schema(services, "beta", object_schema(title="beta-next"), SchemaFormat.JSON)
    after = await store.get_latest_versions(NAMES)
    assert after[SubjectName("beta")].version == before[SubjectName("beta")].version + 1


async def test_scope_configs_read_together_match_those_read_one_by_one(
    store: DatabaseStore, services: Services
) -> None:
    await _fill(services)
    await set_compatibility(services, None, CompatibilityLevel.NONE)
    await set_compatibility(services, "beta", CompatibilityLevel.FULL)
    scopes: list[SubjectName | None] = [SubjectName("beta"), None, SubjectName("alpha")]
    together = await store.get_scope_configs(scopes)
    assert together == [await store.get_scope_config(s) for s in scopes]
    assert [c.compatibility for c in together] == [
        CompatibilityLevel.FULL,
        CompatibilityLevel.NONE,
        None,
    ]
