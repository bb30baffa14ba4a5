"""AVRO.parse: refusals by category, the canonical form (identity), references, and
robustness against arbitrary input."""

from __future__ import annotations

import io
import json
import random
import re
import warnings
from typing import Any

import avro.errors
import avro.schema
import fastavro
import pytest
from fastavro.utils import generate_one
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.compatibility import Direction
from registry.errors import InvalidSchemaError
from registry.formats import handler_for, parse_schema
from registry.formats.avro import AVRO
from registry.formats.avro_canonical import MAX_DEPTH
from registry.formats.base import ParseContext, ParsedSchema, ResolvedReference, fingerprint_of
from registry.formats.json_schema import JSON_SCHEMA
from registry.model import SchemaFormat
from tests.unit.registry.avro_pairs import ADDRESS, PAIRS, decimal, enum, field, fixed, one, record


def parse(document: object, *references: ResolvedReference) -> ParsedSchema:
    return AVRO.parse(json.dumps(document), context=ParseContext(references=references))


def test_the_handler_is_registered_for_avro() -> None:
    assert handler_for(SchemaFormat.AVRO) is AVRO
    assert parse_schema(SchemaFormat.AVRO, '"string"').canonical == '"string"'


# ---- refusals ---------------------------------------------------------------------------

USER = "record 'User'"

