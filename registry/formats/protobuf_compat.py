"""Whether one Protobuf schema can replace another: the rules behind ``protobuf_codes``.

Two versions are lined up by type key, field number, enum number and method name (see
``protobuf_model``); a message or enum whose facts are identical in both is skipped
whole. Paths name elements by name: ``#/Order`` (a message), ``#/Order/items`` (a field
or oneof), ``#/Status/ACTIVE`` (an enum value), ``#/Order/items/key`` (a map's key);
an element missing from one side gets the path of its parent there.
"""

from __future__ import annotations

from registry.compatibility import Direction, Incompatibility
from registry.formats.protobuf_compat_enums import Report, covers
from registry.formats.protobuf_model import (
    FieldModel,
    MessageModel,
    SchemaModel,
    display,
    path_of,
)

# Scalar types whose values each reader type decodes from each writer type, per policy
# (Buf's WIRE_JSON groups, and WIRE's for LENIENT; both within Confluent's groups).
_STRICT_GROUPS = (
    {"int32", "uint32"},
    {"int64", "uint64"},
    {"fixed32", "sfixed32"},
    {"fixed64", "sfixed64"},
)
_WIRE_GROUPS = (
    {"int32", "int64", "uint32", "uint64", "bool"},
    {"sint32", "sint64"},
    {"fixed32", "sfixed32"},
    {"fixed64", "sfixed64"},
)
_COMPOSITE = frozenset({"message", "group", "enum"})
_CARDINALITY = {
    "implicit": "singular (implicit presence)",
    "explicit": "singular (explicit presence)",
    "required": "required",
    "repeated": "repeated",
    "map": "a map",
}


