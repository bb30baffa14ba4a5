"""Confluent's JSON Schema diff corpus, case by case, in this project's own terms.

Confluent Schema Registry's json-schema-provider tests its checker on two files of
schema pairs (``diff-schema-examples.json``, cases naming no dialect, read as draft-07,
and ``diff-schema-examples-2020-12.json``), each case saying whether the change is
compatible under Confluent's strict set of allowed changes and under its lenient one.
The rows here restate those cases (descriptions in our words, schemas as the facts under
test) with this registry's verdicts next to Confluent's. "Compatible" is BACKWARD as
Confluent defines it: the new schema reads documents written with the old one.

Where a verdict of ours differs from Confluent's, the row's note says why; the same
differences are tabled in docs/json-schema-lenient.md.

The rows live in ``confluent_cases_scalars`` and ``confluent_cases_objects`` (cases in
both files), ``confluent_cases_draft_07`` and ``confluent_cases_draft_2020_12`` (cases in
one file only); ``in_dialect`` gives them the ``$schema`` of the file they come from, and
``test_json_schema_compat_confluent`` puts them together.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

# (compatible under STRICT, compatible under LENIENT)
Verdicts = tuple[bool, bool]
ACCEPTED: Verdicts = (True, True)
REFUSED: Verdicts = (False, False)
LENIENT_ONLY: Verdicts = (False, True)


@dataclass(frozen=True)
class ConfluentCase:
    description: str
    old: dict[str, Any]
    new: dict[str, Any]
    confluent_compatible: bool
    confluent_lenient: bool
    strict: bool  # ours under STRICT
    lenient: bool  # ours under LENIENT
    note: str = ""

    @property
    def differs(self) -> bool:
        """Whether either of our verdicts differs from Confluent's under the same policy."""
        return (self.strict, self.lenient) != (self.confluent_compatible, self.confluent_lenient)


def case(
    description: str,
    old: dict[str, Any],
    new: dict[str, Any],
    *,
    confluent: Verdicts,
    ours: Verdicts,
    note: str = "",
) -> ConfluentCase:
    return ConfluentCase(description, old, new, *confluent, *ours, note)


def in_dialect(dialect: str, label: str, cases: list[ConfluentCase]) -> list[ConfluentCase]:
    """The cases with ``$schema`` set to ``dialect`` on both schemas and ``label`` before
    their descriptions."""
    return [
        replace(
            item,
            description=f"{label}: {item.description}",
            old={"$schema": dialect, **item.old},
            new={"$schema": dialect, **item.new},
        )
        for item in cases
    ]