REFUSALS: list[tuple[str, object, str]] = [
    # unknown types
    ("unknown primitive", one("strng"), "Unknown type 'strng' at #/fields/0/type"),
    ("unknown type in an object", {"type": "integer"}, "Unknown type 'integer' at #/type"),
    ("unknown name in an array", one({"type": "array", "items": "Thing"}), "'Thing'"),
    (
        "name outside its namespace",
        record(
            field("a", {**ADDRESS, "namespace": ""}),
            field("b", "Address"),
            namespace="com.acme",
        ),
        "Unknown type 'Address' (read as 'com.acme.Address', in the enclosing namespace)",
    ),
    ("protocol-only type", {"type": "error", "name": "E", "fields": []}, "Unknown type 'error'"),
    ("record named by a bare string", one("record"), "must be written as an object"),
    # defaults
    ("int default a string", one("int", default="1"), '"1" is not an integer (int)'),
    ("int default a float", one("int", default=1.5), "1.5 is not an integer (int)"),
    ("int default out of range", one("int", default=2**31), "out of the range of int"),
    ("long default a boolean", one("long", default=True), "true is not an integer (long)"),
    ("double default a string", one("double", default="0"), '"0" is not a number'),
    ("boolean default a number", one("boolean", default=0), "0 is not a boolean"),
    ("null default a string", one("null", default=""), '"" is not null'),
    ("bytes default above U+00FF", one("bytes", default="é€"), "above U+00FF"),
    ("fixed default of another length", one(fixed(4), default="abc"), "holds 4 bytes"),
    ("enum field default not a symbol", one(enum("A", "B"), default="C"), '"C" is not a symbol'),
    (
        "union default of a later branch",
        one(["null", "string"], default="x"),
        'first branch, null, and "x" is not null. It is a value of branch 1 (string)',
    ),
    (
        "union default of no branch",
        one(["string", "null"], default=3),
        "first branch, string, and 3 is not a string.",
    ),
    ("array default item", one({"type": "array", "items": "int"}, default=["a"]), '"a"'),
    ("map default not an object", one({"type": "map", "values": "int"}, default=[]), "a map"),
    (
        "record default missing a field",
        one(ADDRESS, default={"street": "Main"}),
        "no value for field 'city' of record 'Address'",
    ),
    (
        "default names the field",
        record(field("age", "int", default="old")),
        f"Default of field 'age' of {USER} at #/fields/0/default",
    ),
    ("enum default not a symbol", enum("A", "B", default="C"), "\"C\" of enum 'Color'"),
    ("enum default null", enum("A", default=None), "null of enum 'Color'"),
    # fields
    (
        "duplicate field",
        record(field("a", "int"), field("a", "string")),
        f"{USER} has two fields named 'a' (at #/fields/0 and #/fields/1)".replace(
            "record", "Record"
        ),
    ),
    ("field without a type", record({"name": "a"}), "Field 'a' of record 'User' at #/fields/0"),
    (
        "field not an object",
        {"type": "record", "name": "User", "fields": ["a"]},
        "Field at #/fields/0 of record 'User' must be an object",
    ),
    ("bad order", one("int", order="up"), "'order' at #/fields/0/order"),
    ("order an object", one("int", order={"a": 1}), "'order' at #/fields/0/order"),
    ("record without fields", {"type": "record", "name": "R"}, "needs 'fields'"),
    # names
    ("record name with a dash", record(name="user-v2"), "Name 'user-v2' of the record at #"),
    ("record name starting with a digit", record(name="2User"), "Name '2User'"),
    ("empty namespace part", record(name="com..User"), "Name 'com..User'"),
    ("bad namespace", record(namespace="com.1acme"), "Name 'com.1acme.User'"),
    ("namespace not a string", record(namespace=3), "'namespace' at #/namespace"),
    ("name a primitive", record(name="string"), "may not be named 'string'"),
    ("field name with a space", record(field("first name", "string")), 'Field name "first name"'),
    ("field name with a newline", record(field("a\n", "string")), 'Field name "a\\n"'),
    ("enum symbol with a dash", enum("A-1"), 'Symbol "A-1" at #/symbols/0'),
    ("duplicate enum symbol", enum("A", "A"), "lists the symbol 'A' twice"),
    ("bad alias", record(aliases=["old-user"]), 'Alias "old-user" at #/aliases/0'),
    ("bad field alias", record(field("a", "int", aliases=["b.c"])), 'Alias "b.c"'),
    ("type defined twice", record(field("a", ADDRESS), field("b", ADDRESS)), "already defined"),
    # logical types
    ("decimal without precision", {"type": "bytes", "logicalType": "decimal"}, "no 'precision'"),
    ("decimal precision zero", decimal(0), "must be a positive integer, got 0"),
    ("decimal precision not an integer", decimal(4.0), "positive integer, got 4.0"),  # type: ignore[arg-type]
    ("decimal scale above precision", decimal(3, 4), "scale 4 greater than its precision 3"),
    ("decimal negative scale", decimal(3, -1), "at least 0, got -1"),
    (
        "decimal precision beyond its fixed",
        decimal(10, 0, fixed(4, name="Money")),
        "precision 10, more than the 9 digits a fixed of size 4 can hold",
    ),
    ("decimal on a string", {"type": "string", "logicalType": "decimal", "precision": 3}, "bytes"),
    (
        "date on a long",
        {"type": "long", "logicalType": "date"},
        "'date' at # annotates int, not long",
    ),
    (
        "timestamp-millis on an int",
        {"type": "int", "logicalType": "timestamp-millis"},
        "annotates long, not int",
    ),
    ("time-millis on a long", {"type": "long", "logicalType": "time-millis"}, "annotates int"),
    ("uuid on an int", {"type": "int", "logicalType": "uuid"}, "string or a fixed of size 16"),
    ("uuid on a fixed of 8", fixed(8, logicalType="uuid"), "fixed of size 16, not 8"),
    ("duration on bytes", {"type": "bytes", "logicalType": "duration"}, "fixed of size 12"),
    ("duration on a fixed of 16", fixed(16, logicalType="duration"), "size 12, not 16"),
    ("logical type on an array", {"type": "array", "items": "int", "logicalType": "date"}, "int"),
    ("logical type not a string", {"type": "int", "logicalType": 1}, "'logicalType' at #"),
    # structure
    ("empty union", one([]), "Union at #/fields/0/type is empty"),
    ("union in a union", one(["null", ["int"]]), "contains another union at #/fields/0/type/1"),
    ("union repeats a type", one(["int", "string", "int"]), "two branches of type 'int'"),
    (
        "union repeats a logical type's base",
        ["int", {"type": "int", "logicalType": "date"}],
        "two branches of type 'int'",
    ),
    ("union repeats a named type", [ADDRESS, "Address"], "two branches of type 'Address'"),
    ("union of two arrays", [{"type": "array", "items": "int"}] * 2, "type 'array'"),
    ("array without items", {"type": "array"}, "The array at # has no 'items'"),
    ("map without values", {"type": "map", "value": "int"}, "has no 'values'"),
    ("object without type", {"name": "A"}, "Schema object at # has no 'type'"),
    ("type not a string", {"type": 3}, "'type' at #/type must be a type name"),
    ("number as a schema", one(5), "Schema at #/fields/0/type must be a type name"),
    ("fixed without size", {"type": "fixed", "name": "F"}, "needs 'size'"),
    ("fixed size negative", fixed(-1), "got -1"),
    ("fixed size a boolean", {"type": "fixed", "name": "F", "size": True}, "got true"),
    ("enum symbols a string", {"type": "enum", "name": "E", "symbols": "AB"}, "needs 'symbols'"),
    ("doc not a string", record(doc=["x"]), "'doc' at #/doc must be a string"),
    ("aliases not a list", record(aliases="Old"), "'aliases' at #/aliases"),
]


