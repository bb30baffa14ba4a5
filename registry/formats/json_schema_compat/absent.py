"""The LLM policy's reading rule for required keys: one the writer never writes reads as
null, where null fits (see ``policy``).

The rule compares one reader subschema at a time, so a key is filled only in a plain
reader (``plain``), where that subschema is all the reader says about the value;
elsewhere the code is reported as under LENIENT.
"""

from __future__ import annotations

from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.nodes import Node
from registry.formats.json_schema_compat.plain import is_plain
from registry.formats.json_schema_compat.properties import key_constraints, tolerates_open_keys

# Reader keywords of the object itself that a key filled with null could break: one more
# property, one more name, a dependentRequired trigger now present, a listed value no
# longer matched.
_FILL_SENSITIVE = frozenset(
    {"maxProperties", "propertyNames", "dependentRequired", "dependencies", "enum", "const"}
)


# Keywords that may reject null whatever its type; beside none of them, "type" decides.
_NULL_DECIDED_ELSEWHERE = frozenset(
    {
        "enum",
        "const",
        "not",
        "allOf",
        "anyOf",
        "oneOf",
        "$ref",
        "$dynamicRef",
        "$recursiveRef",
        "if",
        "then",
        "else",
    }
)


def reads_as_null(
    writer: Node, reader: Node, name: str, writable: frozenset[str] | None, ctx: Comparison
) -> bool:
    """Whether the reader's required key ``name`` is one the writer never writes and the
    reader reads as null: the condition on which LLM accepts REQUIRED_PROPERTY_ADDED."""
    return is_never_written(writer, name, writable, ctx) and accepts_null_for(reader, name)


def is_never_written(
    writer: Node, name: str, writable: frozenset[str] | None, ctx: Comparison
) -> bool:
    """The writer's model is closed (or capped) without ``name``, its schema for it is
    ``false``, or (LENIENT's assumption: no undeclared keys) a whole open model leaves it
    undeclared."""
    declared = writer.child("properties", name)
    if declared is not None and declared.is_false:
        return True
    if writable is not None:
        return name not in writable
    if not tolerates_open_keys(writer, ctx):
        return False
    constraints = key_constraints(writer, name, writer.members("patternProperties"))
    # Only an open model's additionalProperties applies: nothing declares the key. A
    # schema there (a partly open model) says what such keys hold: they may be written.
    return constraints is not None and all(
        kind == "additional" and not node.asserts_anything() for kind, node in constraints
    )


def accepts_null_for(reader: Node, name: str) -> bool:
    """Whether the reader's object, once ``name`` is filled with null, still holds: the
    reader document is plain, this object is all of it that governs the value, nothing
    of the object's own depends on which keys are present, and its schema for the key
    accepts null."""
    if not reader.is_whole() or not _FILL_SENSITIVE.isdisjoint(reader.view):
        return False
    if not is_plain(reader.side):
        return False
    constraints = key_constraints(reader, name, reader.members("patternProperties"))
    return constraints is not None and all(_accepts_null(node) for _, node in constraints)


def _accepts_null(node: Node) -> bool:
    if node.is_false:
        return False
    if _NULL_DECIDED_ELSEWHERE.isdisjoint(node.view):
        # Every other keyword constrains only values of its own type, never null.
        declared = node.view.get("type")
        return (
            declared is None
            or declared == "null"
            or (isinstance(declared, list) and "null" in declared)
        )
    return node.rejection(None) is None
