"""Incompatibilities as Confluent words them, beside this registry's own records.

Confluent's tools read a refused registration's ``message``, and a verbose check's
``messages``, as a list of brace items: the differences found, then the earlier version
they concern, ``{oldSchemaVersion: N}`` and ``{oldSchema: '...'}``, and last the settings
applied, ``{validateFields: 'false', compatibility: 'BACKWARD'}``. Each difference item
carries this registry's code and description. The same findings are also given as
structured records under ``incompatibilities``, with the fields GraphQL reports.
"""

from __future__ import annotations

from collections.abc import Sequence

from registry.compatibility import Incompatibility
from registry.errors import IncompatibleSchemaError
from registry.model import CompatibilityLevel, SchemaVersion
from registry.types import Version

# Confluent quotes at most this much of the old schema.
MAX_QUOTED_SCHEMA_CHARS = 10 * 1024


def _difference(item: Incompatibility) -> str:
    return (
        f"{{errorType:'{item.code}', description:'{item.describe()}', "
        f"additionalInfo:'{item.new_path or '#'}'}}"
    )


def _old_schema(text: str) -> str:
    if len(text) <= MAX_QUOTED_SCHEMA_CHARS:
        return f"{{oldSchema: '{text}'}}"
    return f"{{oldSchema: <truncated> '{text[:MAX_QUOTED_SCHEMA_CHARS]}...'}}"


def confluent_messages(
    incompatibilities: Sequence[Incompatibility],
    checked: Sequence[SchemaVersion],
    level: CompatibilityLevel | None,
) -> list[str]:
    """Confluent's items for these findings: per earlier version that was broken, its
    differences, its number and its schema; then the level. Empty when compatible."""
    if not incompatibilities:
        return []
    schemas = {version.version: version.schema.text for version in checked}
    by_version: dict[Version | None, list[Incompatibility]] = {}
    for item in incompatibilities:
        by_version.setdefault(item.version, []).append(item)
    messages: list[str] = []
    for version, items in by_version.items():
        messages.extend(_difference(item) for item in items)
        if version is not None:
            messages.append(f"{{oldSchemaVersion: {version}}}")
            if version in schemas:
                messages.append(_old_schema(schemas[version]))
    if level is not None:
        # This registry has no reserved-field validation, so validateFields is always off.
        messages.append(f"{{validateFields: 'false', compatibility: '{level.value}'}}")
    return messages


def records(incompatibilities: Sequence[Incompatibility]) -> list[dict[str, object]]:
    """This registry's structured findings, as GraphQL's ``incompatibilities``."""
    return [item.as_record() for item in incompatibilities]


def incompatible_body(error: IncompatibleSchemaError, error_code: int) -> dict[str, object]:
    """A refused registration: Confluent's message, then this registry's records."""
    details = ", ".join(confluent_messages(error.incompatibilities, error.checked, error.level))
    subject = error.subject if error.subject is not None else ""
    return {
        "error_code": error_code,
        "message": (
            "Schema being registered is incompatible with an earlier schema for subject "
            f'"{subject}", details: [{details}]'
        ),
        "incompatibilities": records(error.incompatibilities),
    }