@pytest.mark.parametrize(
    ("document", "message"),
    [pytest.param(document, message, id=name) for name, document, message in REFUSALS],
)
def test_an_invalid_schema_is_refused_naming_the_problem(document: object, message: str) -> None:
    with pytest.raises(InvalidSchemaError) as refused:
        parse(document)

    assert message in str(refused.value)
    assert refused.value.code == "INVALID_SCHEMA"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"type": "string"', "Schema is not valid JSON"),
        ("", "Schema is not valid JSON"),
        ('{"type": "double", "default": NaN}', "NaN is not valid JSON"),
        ("[" * 100_000, "Schema is not valid JSON"),
    ],
)
def test_text_that_is_not_json_is_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(InvalidSchemaError, match=message):
        AVRO.parse(text)


def test_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(InvalidSchemaError, match="lone surrogate"):
        AVRO.parse('{"type": "record", "name": "A", "doc": "\\ud800", "fields": []}')


def nested(depth: int) -> object:
    schema: object = "int"
    for level in range(depth):
        schema = {"type": "array", "items": schema} if level % 2 else [schema, "null"]
    return schema


def test_schemas_nest_up_to_the_limit_and_no_deeper() -> None:
    assert parse(nested(MAX_DEPTH)).format is SchemaFormat.AVRO
    with pytest.raises(InvalidSchemaError, match=f"nests deeper than {MAX_DEPTH} levels"):
        parse(nested(MAX_DEPTH + 1))


def tree_with_default(depth: int) -> str:
    """A field of a recursive type whose default nests ``depth`` levels."""
    value = '{"kids": [' * depth + '{"kids": []}' + "]}" * depth
    tree = record(field("kids", {"type": "array", "items": "Tree"}), name="Tree")
    return json.dumps(record(field("tree", tree))).replace(
        '"name": "tree", "type"', f'"name": "tree", "default": {value}, "type"'
    )


def test_a_nested_default_of_a_recursive_type_is_checked() -> None:
    parsed = AVRO.parse(tree_with_default(20))

    assert parsed.canonical.count('{"kids":[') == 20 + 1  # and the innermost empty list


def test_a_default_nested_too_deep_to_check_is_refused_not_crashed() -> None:
    with pytest.raises(InvalidSchemaError, match="nested too deeply"):
        AVRO.parse(tree_with_default(400))


# ---- what is accepted, and the canonical form -----------------------------------------