class _Check(Report):
    # File, messages ---------------------------------------------------------------
    def run(self) -> list[Incompatibility]:
        if self.old.package != self.new.package:
            self.add(
                "PACKAGE_CHANGED",
                f"Package changed from '{self.old.package}' to '{self.new.package}'.",
                "#",
                "#",
            )
        old_messages, new_messages = self.old.messages, self.new.messages
        for key, before in old_messages.items():
            after = new_messages.get(key)
            if self.backward and before.record and (after is None or not after.record):
                self.add(
                    "MESSAGE_REMOVED",
                    f"Message '{display(key)}' was removed: records of that type written "
                    "with the old schema cannot be decoded.",
                    path_of(key),
                    path_of(key.rpartition(".")[0]) if after is None else path_of(key),
                )
            if after is not None and not after.same_as(before):
                self.message(before, after)
        if not self.backward:
            for key, added in new_messages.items():
                earlier = old_messages.get(key)
                if added.record and (earlier is None or not earlier.record):
                    self.add(
                        "MESSAGE_ADDED",
                        f"Message '{display(key)}' is new: readers using the old schema "
                        "cannot decode records of that type.",
                        path_of(key.rpartition(".")[0]) if earlier is None else path_of(key),
                        path_of(key),
                    )
        for key, enum in self.old.enums.items():
            other = self.new.enums.get(key)
            if other is not None and not other.same_as(enum):
                self.enum(enum, other)
        self.methods()
        for (extendee, number), ext in self.old.extensions.items():
            other_ext = self.new.extensions.get((extendee, number))
            if other_ext is not None and other_ext.sig != ext.sig:
                self.same_field(f"({display(extendee)}).{ext.name}", extendee, ext, other_ext)
        return self.found

    def message(self, old: MessageModel, new: MessageModel) -> None:
        key = old.key
        where = path_of(key)
        if old.message_set != new.message_set:
            self.add(
                "MESSAGE_SET_WIRE_FORMAT_CHANGED",
                f"Message '{display(key)}' changed its message_set_wire_format option.",
                where,
                where,
            )
        if self.strict() and old.json and not new.json:
            self.add(
                "MESSAGE_JSON_FORMAT_CHANGED",
                f"Message '{display(key)}' went from full JSON support to best effort.",
                where,
                where,
            )
        self.reserved(key, old.reserved, new.reserved, old.reserved_names, new.reserved_names)
        # Only the fields whose facts differ: a set difference, not a loop over all.
        changed = {_number(sig) for sig in old.field_sigs ^ new.field_sigs}
        for number in sorted(changed & old.numbers & new.numbers):
            field, other = old.fields[number], new.fields[number]
            self.same_field(display(key, field.name), key, field, other)
        for number in sorted(changed - new.numbers):
            self.deleted_field(old, new, old.fields[number])
        for number in sorted((changed - old.numbers) & new.watched):
            field = new.fields[number]
            if field.cardinality == "required":
                self.add(
                    "REQUIRED_FIELD_ADDED",
                    f"Required field '{display(key, field.name)}' ({number}) was added: old "
                    "records lack it.",
                    where,
                    path_of(key, field.name),
                )
            if not self.backward and field.oneof is not None and field.oneof in old.oneofs:
                self.add(
                    "ONEOF_FIELD_ADDED",
                    f"Field '{display(key, field.name)}' ({number}) joined oneof "
                    f"'{field.oneof}': readers using the old schema cannot tell which member "
                    "is set.",
                    path_of(key, field.oneof),
                    path_of(key, field.name),
                )

    def deleted_field(self, old: MessageModel, new: MessageModel, field: FieldModel) -> None:
        key, number = old.key, field.number
        name = display(key, field.name)
        old_path, new_path = path_of(key, field.name), path_of(key)
        if not covers(new.reserved, number):
            self.add(
                "FIELD_NUMBER_NOT_RESERVED",
                f"Field '{name}' ({number}) was deleted without reserving number {number}.",
                old_path,
                new_path,
            )
        if self.strict() and field.name not in new.reserved_names:
            self.add(
                "FIELD_NAME_NOT_RESERVED",
                f"Field '{name}' ({number}) was deleted without reserving name '{field.name}'.",
                old_path,
                new_path,
            )
        if field.cardinality == "required":
            self.add(
                "REQUIRED_FIELD_REMOVED",
                f"Required field '{name}' ({number}) was removed: readers using the old "
                "schema require it.",
                old_path,
                new_path,
            )
        if self.backward and field.oneof is not None and field.oneof in new.oneofs:
            self.add(
                "ONEOF_FIELD_REMOVED",
                f"Field '{name}' ({number}) left oneof '{field.oneof}': records that set it "
                "read as setting no member.",
                old_path,
                path_of(key, field.oneof),
            )

    def same_field(self, name: str, key: str, old: FieldModel, new: FieldModel) -> None:
        """One field (or extension) present in both versions under the same number."""
        number = old.number
        old_path, new_path = path_of(key, old.name), path_of(key, new.name)
        label = f"Field '{name}' ({number})"
        if self.strict() and old.name != new.name:
            self.add(
                "FIELD_RENAMED",
                f"{label} was renamed to '{new.name}': JSON records use field names.",
                old_path,
                new_path,
            )
        elif self.strict() and old.json_name != new.json_name:
            self.add(
                "FIELD_JSON_NAME_CHANGED",
                f"{label} changed its JSON name from '{old.json_name}' to '{new.json_name}'.",
                old_path,
                new_path,
            )
        required = {old.cardinality, new.cardinality} & {"required"}
        if required and old.cardinality != new.cardinality:
            code = (
                "REQUIRED_FIELD_ADDED"
                if new.cardinality == "required"
                else "REQUIRED_FIELD_REMOVED"
            )
            became = "became required" if new.cardinality == "required" else "is no longer required"
            self.add(code, f"{label} {became}.", old_path, new_path)
        elif not self.compatible_cardinality(old.cardinality, new.cardinality):
            self.add(
                "FIELD_CARDINALITY_CHANGED",
                f"{label} changed from {_CARDINALITY[old.cardinality]} to "
                f"{_CARDINALITY[new.cardinality]}.",
                old_path,
                new_path,
            )
        if old.cardinality == new.cardinality == "map" and old.key and new.key:
            for part, code in (
                ("key", "MAP_KEY_TYPE_CHANGED"),
                ("value", "MAP_VALUE_TYPE_CHANGED"),
            ):
                before, after = getattr(old, part), getattr(new, part)
                problem = self.type_problem(before, after)
                if problem:
                    self.add(
                        code,
                        f"{label}: the map's {part} type {problem}.",
                        f"{old_path}/{part}",
                        f"{new_path}/{part}",
                    )
        elif old.cardinality == "map" or new.cardinality == "map":
            # A map's entries are messages of a type no other field can name (Buf's WIRE
            # compares the type names), so a map never shares a type with another field.
            before = "a map" if old.cardinality == "map" else _type_name(old)
            after = "a map" if new.cardinality == "map" else _type_name(new)
            self.add(
                "FIELD_TYPE_CHANGED",
                f"{label}: type changed from {before} to {after}.",
                old_path,
                new_path,
            )
        else:
            problem = self.type_problem(old, new)
            if problem:
                self.add("FIELD_TYPE_CHANGED", f"{label}: type {problem}.", old_path, new_path)
            elif (
                old.default != new.default and old.kind == new.kind and old.default and new.default
            ):
                self.add(
                    "FIELD_DEFAULT_CHANGED",
                    f"{label} changed its default from {old.default} to {new.default}.",
                    old_path,
                    new_path,
                )
        if old.oneof != new.oneof:
            self.add(
                "FIELD_ONEOF_CHANGED",
                f"{label} moved from {_oneof(old.oneof)} to {_oneof(new.oneof)}.",
                old_path,
                new_path,
            )
        writer, reader = (old, new) if self.backward else (new, old)
        if writer.kind == reader.kind == "string" and reader.utf8 and not writer.utf8:
            self.add(
                "FIELD_UTF8_VALIDATION_ADDED",
                f"{label}: the reader rejects strings that are not valid UTF-8, which the "
                "writer does not check.",
                old_path,
                new_path,
            )

    def compatible_cardinality(self, old: str, new: str) -> bool:
        pair = {old, new}
        return (
            old == new
            or pair == {"implicit", "explicit"}
            or (self.lenient and pair == {"repeated", "map"})
        )

    def type_problem(self, old: FieldModel, new: FieldModel) -> str:
        """Why values of one type do not read as the other ("" when they do)."""
        if old.kind == new.kind and old.type_key == new.type_key:
            return ""
        before = _type_name(old)
        after = _type_name(new)
        changed = f"changed from {before} to {after}"
        if old.kind in _COMPOSITE or new.kind in _COMPOSITE:
            if old.kind == new.kind == "enum" and self.same_enum(old.type_key, new.type_key):
                return ""
            return changed
        if self.lenient:
            writer, reader = (old, new) if self.backward else (new, old)
            if writer.kind == "string" and reader.kind == "bytes":
                return ""
            groups = _WIRE_GROUPS
        else:
            groups = _STRICT_GROUPS
        if any(old.kind in group and new.kind in group for group in groups):
            return ""
        return changed


def _number(sig: tuple[object, ...]) -> int:
    number = sig[0]
    assert isinstance(number, int)
    return number


def _type_name(field: FieldModel) -> str:
    return display(field.type_key) if field.kind in _COMPOSITE else field.kind


def _oneof(name: str | None) -> str:
    return f"oneof '{name}'" if name is not None else "no oneof"


def find_breaking_changes(
    old: SchemaModel, new: SchemaModel, direction: Direction, *, lenient: bool
) -> list[Incompatibility]:
    """Why ``new`` cannot replace ``old`` in ``direction`` (see ``protobuf_codes`` for the
    rules and the policies)."""
    return _Check(old, new, direction, lenient).run()
