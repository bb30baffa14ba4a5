"""Watching schema changes live, resuming after the last event a client saw."""

from __future__ import annotations

from collections.abc import AsyncIterator

from registry.errors import BadUserInputError
from registry.model import ChangeEvent
from registry.types import Sequence
from registry.validation import validate_subject_name
from resolvers.context import Services


def watch_schema_changes(
    services: Services,
    subject: str | None = None,
    subject_prefix: str | None = None,
    after: int | None = None,
) -> AsyncIterator[ChangeEvent]:
    """Validates the arguments now (so a bad subscription fails before any event), then
    returns the ordered stream: missed events from the outbox first, then live ones."""
    name = None if subject is None else validate_subject_name(subject)
    if subject_prefix is not None and len(subject_prefix) > 255:
        raise BadUserInputError("subjectPrefix is longer than 255 characters.")
    if after is not None and after < 0:
        raise BadUserInputError(f"after must be zero or a positive sequence, got {after}.")
    return services.feed.subscribe(
        subject=name,
        subject_prefix=subject_prefix,
        after=None if after is None else Sequence(after),
    )
