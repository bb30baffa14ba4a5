"""Payloads checked against a Protobuf message in its JSON mapping (ProtoJSON), with the
protobuf runtime's own parser (``json_format.ParseDict``) on the message class built from
the schema's descriptors. Unknown members are refused, as the parser does by default.

The parser stops at its first error and names the path only sometimes, so a refused
payload is narrowed down member by member (each alone parsed again, then its items and
the members of a nested message) until each failing value is found: the verdict is always
the parser's, the pointers exact. The narrowing reads at most a few times the payload
(``_Narrowing``); past that, as for a large value nested very deep, the innermost value
found refused so far is reported. ``schema_path`` is the full name of the field (or of the
message, for what is wrong with a message as a whole, such as two members of one oneof).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, FileDescriptor
from google.protobuf.descriptor_pb2 import FileDescriptorProto
from google.protobuf.message import Message

from registry.errors import BadUserInputError
from registry.payloads import MAX_ERRORS, PayloadError, pointer

# Messages with a JSON form of their own (Timestamp as a string, Struct as any object,
# wrappers as their value): judged whole, never narrowed down.
_SPECIAL_PREFIX = "google.protobuf."
# What the runtime's JSON parser raises besides ParseError on values it cannot take.
_PARSE_ERRORS = (json_format.ParseError, TypeError, ValueError, AttributeError, KeyError)
Tokens = tuple[str | int, ...]


def build_pool(files: list[FileDescriptorProto]) -> FileDescriptor:
    """The schema's own file (the last of ``files``) in a pool of its own."""
    pool = descriptor_pool.DescriptorPool()
    for proto in files:
        pool.Add(proto)
    return pool.FindFileByName(files[-1].name)


def find_message(file: FileDescriptor, name: str | None) -> Descriptor:
    """The message ``name`` names in ``file`` (full name, or relative to its package, a
    nested one as ``Outer.Inner``); without a name the file's first message, as
    Confluent's serializers default to."""
    if name is None:
        first = next(iter(file.message_types_by_name.values()), None)
        if first is None:
            raise BadUserInputError("The Protobuf schema declares no message.")
        return first
    wanted = name.removeprefix(".")
    package = file.package
    candidates = [wanted] if not package else [f"{package}.{wanted}", wanted]
    for candidate in candidates:
        for message in _messages(file.message_types_by_name.values()):
            if message.full_name == candidate:
                return message
    declared = sorted(m.full_name for m in _messages(file.message_types_by_name.values()))
    names = ", ".join(declared[:20]) + (
        f" and {len(declared) - 20} more" if len(declared) > 20 else ""
    )
    raise BadUserInputError(
        f"The Protobuf schema declares no message named '{name}'; it declares: {names}."
    )


def _messages(messages: Iterable[Descriptor]) -> Iterator[Descriptor]:
    for message in messages:
        yield message
        yield from _messages(message.nested_types)


class _Exhausted(Exception):
    """The narrowing spent its budget."""


class _Narrowing:
    """One payload's narrowing: what each of its values weighs (nodes, itself included)
    and what parsing may still cost. Each parse is charged the weight of the value it
    reads, and the whole narrowing may read ``_BUDGET_FACTOR`` times the payload: a value
    nested deep inside is re-read at every level above it, which unbounded would cost
    the payload's size times its depth."""

    def __init__(self, payload: object) -> None:
        self.weights: dict[int, int] = {}
        self.budget = _BUDGET_FACTOR * self._weigh(payload) + _BUDGET_FLOOR
        # The innermost value known to be refused, reported if the budget runs out.
        self.last: PayloadError | None = None

    def _weigh(self, payload: object) -> int:
        order: list[dict[str, object] | list[object]] = []
        stack = [payload]
        while stack:  # iterative: depth is no limit
            value = stack.pop()
            if isinstance(value, dict | list):
                order.append(value)
                stack.extend(value.values() if isinstance(value, dict) else value)
        for value in reversed(order):  # children before their parents
            children: Iterable[object] = value.values() if isinstance(value, dict) else value
            self.weights[id(value)] = 1 + sum(self.weights.get(id(c), 1) for c in children)
        return self.weights.get(id(payload), 1)

    def charge(self, value: object) -> None:
        self.budget -= self.weights.get(id(value), 1)
        if self.budget < 0:
            raise _Exhausted


# Narrowing reads at most this many times the payload (plus a floor for small ones).
_BUDGET_FACTOR = 4
_BUDGET_FLOOR = 10_000


