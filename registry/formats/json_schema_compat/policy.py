"""What each compatibility policy lets through.

STRICT proves "every document valid under the writer is valid under the reader" and
reports anything it cannot prove. LENIENT additionally accepts the changes that are safe
only if documents carry no key their schema does not declare, as Confluent's lenient
checker does: a property the reader constrains that the writer's open model leaves
undeclared, and a property the writer declares that the reader's closed model drops.
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
    """Codes a policy does not count as breaking."""
    return LENIENT_TOLERATED if lenient else STRICT_TOLERATED
