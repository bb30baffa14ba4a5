"""Protobuf compatibility: a table of (old, new) pairs, each checked in both directions
under both policies, with the Buf rule it exercises; and for every pair said compatible,
records written with the writer's schema and read with the reader's (binary, and JSON
where the policy covers JSON) keep the values of the fields both declare."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from registry.compatibility import Direction, check_compatibility
from registry.formats.base import ParseContext, ParsedSchema, ResolvedReference
from registry.formats.protobuf import PROTOBUF
from registry.formats.protobuf_codes import CODES
from registry.model import CompatibilityLevel, CompatibilityPolicy
from registry.types import Version
from tests.unit.registry.protobuf_data import binary_round_trips, json_round_trips

STRICT, LENIENT = CompatibilityPolicy.STRICT, CompatibilityPolicy.LENIENT
BACKWARD, FORWARD = Direction.BACKWARD, Direction.FORWARD

# Buf's breaking rules in its WIRE_JSON and WIRE categories (buf.build/docs/breaking/rules),
# and FIELD_SAME_UTF8_VALIDATION (FILE and PACKAGE), whose wire effect is checked here.
BUF_RULES = frozenset(
    {
        "ENUM_SAME_JSON_FORMAT",
        "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
        "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
        "ENUM_VALUE_SAME_NAME",
        "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
        "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
        "FIELD_SAME_DEFAULT",
        "FIELD_SAME_JSON_NAME",
        "FIELD_SAME_NAME",
        "FIELD_SAME_ONEOF",
        "FIELD_SAME_UTF8_VALIDATION",
        "FIELD_WIRE_COMPATIBLE_CARDINALITY",
        "FIELD_WIRE_COMPATIBLE_TYPE",
        "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
        "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
        "FILE_SAME_PACKAGE",
        "MESSAGE_SAME_JSON_FORMAT",
        "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT",
        "MESSAGE_SAME_REQUIRED_FIELDS",
        "RESERVED_ENUM_NO_DELETE",
        "RESERVED_MESSAGE_NO_DELETE",
        "RPC_SAME_CLIENT_STREAMING",
        "RPC_SAME_IDEMPOTENCY_LEVEL",
        "RPC_SAME_REQUEST_TYPE",
        "RPC_SAME_RESPONSE_TYPE",
        "RPC_SAME_SERVER_STREAMING",
    }
)


def p3(body: str, package: str = "shop") -> str:
    return f'syntax = "proto3";\npackage {package};\n{body}\n'


def p2(body: str, package: str = "shop") -> str:
    return f'syntax = "proto2";\npackage {package};\n{body}\n'


def ed(body: str, edition: str = "2023") -> str:
    return f'edition = "{edition}";\npackage shop;\n{body}\n'


def order(fields: str) -> str:
    return p3(f"message Order {{ {fields} }}")


def order2(fields: str) -> str:
    return p2(f"message Order {{ {fields} }}")


@dataclass(frozen=True)
class Row:
    id: str
    old: str
    new: str
    backward: frozenset[str]  # codes under STRICT, BACKWARD
    forward: frozenset[str]  # codes under STRICT, FORWARD
    buf: str = ""  # the Buf rule the row exercises ("" when it is Confluent's alone)
    lenient_backward: frozenset[str] | None = None  # None: the STRICT codes that LENIENT keeps
    lenient_forward: frozenset[str] | None = None

    def expected(self, direction: Direction, policy: CompatibilityPolicy) -> frozenset[str]:
        strict = self.backward if direction is BACKWARD else self.forward
        if policy is STRICT:
            return strict
        given = self.lenient_backward if direction is BACKWARD else self.lenient_forward
        return given if given is not None else frozenset(c for c in strict if CODES[c].lenient)


def row(
    id: str,
    old: str,
    new: str,
    backward: set[str] | frozenset[str] = frozenset(),
    forward: set[str] | frozenset[str] | None = None,
    buf: str = "",
    lenient: tuple[set[str], set[str]] | None = None,
) -> Row:
    """``forward`` defaults to ``backward`` (a rule that holds whichever side writes)."""
    return Row(
        id,
        old,
        new,
        frozenset(backward),
        frozenset(backward if forward is None else forward),
        buf,
        frozenset(lenient[0]) if lenient else None,
        frozenset(lenient[1]) if lenient else None,
    )


NONE: set[str] = set()
TYPE = {"FIELD_TYPE_CHANGED"}
CARD = {"FIELD_CARDINALITY_CHANGED"}
ITEM = "message Item { string sku = 1; int32 qty = 2; }"

ROWS = [
    # Nothing that changes the wire or JSON -------------------------------------------
    row("identical", order("int32 id = 1;"), order("int32 id = 1;")),
    row(
        "comments-whitespace-order",
        order("int32 id = 1; string note = 2;"),
        p3("// orders\nmessage Order {\n  string note = 2; /* x */\n  int32 id = 1;\n}"),
    ),
    row("field-added", order("int32 id = 1;"), order("int32 id = 1; string note = 2;")),
    row(
        "field-deleted-number-and-name-reserved",
        order("int32 id = 1; string note = 2;"),
        order('int32 id = 1; reserved 2; reserved "note";'),
        buf="FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
    ),
    row(
        "reservation-added",
        order("int32 id = 1;"),
        order('int32 id = 1; reserved 5 to 9; reserved "old";'),
        buf="RESERVED_MESSAGE_NO_DELETE",
    ),
    row(
        "nested-message-and-enum-added",
        order("int32 id = 1;"),
        order("int32 id = 1; message Line { string sku = 1; } enum Kind { KIND_UNKNOWN = 0; }"),
        NONE,
        {"MESSAGE_ADDED"},
    ),
    # Package ------------------------------------------------------------------------
    row(
        "package-changed",
        p3("message Order { int32 id = 1; }", "shop"),
        p3("message Order { int32 id = 1; }", "store"),
        {"PACKAGE_CHANGED"},
        buf="FILE_SAME_PACKAGE",
    ),
    # Messages as record types (Confluent's MESSAGE_REMOVED, both ways) ------------------
    row(
        "message-removed",
        p3(f"message Order {{ int32 id = 1; }} {ITEM}"),
        p3("message Order { int32 id = 1; }"),
        {"MESSAGE_REMOVED"},
        NONE,
    ),
    row(
        "message-added",
        p3("message Order { int32 id = 1; }"),
        p3(f"message Order {{ int32 id = 1; }} {ITEM}"),
        NONE,
        {"MESSAGE_ADDED"},
    ),
    row(
        "message-renamed-where-used",
        p3(f"message Order {{ repeated Item items = 1; }} {ITEM}"),
        p3(
            "message Order { repeated Line items = 1; } message Line "
            "{ string sku = 1; int32 qty = 2; }"
        ),
        {"MESSAGE_REMOVED", "FIELD_TYPE_CHANGED"},
        {"MESSAGE_ADDED", "FIELD_TYPE_CHANGED"},
        buf="FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    ),
    row(
        "nested-message-removed",
        order("int32 id = 1; message Line { string sku = 1; }"),
        order("int32 id = 1;"),
        {"MESSAGE_REMOVED"},
        NONE,
    ),
    # Deleted fields -----------------------------------------------------------------
    row(
        "field-deleted-nothing-reserved",
        order("int32 id = 1; string note = 2;"),
        order("int32 id = 1;"),
        {"FIELD_NUMBER_NOT_RESERVED", "FIELD_NAME_NOT_RESERVED"},
        buf="FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
    ),
    row(
        "field-deleted-number-reserved",
        order("int32 id = 1; string note = 2;"),
        order("int32 id = 1; reserved 2;"),
        {"FIELD_NAME_NOT_RESERVED"},
        buf="FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
    ),
    row(
        "field-deleted-name-reserved",
        order("int32 id = 1; string note = 2;"),
        order('int32 id = 1; reserved "note";'),
        {"FIELD_NUMBER_NOT_RESERVED"},
        buf="FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
    ),
    # Scalar types ---------------------------------------------------------------------
    row(
        "int32-to-int64",
        order("int32 qty = 1;"),
        order("int64 qty = 1;"),
        TYPE,
        buf="FIELD_WIRE_JSON_COMPATIBLE_TYPE",
        lenient=(NONE, NONE),
    ),
    row(
        "int32-to-uint32",
        order("int32 qty = 1;"),
        order("uint32 qty = 1;"),
        buf="FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    ),
    row(
        "uint64-to-int64",
        order("uint64 qty = 1;"),
        order("int64 qty = 1;"),
        buf="FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    ),
    row(
        "fixed32-to-sfixed32",
        order("fixed32 qty = 1;"),
        order("sfixed32 qty = 1;"),
        buf="FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    ),
    row(
        "sfixed64-to-fixed64",
        order("sfixed64 qty = 1;"),
        order("fixed64 qty = 1;"),
        buf="FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    ),
    row(
        "sint32-to-sint64",
        order("sint32 qty = 1;"),
        order("sint64 qty = 1;"),
        TYPE,
        buf="FIELD_WIRE_COMPATIBLE_TYPE",
        lenient=(NONE, NONE),
    ),
    row(
        "bool-to-uint64",
        order("bool paid = 1;"),
        order("uint64 paid = 1;"),
        TYPE,
        buf="FIELD_WIRE_COMPATIBLE_TYPE",
        lenient=(NONE, NONE),
    ),
    row(
        "int32-to-sint32",
        order("int32 qty = 1;"),
        order("sint32 qty = 1;"),
        TYPE,
        buf="FIELD_WIRE_COMPATIBLE_TYPE",
    ),
    row(
        "int64-to-fixed64",
        order("int64 qty = 1;"),
        order("fixed64 qty = 1;"),
        TYPE,
        buf="FIELD_WIRE_COMPATIBLE_TYPE",
    ),
    row(
        "float-to-double",
        order("float price = 1;"),
        order("double price = 1;"),
        TYPE,
        buf="FIELD_WIRE_COMPATIBLE_TYPE",
    ),
    row(
        "string-to-bytes",
        order("string sku = 1;"),
        order("bytes sku = 1;"),
        TYPE,
        buf="FIELD_WIRE_COMPATIBLE_TYPE",
        lenient=(NONE, TYPE),
    ),
    row(
        "bytes-to-string",
        order("bytes sku = 1;"),
        order("string sku = 1;"),
        TYPE,
        buf="FIELD_WIRE_COMPATIBLE_TYPE",
        lenient=(TYPE, NONE),
    ),
    row(
        "enum-to-int32",
        order("enum Kind { KIND_UNKNOWN = 0; KIND_A = 1; } Kind kind = 1;"),
        order("enum Kind { KIND_UNKNOWN = 0; KIND_A = 1; } int32 kind = 1;"),
        TYPE,
        buf="FIELD_WIRE_COMPATIBLE_TYPE",
    ),
    row(
        "string-to-message",
        p3(f"message Order {{ string item = 1; }} {ITEM}"),
        p3(f"message Order {{ Item item = 1; }} {ITEM}"),
        TYPE,
        buf="FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    ),
    row(
        "message-type-changed",
        p3(f"message Order {{ Item item = 1; }} {ITEM} message Line {{ string sku = 1; }}"),
        p3(f"message Order {{ Line item = 1; }} {ITEM} message Line {{ string sku = 1; }}"),
        TYPE,
        buf="FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    ),
    row(
        "enum-moved-same-name-superset",
        order("enum Kind { KIND_UNKNOWN = 0; KIND_A = 1; } Kind kind = 1;"),
        p3(
            "message Order { Kind kind = 1; } enum Kind "
            "{ KIND_UNKNOWN = 0; KIND_A = 1; KIND_B = 2; }"
        ),
        buf="FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    ),
    row(
        "enum-replaced-by-another",
        p3(
            "message Order { Kind kind = 1; } enum Kind { KIND_UNKNOWN = 0; } enum Mode "
            "{ MODE_UNKNOWN = 0; }"
        ),
        p3(
            "message Order { Mode kind = 1; } enum Kind { KIND_UNKNOWN = 0; } enum Mode "
            "{ MODE_UNKNOWN = 0; }"
        ),
        TYPE,
        buf="FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    ),
    row(
        "message-to-group",
        order2("optional Line line = 1; message Line { optional int32 qty = 1; }"),
        order2("optional group Line = 1 { optional int32 qty = 1; }"),
        TYPE,
        buf="FIELD_WIRE_COMPATIBLE_TYPE",
    ),
    row(
        "editions-delimited-to-length-prefixed",
        ed(
            "message Order { Line line = 1 [features.message_encoding = DELIMITED];"
            " message Line { int32 qty = 1; } }"
        ),
        ed("message Order { Line line = 1; message Line { int32 qty = 1; } }"),
        TYPE,
        buf="FIELD_WIRE_COMPATIBLE_TYPE",
    ),
    # Cardinality -------------------------------------------------------------------
    row(
        "singular-to-repeated",
        order("string tag = 1;"),
        order("repeated string tag = 1;"),
        CARD,
        buf="FIELD_WIRE_COMPATIBLE_CARDINALITY",
    ),
    row(
        "repeated-to-singular-message",
        p3(f"message Order {{ repeated Item items = 1; }} {ITEM}"),
        p3(f"message Order {{ Item items = 1; }} {ITEM}"),
        CARD,
        buf="FIELD_WIRE_COMPATIBLE_CARDINALITY",
    ),
    row(
        "repeated-message-to-map",
        p3(
            "message Order { repeated Entry counts = 1; } message Entry "
            "{ string key = 1; int32 value = 2; }"
        ),
        p3(
            "message Order { map<string, int32> counts = 1; } message Entry "
            "{ string key = 1; int32 value = 2; }"
        ),
        CARD | TYPE,
        buf="FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
        lenient=(TYPE, TYPE),
    ),
    row(
        "implicit-to-explicit-presence",
        order("int32 qty = 1;"),
        order("optional int32 qty = 1;"),
        buf="FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
    ),
    row(
        "explicit-to-implicit-presence",
        order("optional string note = 1;"),
        order("string note = 1;"),
        buf="FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
    ),
    row(
        "editions-presence-implicit-to-explicit",
        ed("message Order { int32 qty = 1 [features.field_presence = IMPLICIT]; }"),
        ed("message Order { int32 qty = 1; }"),
        buf="FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
    ),
    # Required fields ----------------------------------------------------------------
    row(
        "optional-became-required",
        order2("optional int32 id = 1;"),
        order2("required int32 id = 1;"),
        {"REQUIRED_FIELD_ADDED"},
        buf="MESSAGE_SAME_REQUIRED_FIELDS",
    ),
    row(
        "required-became-optional",
        order2("required int32 id = 1;"),
        order2("optional int32 id = 1;"),
        {"REQUIRED_FIELD_REMOVED"},
        buf="MESSAGE_SAME_REQUIRED_FIELDS",
    ),
    row(
        "required-field-added",
        order2("optional int32 id = 1;"),
        order2("optional int32 id = 1; required string sku = 2;"),
        {"REQUIRED_FIELD_ADDED"},
        buf="MESSAGE_SAME_REQUIRED_FIELDS",
    ),
    row(
        "required-field-removed",
        order2("optional int32 id = 1; required string sku = 2;"),
        order2('optional int32 id = 1; reserved 2; reserved "sku";'),
        {"REQUIRED_FIELD_REMOVED"},
        buf="MESSAGE_SAME_REQUIRED_FIELDS",
    ),
    row(
        "editions-legacy-required-added",
        ed("message Order { int32 id = 1; }"),
        ed("message Order { int32 id = 1 [features.field_presence = LEGACY_REQUIRED]; }"),
        {"REQUIRED_FIELD_ADDED"},
        buf="MESSAGE_SAME_REQUIRED_FIELDS",
    ),
    # Oneofs ---------------------------------------------------------------------------
    row(
        "field-moved-into-new-oneof",
        order("string card = 1;"),
        order("oneof payment { string card = 1; }"),
        {"FIELD_ONEOF_CHANGED"},
        buf="FIELD_SAME_ONEOF",
    ),
    row(
        "field-moved-out-of-oneof",
        order("oneof payment { string card = 1; string iban = 2; }"),
        order("string card = 1; oneof payment { string iban = 2; }"),
        {"FIELD_ONEOF_CHANGED"},
        buf="FIELD_SAME_ONEOF",
    ),
    row(
        "fields-moved-into-existing-oneof",
        order("string card = 1; oneof payment { string iban = 2; }"),
        order("oneof payment { string card = 1; string iban = 2; }"),
        {"FIELD_ONEOF_CHANGED"},
        buf="FIELD_SAME_ONEOF",
    ),
    row(
        "oneof-renamed",
        order("oneof payment { string card = 1; }"),
        order("oneof method { string card = 1; }"),
        {"FIELD_ONEOF_CHANGED"},
        buf="FIELD_SAME_ONEOF",
    ),
    row(
        "field-added-to-existing-oneof",
        order("oneof payment { string card = 1; }"),
        order("oneof payment { string card = 1; string iban = 2; }"),
        NONE,
        {"ONEOF_FIELD_ADDED"},
    ),
    row(
        "field-removed-from-oneof",
        order("oneof payment { string card = 1; string iban = 2; }"),
        order('oneof payment { string card = 1; } reserved 2; reserved "iban";'),
        {"ONEOF_FIELD_REMOVED"},
        NONE,
    ),
    # Names ----------------------------------------------------------------------------
    row(
        "field-renamed",
        order("int32 qty = 1;"),
        order("int32 quantity = 1;"),
        {"FIELD_RENAMED"},
        buf="FIELD_SAME_NAME",
    ),
    row(
        "field-renamed-json-name-kept",
        order("int32 qty = 1;"),
        order('int32 quantity = 1 [json_name = "qty"];'),
        {"FIELD_RENAMED"},
        buf="FIELD_SAME_NAME",
    ),
    row(
        "json-name-set",
        order("int32 qty = 1;"),
        order('int32 qty = 1 [json_name = "count"];'),
        {"FIELD_JSON_NAME_CHANGED"},
        buf="FIELD_SAME_JSON_NAME",
    ),
    row(
        "json-name-equal-to-default",
        order("int32 unit_price = 1;"),
        order('int32 unit_price = 1 [json_name = "unitPrice"];'),
        buf="FIELD_SAME_JSON_NAME",
    ),
    # Defaults and UTF-8 -----------------------------------------------------------------
    row(
        "default-changed",
        order2("optional int32 qty = 1 [default = 1];"),
        order2("optional int32 qty = 1 [default = 2];"),
        {"FIELD_DEFAULT_CHANGED"},
        buf="FIELD_SAME_DEFAULT",
    ),
    row(
        "explicit-default-equal-to-implicit",
        order2("optional int32 qty = 1;"),
        order2("optional int32 qty = 1 [default = 0];"),
        buf="FIELD_SAME_DEFAULT",
    ),
    row(
        "string-gains-utf8-validation",
        ed("message Order { string sku = 1 [features.utf8_validation = NONE]; }"),
        ed("message Order { string sku = 1; }"),
        {"FIELD_UTF8_VALIDATION_ADDED"},
        NONE,
        buf="FIELD_SAME_UTF8_VALIDATION",
    ),
    row(
        "string-loses-utf8-validation",
        ed("message Order { string sku = 1; }"),
        ed("message Order { string sku = 1 [features.utf8_validation = NONE]; }"),
        NONE,
        {"FIELD_UTF8_VALIDATION_ADDED"},
        buf="FIELD_SAME_UTF8_VALIDATION",
    ),
    row(
        "proto2-to-proto3-string",
        order2("optional string sku = 1;"),
        order("string sku = 1;"),
        {"FIELD_UTF8_VALIDATION_ADDED"},
        NONE,
        buf="FIELD_SAME_UTF8_VALIDATION",
    ),
    # Maps -------------------------------------------------------------------------------
    row(
        "map-key-changed",
        order("map<string, int32> counts = 1;"),
        order("map<int64, int32> counts = 1;"),
        {"MAP_KEY_TYPE_CHANGED"},
        buf="FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    ),
    row(
        "map-value-changed",
        order("map<string, int32> counts = 1;"),
        order("map<string, string> counts = 1;"),
        {"MAP_VALUE_TYPE_CHANGED"},
        buf="FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    ),
    row(
        "map-value-int32-to-uint32",
        order("map<string, int32> counts = 1;"),
        order("map<string, uint32> counts = 1;"),
        buf="FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    ),
    row(
        "map-value-int32-to-int64",
        order("map<string, int32> counts = 1;"),
        order("map<string, int64> counts = 1;"),
        {"MAP_VALUE_TYPE_CHANGED"},
        buf="FIELD_WIRE_COMPATIBLE_TYPE",
        lenient=(NONE, NONE),
    ),
    row(
        "map-value-message-changed",
        p3(
            f"message Order {{ map<string, Item> items = 1; }} {ITEM} message Line "
            f"{{ int32 qty = 2; }}"
        ),
        p3(
            f"message Order {{ map<string, Line> items = 1; }} {ITEM} message Line "
            f"{{ int32 qty = 2; }}"
        ),
        {"MAP_VALUE_TYPE_CHANGED"},
        buf="FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    ),
    # Enums ------------------------------------------------------------------------------
    row(
        "enum-value-added",
        order("enum Kind { KIND_UNKNOWN = 0; KIND_A = 1; } Kind kind = 1;"),
        order("enum Kind { KIND_UNKNOWN = 0; KIND_A = 1; KIND_B = 2; } Kind kind = 1;"),
    ),
    row(
        "enum-value-deleted-nothing-reserved",
        order("enum Kind { KIND_UNKNOWN = 0; KIND_A = 1; KIND_B = 2; } Kind kind = 1;"),
        order("enum Kind { KIND_UNKNOWN = 0; KIND_A = 1; } Kind kind = 1;"),
        {"ENUM_VALUE_NUMBER_NOT_RESERVED", "ENUM_VALUE_NAME_NOT_RESERVED"},
        buf="ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
    ),
    row(
        "enum-value-deleted-number-reserved",
        order("enum Kind { KIND_UNKNOWN = 0; KIND_A = 1; KIND_B = 2; } Kind kind = 1;"),
        order("enum Kind { KIND_UNKNOWN = 0; KIND_A = 1; reserved 2; } Kind kind = 1;"),
        {"ENUM_VALUE_NAME_NOT_RESERVED"},
        buf="ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
    ),
    row(
        "enum-value-deleted-both-reserved",
        order("enum Kind { KIND_UNKNOWN = 0; KIND_A = 1; KIND_B = 2; } Kind kind = 1;"),
        order(
            'enum Kind { KIND_UNKNOWN = 0; KIND_A = 1; reserved 2; reserved "KIND_B"; } '
            "Kind kind = 1;"
        ),
        buf="ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
    ),
    row(
        "enum-value-renamed",
        order("enum Kind { KIND_UNKNOWN = 0; KIND_A = 1; } Kind kind = 1;"),
        order("enum Kind { KIND_UNKNOWN = 0; KIND_ALPHA = 1; } Kind kind = 1;"),
        {"ENUM_VALUE_RENAMED"},
        buf="ENUM_VALUE_SAME_NAME",
    ),
    row(
        "enum-value-renumbered",
        order("enum Kind { KIND_UNKNOWN = 0; KIND_A = 1; } Kind kind = 1;"),
        order("enum Kind { KIND_UNKNOWN = 0; KIND_A = 2; reserved 1; } Kind kind = 1;"),
        {"ENUM_VALUE_RENUMBERED"},
        buf="ENUM_VALUE_SAME_NAME",
    ),
    row(
        "enum-alias-added",
        order(
            "enum Kind { option allow_alias = true; KIND_UNKNOWN = 0; KIND_A = 1; KIND_AA = 1; }"
            " Kind kind = 1;"
        ),
        order(
            "enum Kind { option allow_alias = true; KIND_UNKNOWN = 0; KIND_A = 1; KIND_AA = 1; "
            "KIND_AAA = 1; } Kind kind = 1;"
        ),
        buf="ENUM_VALUE_SAME_NAME",
    ),
    row(
        "enum-alias-removed",
        order(
            "enum Kind { option allow_alias = true; KIND_UNKNOWN = 0; KIND_A = 1; KIND_AA = 1; "
            "KIND_AAA = 1; } Kind kind = 1;"
        ),
        order(
            "enum Kind { option allow_alias = true; KIND_UNKNOWN = 0; KIND_A = 1; KIND_AA = 1; }"
            " Kind kind = 1;"
        ),
        {"ENUM_VALUE_RENAMED"},
        buf="ENUM_VALUE_SAME_NAME",
    ),
    row(
        "unused-enum-removed",
        order("enum Kind { KIND_UNKNOWN = 0; } int32 id = 1;"),
        order("int32 id = 1;"),
    ),
    # Reservations -----------------------------------------------------------------------
    row(
        "reserved-range-removed",
        order("int32 id = 1; reserved 2 to 4;"),
        order("int32 id = 1;"),
        {"RESERVED_RANGE_REMOVED"},
        buf="RESERVED_MESSAGE_NO_DELETE",
    ),
    row(
        "reserved-range-shrunk",
        order("int32 id = 1; reserved 2 to 9;"),
        order("int32 id = 1; reserved 2 to 4;"),
        {"RESERVED_RANGE_REMOVED"},
        buf="RESERVED_MESSAGE_NO_DELETE",
    ),
    row(
        "reserved-ranges-merged",
        order("int32 id = 1; reserved 2, 3, 4;"),
        order("int32 id = 1; reserved 2 to 4;"),
        buf="RESERVED_MESSAGE_NO_DELETE",
    ),
    row(
        "reserved-number-reused",
        order("int32 id = 1; reserved 2;"),
        order("int32 id = 1; string note = 2;"),
        {"RESERVED_RANGE_REMOVED"},
        buf="RESERVED_MESSAGE_NO_DELETE",
    ),
    row(
        "reserved-name-removed",
        order('int32 id = 1; reserved "note";'),
        order("int32 id = 1;"),
        {"RESERVED_NAME_REMOVED"},
        buf="RESERVED_MESSAGE_NO_DELETE",
    ),
    row(
        "enum-reserved-range-removed",
        order("enum Kind { KIND_UNKNOWN = 0; reserved 5 to 7; } Kind kind = 1;"),
        order("enum Kind { KIND_UNKNOWN = 0; } Kind kind = 1;"),
        {"RESERVED_RANGE_REMOVED"},
        buf="RESERVED_ENUM_NO_DELETE",
    ),
    # JSON support, message sets -----------------------------------------------------------
    row(
        "message-json-format-to-best-effort",
        ed("message Order { int32 id = 1; }"),
        ed("message Order { option features.json_format = LEGACY_BEST_EFFORT; int32 id = 1; }"),
        {"MESSAGE_JSON_FORMAT_CHANGED"},
        buf="MESSAGE_SAME_JSON_FORMAT",
    ),
    row(
        "enum-json-format-to-best-effort",
        ed("enum Kind { KIND_UNKNOWN = 0; } message Order { Kind kind = 1; }"),
        ed(
            "enum Kind { option features.json_format = LEGACY_BEST_EFFORT; KIND_UNKNOWN = 0; }"
            " message Order { Kind kind = 1; }"
        ),
        {"ENUM_JSON_FORMAT_CHANGED"},
        buf="ENUM_SAME_JSON_FORMAT",
    ),
    row(
        "message-set-wire-format",
        order2("extensions 4 to max;"),
        order2("option message_set_wire_format = true; extensions 4 to max;"),
        {"MESSAGE_SET_WIRE_FORMAT_CHANGED"},
        buf="MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT",
    ),
    # Extensions ----------------------------------------------------------------------------
    row(
        "extension-type-changed",
        p2("message Order { extensions 100 to 199; } extend Order { optional int32 rush = 100; }"),
        p2("message Order { extensions 100 to 199; } extend Order { optional string rush = 100; }"),
        TYPE,
        buf="FIELD_WIRE_COMPATIBLE_TYPE",
    ),
    # Methods ---------------------------------------------------------------------------------
    row(
        "rpc-request-type-changed",
        p3(
            f"message Order {{ int32 id = 1; }} {ITEM} service Orders "
            f"{{ rpc Get(Order) returns (Order); }}"
        ),
        p3(
            f"message Order {{ int32 id = 1; }} {ITEM} service Orders "
            f"{{ rpc Get(Item) returns (Order); }}"
        ),
        {"RPC_REQUEST_TYPE_CHANGED"},
        buf="RPC_SAME_REQUEST_TYPE",
    ),
    row(
        "rpc-response-type-changed",
        p3(
            f"message Order {{ int32 id = 1; }} {ITEM} service Orders "
            f"{{ rpc Get(Order) returns (Order); }}"
        ),
        p3(
            f"message Order {{ int32 id = 1; }} {ITEM} service Orders "
            f"{{ rpc Get(Order) returns (Item); }}"
        ),
        {"RPC_RESPONSE_TYPE_CHANGED"},
        buf="RPC_SAME_RESPONSE_TYPE",
    ),
    row(
        "rpc-streaming-changed",
        p3("message Order { int32 id = 1; } service Orders { rpc Get(Order) returns (Order); }"),
        p3(
            "message Order { int32 id = 1; } service Orders "
            "{ rpc Get(Order) returns (stream Order); }"
        ),
        {"RPC_STREAMING_CHANGED"},
        buf="RPC_SAME_SERVER_STREAMING",
    ),
    row(
        "rpc-idempotency-changed",
        p3("message Order { int32 id = 1; } service Orders { rpc Get(Order) returns (Order); }"),
        p3(
            "message Order { int32 id = 1; } service Orders { rpc Get(Order) returns (Order) "
            "{ option idempotency_level = NO_SIDE_EFFECTS; } }"
        ),
        {"RPC_IDEMPOTENCY_CHANGED"},
        buf="RPC_SAME_IDEMPOTENCY_LEVEL",
    ),
    # Well-known types ------------------------------------------------------------------------
    row(
        "well-known-type-changed",
        p3(
            'import "google/protobuf/timestamp.proto"; message Order '
            "{ google.protobuf.Timestamp at = 1; }"
        ),
        p3(
            'import "google/protobuf/duration.proto"; message Order '
            "{ google.protobuf.Duration at = 1; }"
        ),
        TYPE,
        buf="FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    ),
]


def _parsed(text: str) -> ParsedSchema:
    return PROTOBUF.parse(text)


def _codes(row: Row, direction: Direction, policy: CompatibilityPolicy) -> frozenset[str]:
    found = PROTOBUF.find_incompatibilities(_parsed(row.old), _parsed(row.new), direction, policy)
    return frozenset(item.code for item in found)


CASES = [
    pytest.param(r, d, p, id=f"{r.id}-{d.value}-{p.value}")
    for r in ROWS
    for d in (BACKWARD, FORWARD)
    for p in (STRICT, LENIENT)
]


def test_the_table_has_at_least_sixty_pairs_with_distinct_ids() -> None:
    assert len(ROWS) >= 60
    assert len({r.id for r in ROWS}) == len(ROWS)


@pytest.mark.parametrize(("row", "direction", "policy"), CASES)
def test_each_pair_reports_exactly_the_codes_of_its_rule(
    row: Row, direction: Direction, policy: CompatibilityPolicy
) -> None:
    assert _codes(row, direction, policy) == row.expected(direction, policy)


def test_every_code_is_exercised_in_each_direction_its_rule_applies_to() -> None:
    seen = {BACKWARD: set[str](), FORWARD: set[str]()}
    for r in ROWS:
        for direction in (BACKWARD, FORWARD):
            for policy in (STRICT, LENIENT):
                seen[direction] |= r.expected(direction, policy)
    for code, rule in CODES.items():
        applies = {"BACKWARD": {BACKWARD}, "FORWARD": {FORWARD}}.get(
            rule.direction, {BACKWARD, FORWARD}
        )
        for direction in (BACKWARD, FORWARD):
            assert (code in seen[direction]) == (direction in applies), (code, direction)


def test_every_row_citing_buf_cites_a_wire_or_wire_json_rule() -> None:
    cited = {r.buf for r in ROWS if r.buf}
    assert cited <= BUF_RULES
    codes_buf = " ".join(rule.buf for rule in CODES.values())
    assert all(rule in codes_buf for rule in cited - {"FIELD_WIRE_COMPATIBLE_CARDINALITY"})


def _compatible(direction: Direction, policy: CompatibilityPolicy) -> list[object]:
    return [pytest.param(r, id=r.id) for r in ROWS if not r.expected(direction, policy)]


def _sides(row: Row, direction: Direction) -> tuple[ParsedSchema, ParsedSchema]:
    old, new = _parsed(row.old), _parsed(row.new)
    return (old, new) if direction is BACKWARD else (new, old)


@pytest.mark.parametrize("row", _compatible(BACKWARD, LENIENT))
def test_pairs_compatible_backward_decode_old_records_with_the_new_schema(row: Row) -> None:
    writer, reader = _sides(row, BACKWARD)
    assert binary_round_trips(writer, reader) > 0


@pytest.mark.parametrize("row", _compatible(FORWARD, LENIENT))
def test_pairs_compatible_forward_decode_new_records_with_the_old_schema(row: Row) -> None:
    writer, reader = _sides(row, FORWARD)
    assert binary_round_trips(writer, reader) > 0


@pytest.mark.parametrize("row", _compatible(BACKWARD, STRICT))
def test_pairs_compatible_backward_under_strict_also_keep_values_through_json(row: Row) -> None:
    writer, reader = _sides(row, BACKWARD)
    assert json_round_trips(writer, reader) > 0


@pytest.mark.parametrize("row", _compatible(FORWARD, STRICT))
def test_pairs_compatible_forward_under_strict_also_keep_values_through_json(row: Row) -> None:
    writer, reader = _sides(row, FORWARD)
    assert json_round_trips(writer, reader) > 0


# Records ---------------------------------------------------------------------------------


def test_a_type_change_names_the_field_and_its_number_with_element_paths() -> None:
    old = _parsed(p3(f"message Order {{ repeated Item items = 3; }} {ITEM}"))
    new = _parsed(p3(f"message Order {{ repeated string items = 3; }} {ITEM}"))

    [record] = PROTOBUF.find_incompatibilities(old, new, BACKWARD)

    assert (record.code, record.old_path, record.new_path) == (
        "FIELD_TYPE_CHANGED",
        "#/Order/items",
        "#/Order/items",
    )
    assert record.message == "Field 'Order.items' (3): type changed from Item to string."


def test_a_deleted_field_points_at_its_message_on_the_new_side() -> None:
    old = _parsed(order2("optional int32 id = 1; message Line { optional int32 qty = 7; }"))
    new = _parsed(order2("optional int32 id = 1; message Line { }"))

    records = PROTOBUF.find_incompatibilities(old, new, FORWARD, LENIENT)

    assert [(r.code, r.old_path, r.new_path) for r in records] == [
        ("FIELD_NUMBER_NOT_RESERVED", "#/Order/Line/qty", "#/Order/Line")
    ]
    assert "'Order.Line.qty' (7)" in records[0].message


def test_a_renamed_field_has_its_old_and_new_name_in_the_paths() -> None:
    [record] = PROTOBUF.find_incompatibilities(
        _parsed(order("int32 qty = 1;")), _parsed(order("int32 quantity = 1;")), BACKWARD
    )

    assert (record.old_path, record.new_path) == ("#/Order/qty", "#/Order/quantity")


def test_a_changed_imported_type_is_found_through_the_reference() -> None:
    def money(units: str) -> ResolvedReference:
        text = p3(f"message Money {{ {units} units = 1; }}", "finance")
        return ResolvedReference("money.proto", "money", 1, PROTOBUF.parse(text))

    text = p3('import "money.proto"; message Order { finance.Money total = 1; }')
    old = PROTOBUF.parse(text, context=ParseContext(references=(money("int64"),)))
    new = PROTOBUF.parse(text, context=ParseContext(references=(money("string"),)))

    [record] = PROTOBUF.find_incompatibilities(old, new, BACKWARD)

    assert (record.code, record.old_path) == ("FIELD_TYPE_CHANGED", "#/finance/Money/units")


def test_full_transitive_reports_each_earlier_version_it_breaks() -> None:
    history = [
        (Version(1), _parsed(order("int32 id = 1;"))),
        (Version(2), _parsed(order("int32 id = 1; string note = 2;"))),
    ]
    candidate = _parsed(order("int32 id = 1; int64 note = 2;"))

    found = check_compatibility(PROTOBUF, CompatibilityLevel.FULL_TRANSITIVE, candidate, history)

    assert {(r.version, r.direction, r.code) for r in found} == {
        (Version(2), BACKWARD, "FIELD_TYPE_CHANGED"),
        (Version(2), FORWARD, "FIELD_TYPE_CHANGED"),
    }


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (order("int32 qty = 1;"), order("sint32 qty = 1;")),
        (order("fixed64 qty = 1;"), order("double qty = 1;")),
        (order("repeated int32 qty = 1;"), order("int32 qty = 1;")),
    ],
)
def test_the_round_trip_proof_fails_on_pairs_the_rules_refuse(old: str, new: str) -> None:
    """The proof is not vacuous: where the rules refuse a change, values do change."""
    assert PROTOBUF.find_incompatibilities(_parsed(old), _parsed(new), BACKWARD, LENIENT)
    with pytest.raises(AssertionError):
        binary_round_trips(_parsed(old), _parsed(new))
