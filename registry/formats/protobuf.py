"""Protobuf (proto2, proto3, editions): parsing, canonical form, rendering, compatibility.

A schema is the text of one .proto file, or what Confluent's clients register instead:
the base64 of its serialized FileDescriptorProto. protoc itself reads it
(``protobuf_protoc``), imports resolving to the schema's references (``import "x.proto";``
is the reference named ``x.proto``), to the well-known types bundled with protoc, or to the
files Confluent's clients treat as built in (``google/type/``, ``confluent/``). The
canonical text printed from the descriptor (``protobuf_text``) identifies the schema;
compatibility is judged on the descriptors (``protobuf_compat``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field

from google.protobuf import unknown_fields
from google.protobuf.descriptor import FileDescriptor
from google.protobuf.descriptor_pb2 import FileDescriptorProto, FileDescriptorSet
from google.protobuf.message import DecodeError, Message

from registry.compatibility import Direction, Incompatibility
from registry.errors import InvalidSchemaError
from registry.formats.base import NO_CONTEXT, ParseContext, ParsedSchema, fingerprint_of
from registry.formats.protobuf_compat import find_breaking_changes
from registry.formats.protobuf_model import SchemaModel, build_model
from registry.formats.protobuf_normal import normal_form
from registry.formats.protobuf_options import OptionsReader
from registry.formats.protobuf_payloads import ProtobufPayloads, build_pool, find_message
from registry.formats.protobuf_protoc import (
    ProtocError,
    ProtocRefusal,
    compile_file,
    import_path_problem,
    is_well_known,
)
from registry.formats.protobuf_syntax import UnrepresentableError, quoted
from registry.formats.protobuf_text import canonical_text
from registry.model import DEFAULT_COMPATIBILITY_POLICY, CompatibilityPolicy, SchemaFormat
from registry.payloads import PayloadValidator

_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
# The file name a schema's own text compiles under (Confluent's deserializer calls the
# file it loads "default"; the name is not part of the identity).
_MAIN_NAME = "default.proto"


@dataclass(frozen=True, slots=True)
class ProtoDocument:
    """A parsed Protobuf schema: its own file as protoc reads its canonical text, every
    file it imports (transitively, dependencies first), and the .proto texts of the
    imported files its references provide, by import path (what a schema importing this
    one needs to compile it; well-known and built-in files are served to every parse)."""

    file: FileDescriptorProto
    imports: tuple[FileDescriptorProto, ...]
    sources: Mapping[str, str] = field(default_factory=dict)

    def descriptor_set(self) -> FileDescriptorSet:
        """What ``protoc --include_imports --descriptor_set_out`` writes for the schema:
        every imported file, dependencies first, then the schema's own."""
        return FileDescriptorSet(file=[*self.imports, self.file])


def _imported_sources(context: ParseContext) -> dict[str, str]:
    sources: dict[str, str] = {}
    for reference in context.references:
        problem = import_path_problem(reference.name)
        if problem is not None:
            raise InvalidSchemaError(
                f"Reference name {quoted(reference.name)} is not an import path: {problem}."
            )
        document = reference.schema.document
        if reference.schema.format is not SchemaFormat.PROTOBUF or not isinstance(
            document, ProtoDocument
        ):
            raise InvalidSchemaError(
                f"Reference {quoted(reference.name)} is a {reference.schema.format.value} "
                "schema; a Protobuf schema imports only Protobuf schemas."
            )
        if is_well_known(reference.name):
            continue  # protoc's own copy of the well-known type is used
        for name, text in ((reference.name, reference.schema.canonical), *document.sources.items()):
            if sources.setdefault(name, text) != text:
                raise InvalidSchemaError(
                    f"Import {quoted(name)} is provided twice with different contents "
                    f"(the second time through reference {quoted(reference.name)})."
                )
    directories = {name.rsplit("/", 1)[0] + "/" for name in sources if "/" in name}
    for name in sources:
        if any(d.startswith(name + "/") for d in directories):
            raise InvalidSchemaError(
                f"Import {quoted(name)} is also a directory of another import."
            )
    return sources


def _main_name(sources: Mapping[str, str]) -> str:
    """The file name the schema itself compiles under: one no import path uses."""
    taken = set(sources) | {name.split("/", 1)[0] for name in sources}
    name, suffix = _MAIN_NAME, 0
    while name in taken:
        suffix += 1
        name = f"default_{suffix}.proto"
    return name