ACCEPTED: list[tuple[str, object, str]] = [
    ("a primitive", {"type": "string"}, '"string"'),
    ("a primitive with an attribute", {"type": "string", "x": 1}, '{"type":"string","x":1}'),
    (
        "a record",
        {
            "fields": [{"type": "long", "name": "id", "doc": "key"}],
            "namespace": "com.acme",
            "name": "User",
            "type": "record",
            "doc": "A user",
            "aliases": ["Person", "org.old.Member"],
        },
        '{"name":"com.acme.User","type":"record","fields":[{"name":"id","type":"long",'
        '"doc":"key"}],"doc":"A user","aliases":["com.acme.Person","org.old.Member"]}',
    ),
    (
        "an enum with a default",
        {"symbols": ["B", "A"], "default": "A", "name": "E", "type": "enum"},
        '{"name":"E","type":"enum","symbols":["B","A"],"default":"A"}',
    ),
    (
        "a decimal",
        {"scale": 2, "precision": 5, "logicalType": "decimal", "type": "bytes"},
        '{"type":"bytes","logicalType":"decimal","precision":5,"scale":2}',
    ),
    (
        "a fixed decimal at its largest precision",
        {"type": "fixed", "name": "M", "size": 8, "logicalType": "decimal", "precision": 18},
        '{"name":"M","type":"fixed","size":8,"logicalType":"decimal","precision":18}',
    ),
    (
        "uuid on a fixed of 16, duration on a fixed of 12",
        [fixed(16, name="U", logicalType="uuid"), fixed(12, name="D", logicalType="duration")],
        '[{"name":"U","type":"fixed","size":16,"logicalType":"uuid"},'
        '{"name":"D","type":"fixed","size":12,"logicalType":"duration"}]',
    ),
    (
        "an unknown logical type, kept as an attribute",
        {"type": "string", "logicalType": "email"},
        '{"type":"string","logicalType":"email"}',
    ),
    (
        "defaults of every kind",
        record(
            field("d", "double", default=1),
            field("n", ["null", "int"], default=None),
            field("b", "bytes", default="\u00ff"),
            field("m", {"type": "map", "values": "float"}, default={"b": 2, "a": 1}),
        ),
        '{"name":"User","type":"record","fields":[{"name":"d","type":"double","default":1.0},'
        '{"name":"n","type":["null","int"],"default":null},'
        '{"name":"b","type":"bytes","default":"\u00ff"},'
        '{"name":"m","type":{"type":"map","values":"float"},"default":{"a":1.0,"b":2.0}}]}',
    ),
    (
        "a null-namespace type inside a namespaced record",
        record(field("a", {**ADDRESS, "namespace": ""}), namespace="com.acme"),
        '{"name":"com.acme.User","type":"record","fields":[{"name":"a","type":{"name":"Address",'
        '"namespace":"","type":"record","fields":[{"name":"street","type":"string"},'
        '{"name":"city","type":"string"}]}}]}',
    ),
    (
        "attributes the Java parser drops",
        {"type": "array", "items": "int", "doc": "d", "name": "n", "aliases": ["a"]},
        '{"type":"array","items":"int"}',
    ),
    (
        "a named type referred to in an object",
        [fixed(2, name="F"), {"type": "array", "items": {"type": "F"}}],
        '[{"name":"F","type":"fixed","size":2},{"type":"array","items":"F"}]',
    ),
]


@pytest.mark.parametrize(
    ("document", "canonical"),
    [pytest.param(document, canonical, id=name) for name, document, canonical in ACCEPTED],
)
def test_a_valid_schema_gets_its_canonical_text(document: object, canonical: str | None) -> None:
    parsed = parse(document)

    if canonical is not None:
        assert parsed.canonical == canonical
    assert AVRO.parse(parsed.canonical).canonical == parsed.canonical


EQUIVALENT: list[tuple[str, object, object]] = [
    ("string and its object form", "string", {"type": "string"}),
    ("field type in object form", one("int"), one({"type": "int"})),
    ("a type wrapped in an object", one(["null", "int"]), one({"type": ["null", "int"]})),
    (
        "a named type referred to in object form",
        record(field("a", ADDRESS), field("b", "Address")),
        record(field("a", ADDRESS), field("b", {"type": "Address", "doc": "ignored"})),
    ),
    (
        "namespace attribute or full name",
        record(namespace="com.acme"),
        record(name="com.acme.User"),
    ),
    (
        "namespace inherited or written",
        record(field("a", ADDRESS), namespace="com.acme"),
        record(field("a", {**ADDRESS, "namespace": "com.acme"}), namespace="com.acme"),
    ),
    (
        "relative or full alias",
        record(aliases=["Old"], namespace="x"),
        record(aliases=["x.Old"], namespace="x"),
    ),
    ("aliases in any order", record(aliases=["B", "A", "B"]), record(aliases=["A", "B"])),
    ("default order", one("int", order="ascending"), one("int")),
    (
        "decimal scale 0 or absent",
        decimal(4),
        {"type": "bytes", "logicalType": "decimal", "precision": 4},
    ),
    ("double default 1 or 1.0", one("double", default=1), one("double", default=1.0)),
    ("attributes in any order", record(x={"b": 1, "a": 2}), record(x={"a": 2, "b": 1})),
    ("doc on a primitive", one({"type": "int", "doc": "dropped"}), one("int")),
]


