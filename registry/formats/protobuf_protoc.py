"""protoc, the reference Protobuf compiler bundled with grpcio-tools, run in-process.

``grpc_tools._protoc_compiler.get_protos`` runs protoc's own ``Importer`` (parser and
descriptor builder) and Python generator on a file tree and hands back every error as a
(file, line, column, message) record instead of printing it, which is why it is used
rather than protoc's command line (which prints errors on the process's stderr). Three
things keep it silent and safe inside a threaded server:

- protoc logs (through Abseil, straight to fd 2) a warning for a file that declares
  neither ``syntax`` nor ``edition``; such a text gets ``syntax = "proto2";`` (what protoc
  assumes anyway) in front of its first line, and columns on that line are shifted back.
- grpc_tools reports protoc's warnings through Python's ``warnings`` module, whose filters
  are process-wide; its hook is pointed at a stand-in that drops the warnings of the calls
  made here and passes on everyone else's (``catch_warnings`` is not thread-safe).
- The call holds the GIL from start to end (no other Python thread runs meanwhile) and
  builds its own importer and descriptor pool, so concurrent calls share nothing.

protoc reads files, so each call writes the text and its imports to a private temporary
directory: scratch space for the toolchain, not storage; nothing outlives the call. Its
include path: those files, then protoc's bundled well-known types, then the built-in files
Confluent's clients import without references (``protobuf_builtins``), linked into the
same scratch directory when the text or an import has an import statement.
"""

from __future__ import annotations

import ast
import tempfile
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2
from grpc_tools import _protoc_compiler

from registry.formats.protobuf_builtins import link_builtins

WELL_KNOWN_PREFIX = "google/protobuf/"
_WELL_KNOWN_ROOT = str(resources.files("grpc_tools").joinpath("_proto"))
_ASSUMED_SYNTAX = 'syntax = "proto2"; '
_MAX_PATH_BYTES = 1000
_MAX_SEGMENT_BYTES = 200


@dataclass(frozen=True, slots=True)
class ProtocError:
    """One error protoc reported: 1-based line and column, 0 when it gave none."""

    file: str
    line: int
    column: int
    message: str


class ProtocRefusal(Exception):
    """protoc refused the files; ``errors`` in the order it reported them."""

    def __init__(self, errors: list[ProtocError]) -> None:
        super().__init__(errors[0].message if errors else "refused")
        self.errors = errors


class _Quiet(threading.local):
    active = False


_quiet = _Quiet()


class _WarningsHook:
    """Stands in for the ``warnings`` module inside grpc_tools' compiler binding."""

    def __getattr__(self, name: str) -> Any:
        return getattr(warnings, name)

    def warn(self, message: Any, *args: Any, **kwargs: Any) -> None:
        if not _quiet.active:
            warnings.warn(message, *args, **kwargs)


_protoc_compiler.warnings = _WarningsHook()


def is_well_known(path: str) -> bool:
    """True for an import protoc's bundled include directory provides (the well-known
    types and descriptor.proto, google/protobuf/*)."""
    return path.startswith(WELL_KNOWN_PREFIX) and Path(_WELL_KNOWN_ROOT, path).is_file()


def import_path_problem(path: str) -> str | None:
    """Why ``path`` cannot name an imported file (protoc's virtual paths: relative, '/'
    separated, no empty, '.' or '..' segment); None when it can."""
    if not path or len(path.encode()) > _MAX_PATH_BYTES:
        return "it must be between 1 and 1000 bytes long"
    if "\\" in path or "\0" in path:
        return "it must not contain a backslash or a NUL character"
    for segment in path.split("/"):
        if segment in ("", ".", ".."):
            return "it must be a relative path without empty, '.' or '..' segments"
        if len(segment.encode()) > _MAX_SEGMENT_BYTES:
            return f"each of its segments must be at most {_MAX_SEGMENT_BYTES} bytes long"
    return None


