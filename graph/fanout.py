"""One execution per event and subscription document, not one per subscriber.

Every subscriber of a process receives the same ``SchemaChangeEvent`` instance for a
given sequence. GraphQL executes a subscription's selection set once per event and
subscriber; here the result is memoized per (event, operation, variables), so N gateways
subscribed with the same document cost one execution per event. This is sound because
no field of ``SchemaChangeEvent`` depends on the request context: if one ever does, the
context's relevant part must join the key.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import orjson
from graphql import OperationType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graph.types import SchemaChangeEvent
from registry import model

_EVENT_LIMIT = 1024
_RESULT_LIMIT = 4096

_events: OrderedDict[int, tuple[model.ChangeEvent, SchemaChangeEvent]] = OrderedDict()
# Values keep the payload and operation alive, so the ids in a key cannot be reused
# by other objects while the entry exists.
_results: OrderedDict[tuple[int, int, bytes], tuple[object, object, Any]] = OrderedDict()


def shared_event(event: model.ChangeEvent) -> SchemaChangeEvent:
    """The process-wide GraphQL object for ``event``: built once, shared by subscribers."""
    entry = _events.get(event.sequence)
    if entry is not None and entry[0] == event:
        return entry[1]
    converted = SchemaChangeEvent.from_domain(event)
    _events[event.sequence] = (event, converted)
    while len(_events) > _EVENT_LIMIT:
        _events.popitem(last=False)
    return converted


def _variables_key(variables: dict[str, Any]) -> bytes:
    return orjson.dumps(variables, option=orjson.OPT_SORT_KEYS, default=repr)


class SharedEventExecutor(StrawberryGraphQLCoreExecutionContext):
    """Reuses the execution result of a subscription event across subscribers."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        payload = self.root_value
        operation = self.operation
        if (
            not isinstance(payload, SchemaChangeEvent)
            or operation.operation is not OperationType.SUBSCRIPTION
        ):
            return super().execute_operation(serially)
        key = (id(payload), id(operation), _variables_key(self.variable_values.coerced))
        entry = _results.get(key)
        if entry is not None and entry[0] is payload and entry[1] is operation:
            return entry[2]
        result = super().execute_operation(serially)
        # Event fields resolve synchronously; an awaitable result is simply not shared.
        if not self.is_awaitable(result):
            _results[key] = (payload, operation, result)
            while len(_results) > _RESULT_LIMIT:
                _results.popitem(last=False)
        return result
