"""watch_schema_changes: argument checks before any event, then the hub's ordered stream."""

from __future__ import annotations

import pytest

from registry.errors import BadUserInputError
from registry.model import EventKind
from resolvers.changes import watch_schema_changes
from resolvers.schemas import register_schema
from tests.integration.helpers import closing, sequences, take, titled


@pytest.mark.parametrize(
    "arguments",
    [
        {"subject": ""},
        {"subject": "a\x01"},
        {"subject_prefix": "p" * 256},
        {"subject_prefix": "\x00"},
        {"after": -1},
        {"after": 1},
    ],
    ids=[
        "empty-subject",
        "control-char",
        "long-prefix",
        "control-char-prefix",
        "negative-after",
        "after-beyond-the-last-event",
    ],
)
async def test_bad_arguments_are_refused_before_any_event(services, hub, arguments):
    with pytest.raises(BadUserInputError):
        await watch_schema_changes(services, **arguments)

    assert hub.subscriber_count == 0


async def test_watching_a_subject_after_a_sequence_replays_only_its_events(services):
    await register_schema(services, "orders", titled(1))
    await register_schema(services, "invoices", titled(1))
    await register_schema(services, "orders", titled(2))
    await register_schema(services, "orders", titled(3))

    stream = await watch_schema_changes(services, subject="orders", after=1)
    async with closing(stream) as stream:
        events = await take(stream, 2)

    assert sequences(events) == [3, 4]
    assert {(e.kind, e.subject) for e in events} == {(EventKind.REGISTERED, "orders")}
