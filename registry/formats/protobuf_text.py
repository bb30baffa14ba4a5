"""The canonical .proto text of a FileDescriptorProto: what identifies a Protobuf schema
and what clients get back.

Comments, whitespace, the order of options, imports, fields, oneofs, enums, enum values
(after the first, which is the default), services, methods, extensions and reserved
ranges never change it: each prints sorted, like Confluent's normalized form. Messages
keep their declaration order, and so do the entry messages of maps and the messages of
groups among them, because Confluent's wire format names a record's type by its position
(the message indexes written before each record): reordering messages would make
records written with a client's compiled schema decode as the wrong type. Types print
fully qualified (``.pkg.Type``), so no name depends on scope rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from google.protobuf import descriptor_pb2, text_encoding
from google.protobuf.descriptor_pb2 import (
    DescriptorProto,
    EnumDescriptorProto,
    FieldDescriptorProto,
    FileDescriptorProto,
    ServiceDescriptorProto,
)
from google.protobuf.message import Message

from registry.formats.protobuf_options import OptionsReader
from registry.formats.protobuf_syntax import (
    EDITIONS,
    SCALARS,
    UnrepresentableError,
    default_json_name,
    enum_value_order,
    is_dotted_name,
    is_identifier,
    merged,
    quoted,
    quoted_bytes,
    range_text,
    syntax_of,
)

F = FieldDescriptorProto
_VISIBILITY = {
    descriptor_pb2.VISIBILITY_LOCAL: "local ",
    descriptor_pb2.VISIBILITY_EXPORT: "export ",
}
_INDENT = "  "
_NUMERIC_DEFAULT = frozenset("0123456789+-.eExX")


def _checked(name: str, what: str, *, dotted: bool = False) -> str:
    valid = is_dotted_name(name, leading_dot=True) if dotted else is_identifier(name)
    if not valid:
        raise UnrepresentableError(f"{what} {name!r} is not a valid name")
    return name


class _Printer:
    def __init__(self, file: FileDescriptorProto, options: OptionsReader) -> None:
        self.file = file
        self.syntax = syntax_of(file)
        self.options = options
        self.lines: list[str] = []
        self.package = f".{file.package}" if file.package else ""

    def emit(self, depth: int, text: str) -> None:
        self.lines.append(_INDENT * depth + text)

    def blank(self) -> None:
        if self.lines and self.lines[-1]:
            self.lines.append("")

    def option_statements(self, depth: int, options: Message) -> None:
        for name, value in self.options.entries(options):
            self.emit(depth, f"option {name} = {value};")

    def bracket(self, entries: list[tuple[str, str]]) -> str:
        return " [" + ", ".join(f"{n} = {v}" for n, v in entries) + "]" if entries else ""

    # File -------------------------------------------------------------------------
    def print_file(self) -> str:
        file = self.file
        if self.syntax == "editions":
            if file.edition not in EDITIONS:
                raise UnrepresentableError(f"edition {file.edition} is not supported")
            self.emit(0, f'edition = "{EDITIONS[file.edition]}";')
        elif self.syntax in ("proto2", "proto3"):
            self.emit(0, f'syntax = "{self.syntax}";')
        else:
            raise UnrepresentableError(f"syntax {self.syntax!r} is not supported")
        if file.package:
            self.blank()
            if not is_dotted_name(file.package):
                raise UnrepresentableError(f"package {file.package!r} is not a valid name")
            self.emit(0, f"package {file.package};")
        self.print_imports()
        if file.HasField("options"):
            self.blank()
            self.option_statements(0, file.options)
        for message in file.message_type:
            self.blank()
            self.print_message(0, message, self.package)
        for enum in sorted(file.enum_type, key=lambda e: e.name):
            self.blank()
            self.print_enum(0, enum)
        self.print_extensions(0, file.extension)
        for service in sorted(file.service, key=lambda s: s.name):
            self.blank()
            self.print_service(service)
        return "\n".join(self.lines) + "\n"

    def print_imports(self) -> None:
        file = self.file
        kinds: dict[str, str] = {}
        for index, path in enumerate(file.dependency):
            if index in file.public_dependency:
                kinds[path] = "public "
            elif index in file.weak_dependency:
                kinds[path] = "weak "
            else:
                kinds.setdefault(path, "")
        for path in file.option_dependency:
            kinds.setdefault(path, "option ")
        if kinds:
            self.blank()
        for path in sorted(kinds):
            self.emit(0, f"import {kinds[path]}{quoted(path)};")

    # Messages ---------------------------------------------------------------------
    def print_message(self, depth: int, message: DescriptorProto, parent: str) -> None:
        visibility = _VISIBILITY.get(message.visibility, "")
        self.emit(depth, f"{visibility}message {_checked(message.name, 'message')} {{")
        self.print_message_body(depth + 1, message, f"{parent}.{message.name}")
        self.emit(depth, "}")

    def print_message_body(self, depth: int, message: DescriptorProto, scope: str) -> None:
        """The body of the message whose full name (with a leading dot) is ``scope``."""
        if message.HasField("options"):
            self.option_statements(depth, message.options)
        reserved = [(r.start, r.end) for r in message.reserved_range]
        self.print_reserved(depth, merged(reserved), message.reserved_name)
        for extension_range in sorted(message.extension_range, key=lambda r: r.start):
            entries = self.options.entries(extension_range.options)
            ranges = range_text(extension_range.start, extension_range.end)
            self.emit(depth, f"extensions {ranges}{self.bracket(entries)};")
        nested_names = {f"{scope}.{nested.name}": nested for nested in message.nested_type}
        groups = {  # no group syntax in editions: a delimited field is a message field
            f.type_name: f
            for f in message.field
            if f.type == F.TYPE_GROUP and f.type_name in nested_names and self.syntax != "editions"
        }
        maps = {
            f.type_name: f
            for f in message.field
            if f.type == F.TYPE_MESSAGE
            and f.label == F.LABEL_REPEATED
            and f.type_name in nested_names
            and nested_names[f.type_name].options.map_entry
        }
        oneofs = self.real_oneofs(message)
        for field in sorted(message.field, key=lambda f: f.number):
            in_oneof = field.HasField("oneof_index") and field.oneof_index in oneofs
            if not in_oneof and field.type_name not in maps and field.type_name not in groups:
                self.print_field(depth, field, in_oneof=False)
        printed_oneofs: set[int] = set()
        for nested in message.nested_type:
            name = f"{scope}.{nested.name}"
            if name in maps:
                self.print_map(depth, maps[name], nested)
            elif name in groups:
                field = groups[name]
                if field.HasField("oneof_index") and field.oneof_index in oneofs:
                    if field.oneof_index not in printed_oneofs:
                        self.print_oneof(depth, message, scope, field.oneof_index)
                        printed_oneofs.add(field.oneof_index)
                else:
                    self.print_group(depth, field, nested, scope)
            else:
                self.print_message(depth, nested, scope)
        remaining = [index for index in oneofs if index not in printed_oneofs]
        first = {
            index: min(f.number for f in message.field if _in_oneof(f, index))
            for index in remaining
        }
        for index in sorted(remaining, key=lambda i: first[i]):
            self.print_oneof(depth, message, scope, index)
        for enum in sorted(message.enum_type, key=lambda e: e.name):
            self.print_enum(depth, enum)
        self.print_extensions(depth, message.extension)

    def real_oneofs(self, message: DescriptorProto) -> set[int]:
        """Indexes of the oneofs written as such (not proto3 ``optional``'s own)."""
        used = {f.oneof_index for f in message.field if f.HasField("oneof_index")}
        synthetic = {f.oneof_index for f in message.field if f.proto3_optional}
        return {i for i in used if i not in synthetic and i < len(message.oneof_decl)}

    def print_oneof(self, depth: int, message: DescriptorProto, scope: str, index: int) -> None:
        oneof = message.oneof_decl[index]
        self.emit(depth, f"oneof {_checked(oneof.name, 'oneof')} {{")
        if oneof.HasField("options"):
            self.option_statements(depth + 1, oneof.options)
        nested = {f"{scope}.{n.name}": n for n in message.nested_type}
        members = [f for f in message.field if _in_oneof(f, index)]
        for field in sorted(members, key=lambda f: f.number):
            group = nested.get(field.type_name)
            if field.type == F.TYPE_GROUP and group is not None and self.syntax != "editions":
                self.print_group(depth + 1, field, group, scope, in_oneof=True)
            else:
                self.print_field(depth + 1, field, in_oneof=True)
        self.emit(depth, "}")

    def label(self, field: FieldDescriptorProto, *, in_oneof: bool) -> str:
        if in_oneof:
            return ""
        if field.label == F.LABEL_REPEATED:
            return "repeated "
        if field.label == F.LABEL_REQUIRED:
            return "required "  # proto2 only: protoc refuses it elsewhere
        if self.syntax == "proto2" or (self.syntax == "proto3" and field.proto3_optional):
            return "optional "
        return ""

    def type_text(self, field: FieldDescriptorProto) -> str:
        if field.type in SCALARS:
            return SCALARS[field.type]
        if field.type in (F.TYPE_MESSAGE, F.TYPE_ENUM, F.TYPE_GROUP) or field.type_name:
            return _checked(field.type_name, "type", dotted=True)
        raise UnrepresentableError(f"field {field.name!r} has no type")

    def field_options(self, field: FieldDescriptorProto) -> list[tuple[str, str]]:
        entries: list[tuple[str, str]] = []
        if field.HasField("default_value"):
            entries.append(("default", self.default_text(field)))
        if field.HasField("json_name") and field.json_name != default_json_name(field.name):
            entries.append(("json_name", quoted(field.json_name)))
        if field.HasField("options"):
            entries += self.options.entries(field.options)
        return entries

    def default_text(self, field: FieldDescriptorProto) -> str:
        value = field.default_value
        if field.type == F.TYPE_STRING:
            return quoted(value)
        if field.type == F.TYPE_BYTES:
            try:
                return quoted_bytes(text_encoding.CUnescape(value))
            except Exception:
                raise UnrepresentableError(f"default of {field.name!r} is malformed") from None
        if field.type == F.TYPE_ENUM:
            return _checked(value, "default")
        if value in ("true", "false", "inf", "-inf", "nan") or (
            value and all(ch in _NUMERIC_DEFAULT for ch in value)
        ):
            return value
        raise UnrepresentableError(f"default of {field.name!r} is malformed")

    def print_field(self, depth: int, field: FieldDescriptorProto, *, in_oneof: bool) -> None:
        label = self.label(field, in_oneof=in_oneof)
        head = f"{label}{self.type_text(field)} {_checked(field.name, 'field')} = {field.number}"
        self.emit(depth, f"{head}{self.bracket(self.field_options(field))};")

    def print_map(self, depth: int, field: FieldDescriptorProto, entry: DescriptorProto) -> None:
        fields = {f.number: f for f in entry.field}
        if set(fields) != {1, 2}:
            raise UnrepresentableError(f"map entry {entry.name!r} is malformed")
        key, value = self.type_text(fields[1]), self.type_text(fields[2])
        head = f"map<{key}, {value}> {_checked(field.name, 'field')} = {field.number}"
        self.emit(depth, f"{head}{self.bracket(self.field_options(field))};")

    def print_group(
        self,
        depth: int,
        field: FieldDescriptorProto,
        group: DescriptorProto,
        parent: str,
        *,
        in_oneof: bool = False,
    ) -> None:
        label = self.label(field, in_oneof=in_oneof)
        name = _checked(group.name, "group")
        options = self.bracket(self.field_options(field))
        self.emit(depth, f"{label}group {name} = {field.number}{options} {{")
        self.print_message_body(depth + 1, group, f"{parent}.{group.name}")
        self.emit(depth, "}")

    def print_reserved(
        self, depth: int, ranges: list[tuple[int, int]], names: Iterable[str]
    ) -> None:
        if ranges:
            self.emit(depth, "reserved " + ", ".join(range_text(s, e) for s, e in ranges) + ";")
        unique = sorted(set(names))
        if unique and self.syntax == "editions":
            self.emit(
                depth, "reserved " + ", ".join(_checked(n, "reserved name") for n in unique) + ";"
            )
        elif unique:
            self.emit(depth, "reserved " + ", ".join(quoted(n) for n in unique) + ";")

    def print_extensions(self, depth: int, extensions: Iterable[FieldDescriptorProto]) -> None:
        by_extendee: dict[str, list[FieldDescriptorProto]] = {}
        for extension in extensions:
            by_extendee.setdefault(extension.extendee, []).append(extension)
        for extendee in sorted(by_extendee):
            if depth == 0:
                self.blank()
            self.emit(depth, f"extend {_checked(extendee, 'extendee', dotted=True)} {{")
            for field in sorted(by_extendee[extendee], key=lambda f: f.number):
                self.print_field(depth + 1, field, in_oneof=False)
            self.emit(depth, "}")

    # Enums and services -----------------------------------------------------------
    def print_enum(self, depth: int, enum: EnumDescriptorProto) -> None:
        visibility = _VISIBILITY.get(enum.visibility, "")
        self.emit(depth, f"{visibility}enum {_checked(enum.name, 'enum')} {{")
        if enum.HasField("options"):
            self.option_statements(depth + 1, enum.options)
        reserved = merged((r.start, r.end + 1) for r in enum.reserved_range)
        self.print_reserved(depth + 1, reserved, enum.reserved_name)
        for value in enum_value_order(enum.value):
            entries = self.options.entries(value.options) if value.HasField("options") else []
            name = _checked(value.name, "enum value")
            self.emit(depth + 1, f"{name} = {value.number}{self.bracket(entries)};")
        self.emit(depth, "}")

    def print_service(self, service: ServiceDescriptorProto) -> None:
        self.emit(0, f"service {_checked(service.name, 'service')} {{")
        if service.HasField("options"):
            self.option_statements(1, service.options)
        for method in sorted(service.method, key=lambda m: m.name):
            request = ("stream " if method.client_streaming else "") + _checked(
                method.input_type, "type", dotted=True
            )
            response = ("stream " if method.server_streaming else "") + _checked(
                method.output_type, "type", dotted=True
            )
            head = f"rpc {_checked(method.name, 'method')}({request}) returns ({response})"
            entries = self.options.entries(method.options) if method.HasField("options") else []
            if not entries:
                self.emit(1, head + ";")
                continue
            self.emit(1, head + " {")
            for name, value in entries:
                self.emit(2, f"option {name} = {value};")
            self.emit(1, "}")
        self.emit(0, "}")


def _in_oneof(field: FieldDescriptorProto, index: int) -> bool:
    return field.HasField("oneof_index") and field.oneof_index == index


def canonical_text(
    file: FileDescriptorProto,
    imports: Callable[[], list[FileDescriptorProto]],
) -> str:
    """``file`` as normalized .proto text (see the module docstring). ``imports`` gives
    the imported files when a custom option needs their declarations. Raises
    ``UnrepresentableError``."""
    return _Printer(file, OptionsReader(file, imports)).print_file()
