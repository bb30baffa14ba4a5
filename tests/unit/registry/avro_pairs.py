"""(old, new) Avro schema pairs with the verdicts schema resolution gives them.

Each pair states the codes expected BACKWARD (data written with ``old``, read with
``new``) and FORWARD (written with ``new``, read with ``old``); no codes means compatible.
``library`` says why the Apache Python library's ``ReaderWriterCompatibilityChecker``
decides that pair differently (it is then the specification that is followed), and
``data`` why random data does not show a refusal (a refusal that holds for values the
generator seldom or never produces, or that the reading implementation does not act on).
``utf8``: the writer's bytes are read as a string, a promotion that holds for bytes that
are UTF-8 text only, so the data proof writes such bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TM = "TYPE_MISMATCH"
RF = "READER_FIELD_MISSING_DEFAULT_VALUE"
ES = "MISSING_ENUM_SYMBOLS"
UB = "MISSING_UNION_BRANCH"
NM = "NAME_MISMATCH"
FS = "FIXED_SIZE_MISMATCH"
DP = "DECIMAL_PRECISION_MISMATCH"
DS = "DECIMAL_SCALE_MISMATCH"


@dataclass(frozen=True)
class Pair:
    id: str
    old: Any
    new: Any
    backward: tuple[str, ...] = ()
    forward: tuple[str, ...] = ()
    library: str | None = None
    data: str | None = None
    utf8: bool = False


def record(*fields: dict[str, Any], name: str = "User", **attributes: Any) -> dict[str, Any]:
    return {"type": "record", "name": name, "fields": list(fields), **attributes}


def field(name: str, type_: Any, **attributes: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, **attributes}


def one(type_: Any, **attributes: Any) -> dict[str, Any]:
    """A record whose single field ``v`` has ``type_``."""
    return record(field("v", type_, **attributes))


def enum(*symbols: str, name: str = "Color", **attributes: Any) -> dict[str, Any]:
    return {"type": "enum", "name": name, "symbols": list(symbols), **attributes}


def fixed(size: int, name: str = "Hash", **attributes: Any) -> dict[str, Any]:
    return {"type": "fixed", "name": name, "size": size, **attributes}


def decimal(precision: int, scale: int = 0, base: Any = "bytes") -> dict[str, Any]:
    if base == "bytes":
        return {"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale}
    return {**base, "logicalType": "decimal", "precision": precision, "scale": scale}


def node(value_type: Any, *extra: dict[str, Any]) -> dict[str, Any]:
    """A linked list: a recursive record."""
    return record(field("value", value_type), field("next", ["null", "Node"]), *extra, name="Node")


def friends(age: Any) -> dict[str, Any]:
    """Person > Friend > Person: recursion through a nested record."""
    friend = record(field("since", "int"), field("who", "Person"), name="Friend")
    return record(field("age", age), field("friend", ["null", friend]), name="Person")


def nested(leaf: Any) -> dict[str, Any]:
    """Outer > Middle > Inner records, the innermost field of type ``leaf``."""
    inner = record(field("leaf", leaf), name="Inner")
    return record(field("middle", record(field("inner", inner), name="Middle")), name="Outer")


ADDRESS = record(field("street", "string"), field("city", "string"), name="Address")
ADDRESS_ZIP = record(
    field("street", "string"),
    field("city", "string"),
    field("zip", "string"),
    name="Address",
)
ADDRESS_ZIP_DEFAULT = record(
    field("street", "string"),
    field("city", "string"),
    field("zip", "string", default=""),
    name="Address",
)
_RELATIVE_ALIAS = "the library compares a relative alias with the writer's full name"
_DECIMALS = "the library ignores decimal precision and scale"
_WRITER_SCALE = (
    "the bytes hold only the unscaled integer: fastavro converts it with the writer's "
    "precision and scale (Java with the reader's, see the decimal test)"
)
_ENUM_FIELD = (
    "the library checks a missing field whose type is an enum with a default symbol against "
    "the writer's whole record (TYPE_MISMATCH)"
)

PAIRS: list[Pair] = [
    # ---- primitive promotions and their reverse ------------------------------------
    Pair("int to long", one("int"), one("long"), forward=(TM,)),
    Pair("int to float", one("int"), one("float"), forward=(TM,)),
    Pair("int to double", one("int"), one("double"), forward=(TM,)),
    Pair("long to float", one("long"), one("float"), forward=(TM,)),
    Pair("long to double", one("long"), one("double"), forward=(TM,)),
    Pair("float to double", one("float"), one("double"), forward=(TM,)),
    Pair("long to int", one("long"), one("int"), backward=(TM,)),
    Pair("float to int", one("float"), one("int"), backward=(TM,)),
    Pair("float to long", one("float"), one("long"), backward=(TM,)),
    Pair("double to int", one("double"), one("int"), backward=(TM,)),
    Pair("double to long", one("double"), one("long"), backward=(TM,)),
    Pair("double to float", one("double"), one("float"), backward=(TM,)),
    Pair("string to bytes", one("string"), one("bytes"), utf8=True),
    Pair("bytes to string", one("bytes"), one("string"), utf8=True),
    Pair("int to string", one("int"), one("string"), backward=(TM,), forward=(TM,)),
    Pair("boolean to int", one("boolean"), one("int"), backward=(TM,), forward=(TM,)),
    Pair("null to string", one("null"), one("string"), backward=(TM,), forward=(TM,)),
    Pair("string to double", one("string"), one("double"), backward=(TM,), forward=(TM,)),
    Pair("top-level int to long", "int", "long", forward=(TM,)),
    Pair("top-level string to object form", "string", {"type": "string"}),
    Pair("top-level bytes to string", "bytes", "string", utf8=True),
    Pair("top-level float to boolean", "float", "boolean", backward=(TM,), forward=(TM,)),
    # ---- record fields ---------------------------------------------------------------
    Pair(
        "field added with a default",
        record(field("id", "long")),
        record(field("id", "long"), field("email", "string", default="")),
    ),
    Pair(
        "field added without a default",
        record(field("id", "long")),
        record(field("id", "long"), field("email", "string")),
        backward=(RF,),
    ),
    Pair(
        "optional field added",
        record(field("id", "long")),
        record(field("id", "long"), field("email", ["null", "string"], default=None)),
    ),
    Pair(
        "field with a default removed",
        record(field("id", "long"), field("email", "string", default="")),
        record(field("id", "long")),
    ),
    Pair(
        "field without a default removed",
        record(field("id", "long"), field("email", "string")),
        record(field("id", "long")),
        forward=(RF,),
    ),
    Pair(
        "field renamed without an alias",
        record(field("email", "string")),
        record(field("mail", "string")),
        backward=(RF,),
        forward=(RF,),
    ),
    Pair(
        "field renamed with an alias",
        record(field("email", "string")),
        record(field("mail", "string", aliases=["email"])),
        forward=(RF,),
    ),
    Pair(
        "field renamed with an alias and defaults",
        record(field("email", "string", default="")),
        record(field("mail", "string", aliases=["email"], default="")),
    ),
    Pair(
        "fields reordered",
        record(field("a", "int"), field("b", "string")),
        record(field("b", "string"), field("a", "int")),
    ),
    Pair(
        "field default changed",
        record(field("a", "int", default=1)),
        record(field("a", "int", default=2)),
    ),
    Pair(
        "field default added",
        record(field("a", "int")),
        record(field("a", "int", default=0)),
    ),
    Pair(
        "field doc and order changed",
        record(field("a", "int", doc="old")),
        record(field("a", "int", doc="new", order="descending")),
    ),
    Pair(
        "field type changed and another added without a default",
        record(field("a", "int")),
        record(field("a", "string"), field("b", "int")),
        backward=(RF, TM),
        forward=(TM,),
    ),
    Pair(
        "enum field removed, its enum having a default symbol",
        record(field("id", "int"), field("c", enum("RED", "BLUE", default="RED"))),
        record(field("id", "int")),
        forward=(RF,),
        library=_ENUM_FIELD,
    ),
    Pair(
        "empty record gains a field with a default",
        record(),
        record(field("a", "int", default=0)),
    ),
    # ---- enums -------------------------------------------------------------------------
    Pair("enum symbol added", enum("RED", "BLUE"), enum("RED", "BLUE", "GREEN"), forward=(ES,)),
    Pair(
        "enum symbol added, old enum has a default",
        enum("RED", "BLUE", default="RED"),
        enum("RED", "BLUE", "GREEN", default="RED"),
    ),
    Pair("enum symbol removed", enum("RED", "BLUE"), enum("RED"), backward=(ES,)),
    Pair(
        "enum symbol removed, new enum has a default",
        enum("RED", "BLUE"),
        enum("RED", default="RED"),
    ),
    Pair("enum symbols reordered", enum("RED", "BLUE"), enum("BLUE", "RED")),
    Pair("enum default added", enum("RED", "BLUE"), enum("RED", "BLUE", default="BLUE")),
    Pair(
        "enum symbol renamed",
        enum("RED", "BLUE"),
        enum("RED", "AZURE"),
        backward=(ES,),
        forward=(ES,),
    ),
    Pair(
        "enum renamed without an alias",
        enum("RED", name="Color"),
        enum("RED", name="Colour"),
        backward=(NM,),
        forward=(NM,),
    ),
    Pair(
        "enum renamed with an alias",
        enum("RED", name="Color"),
        enum("RED", name="Colour", aliases=["Color"]),
        forward=(NM,),
    ),
    Pair(
        "enum field gains a symbol",
        one(enum("RED", "BLUE")),
        one(enum("RED", "BLUE", "GREEN")),
        forward=(ES,),
    ),
    # ---- unions --------------------------------------------------------------------------
    Pair("type made nullable", one("string"), one(["null", "string"]), forward=(TM,)),
    Pair("nullable made required", one(["null", "string"]), one("string"), backward=(TM,)),
    Pair(
        "union branch added",
        one(["null", "string"]),
        one(["null", "string", "int"]),
        forward=(UB,),
    ),
    Pair(
        "union branch removed",
        one(["null", "string", "int"]),
        one(["null", "string"]),
        backward=(UB,),
    ),
    Pair("union branches reordered", one(["null", "string"]), one(["string", "null"])),
    Pair(
        "union branch promoted",
        one(["null", "int"]),
        one(["null", "long"]),
        forward=(UB,),
    ),
    Pair("int to a union with long", one("int"), one(["null", "long"]), forward=(TM,)),
    Pair(
        "union branch changed",
        one(["null", "string"]),
        one(["null", "int"]),
        backward=(UB,),
        forward=(UB,),
    ),
    Pair(
        "record in a union gains a field with a default",
        one(["null", ADDRESS]),
        one(["null", ADDRESS_ZIP_DEFAULT]),
    ),
    Pair(
        "record in a union gains a field without a default",
        one(["null", ADDRESS]),
        one(["null", ADDRESS_ZIP]),
        backward=(UB,),
    ),
    Pair(
        "record in a union renamed",
        one(["null", ADDRESS]),
        one(["null", {**ADDRESS, "name": "Location"}]),
        backward=(UB,),
        forward=(UB,),
    ),
    Pair(
        "second record added to a union",
        one(["null", ADDRESS]),
        one(["null", ADDRESS, record(field("lat", "double"), name="Point")]),
        forward=(UB,),
    ),
    Pair(
        "top-level union to one of its branches",
        ["int", "string"],
        "string",
        backward=(TM,),
    ),
    Pair(
        "top-level type to a union holding a promotion of it",
        "float",
        ["null", "double"],
        forward=(TM,),
    ),
    # ---- named types: renames, aliases, namespaces ------------------------------------
    Pair(
        "record renamed without an alias",
        record(field("a", "int"), name="User"),
        record(field("a", "int"), name="Customer"),
        backward=(NM,),
        forward=(NM,),
    ),
    Pair(
        "record renamed with a full-name alias",
        record(field("a", "int"), name="User", namespace="com.acme"),
        record(field("a", "int"), name="Customer", namespace="com.acme", aliases=["com.acme.User"]),
        forward=(NM,),
    ),
    Pair(
        "record renamed with a relative alias",
        record(field("a", "int"), name="User", namespace="com.acme"),
        record(field("a", "int"), name="Customer", namespace="com.acme", aliases=["User"]),
        forward=(NM,),
        library=_RELATIVE_ALIAS,
    ),
    Pair(
        "record renamed with an alias in another namespace",
        record(field("a", "int"), name="User", namespace="com.acme"),
        record(field("a", "int"), name="Customer", namespace="org.shop", aliases=["com.acme.User"]),
        forward=(NM,),
    ),
    Pair(
        "record moved to another namespace",
        record(field("a", "int"), name="User", namespace="com.acme"),
        record(field("a", "int"), name="User", namespace="org.shop"),
    ),
    Pair(
        "record aliases changed",
        record(field("a", "int"), aliases=["Person"]),
        record(field("a", "int"), aliases=["Human"]),
    ),
    Pair(
        "nested record renamed with an alias",
        one(ADDRESS),
        one({**ADDRESS, "name": "Location", "aliases": ["Address"]}),
        forward=(NM,),
    ),
    Pair(
        "fixed renamed without an alias",
        fixed(16, name="Hash"),
        fixed(16, name="Digest"),
        backward=(NM,),
        forward=(NM,),
    ),
    Pair(
        "fixed renamed with an alias",
        fixed(16, name="Hash"),
        fixed(16, name="Digest", aliases=["Hash"]),
        forward=(NM,),
    ),
    # ---- nested records ------------------------------------------------------------
    Pair(
        "nested record gains a field with a default",
        record(field("id", "int"), field("home", ADDRESS)),
        record(field("id", "int"), field("home", ADDRESS_ZIP_DEFAULT)),
    ),
    Pair(
        "nested record gains a field without a default",
        record(field("id", "int"), field("home", ADDRESS)),
        record(field("id", "int"), field("home", ADDRESS_ZIP)),
        backward=(RF,),
    ),
    Pair(
        "nested record loses a field without a default",
        record(field("home", ADDRESS_ZIP)),
        record(field("home", ADDRESS)),
        forward=(RF,),
    ),
    Pair(
        "nested record field type changed",
        record(field("home", record(field("n", "int"), name="Address"))),
        record(field("home", record(field("n", "string"), name="Address"))),
        backward=(TM,),
        forward=(TM,),
    ),
    Pair(
        "named type used twice gains a field without a default",
        record(field("home", ADDRESS), field("work", "Address")),
        record(field("home", ADDRESS_ZIP), field("work", "Address")),
        backward=(RF,),
    ),
    Pair(
        "record nested three deep promotes its leaf",
        nested("int"),
        nested("long"),
        forward=(TM,),
    ),
    # ---- arrays and maps ------------------------------------------------------------
    Pair(
        "array items promoted",
        one({"type": "array", "items": "int"}),
        one({"type": "array", "items": "long"}),
        forward=(TM,),
    ),
    Pair(
        "array items string to bytes",
        one({"type": "array", "items": "string"}),
        one({"type": "array", "items": "bytes"}),
        utf8=True,
    ),
    Pair(
        "array items changed",
        one({"type": "array", "items": "int"}),
        one({"type": "array", "items": "string"}),
        backward=(TM,),
        forward=(TM,),
    ),
    Pair(
        "array of records gains a field without a default",
        one({"type": "array", "items": ADDRESS}),
        one({"type": "array", "items": ADDRESS_ZIP}),
        backward=(RF,),
    ),
    Pair(
        "array to map",
        one({"type": "array", "items": "int"}),
        one({"type": "map", "values": "int"}),
        backward=(TM,),
        forward=(TM,),
    ),
    Pair(
        "map values promoted",
        one({"type": "map", "values": "float"}),
        one({"type": "map", "values": "double"}),
        forward=(TM,),
    ),
    Pair(
        "map values changed",
        one({"type": "map", "values": "string"}),
        one({"type": "map", "values": "boolean"}),
        backward=(TM,),
        forward=(TM,),
    ),
    Pair(
        "map values made nullable",
        one({"type": "map", "values": "string"}),
        one({"type": "map", "values": ["null", "string"]}),
        forward=(TM,),
    ),
    Pair(
        "map of arrays of records gains a field with a default",
        one({"type": "map", "values": {"type": "array", "items": ADDRESS}}),
        one({"type": "map", "values": {"type": "array", "items": ADDRESS_ZIP_DEFAULT}}),
    ),
    # ---- fixed ---------------------------------------------------------------------------
    Pair("fixed size changed", fixed(16), fixed(32), backward=(FS,), forward=(FS,)),
    Pair("fixed to bytes", one(fixed(16)), one("bytes"), backward=(TM,), forward=(TM,)),
    Pair("fixed doc added", fixed(16), fixed(16, doc="A digest")),
    # ---- logical types -----------------------------------------------------------------
    Pair("bytes to decimal", one("bytes"), one(decimal(5, 2))),
    Pair(
        "decimal scale changed",
        one(decimal(5, 2)),
        one(decimal(5, 3)),
        backward=(DS,),
        forward=(DS,),
        library=_DECIMALS,
        data=_WRITER_SCALE,
    ),
    Pair(
        "decimal precision changed",
        one(decimal(5, 2)),
        one(decimal(7, 2)),
        backward=(DP,),
        forward=(DP,),
        library=_DECIMALS,
        data=_WRITER_SCALE,
    ),
    Pair(
        "fixed decimal scale changed",
        one(decimal(9, 2, fixed(8, name="Money"))),
        one(decimal(9, 4, fixed(8, name="Money"))),
        backward=(DS,),
        forward=(DS,),
        library=_DECIMALS,
        data=_WRITER_SCALE,
    ),
    Pair(
        "decimal bytes to decimal fixed",
        one(decimal(5, 2)),
        one(decimal(5, 2, fixed(8, name="Money"))),
        backward=(TM,),
        forward=(TM,),
    ),
    Pair("decimal scale 0 written out", one(decimal(5)), one(decimal(5, 0))),
    Pair("date to int", one({"type": "int", "logicalType": "date"}), one("int")),
    Pair(
        "date to timestamp-millis",
        one({"type": "int", "logicalType": "date"}),
        one({"type": "long", "logicalType": "timestamp-millis"}),
        forward=(TM,),
    ),
    Pair(
        "timestamp-millis to timestamp-micros",
        one({"type": "long", "logicalType": "timestamp-millis"}),
        one({"type": "long", "logicalType": "timestamp-micros"}),
    ),
    Pair("uuid to string", one({"type": "string", "logicalType": "uuid"}), one("string")),
    Pair(
        "uuid string to uuid fixed",
        one({"type": "string", "logicalType": "uuid"}),
        one(fixed(16, name="Uuid", logicalType="uuid")),
        backward=(TM,),
        forward=(TM,),
    ),
    Pair(
        "duration to plain fixed",
        one(fixed(12, name="Span", logicalType="duration")),
        one(fixed(12, name="Span")),
    ),
    # ---- recursive types ------------------------------------------------------------
    Pair("linked list value promoted", node("int"), node("long"), forward=(TM,)),
    Pair(
        "linked list gains a field with a default",
        node("int"),
        node("int", field("label", "string", default="")),
    ),
    Pair(
        "linked list gains a field without a default",
        node("int"),
        node("int", field("label", "string")),
        backward=(RF,),
    ),
    Pair(
        "mutually recursive records, inner one changed",
        record(
            field(
                "root",
                ["null", record(field("owner", ["null", "Person"]), name="Pet")],
                default=None,
            ),
            name="Person",
        ),
        record(
            field(
                "root",
                [
                    "null",
                    record(
                        field("owner", ["null", "Person"]),
                        field("age", "int"),
                        name="Pet",
                    ),
                ],
                default=None,
            ),
            name="Person",
        ),
        backward=(UB,),
    ),
    Pair(
        "recursion through a nested record, its field promoted",
        friends("int"),
        friends("long"),
        forward=(TM,),
    ),
    # ---- what never changes a reader --------------------------------------------------
    Pair(
        "record doc changed",
        record(field("a", "int"), doc="old"),
        record(field("a", "int"), doc="new"),
    ),
    Pair(
        "custom attribute changed",
        record(field("a", "int"), owner="team-a"),
        record(field("a", "int"), owner="team-b"),
    ),
    Pair("record to enum", record(field("a", "int")), enum("A"), backward=(TM,), forward=(TM,)),
    Pair("enum to string", one(enum("A", "B")), one("string"), backward=(TM,), forward=(TM,)),
]