def _declares_syntax(text: str) -> bool:
    """Whether the first token (after comments and a byte order mark) is ``syntax`` or
    ``edition``, as protoc's tokenizer finds it (its comments also end at a NUL). When in
    doubt, False: the assumed syntax in front only changes which error is reported."""
    index = 1 if text.startswith("\ufeff") else 0
    while index < len(text):
        if text[index] in " \t\r\n\v\f":
            index += 1
        elif text.startswith("//", index):
            end = text.find("\n", index)
            end = len(text) if end < 0 else end
            if "\0" in text[index:end]:
                return False
            index = end + 1
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            if end < 0 or "\0" in text[index:end]:
                return False
            index = end + 2
        else:
            break
    end = index
    while end < len(text) and (text[end].isascii() and (text[end].isalnum() or text[end] == "_")):
        end += 1
    return text[index:end] in ("syntax", "edition")


def compile_file(
    main_name: str, text: str, imports: Mapping[str, str]
) -> dict[str, descriptor_pb2.FileDescriptorProto]:
    """The FileDescriptorProto of ``text`` (as file ``main_name``) and of every file it
    imports transitively, by name. ``imports``: the .proto texts of the files it may
    import besides the well-known and built-in ones (``protobuf_builtins``; an import
    here wins over a built-in file of the same path), by import path (already checked
    with ``import_path_problem``). Raises ``ProtocRefusal``."""
    if main_name in imports:
        raise ProtocRefusal([ProtocError(main_name, 0, 0, "an import has the file's own name")])
    try:
        source = text.encode()
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        column = exc.start - (text.rfind("\n", 0, exc.start) + 1) + 1
        message = "Text is not valid Unicode (a lone surrogate)."
        raise ProtocRefusal([ProtocError(main_name, line, column, message)]) from None
    prefix = "" if _declares_syntax(text) else _ASSUMED_SYNTAX
    with tempfile.TemporaryDirectory(prefix="registry-protoc-") as scratch:
        root = Path(scratch, "files")
        contents = [(main_name, prefix.encode() + source)]
        contents += [(name, imported.encode()) for name, imported in imports.items()]
        for name, content in contents:
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        include = [str(root), _WELL_KNOWN_ROOT]
        # Every import statement holds the keyword as written (a keyword has no escapes):
        # files without one import nothing, and need no built-in files.
        if any(b"import" in content for _, content in contents):
            builtins = Path(scratch, "builtins")
            link_builtins(builtins)
            include.append(str(builtins))
        generated = _run(main_name, include, len(prefix))
    files: dict[str, descriptor_pb2.FileDescriptorProto] = {}
    for _, code in generated:
        proto = _serialized_file(code)
        files[proto.name] = proto
    if main_name not in files:
        raise ProtocRefusal([ProtocError(main_name, 0, 0, "protoc produced no descriptor")])
    return files


def _run(main_name: str, include: list[str], shift: int) -> list[tuple[bytes, bytes]]:
    _quiet.active = True
    try:
        result: list[tuple[bytes, bytes]] = _protoc_compiler.get_protos(
            main_name.encode(), [path.encode() for path in include]
        )
        return result
    except _protoc_compiler.ProtocErrors as exc:
        raise ProtocRefusal([_error(e, main_name, shift) for e in exc.errors()]) from None
    except Exception as exc:  # protoc's C++ exceptions arrive as plain exceptions
        raise ProtocRefusal([ProtocError(main_name, 0, 0, str(exc))]) from None
    finally:
        _quiet.active = False


def _error(error: Any, main_name: str, shift: int) -> ProtocError:
    file = bytes(error.filename).decode(errors="replace")
    line, column = int(error.line), int(error.column)
    if file == main_name and line == 0:
        column = max(column - shift, 0)
    if line < 0:  # a whole-file error (not found, unreadable): no position
        return ProtocError(file, 0, 0, bytes(error.message).decode(errors="replace"))
    return ProtocError(file, line + 1, column + 1, bytes(error.message).decode(errors="replace"))


def _serialized_file(code: bytes) -> descriptor_pb2.FileDescriptorProto:
    """The FileDescriptorProto a generated ``_pb2`` module embeds: the generator writes it
    as one bytes literal passed to ``AddSerializedFile``."""
    marker = b"AddSerializedFile("
    start = code.find(marker)
    end = code.find(b"\n", start)
    if start < 0:
        raise ProtocRefusal([ProtocError("", 0, 0, "protoc produced no descriptor")])
    literal = code[start + len(marker) : end if end >= 0 else len(code)].rstrip().removesuffix(b")")
    return descriptor_pb2.FileDescriptorProto.FromString(ast.literal_eval(literal.decode()))