@pytest.mark.parametrize(
    ("first", "second"),
    [pytest.param(first, second, id=name) for name, first, second in EQUIVALENT],
)
def test_equivalent_spellings_are_one_schema(first: object, second: object) -> None:
    one_way, other_way = parse(first), parse(second)

    assert one_way.canonical == other_way.canonical
    assert one_way.fingerprint == other_way.fingerprint


def test_whitespace_and_attribute_order_do_not_mint_a_new_schema() -> None:
    compact = AVRO.parse('{"type":"record","name":"A","fields":[{"name":"a","type":"int"}]}')
    spaced = AVRO.parse(
        '{\n  "fields" : [ { "type" : "int" ,\n "name" : "a" } ],\n  "name" : "A",'
        ' "type" : "record"\n}'
    )

    assert spaced.canonical == compact.canonical
    assert spaced.fingerprint == compact.fingerprint


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(record(doc="a"), record(doc="b"), id="record doc"),
        pytest.param(one("int", doc="a"), one("int", doc="b"), id="field doc"),
        pytest.param(enum("A", doc="a"), enum("A"), id="enum doc"),
        pytest.param(record(aliases=["A"]), record(), id="aliases"),
        pytest.param(one("int", aliases=["b"]), one("int"), id="field aliases"),
        pytest.param(one("int", default=1), one("int", default=2), id="default"),
        pytest.param(enum("A", "B", default="A"), enum("A", "B"), id="enum default"),
        pytest.param(one("int", order="descending"), one("int"), id="order"),
        pytest.param(record(owner="a"), record(owner="b"), id="custom attribute"),
        pytest.param(enum("A", "B"), enum("B", "A"), id="symbol order"),
        pytest.param(
            {"type": "long", "logicalType": "timestamp-millis"},
            {"type": "long", "logicalType": "timestamp-micros"},
            id="logical type",
        ),
    ],
)
def test_what_readers_or_confluent_tell_apart_is_another_schema(
    first: object, second: object
) -> None:
    assert parse(first).fingerprint != parse(second).fingerprint


def test_the_fingerprint_is_of_the_canonical_text_in_the_avro_format() -> None:
    parsed = parse({"type": "string"})

    assert parsed.format is SchemaFormat.AVRO
    assert parsed.fingerprint == fingerprint_of(SchemaFormat.AVRO, '"string"')
    assert parsed.fingerprint != fingerprint_of(SchemaFormat.JSON, '"string"')


@pytest.mark.parametrize("pair", PAIRS[::3], ids=lambda pair: pair.id)
def test_the_canonical_text_is_read_by_fastavro_and_the_apache_library(pair: Any) -> None:
    for document in (pair.old, pair.new):
        canonical = parse(document).canonical
        schema = fastavro.parse_schema(json.loads(canonical))
        datum = generate_one(schema)
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, schema, datum)
        size = buffer.tell()
        buffer.seek(0)
        fastavro.schemaless_reader(buffer, schema, schema)
        assert buffer.tell() == size
        with warnings.catch_warnings():
            # uuid on a fixed and duration: logical types the library does not know
            warnings.simplefilter("ignore", avro.errors.IgnoredLogicalType)
            assert avro.schema.parse(canonical).to_json() is not None


# ---- references ------------------------------------------------------------------------


def ref(
    name: str, document: object, *references: ResolvedReference, version: int = 1
) -> ResolvedReference:
    return ResolvedReference(name, name.lower(), version, parse(document, *references))


