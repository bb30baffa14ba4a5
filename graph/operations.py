"""What an executed GraphQL operation was, for metrics and logs: its type and root fields."""

from __future__ import annotations

import contextlib

from strawberry.types import ExecutionContext


def operation_type(context: ExecutionContext) -> str:
    if context.graphql_document is None:
        return "unknown"
    # operation_type raises when the document names no usable operation.
    with contextlib.suppress(RuntimeError):
        return context.operation_type.value
    return "unknown"


def root_fields(context: ExecutionContext) -> list[str]:
    """The root field names, sorted; ``["unknown"]`` when there is no document."""
    document = context.graphql_document
    return sorted(
        {
            selection.name.value
            for definition in (document.definitions if document else ())
            for selection in getattr(getattr(definition, "selection_set", None), "selections", ())
            if hasattr(selection, "name")
        }
    ) or ["unknown"]
