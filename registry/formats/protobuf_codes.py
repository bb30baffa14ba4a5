"""Stable incompatibility codes of Protobuf schemas. Public API: add codes, never rename.

Each code names the Buf breaking rule it corresponds to ("" when Buf has none: the rule
comes from Confluent's checker) and whether it also holds under the LENIENT policy:
STRICT (the default) is Buf's WIRE_JSON category joined with Confluent's rules; LENIENT
is Buf's WIRE category joined with Confluent's rules (the JSON-only rules are dropped
and WIRE's wider type groups apply). "Writer" is the schema records are written with,
"reader" the one decoding them: BACKWARD checks old (writer) against new (reader),
FORWARD new (writer) against old (reader). Rules marked "either" compare the two
versions as Buf does (old against new, whichever is the writer), so they are reported in
both directions; "reader" rules depend on which version reads; BACKWARD and FORWARD
rules exist in that direction only. FIELD_TYPE_CHANGED is "either" except that under
LENIENT a string read as bytes passes and bytes read as string does not (Buf's WIRE).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    summary: str
    buf: str  # Buf's rule id(s), "" when the rule is Confluent's alone
    lenient: bool  # also reported under the LENIENT policy
    direction: str  # "either", "BACKWARD" or "FORWARD"


CODES: dict[str, Rule] = {
    "PACKAGE_CHANGED": Rule("The file's package changed.", "FILE_SAME_PACKAGE", True, "either"),
    "MESSAGE_REMOVED": Rule(
        "A message of the old schema is gone: records of that type cannot be decoded.",
        "",
        True,
        "BACKWARD",
    ),
    "MESSAGE_ADDED": Rule(
        "A message the old schema lacks: readers using it cannot decode records of that type.",
        "",
        True,
        "FORWARD",
    ),
    "FIELD_NUMBER_NOT_RESERVED": Rule(
        "A field was deleted without reserving its number.",
        "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
        True,
        "either",
    ),
    "FIELD_NAME_NOT_RESERVED": Rule(
        "A field was deleted without reserving its name (JSON uses names).",
        "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
        False,
        "either",
    ),
    "FIELD_TYPE_CHANGED": Rule(
        "A field's type changed outside the compatible groups.",
        "FIELD_WIRE_JSON_COMPATIBLE_TYPE (LENIENT: FIELD_WIRE_COMPATIBLE_TYPE)",
        True,
        "either",
    ),
    "FIELD_CARDINALITY_CHANGED": Rule(
        "A field changed between singular, repeated and map.",
        "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY (LENIENT: FIELD_WIRE_COMPATIBLE_CARDINALITY)",
        True,
        "either",
    ),
    "REQUIRED_FIELD_ADDED": Rule(
        "A required field was added, or a field became required.",
        "MESSAGE_SAME_REQUIRED_FIELDS",
        True,
        "either",
    ),
    "REQUIRED_FIELD_REMOVED": Rule(
        "A required field was removed or became optional.",
        "MESSAGE_SAME_REQUIRED_FIELDS",
        True,
        "either",
    ),
    "FIELD_ONEOF_CHANGED": Rule(
        "A field moved into or out of a oneof, or to another oneof.",
        "FIELD_SAME_ONEOF",
        True,
        "either",
    ),
    "ONEOF_FIELD_REMOVED": Rule(
        "A field left a oneof that remains: which member old records set is lost.",
        "",
        True,
        "BACKWARD",
    ),
    "ONEOF_FIELD_ADDED": Rule(
        "A field joined an existing oneof: old readers cannot tell which member is set.",
        "",
        True,
        "FORWARD",
    ),
    "FIELD_RENAMED": Rule(
        "A field's name changed (JSON uses names).", "FIELD_SAME_NAME", False, "either"
    ),
    "FIELD_JSON_NAME_CHANGED": Rule(
        "A field's JSON name changed.", "FIELD_SAME_JSON_NAME", False, "either"
    ),
    "FIELD_DEFAULT_CHANGED": Rule(
        "The value an unset field reads as changed.", "FIELD_SAME_DEFAULT", True, "either"
    ),
    "FIELD_UTF8_VALIDATION_ADDED": Rule(
        "The reader checks a string field for valid UTF-8 and the writer does not.",
        "FIELD_SAME_UTF8_VALIDATION",
        True,
        "reader",
    ),
    "MAP_KEY_TYPE_CHANGED": Rule(
        "A map's key type changed outside the compatible groups.",
        "FIELD_WIRE_JSON_COMPATIBLE_TYPE (LENIENT: FIELD_WIRE_COMPATIBLE_TYPE)",
        True,
        "either",
    ),
    "MAP_VALUE_TYPE_CHANGED": Rule(
        "A map's value type changed outside the compatible groups.",
        "FIELD_WIRE_JSON_COMPATIBLE_TYPE (LENIENT: FIELD_WIRE_COMPATIBLE_TYPE)",
        True,
        "either",
    ),
    "ENUM_VALUE_NUMBER_NOT_RESERVED": Rule(
        "An enum value was deleted without reserving its number.",
        "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
        True,
        "either",
    ),
    "ENUM_VALUE_NAME_NOT_RESERVED": Rule(
        "An enum value was deleted without reserving its name (JSON uses names).",
        "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
        False,
        "either",
    ),
    "ENUM_VALUE_RENAMED": Rule(
        "An enum number lost a name it had (JSON uses names).",
        "ENUM_VALUE_SAME_NAME",
        False,
        "either",
    ),
    "ENUM_VALUE_RENUMBERED": Rule(
        "An enum value name now stands for another number.",
        "ENUM_VALUE_SAME_NAME, ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
        True,
        "either",
    ),
    "RESERVED_RANGE_REMOVED": Rule(
        "Reserved numbers of a message or enum are no longer reserved.",
        "RESERVED_MESSAGE_NO_DELETE, RESERVED_ENUM_NO_DELETE",
        True,
        "either",
    ),
    "RESERVED_NAME_REMOVED": Rule(
        "A reserved name of a message or enum is no longer reserved.",
        "RESERVED_MESSAGE_NO_DELETE, RESERVED_ENUM_NO_DELETE",
        True,
        "either",
    ),
    "MESSAGE_JSON_FORMAT_CHANGED": Rule(
        "A message went from full JSON support to best effort.",
        "MESSAGE_SAME_JSON_FORMAT",
        False,
        "either",
    ),
    "ENUM_JSON_FORMAT_CHANGED": Rule(
        "An enum went from full JSON support to best effort.",
        "ENUM_SAME_JSON_FORMAT",
        False,
        "either",
    ),
    "MESSAGE_SET_WIRE_FORMAT_CHANGED": Rule(
        "A message's message_set_wire_format option changed.",
        "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT",
        True,
        "either",
    ),
    "RPC_REQUEST_TYPE_CHANGED": Rule(
        "A method's request type changed.", "RPC_SAME_REQUEST_TYPE", True, "either"
    ),
    "RPC_RESPONSE_TYPE_CHANGED": Rule(
        "A method's response type changed.", "RPC_SAME_RESPONSE_TYPE", True, "either"
    ),
    "RPC_STREAMING_CHANGED": Rule(
        "A method's client or server streaming changed.",
        "RPC_SAME_CLIENT_STREAMING, RPC_SAME_SERVER_STREAMING",
        True,
        "either",
    ),
    "RPC_IDEMPOTENCY_CHANGED": Rule(
        "A method's idempotency_level changed.", "RPC_SAME_IDEMPOTENCY_LEVEL", True, "either"
    ),
}
