"""What each compatibility policy lets through.

STRICT proves "every document valid under the writer is valid under the reader" and
reports anything it cannot prove.

LENIENT is STRICT's verdict plus the changes that are safe under one assumption about the
documents: they carry no undeclared keys. A key a whole writer's open model (no
``additionalProperties``, or ``true``) leaves undeclared, and a key a reader's closed
model (``additionalProperties: false``) leaves out, is taken to be absent. So LENIENT
also accepts, as Confluent's lenient set does:
- a property or ``patternProperties`` entry the reader constrains that the writer's open
  model leaves undeclared (PROPERTY_ADDED_TO_OPEN_MODEL);
- a property or pattern the writer declares that the reader's closed model drops
  (PROPERTY_REMOVED_FROM_CLOSED_MODEL);
- the reader's ``additionalProperties`` (or the ``unevaluatedProperties`` standing for it)
  closed or narrowed, for the keys the assumption leaves out: those an open writer leaves
  undeclared, and any key when the reader is closed (ADDITIONAL_PROPERTIES_NARROWED, in
  those cases only; ``properties._assumed_absent`` decides).
A partly open model (``additionalProperties`` a schema) declares what its other keys hold,
so those keys are compared as under STRICT, and so is everything else.

LENIENT never refuses what STRICT accepts: the assumption is about the writer's documents,
so lemmas about schemas (that one subschema fits within another, whichever side each comes
from: a reader's ``not``, an ``if``, a ``contains``) are proved with no code tolerated.

LLM is LENIENT's verdict plus what holds under the way applications read model output
(tool-call arguments, structured output): (a) a reader ignores the keys its closed models
do not declare, which LENIENT's acceptances already cover; (b) a key a reader requires but
the writer never writes reads as null, when null fits there. So LLM also accepts a
property the reader requires (REQUIRED_PROPERTY_ADDED) when both hold
(``absent.reads_as_null`` decides):
- the writer never writes the key: its model is closed (or capped by ``maxProperties``)
  without it, its schema for it is ``false``, or, under LENIENT's assumption, a whole
  open model leaves it undeclared (no property, no matching pattern, no
  ``additionalProperties`` schema);
- the reader is *plain* (each value governed by one subschema: ``properties``,
  ``items``, ``prefixItems``, ``additionalProperties``, ``$defs`` through a bare ``$ref``,
  ``anyOf`` with nothing asserting beside it; no ``allOf``, ``oneOf``, ``not``,
  conditionals, ``dependentSchemas``, ``contains``, ``patternProperties``,
  ``unevaluated*``), the object has no keyword a filled key could break
  (``maxProperties``, ``propertyNames``, ``dependentRequired``, ``enum``, ``const``), and
  its schema for the key (its property, else ``additionalProperties``) accepts null.
Anywhere else, and wherever a conditional (``if``/``then``) requires the key, the code is
reported as under STRICT. LLM never refuses what LENIENT accepts, for the same reason
LENIENT never refuses what STRICT accepts.
"""

from __future__ import annotations

from registry.model import CompatibilityPolicy

STRICT_TOLERATED: frozenset[str] = frozenset()

LENIENT_TOLERATED: frozenset[str] = frozenset(
    {
        # Optional property added to an open model (BACKWARD), or removed from one (FORWARD).
        "PROPERTY_ADDED_TO_OPEN_MODEL",
        # Property removed from a closed model (BACKWARD), or added to one (FORWARD).
        "PROPERTY_REMOVED_FROM_CLOSED_MODEL",
    }
)

CONDITIONALLY_TOLERATED: frozenset[str] = frozenset({"REQUIRED_PROPERTY_ADDED"})
"""Codes a policy lists but accepts only where the reporting rule says its condition holds
(``Comparison.report(..., condition_met=True)``); reported everywhere else."""

LLM_TOLERATED: frozenset[str] = LENIENT_TOLERATED | {
    # A required key the writer never writes and whose reader schema accepts null.
    "REQUIRED_PROPERTY_ADDED",
}

_TOLERATED = {
    CompatibilityPolicy.STRICT: STRICT_TOLERATED,
    CompatibilityPolicy.LENIENT: LENIENT_TOLERATED,
    CompatibilityPolicy.LLM: LLM_TOLERATED,
}


def tolerated_codes(policy: CompatibilityPolicy) -> frozenset[str]:
    """Codes ``policy`` does not count as breaking (see the module docstring for those it
    accepts only where its assumption, or its reading rule, covers them)."""
    return _TOLERATED[policy]