class ProtobufPayloads:
    """A ``PayloadValidator`` for one message of a Protobuf schema."""

    def __init__(self, message: Descriptor) -> None:
        self._message = message
        self._classes: dict[str, type[Message]] = {}

    def validate(self, payload: object, limit: int = MAX_ERRORS) -> list[PayloadError]:
        whole = self._problem(self._message, payload)
        if whole is None:
            return []
        run = _Narrowing(payload)
        found: list[PayloadError] = []
        try:
            for error in self._locate(run, self._message, payload, (), whole):
                found.append(error)
                if len(found) >= limit:
                    break
        except _Exhausted:
            if run.last is not None and run.last not in found:
                found.append(run.last)
        return found[:limit]

    def _class(self, message: Descriptor) -> type[Message]:
        found = self._classes.get(message.full_name)
        if found is None:
            found = self._classes[message.full_name] = message_factory.GetMessageClass(message)
        return found

    def _problem(self, message: Descriptor, value: object) -> str | None:
        """Why the parser refuses ``value`` as ``message`` (None: it takes it)."""
        if not isinstance(value, dict) and not message.full_name.startswith(_SPECIAL_PREFIX):
            # The parser would iterate a list as if it were an object's names.
            return f"Expected an object for message {message.full_name}, got {_kind(value)}."
        members: Any = value
        try:
            json_format.ParseDict(members, self._class(message)())
        except _PARSE_ERRORS as exc:
            # One line: the parser lists the known fields on a line of their own.
            return " ".join(str(exc).split()) or type(exc).__name__
        return None

    def _charged(
        self, run: _Narrowing, message: Descriptor, value: object, inner: object
    ) -> str | None:
        """``_problem``, charged to the narrowing as a read of ``inner``."""
        run.charge(inner)
        return self._problem(message, value)

    def _locate(
        self, run: _Narrowing, message: Descriptor, value: object, at: Tokens, whole: str
    ) -> Iterator[PayloadError]:
        """The errors of ``value``, which the parser refuses as ``message`` (``whole``)."""
        here = PayloadError(pointer(at), message.full_name, "type", whole)
        run.last = here
        if not isinstance(value, dict) or message.full_name.startswith(_SPECIAL_PREFIX):
            yield here
            return
        by_name = {f.json_name: f for f in message.fields}
        by_name.update((f.name, f) for f in message.fields)
        narrowed = False
        for key, member in value.items():
            problem = self._charged(run, message, {key: member}, member)
            if problem is None:
                continue
            narrowed = True
            field = by_name.get(key)
            if field is None:
                yield PayloadError(pointer((*at, key)), message.full_name, "field", problem)
            else:
                yield from self._member(run, message, field, key, member, (*at, key), problem)
        if not narrowed:
            # Each member parses alone: what is wrong is their combination.
            oneofs = {f.containing_oneof.name for f in message.fields if f.containing_oneof}
            keyword = "oneof" if oneofs else "message"
            yield PayloadError(pointer(at), message.full_name, keyword, whole)

    def _member(
        self,
        run: _Narrowing,
        message: Descriptor,
        field: FieldDescriptor,
        key: str,
        member: object,
        at: Tokens,
        problem: str,
    ) -> Iterator[PayloadError]:
        sub = field.message_type
        is_map = sub is not None and sub.GetOptions().map_entry
        if sub is not None and is_map and isinstance(member, dict):
            values = sub.fields_by_name["value"].message_type
            for name, item in member.items():
                inner = self._charged(run, message, {key: {name: item}}, item)
                if inner is None:
                    continue
                # The entry may be refused for its key: the value is then fine alone.
                if values is not None and isinstance(item, dict):
                    inner_value = self._charged(run, values, item, item)
                    if inner_value is None:
                        yield PayloadError(pointer((*at, name)), field.full_name, "type", inner)
                        continue
                yield from self._item(run, field, values, item, (*at, name), inner)
            return
        if field.is_repeated and not is_map and isinstance(member, list):
            for index, item in enumerate(member):
                inner = self._charged(run, message, {key: [item]}, item)
                if inner is not None:
                    yield from self._item(run, field, sub, item, (*at, index), inner)
            return
        if field.is_repeated:  # a map or list field given some other value
            yield PayloadError(pointer(at), field.full_name, "type", problem)
            return
        yield from self._item(run, field, sub, member, at, problem)

    def _item(
        self,
        run: _Narrowing,
        field: FieldDescriptor,
        sub: Descriptor | None,
        value: object,
        at: Tokens,
        problem: str,
    ) -> Iterator[PayloadError]:
        """One value of ``field`` (of message type ``sub``, if any) the parser refuses:
        inside it when it is a message (a single value refused is refused as that
        message: it is not read again to tell)."""
        if (
            sub is not None
            and isinstance(value, dict)
            and not sub.full_name.startswith(_SPECIAL_PREFIX)
        ):
            yield from self._locate(run, sub, value, at, problem)
            return
        yield PayloadError(pointer(at), field.full_name, "type", problem)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"
