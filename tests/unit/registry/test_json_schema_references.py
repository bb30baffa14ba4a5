"""JSON Schema ``$ref`` to other registered schemas (``ParseContext.references``): parsing,
identity, and compatibility seeing through them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from registry.compatibility import Direction, Incompatibility
from registry.errors import InvalidSchemaError
from registry.formats.base import ParseContext, ParsedSchema, ResolvedReference
from registry.formats.json_schema import DRAFT_04, DRAFT_07, JSON_SCHEMA
from registry.formats.json_schema_bundle import working_document
from registry.formats.json_schema_compat.validators import VALIDATORS
from registry.model import SchemaFormat

STRING = {"type": "string"}
ADDRESS_V1: dict[str, Any] = {
    "type": "object",
    "properties": {"street": {"$ref": "#/definitions/street"}, "zip": STRING},
    "definitions": {"street": {"type": "string", "minLength": 1}},
}
# v2: zip becomes required, and streets longer.
ADDRESS_V2: dict[str, Any] = {
    **ADDRESS_V1,
    "required": ["zip"],
    "definitions": {"street": {"type": "string", "minLength": 2}},
}
CUSTOMER: dict[str, Any] = {
    "$id": "https://example.com/schemas/customer.json",
    "type": "object",
    "properties": {"name": STRING, "address": {"$ref": "address.json"}},
}


def parse(
    document: object, *references: ResolvedReference, dialect: str | None = None
) -> ParsedSchema:
    context = ParseContext(references=references, dialect=dialect)
    return JSON_SCHEMA.parse(json.dumps(document), context=context)


def ref(
    name: str, schema: ParsedSchema, version: int = 1, subject: str = "address"
) -> ResolvedReference:
    return ResolvedReference(name=name, subject=subject, version=version, schema=schema)


def address(version: int) -> ResolvedReference:
    return ref("address.json", parse(ADDRESS_V1 if version == 1 else ADDRESS_V2), version)


def found(old: ParsedSchema, new: ParsedSchema, direction: Direction) -> list[Incompatibility]:
    return JSON_SCHEMA.find_incompatibilities(old, new, direction)


def codes(old: ParsedSchema, new: ParsedSchema, direction: Direction) -> list[str]:
    return sorted(item.code for item in found(old, new, direction))


def is_valid(schema: ParsedSchema, instance: object) -> bool:
    """Validation against the bundle, as the compatibility engine validates examples."""
    document = working_document(schema)
    validator = VALIDATORS[str(document["$schema"]) if isinstance(document, dict) else ""]
    return bool(validator(document).is_valid(instance))


# ---- parsing ---------------------------------------------------------------------------


def test_a_schema_referring_to_another_by_name_parses_and_keeps_its_text() -> None:
    parsed = parse(CUSTOMER, address(1))
    assert parsed.document == CUSTOMER
    assert parsed.canonical == json.dumps(CUSTOMER, sort_keys=True, separators=(",", ":"))


@pytest.mark.parametrize(
    "name",
    ["address.json", "https://example.com/schemas/address.json"],
    ids=["as written", "resolved against the $id"],
)
def test_a_reference_name_matches_the_ref_as_written_or_resolved_against_the_base(
    name: str,
) -> None:
    parsed = parse(CUSTOMER, ref(name, parse(ADDRESS_V1)))
    assert parsed.document == CUSTOMER


def test_a_draft_04_base_uri_is_its_id() -> None:
    customer = {
        "$schema": DRAFT_04 + "#",
        "id": "https://example.com/schemas/customer.json",
        "properties": {"address": {"$ref": "address.json"}},
    }
    full_name = "https://example.com/schemas/address.json"
    assert parse(customer, ref(full_name, parse(ADDRESS_V1))).document == customer
    old = parse(customer, ref(full_name, parse(ADDRESS_V1)))
    new = parse(customer, ref(full_name, parse(ADDRESS_V2), 2))
    assert codes(old, new, Direction.BACKWARD) == [
        "MIN_LENGTH_INCREASED",
        "REQUIRED_PROPERTY_ADDED",
    ]
    with pytest.raises(InvalidSchemaError, match="not one of the schema's references"):
        parse(
            {**customer, "id": "https://example.com/other/customer.json"},
            ref(full_name, parse(ADDRESS_V1)),
        )


def test_a_ref_to_an_unknown_name_is_refused_naming_it() -> None:
    with pytest.raises(InvalidSchemaError) as raised:
        parse(CUSTOMER, ref("billing.json", parse(ADDRESS_V1)))
    assert raised.value.code == "INVALID_SCHEMA"
    assert "'address.json'" in raised.value.message
    assert "#/properties/address/$ref" in raised.value.message
    assert "'billing.json'" in raised.value.message  # what was given
    with pytest.raises(InvalidSchemaError, match=r"'address\.json'.*none were given"):
        parse(CUSTOMER)


def test_a_fragment_must_point_inside_the_referenced_schema() -> None:
    street = {"properties": {"street": {"$ref": "address.json#/definitions/street"}}}
    assert parse(street, address(1)).document == street
    missing = {"properties": {"street": {"$ref": "address.json#/definitions/road"}}}
    with pytest.raises(InvalidSchemaError, match=r"'#/definitions/road' is not in 'address\.json'"):
        parse(missing, address(1))


def test_a_ref_to_a_resource_embedded_in_the_schema_needs_no_reference() -> None:
    schema = {
        "$id": "https://example.com/order.json",
        "$defs": {"zip": {"$id": "zip.json", "$defs": {"d": STRING}, "$ref": "#/$defs/d"}},
        "properties": {"zip": {"$ref": "zip.json"}, "d": {"$ref": "zip.json#/$defs/d"}},
    }
    assert parse(schema).document == schema
    # Inside the embedded resource, "#/..." is relative to it, not to the root.
    wrong = {**schema, "$defs": {"zip": {"$id": "zip.json", "$ref": "#/$defs/zip"}}}
    with pytest.raises(InvalidSchemaError, match="'#/\\$defs/zip' at #/\\$defs/zip/\\$ref"):
        parse(wrong)


def test_ids_that_are_not_uris_are_refused_or_ignored_without_error() -> None:
    nested = {"$defs": {"x": {"$id": "http://[::1", "type": "string"}}, "$ref": "#/$defs/x"}
    with pytest.raises(InvalidSchemaError, match="does not resolve"):
        parse(nested)
    unknown = {"$defs": {"x": {"$id": "http://[::1", "$ref": "http://[::2"}}}
    with pytest.raises(InvalidSchemaError, match="not one of the schema's references"):
        parse(unknown)


def test_a_reference_to_a_schema_of_another_format_is_refused() -> None:
    other = ParsedSchema(
        format=SchemaFormat.AVRO,
        canonical='"string"',
        document="string",
        fingerprint="0" * 64,
    )
    with pytest.raises(InvalidSchemaError, match="is a AVRO schema; a JSON Schema can refer"):
        parse(CUSTOMER, ref("address.json", other))


def test_the_fingerprint_covers_the_references() -> None:
    first, second = parse(CUSTOMER, address(1)), parse(CUSTOMER, address(2))
    assert first.canonical == second.canonical
    assert first.fingerprint != second.fingerprint
    assert parse(CUSTOMER, address(1)).fingerprint == first.fingerprint


# ---- compatibility ----------------------------------------------------------------------


def test_a_required_field_added_in_the_referenced_schema_breaks_backward() -> None:
    old, new = parse(CUSTOMER, address(1)), parse(CUSTOMER, address(2))
    backward = found(old, new, Direction.BACKWARD)
    assert sorted(item.code for item in backward) == [
        "MIN_LENGTH_INCREASED",
        "REQUIRED_PROPERTY_ADDED",
    ]
    required = next(item for item in backward if item.code == "REQUIRED_PROPERTY_ADDED")
    assert "zip" in required.message and "address.json" in required.message
    assert codes(old, new, Direction.FORWARD) == []


def test_unchanged_references_are_compatible_both_ways() -> None:
    old, new = parse(CUSTOMER, address(1)), parse(CUSTOMER, address(1))
    assert codes(old, new, Direction.BACKWARD) == codes(old, new, Direction.FORWARD) == []


def test_a_schema_inlining_its_reference_compares_with_one_referring_to_it() -> None:
    street = {"type": "string", "minLength": 1}
    written_out = {"type": "object", "properties": {"street": street, "zip": STRING}}
    inline = {**CUSTOMER, "properties": {"name": STRING, "address": written_out}}
    assert codes(parse(inline), parse(CUSTOMER, address(1)), Direction.BACKWARD) == []
    assert codes(parse(inline), parse(CUSTOMER, address(2)), Direction.BACKWARD) == [
        "MIN_LENGTH_INCREASED",
        "REQUIRED_PROPERTY_ADDED",
    ]


def test_a_fragment_into_the_referenced_schema_sees_changes_there() -> None:
    street = {"type": "object", "properties": {"s": {"$ref": "address.json#/definitions/street"}}}
    old, new = parse(street, address(1)), parse(street, address(2))
    assert codes(old, new, Direction.BACKWARD) == ["MIN_LENGTH_INCREASED"]
    assert codes(old, new, Direction.FORWARD) == []


def test_changes_two_references_away_are_seen() -> None:
    def chain(max_length: int | None, version: int) -> ParsedSchema:
        street = parse({"type": "string", **({"maxLength": max_length} if max_length else {})})
        line = parse(
            {"type": "object", "properties": {"street": {"$ref": "street.json"}}},
            ref("street.json", street, version, "street"),
        )
        return parse(
            {"properties": {"line": {"$ref": "https://example.com/line.json"}}},
            ref("https://example.com/line.json", line, version, "line"),
        )

    old, new = chain(None, 1), chain(10, 2)
    (change,) = found(old, new, Direction.BACKWARD)
    assert change.code == "MAX_LENGTH_DECREASED"
    assert "street.json" in change.new_path
    assert codes(old, new, Direction.FORWARD) == []


def test_anchors_and_embedded_resources_of_a_referenced_schema_are_followed() -> None:
    def place(max_length: int) -> ParsedSchema:
        return parse(
            {
                "$id": "https://example.com/place.json",
                "$defs": {
                    "name": {"$anchor": "name", "type": "string", "maxLength": max_length},
                    "code": {
                        "$id": "code.json",
                        "$defs": {"digits": {"type": "string", "maxLength": max_length}},
                        "$ref": "#/$defs/digits",
                    },
                },
                "properties": {"name": {"$ref": "#name"}, "code": {"$ref": "code.json"}},
            }
        )

    root = {"properties": {"p": {"$ref": "place.json"}, "n": {"$ref": "place.json#name"}}}
    old = parse(root, ref("place.json", place(10), 1, "place"))
    new = parse(root, ref("place.json", place(5), 2, "place"))
    backward = found(old, new, Direction.BACKWARD)
    assert sorted(item.code for item in backward) == ["MAX_LENGTH_DECREASED"] * 2
    assert codes(old, new, Direction.FORWARD) == []


def test_a_referenced_schema_is_compared_in_its_own_draft() -> None:
    def bound(exclusive: bool) -> ParsedSchema:
        return parse(
            {
                "$schema": DRAFT_04 + "#",
                "type": "number",
                "maximum": 5,
                "exclusiveMaximum": exclusive,
            }
        )

    root = {"$schema": DRAFT_07 + "#", "properties": {"n": {"$ref": "bound.json"}}}
    old = parse(root, ref("bound.json", bound(False), 1, "bound"))
    new = parse(root, ref("bound.json", bound(True), 2, "bound"))
    assert codes(old, new, Direction.BACKWARD) == ["EXCLUSIVE_MAXIMUM_DECREASED"]
    assert codes(old, new, Direction.FORWARD) == []


def test_a_draft_07_tuple_referenced_from_a_2020_12_schema_keeps_its_meaning() -> None:
    def pair(length: int) -> ParsedSchema:
        items = [STRING] * length
        return parse({"type": "array", "items": items, "additionalItems": False}, dialect=DRAFT_07)

    root = {"properties": {"t": {"$ref": "pair.json"}}}
    old = parse(root, ref("pair.json", pair(1), 1, "pair"))
    new = parse(root, ref("pair.json", pair(2), 2, "pair"))
    assert codes(old, new, Direction.BACKWARD) == []
    assert codes(old, new, Direction.FORWARD) == ["SCHEMA_BECAME_FALSE"]


# ---- the bundle ----------------------------------------------------------------------


def test_the_bundle_validates_through_the_references() -> None:
    old, new = parse(CUSTOMER, address(1)), parse(CUSTOMER, address(2))
    document = {"name": "n", "address": {"street": "s"}}
    assert is_valid(old, document)
    assert not is_valid(new, document)  # no zip, and a one-letter street
    assert is_valid(new, {"name": "n", "address": {"street": "st", "zip": "1"}})


def test_the_bundle_leaves_the_parsed_document_as_written() -> None:
    parsed = parse(CUSTOMER, address(1))
    bundle = working_document(parsed)
    assert parsed.document == CUSTOMER
    assert isinstance(bundle, dict) and bundle["properties"]["address"] == {
        "$ref": "#/$defs/address.json"
    }
    assert bundle["$defs"]["address.json"]["properties"]["street"] == {
        "$ref": "#/$defs/address.json/definitions/street"
    }
