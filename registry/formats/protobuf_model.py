"""What compatibility compares in a Protobuf schema, derived once from its descriptors.

The protobuf runtime builds the schema's descriptor pool, which resolves what the syntax
or edition implies (presence, required, delimited encoding, UTF-8 validation, closed
enums, JSON support); the model keeps, per message, enum and service, just the facts the
rules read, keyed so that two versions line up:

- a type of the schema's own package by its name relative to the package (``Order.Item``),
  so that a changed package is one finding rather than every type renamed; any other
  type by its full name with a leading dot (``.google.protobuf.Timestamp``);
- fields and enum values by number, methods by name.

Only the schema's own types and the imported types its fields reach are modelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from google.protobuf import descriptor_pool
from google.protobuf.descriptor import (
    Descriptor,
    EnumDescriptor,
    FieldDescriptor,
    FileDescriptor,
)
from google.protobuf.descriptor_pb2 import (
    DescriptorProto,
    EnumDescriptorProto,
    FileDescriptorProto,
)

from registry.formats.protobuf_syntax import SCALARS, merged

_KINDS = {
    **SCALARS,
    FieldDescriptor.TYPE_MESSAGE: "message",
    FieldDescriptor.TYPE_GROUP: "group",
    FieldDescriptor.TYPE_ENUM: "enum",
}
_VERIFY = 2  # FeatureSet.Utf8Validation.VERIFY
_ALLOW = 1  # FeatureSet.JsonFormat.ALLOW


@dataclass(frozen=True, slots=True)
class FieldModel:
    """One field (or a map's key or value), by number."""

    number: int
    name: str
    json_name: str
    kind: str  # a scalar type name, "message", "group" or "enum"
    type_key: str  # the message or enum type's key; "" for scalars
    cardinality: str  # "implicit", "explicit", "required", "repeated" or "map"
    oneof: str | None  # the oneof it belongs to (not proto3 optional's own)
    default: str  # the value an unset field reads as, for singular scalars and enums
    utf8: bool  # a string checked for valid UTF-8 when parsed
    key: FieldModel | None = None  # a map's key
    value: FieldModel | None = None  # a map's value
    sig: tuple[object, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class MessageModel:
    key: str
    fields: dict[int, FieldModel]
    reserved: tuple[tuple[int, int], ...]  # half-open, merged
    reserved_names: frozenset[str]
    oneofs: frozenset[str]
    message_set: bool
    json: bool  # JSON mapping fully supported (ALLOW), not best effort
    record: bool  # declared in the schema's own file: records may be of this type
    sig: tuple[object, ...] = field(default=(), compare=False)
    field_sigs: frozenset[tuple[object, ...]] = field(default=frozenset(), compare=False)
    digest: int = field(default=0, compare=False)
    numbers: frozenset[int] = field(default=frozenset(), compare=False)
    watched: frozenset[int] = field(default=frozenset(), compare=False)  # required or in a oneof

    def same_as(self, other: MessageModel) -> bool:
        """Whether every fact the rules read is equal (digests first: a model is compared
        with many versions)."""
        return self.digest == other.digest and self.sig == other.sig


@dataclass(frozen=True, slots=True)
class EnumModel:
    key: str
    values: dict[int, tuple[str, ...]]  # number -> names (aliases share a number)
    numbers: dict[str, int]  # name -> number
    reserved: tuple[tuple[int, int], ...]  # half-open, merged
    reserved_names: frozenset[str]
    json: bool
    sig: tuple[object, ...] = field(default=(), compare=False)
    digest: int = field(default=0, compare=False)

    def same_as(self, other: EnumModel) -> bool:
        return self.digest == other.digest and self.sig == other.sig


@dataclass(frozen=True, slots=True)
class MethodModel:
    request: str
    response: str
    client_streaming: bool
    server_streaming: bool
    idempotency: int


@dataclass(frozen=True, slots=True)
class SchemaModel:
    package: str
    messages: dict[str, MessageModel]
    enums: dict[str, EnumModel]
    methods: dict[str, MethodModel]  # "Service.Method" -> method
    extensions: dict[tuple[str, int], FieldModel]  # (extendee key, number)


def path_of(key: str, *names: str) -> str:
    """The element path of a type (and of a member in it): ``#/Order/Item/name``."""
    return "/".join(["#", *key.lstrip(".").split("."), *names]) if key else "#"


def display(key: str, *names: str) -> str:
    return ".".join([key.lstrip("."), *names]) if key else ".".join(names)


def _features(descriptor: object) -> object | None:
    get = getattr(descriptor, "_GetFeatures", None)  # resolved features (runtime >= 5.27)
    return get() if callable(get) else None


class _Builder:
    def __init__(self, file: FileDescriptorProto, imports: Iterable[FileDescriptorProto]) -> None:
        pool = descriptor_pool.DescriptorPool()
        for proto in [*imports, file]:
            pool.Add(proto)
        self.file: FileDescriptor = pool.FindFileByName(file.name)
        self.package = file.package
        self.protos: dict[str, DescriptorProto] = {}
        self.enum_protos: dict[str, EnumDescriptorProto] = {}
        for proto in [*imports, file]:
            for scope, message in _messages(proto):
                self.protos[scope] = message
                for enum in message.enum_type:
                    self.enum_protos[f"{scope}.{enum.name}"] = enum
            prefix = f"{proto.package}." if proto.package else ""
            for enum in proto.enum_type:
                self.enum_protos[prefix + enum.name] = enum
        self.optional = {  # proto3 `optional` fields: their oneof is not a real one
            (scope, field.number)
            for scope, message in _messages(file)
            for field in message.field
            if field.proto3_optional
        }
        self.messages: dict[str, MessageModel] = {}
        self.enums: dict[str, EnumModel] = {}
        self.pending: list[Descriptor | EnumDescriptor] = []

    def key(self, descriptor: Descriptor | EnumDescriptor) -> str:
        full_name: str = descriptor.full_name
        if descriptor.file.package != self.package:
            return "." + full_name
        return full_name[len(self.package) + 1 :] if self.package else full_name

    def build(self) -> SchemaModel:
        own: list[Descriptor] = []
        stack = list(self.file.message_types_by_name.values())
        while stack:
            message = stack.pop()
            if not message.GetOptions().map_entry:
                own.append(message)
            stack.extend(message.nested_types)
        for message in own:
            self.message(message, record=True)
        enums = list(self.file.enum_types_by_name.values())
        enums += [e for m in own for e in m.enum_types]
        for enum in enums:
            self.enum(enum)
        while self.pending:
            item = self.pending.pop()
            if isinstance(item, EnumDescriptor):
                self.enum(item)
            else:
                self.message(item, record=False)
        methods = {
            f"{service.full_name}.{method.name}": MethodModel(
                self.key(method.input_type),
                self.key(method.output_type),
                bool(method.client_streaming),
                bool(method.server_streaming),
                int(method.GetOptions().idempotency_level),
            )
            for service in self.file.services_by_name.values()
            for method in service.methods
        }
        extensions = {
            (self.key(ext.containing_type), ext.number): self.field(ext, "")
            for ext in _extensions(self.file, own)
            if ext.containing_type is not None
        }
        return SchemaModel(self.package, self.messages, self.enums, methods, extensions)

    def reach(self, descriptor: Descriptor | EnumDescriptor | None) -> str:
        if descriptor is None:
            return ""
        key = self.key(descriptor)
        if key not in self.messages and key not in self.enums:
            self.pending.append(descriptor)
        return key

    def field(self, field: FieldDescriptor, scope: str) -> FieldModel:
        number, type_ = field.number, field.type
        kind = _KINDS.get(type_, "message")
        key = value = None
        type_key = ""
        repeated = field.is_repeated
        entry = field.message_type if kind in ("message", "group") else None
        if repeated and entry is not None and entry.GetOptions().map_entry:
            cardinality = "map"
            key = self.field(entry.fields_by_number[1], "")
            value = self.field(entry.fields_by_number[2], "")
        else:
            if kind in ("message", "group", "enum"):
                type_key = self.reach(entry if entry is not None else field.enum_type)
            if repeated:
                cardinality = "repeated"
            elif field.is_required:
                cardinality = "required"
            else:
                cardinality = "explicit" if field.has_presence else "implicit"
        oneof = field.containing_oneof
        oneof_name = None
        if oneof is not None and (scope, number) not in self.optional:
            oneof_name = oneof.name
        utf8 = type_ == FieldDescriptor.TYPE_STRING and (
            getattr(_features(field), "utf8_validation", _VERIFY) == _VERIFY
        )
        singular = cardinality not in ("repeated", "map") and kind not in ("message", "group")
        default = repr(field.default_value) if singular else ""
        name, json_name = field.name, field.json_name
        sig = (
            number,
            name,
            json_name,
            kind,
            type_key,
            cardinality,
            oneof_name,
            default,
            utf8,
            key.sig if key else None,
            value.sig if value else None,
        )
        return FieldModel(
            number,
            name,
            json_name,
            kind,
            type_key,
            cardinality,
            oneof_name,
            default,
            utf8,
            key,
            value,
            sig,
        )

    def message(self, message: Descriptor, *, record: bool) -> None:
        key = self.key(message)
        self.messages[key] = MessageModel(
            key, {}, (), frozenset(), frozenset(), False, True, record
        )
        proto = self.protos[message.full_name]
        fields = {f.number: self.field(f, message.full_name) for f in message.fields}
        reserved = tuple(merged((r.start, r.end) for r in proto.reserved_range))
        oneofs = frozenset(f.oneof for f in fields.values() if f.oneof is not None)
        message_set = bool(message.GetOptions().message_set_wire_format)
        json = getattr(_features(message), "json_format", _ALLOW) == _ALLOW
        names = frozenset(proto.reserved_name)
        sig = (
            tuple(f.sig for f in fields.values()),
            reserved,
            tuple(sorted(names)),
            message_set,
            json,
            record,
        )
        self.messages[key] = MessageModel(
            key,
            fields,
            reserved,
            names,
            oneofs,
            message_set,
            json,
            record,
            sig,
            frozenset(f.sig for f in fields.values()),
            hash(sig),
            frozenset(fields),
            frozenset(
                n for n, f in fields.items() if f.cardinality == "required" or f.oneof is not None
            ),
        )
        for nested in message.enum_types:
            self.reach(nested)

    def enum(self, enum: EnumDescriptor) -> None:
        key = self.key(enum)
        values: dict[int, tuple[str, ...]] = {}
        for value in enum.values:
            values[value.number] = (*values.get(value.number, ()), value.name)
        proto = self.enum_protos[enum.full_name]
        reserved = tuple(merged((r.start, r.end + 1) for r in proto.reserved_range))
        names = frozenset(proto.reserved_name)
        json = getattr(_features(enum), "json_format", _ALLOW) == _ALLOW
        numbers = {value.name: value.number for value in enum.values}
        sig = (tuple(sorted(values.items())), reserved, tuple(sorted(names)), json)
        self.enums[key] = EnumModel(key, values, numbers, reserved, names, json, sig, hash(sig))


def _messages(file: FileDescriptorProto) -> Iterator[tuple[str, DescriptorProto]]:
    """(full name, proto) of every message a file declares, nested ones included."""
    stack = [(f"{file.package}." if file.package else "", m) for m in file.message_type]
    while stack:
        prefix, message = stack.pop()
        scope = prefix + message.name
        yield scope, message
        stack.extend((scope + ".", nested) for nested in message.nested_type)


def _extensions(file: FileDescriptor, messages: list[Descriptor]) -> Iterator[FieldDescriptor]:
    yield from file.extensions_by_name.values()
    for message in messages:
        yield from message.extensions


def build_model(file: FileDescriptorProto, imports: Iterable[FileDescriptorProto]) -> SchemaModel:
    """The model of a schema whose own file is ``file`` (see the module docstring)."""
    return _Builder(file, imports).build()