def test_a_record_uses_a_named_type_of_a_referenced_schema() -> None:
    address = ref("com.acme.Address", {**ADDRESS, "namespace": "com.acme"})
    user = record(field("home", "Address"), namespace="com.acme")

    parsed = parse(user, address)

    assert parsed.canonical == (
        '{"name":"com.acme.User","type":"record","fields":[{"name":"home","type":"com.acme.Address"}]}'
    )
    # as Confluent's Python client reads a schema with references
    named: dict[str, Any] = {}
    fastavro.parse_schema(json.loads(address.schema.canonical), named_schemas=named)
    schema = fastavro.parse_schema(json.loads(parsed.canonical), named_schemas=named)
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, {"home": {"street": "Main", "city": "X"}})
    assert buffer.getvalue()


def test_types_of_references_of_references_are_known_too() -> None:
    geo = ref("Geo", record(field("lat", "double"), name="Geo"))
    address = ref("Address", record(field("at", "Geo"), name="Address"), geo)
    user = record(field("home", "Address"), field("last_seen", ["null", "Geo"], default=None))

    parsed = parse(user, address)

    assert AVRO.render(parsed, "resolved") == (
        '{"name":"User","type":"record","fields":[{"name":"home","type":{"name":"Address",'
        '"type":"record","fields":[{"name":"at","type":{"name":"Geo","type":"record",'
        '"fields":[{"name":"lat","type":"double"}]}}]}},{"name":"last_seen","type":["null",'
        '"Geo"],"default":null}]}'
    )
    resolved = AVRO.parse(AVRO.render(parsed, "resolved") or "")
    assert resolved.canonical == AVRO.render(parsed, "resolved")


def test_a_name_no_reference_defines_is_refused_naming_it() -> None:
    with pytest.raises(
        InvalidSchemaError, match=re.escape("Unknown type 'com.acme.Address' at #/fields/0/type")
    ):
        parse(record(field("home", "com.acme.Address")))


def test_the_same_references_in_another_version_make_another_schema() -> None:
    user = record(field("home", "Address"))
    first = parse(user, ref("Address", ADDRESS, version=1))
    second = parse(user, ref("Address", ADDRESS, version=2))

    assert first.canonical == second.canonical
    assert first.fingerprint != second.fingerprint


def test_a_referenced_type_cannot_be_defined_again() -> None:
    with pytest.raises(
        InvalidSchemaError,
        match="'Address' at #/fields/0/type is already defined by reference 'Addr'",
    ):
        parse(record(field("home", ADDRESS)), ref("Addr", ADDRESS))


def test_two_references_defining_a_type_differently_are_refused() -> None:
    other = {**ADDRESS, "fields": [field("line", "string")]}
    with pytest.raises(InvalidSchemaError, match="defined differently by references 'A' and 'B'"):
        parse(record(field("home", "Address")), ref("A", ADDRESS), ref("B", other))


def test_a_reference_used_twice_through_others_is_read_once() -> None:
    geo = ref("Geo", record(field("lat", "double"), name="Geo"))
    home = ref("Home", record(field("at", "Geo"), name="Home"), geo)
    work = ref("Work", record(field("at", "Geo"), name="Work"), geo)

    parsed = parse(record(field("h", "Home"), field("w", "Work")), home, work)

    assert parsed.canonical.count("Geo") == 0


def test_a_reference_to_another_format_is_refused() -> None:
    json_schema = ResolvedReference(
        "Address", "address", 1, JSON_SCHEMA.parse('{"type": "object"}')
    )
    with pytest.raises(InvalidSchemaError, match="is a JSON schema; an Avro schema can only use"):
        parse(record(field("home", "Address")), json_schema)


def test_render_knows_only_the_resolved_form() -> None:
    parsed = parse(record(field("a", "int")))

    assert AVRO.render(parsed, "resolved") == parsed.canonical
    assert AVRO.render(parsed, "serialized") is None


# ---- robustness ------------------------------------------------------------------------

