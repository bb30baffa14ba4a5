"""References through the use cases on real storage: the limit on what one schema pulls
in holds per schema, not across the versions a transitive check reads."""

from __future__ import annotations

import json

import pytest

from registry.errors import InvalidSchemaError
from registry.model import CompatibilityLevel, SchemaFormat, SchemaReference
from registry.types import SubjectName, Version
from resolvers.config import set_compatibility
from resolvers.context import Services
from resolvers.references import MAX_REFERENCES
from resolvers.schemas import check_compatibility, register_schema


def _customer(number: int) -> str:
    return json.dumps({"type": "object", "title": f"customer {number}"})


def _order(number: int) -> str:
    return json.dumps(
        {"type": "object", "title": f"order {number}", "properties": {"c": {"$ref": "c.json"}}}
    )


def _ref(version: int) -> tuple[SchemaReference, ...]:
    return (SchemaReference("c.json", SubjectName("customers"), Version(version)),)


async def test_a_transitive_check_may_read_more_referenced_versions_than_one_schema_may_have(
    services: Services,
) -> None:
    await set_compatibility(services, "customers", CompatibilityLevel.NONE)
    await set_compatibility(services, "orders", CompatibilityLevel.FULL_TRANSITIVE)
    versions = MAX_REFERENCES + 1
    for number in range(1, versions + 1):
        await register_schema(services, "customers", _customer(number))
    for number in range(1, versions):
        await register_schema(services, "orders", _order(number), SchemaFormat.JSON, _ref(number))

    # Each of the 100 earlier orders refers to another customer version: 100 distinct
    # referenced versions in one check, each order within the limit.
    result = await register_schema(
        services, "orders", _order(versions), SchemaFormat.JSON, _ref(versions)
    )

    assert result.version.version == versions
    report = await check_compatibility(
        services, "orders", _order(versions + 1), SchemaFormat.JSON, references=_ref(1)
    )
    assert report.is_compatible
    assert len(report.checked) == versions


async def test_one_schema_reaching_more_than_the_limit_is_refused(services: Services) -> None:
    await set_compatibility(services, "parts", CompatibilityLevel.NONE)
    for number in range(1, MAX_REFERENCES + 2):
        await register_schema(services, "parts", _customer(number))
    # A chain: each part bundle refers to the previous bundle and to one more part.
    many = tuple(
        SchemaReference(f"p{n}.json", SubjectName("parts"), Version(n))
        for n in range(1, MAX_REFERENCES + 1)
    )
    await register_schema(services, "bundle", json.dumps({"title": "b1"}), references=many)
    more = (
        SchemaReference("b.json", SubjectName("bundle"), Version(1)),
        SchemaReference("last.json", SubjectName("parts"), Version(MAX_REFERENCES + 1)),
    )

    with pytest.raises(InvalidSchemaError, match="at most 100 schemas"):
        await register_schema(services, "outer", json.dumps({"title": "outer"}), references=more)
