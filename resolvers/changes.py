"""Watching schema changes live, resuming after the last event a client saw."""

from __future__ import annotations

from collections.abc import AsyncIterator

from registry.errors import BadUserInputError
from registry.model import ChangeEvent
from registry.types import Sequence
from registry.validation import validate_subject_name, validate_subject_prefix
from resolvers.context import Services


async def watch_schema_changes(
    services: Services,
    subject: str | None = None,
    subject_prefix: str | None = None,
    after: int | None = None,
) -> AsyncIterator[ChangeEvent]:
    """Validates the arguments now (so a bad subscription fails before any event), then
    returns the ordered stream: missed events from the outbox first, then live ones.

    ``after`` beyond the last committed sequence is refused: silently waiting for
    sequences that already exist elsewhere (a client resuming against a restored
    database, say) would skip every event up to it."""
    name = None if subject is None else validate_subject_name(subject)
    if subject_prefix is not None:
        validate_subject_prefix(subject_prefix)
    if after is not None:
        if after < 0:
            raise BadUserInputError(f"after must be zero or a positive sequence, got {after}.")
        last = await services.store.get_last_sequence()
        if after > last:
            raise BadUserInputError(
                f"after is {after}, but the last committed event is {last}; resume from a "
                "sequence this registry has delivered."
            )
    return services.feed.subscribe(
        subject=name,
        subject_prefix=subject_prefix,
        after=None if after is None else Sequence(after),
    )