_WORDS = st.sampled_from(
    [
        "type", "name", "namespace", "fields", "items", "values", "symbols", "size",
        "default", "aliases", "doc", "order", "logicalType", "precision", "scale",
        "record", "enum", "fixed", "array", "map", "int", "long", "string", "bytes",
        "null", "boolean", "float", "double", "decimal", "uuid", "date", "duration",
        "timestamp-millis", "A", "B", "a.b", "", "error",
    ]
)  # fmt: skip
_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    _WORDS,
    st.text(max_size=5),
)
_JSON = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_WORDS, inner, max_size=6),
    max_leaves=30,
)


def _parses_or_refuses(text: str) -> ParsedSchema | None:
    try:
        parsed = AVRO.parse(text)
    except InvalidSchemaError:
        return None
    assert AVRO.parse(parsed.canonical).canonical == parsed.canonical
    return parsed


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_JSON)
def test_any_json_value_is_parsed_or_refused_never_crashed(document: object) -> None:
    _parses_or_refuses(json.dumps(document))


def test_mutated_schema_texts_are_parsed_or_refused_never_crashed() -> None:
    rng = random.Random(7)
    texts = [json.dumps(pair.old) for pair in PAIRS] + [json.dumps(pair.new) for pair in PAIRS]
    alphabet = '{}[]",:0123456789.-abcnrtuely ABdefmsxz\\'
    accepted = 0
    for _ in range(3000):
        chars = list(rng.choice(texts))
        for _ in range(rng.randint(1, 4)):
            where = rng.randrange(len(chars))
            action = rng.random()
            if action < 0.4:
                del chars[where]
            elif action < 0.7:
                chars.insert(where, rng.choice(alphabet))
            else:
                chars[where] = rng.choice(alphabet)
        if _parses_or_refuses("".join(chars)) is not None:
            accepted += 1
    assert 0 < accepted < 3000  # both paths were taken


def _mutated(rng: random.Random, value: Any, depth: int = 0) -> Any:
    """``value`` with a few parts replaced, added or removed, anywhere inside it."""
    if isinstance(value, dict):
        value = dict(value)
        if value and rng.random() < 0.3:
            key = rng.choice(list(value))
            value[key] = _mutated(rng, value[key], depth + 1) if rng.random() < 0.7 else _any(rng)
        if rng.random() < 0.1:
            value[rng.choice(_VOCABULARY)] = _any(rng)
        if value and rng.random() < 0.1:
            del value[rng.choice(list(value))]
        return value
    if isinstance(value, list):
        value = list(value)
        if value and rng.random() < 0.5:
            index = rng.randrange(len(value))
            value[index] = _mutated(rng, value[index], depth + 1)
        if rng.random() < 0.1:
            value.append(_any(rng))
        return value
    return _any(rng) if rng.random() < 0.3 else value


_VOCABULARY = [
    "type", "name", "namespace", "fields", "items", "values", "symbols", "size", "default",
    "aliases", "doc", "order", "logicalType", "precision", "scale", "record", "enum", "fixed",
    "array", "map", "int", "long", "string", "bytes", "null", "decimal", "uuid", "duration",
    "A", "a.b", "", "User", "Address", "Node", "ascending",
]  # fmt: skip


def _any(rng: random.Random, depth: int = 0) -> Any:
    draw = rng.random()
    if depth > 3 or draw < 0.4:
        return rng.choice([None, True, 0, 1, -1, 2**40, 1.5, 16, 12, 3, *_VOCABULARY])
    if draw < 0.7:
        return [_any(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(_VOCABULARY): _any(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def test_schemas_mutated_anywhere_are_parsed_or_refused_and_compared_never_crashed() -> None:
    rng = random.Random(11)
    documents = [pair.old for pair in PAIRS] + [pair.new for pair in PAIRS]
    accepted: list[ParsedSchema] = []
    for _ in range(4000):
        parsed = _parses_or_refuses(json.dumps(_mutated(rng, rng.choice(documents))))
        if parsed is not None:
            accepted.append(parsed)
    for _ in range(1000):
        old, new = rng.choice(accepted), rng.choice(accepted)
        for direction in Direction:
            for item in AVRO.find_incompatibilities(old, new, direction):
                assert item.code.isupper() and item.message
    assert 100 < len(accepted) < 4000
