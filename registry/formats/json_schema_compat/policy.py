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
"""

from __future__ import annotations

STRICT_TOLERATED: frozenset[str] = frozenset()

LENIENT_TOLERATED: frozenset[str] = frozenset(
    {
        # Optional property added to an open model (BACKWARD), or removed from one (FORWARD).
        "PROPERTY_ADDED_TO_OPEN_MODEL",
        # Property removed from a closed model (BACKWARD), or added to one (FORWARD).
        "PROPERTY_REMOVED_FROM_CLOSED_MODEL",
    }
)


def tolerated_codes(*, lenient: bool) -> frozenset[str]:
    """Codes a policy does not count as breaking (see the module docstring for the one
    LENIENT accepts only where its assumption covers it)."""
    return LENIENT_TOLERATED if lenient else STRICT_TOLERATED
