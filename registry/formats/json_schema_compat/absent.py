"""The LLM policy's reading rule for required keys: one the writer never writes reads as
null, where null fits (see ``policy``)."""

from __future__ import annotations

from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.nodes import Node
from registry.formats.json_schema_compat.properties import key_constraints, tolerates_open_keys

# Reader keywords a key filled with null could break (one more property, one more name,
# a trigger of dependentRequired/dependentSchemas, a branch of a conditional or a `not`
# now taken). A reader object with any of them is compared as under STRICT.
_FILL_SENSITIVE = frozenset(
    {
        "maxProperties",
        "propertyNames",
        "dependentRequired",
        "dependentSchemas",
        "if",
        "then",
        "else",
        "not",
        "unevaluatedProperties",
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
    """Whether the reader's object, once ``name`` is filled with null, still holds for
    everything else it says: it is whole, has no keyword the new key could break, and
    every schema it applies to the key accepts null."""
    if not reader.is_whole() or not _FILL_SENSITIVE.isdisjoint(reader.view):
        return False
    constraints = key_constraints(reader, name, reader.members("patternProperties"))
    return constraints is not None and all(node.rejection(None) is None for _, node in constraints)