def _serialized_input(text: str) -> FileDescriptorProto | None:
    """The FileDescriptorProto ``text`` encodes in base64 (Confluent's clients register
    that form), or None when ``text`` is not such an encoding (then it is .proto text:
    a .proto file always has a character outside the base64 alphabet, or is empty)."""
    compact = "".join(text.split())  # line breaks of a wrapped encoding
    if not compact or len(compact) % 4 or not _BASE64.issuperset(compact):
        return None
    try:
        decoded = FileDescriptorProto.FromString(base64.b64decode(compact, validate=True))
    except (binascii.Error, DecodeError, ValueError):
        return None
    if len(unknown_fields.UnknownFieldSet(decoded)):
        return None
    if not _all_text(decoded):
        raise InvalidSchemaError(
            "Serialized FileDescriptorProto holds a name or value that is not valid UTF-8."
        )
    return decoded


def _all_text(message: Message) -> bool:
    """Whether every string field holds text (descriptor.proto is proto2: its strings are
    not checked when parsed, and the runtime hands invalid UTF-8 back as bytes)."""
    for member, value in message.ListFields():
        items = value if member.is_repeated else [value]
        if member.type == member.TYPE_STRING and not all(isinstance(i, str) for i in items):
            return False
        if member.type == member.TYPE_MESSAGE and not all(_all_text(i) for i in items):
            return False
    return True


def _refusal(exc: ProtocRefusal, main: str, what: str) -> InvalidSchemaError:
    errors = sorted(exc.errors, key=lambda e: e.file != main)  # the schema's own first
    first = errors[0] if errors else ProtocError(main, 0, 0, "refused")
    where = "" if first.file == main else f"in {quoted(first.file)}, "
    if first.line:
        where += f"line {first.line}, column {first.column}: "
    more = len(errors) - 1
    tail = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    return InvalidSchemaError(f"{what}: {where}{first.message}{tail}")


def _compile(
    main: str, text: str, sources: Mapping[str, str], what: str
) -> dict[str, FileDescriptorProto]:
    try:
        files = compile_file(main, text, sources)
        # protoc does not hand back the files of `import option` (edition 2024): they
        # declare only the custom options the file sets, read when printing them.
        missing = [p for p in files[main].option_dependency if p not in files]
        if missing:
            stub = 'syntax = "proto3";\n' + "".join(f"import {quoted(p)};\n" for p in missing)
            stub_name = _main_name({**sources, main: ""})
            options = compile_file(stub_name, stub, sources)
            files.update(pair for pair in options.items() if pair[0] != stub_name)
        return files
    except ProtocRefusal as exc:
        raise _refusal(exc, main, what) from None


def _print(file: FileDescriptorProto, imports: list[FileDescriptorProto]) -> str:
    try:
        return canonical_text(file, lambda: imports)
    except UnrepresentableError as exc:
        raise InvalidSchemaError(f"Schema cannot be printed as .proto text: {exc}.") from None


def _imports_of(
    file: FileDescriptorProto, main: str, sources: Mapping[str, str]
) -> list[FileDescriptorProto]:
    """The files a serialized descriptor imports, compiled from the references (needed
    only when it sets custom options)."""
    for path in file.dependency:
        if import_path_problem(path) is not None:
            raise InvalidSchemaError(f"Import {quoted(path)} is not a valid import path.")
    stub = 'syntax = "proto3";\n' + "".join(f"import {quoted(p)};\n" for p in file.dependency)
    files = _compile(main, stub, sources, "An import of the serialized descriptor is invalid")
    return [f for name, f in files.items() if name != main]


def _printed(serialized: FileDescriptorProto, main: str, sources: Mapping[str, str]) -> str:
    """A serialized descriptor as .proto text (its imports are compiled only if one of
    its custom options needs their declarations)."""
    loaded: list[list[FileDescriptorProto]] = []

    def imports() -> list[FileDescriptorProto]:
        if not loaded:
            loaded.append(_imports_of(serialized, main, sources))
        return loaded[0]

    try:
        return canonical_text(serialized, imports)
    except UnrepresentableError as exc:
        raise InvalidSchemaError(
            f"Serialized FileDescriptorProto cannot be read as .proto text: {exc}."
        ) from None


