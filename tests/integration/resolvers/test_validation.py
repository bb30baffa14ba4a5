"""Payload validation as a use case on real storage: the version resolved through the
caller's view, validators built once per schema id and shared by every view of the
services, stored references read whoever may see their subjects."""

from __future__ import annotations

import json

import pytest

from registry.access import Principal, Role, SubjectScopes
from registry.errors import SubjectNotFoundError
from registry.model import SchemaFormat, SchemaReference
from registry.types import SubjectName, Version
from resolvers.context import Services
from resolvers.schemas import register_schema
from resolvers.validation import validate_payload, validate_payloads

ORDER = json.dumps(
    {"type": "object", "properties": {"qty": {"type": "integer"}}, "required": ["qty"]}
)
PROTO = 'syntax = "proto3";\nmessage Order { int32 qty = 1; }\nmessage Refund { string id = 1; }\n'


async def test_a_validator_is_built_once_per_schema_id_and_shared_across_subjects(
    services: Services,
) -> None:
    await register_schema(services, "team-a.orders", ORDER)
    await register_schema(services, "team-b.orders", ORDER)  # the same schema id
    reader = services.for_principal(Principal("k1", Role.READER, SubjectScopes.parse(["*"])))

    first = await validate_payload(services, "team-a.orders", None, {"qty": 1})
    second = await validate_payload(reader, "team-b.orders", 1, {"qty": "1"})
    batch = await validate_payloads(reader, "team-a.orders", 1, [{"qty": 2}, {}])

    assert first.is_valid and first.version.version == 1
    assert [(e.instance_path, e.keyword) for e in second.errors] == [("/qty", "type")]
    assert [v.is_valid for v in batch] == [True, False]
    assert (services.validators.misses, services.validators.hits) == (1, 2)
    assert len(services.validators) == 1


async def test_each_protobuf_message_gets_its_own_validator(services: Services) -> None:
    await register_schema(services, "orders", PROTO, SchemaFormat.PROTOBUF)

    order = await validate_payload(services, "orders", None, {"qty": 3})
    refund = await validate_payload(services, "orders", None, {"id": "r-1"}, "Refund")
    as_order = await validate_payload(services, "orders", None, {"id": "r-1"})

    assert order.is_valid and refund.is_valid
    assert [e.keyword for e in as_order.errors] == ["field"]
    assert len(services.validators) == 2


async def test_a_subject_outside_the_callers_scopes_reads_as_missing(services: Services) -> None:
    await register_schema(services, "team-b.orders", ORDER)
    reader = services.for_principal(Principal("k1", Role.READER, SubjectScopes.parse(["team-a.*"])))

    with pytest.raises(SubjectNotFoundError):
        await validate_payload(reader, "team-b.orders", None, {"qty": 1})
    with pytest.raises(SubjectNotFoundError):
        await validate_payload(reader, "team-b.orders", 1, {"qty": 1})


async def test_a_reference_in_another_tenants_subject_is_read_for_a_visible_schema(
    services: Services,
) -> None:
    await register_schema(services, "team-b.qty", json.dumps({"type": "integer", "minimum": 1}))
    referring = json.dumps({"properties": {"qty": {"$ref": "qty.json"}}})
    ref = SchemaReference("qty.json", SubjectName("team-b.qty"), Version(1))
    await register_schema(services, "team-a.orders", referring, references=[ref])
    reader = services.for_principal(Principal("k1", Role.READER, SubjectScopes.parse(["team-a.*"])))

    verdict = await validate_payload(reader, "team-a.orders", None, {"qty": 0})

    assert [(e.instance_path, e.keyword) for e in verdict.errors] == [("/qty", "minimum")]