def _check_same(
    original: FileDescriptorProto,
    reread: FileDescriptorProto,
    imports: list[FileDescriptorProto],
    canonical: str,
) -> None:
    """Refuse, rather than store altered, a schema whose canonical text does not read back
    to what it states (a guard on the printer: ``protobuf_normal``)."""
    try:
        before = normal_form(original, OptionsReader(original, lambda: imports))
        after = normal_form(reread, OptionsReader(reread, lambda: imports))
    except UnrepresentableError as exc:
        raise InvalidSchemaError(
            f"Schema cannot be compared with its canonical form: {exc}."
        ) from None
    if before != after or _print(reread, imports) != canonical:
        raise InvalidSchemaError(
            "Schema uses a construct whose canonical .proto text would not state the same "
            "descriptor; it is refused rather than stored altered."
        )


def model_of(schema: ParsedSchema) -> SchemaModel:
    """What compatibility compares in ``schema`` (``protobuf_model``), built on its first
    comparison and kept with it: a candidate checked against 100 versions, and each
    version checked against every later candidate, is modelled once."""
    model = schema.memo.get("protobuf_model")
    if not isinstance(model, SchemaModel):
        document = schema.document
        if not isinstance(document, ProtoDocument):
            raise InvalidSchemaError("Schema is not a parsed Protobuf schema.")
        model = build_model(document.file, document.imports)
        schema.memo["protobuf_model"] = model
    return model


class ProtobufFormat:
    """The ``FormatHandler`` for Protobuf."""

    @property
    def format(self) -> SchemaFormat:
        return SchemaFormat.PROTOBUF

    @property
    def dialects(self) -> tuple[str, ...]:
        return ()

    @property
    def forms(self) -> frozenset[str]:
        return frozenset({"serialized"})

    @property
    def inline_parse_chars(self) -> int:
        # protoc takes 1.5 ms even for one message, 1.8 s for 1 MB: always in a worker.
        return 0

    def parse(
        self, text: str, *, stored: bool = False, context: ParseContext = NO_CONTEXT
    ) -> ParsedSchema:
        sources = _imported_sources(context)
        main = _main_name(sources)
        serialized = _serialized_input(text)
        what = "Schema is not valid Protobuf"
        if serialized is not None:
            text = _printed(serialized, main, sources)
            what = "Serialized FileDescriptorProto is not valid Protobuf (read as .proto text)"
        files = _compile(main, text, sources, what)
        file = files.pop(main)
        imports = list(files.values())
        canonical = _print(file, imports)
        original = serialized if serialized is not None else file
        if canonical != text:
            what = "Schema's canonical form does not compile (a construct it cannot state)"
            files = _compile(main, canonical, sources, what)
            file = files.pop(main)
            imports = list(files.values())
        if original is not file:
            _check_same(original, file, imports, canonical)
        return ParsedSchema(
            format=SchemaFormat.PROTOBUF,
            canonical=canonical,
            document=ProtoDocument(file, tuple(imports), sources),
            fingerprint=fingerprint_of(SchemaFormat.PROTOBUF, canonical, context.references),
        )

    def render(self, schema: ParsedSchema, form: str) -> str | None:
        """``serialized``: base64 of the schema's own FileDescriptorProto, what
        Confluent's ``?format=serialized`` returns (its clients build a descriptor pool
        from it, its imports from the references)."""
        if form != "serialized" or not isinstance(schema.document, ProtoDocument):
            return None
        return base64.b64encode(schema.document.file.SerializeToString(deterministic=True)).decode()

    def find_incompatibilities(
        self,
        old: ParsedSchema,
        new: ParsedSchema,
        direction: Direction,
        policy: CompatibilityPolicy = DEFAULT_COMPATIBILITY_POLICY,
    ) -> list[Incompatibility]:
        """LLM judges as LENIENT: its reading rule is about JSON documents, and the wire
        format already skips unknown fields and reads a missing one as its default."""
        lenient = policy is not CompatibilityPolicy.STRICT
        return find_breaking_changes(model_of(old), model_of(new), direction, lenient=lenient)

    def validator(self, schema: ParsedSchema, message_name: str | None = None) -> PayloadValidator:
        """For the message ``message_name`` names (default: the file's first)."""
        file = schema.memo.get("protobuf_file")
        if not isinstance(file, FileDescriptor):
            document = schema.document
            if not isinstance(document, ProtoDocument):
                raise InvalidSchemaError("Schema is not a parsed Protobuf schema.")
            file = schema.memo["protobuf_file"] = build_pool([*document.imports, document.file])
        return ProtobufPayloads(find_message(file, message_name))


PROTOBUF = ProtobufFormat()
