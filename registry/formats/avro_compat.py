"""Avro schema resolution: can a reader schema read everything a writer schema writes?

The rules are the specification's "Schema Resolution", as the Apache implementations'
``ReaderWriterCompatibilityChecker`` (Python) / ``SchemaCompatibility`` (Java, which
Confluent runs) apply them, with the codes of Java's ``SchemaIncompatibilityType``:

- records: names match (below); each reader field is read from the writer field of the
  same name or of one of its aliases, else it needs a default
  (``READER_FIELD_MISSING_DEFAULT_VALUE``); writer fields the reader lacks are skipped;
- enums: names match; every writer symbol is a reader symbol unless the reader has a
  default symbol (``MISSING_ENUM_SYMBOLS``);
- fixed: names and sizes match (``FIXED_SIZE_MISMATCH``);
- arrays, maps: items, values resolve;
- a writer union: every branch resolves against the reader; a reader union: some branch
  reads the writer's type (``MISSING_UNION_BRANCH``);
- promotions int→long→float→double (int→float, int→double, long→double too) and
  string↔bytes; any other pair of types is ``TYPE_MISMATCH``.

Where the Python library departs from the specification (and from Java) this follows the
specification (docs/formats-avro.md lists each case):

- names match when the unqualified names are equal or a reader alias, read relative to
  the reader type's namespace, is the writer's full name (``NAME_MISMATCH``); the Python
  library compares relative aliases with full names and misses them;
- two decimals resolve only when precision and scale match
  (``DECIMAL_PRECISION_MISMATCH``, ``DECIMAL_SCALE_MISMATCH``); both libraries ignore it;
- a reader field missing from the writer needs a field default even when its type is an
  enum with a default symbol; the Python library checks that enum against the writer's
  whole record instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry.formats.avro_index import RecordInfo, SchemaIndex, same_type
from registry.formats.avro_model import NAMED_KINDS, PRIMITIVES, NamedType, Node, describe

# (writer type, reader type) pairs the specification promotes
PROMOTIONS = frozenset(
    {
        ("int", "long"),
        ("int", "float"),
        ("int", "double"),
        ("long", "float"),
        ("long", "double"),
        ("float", "double"),
        ("string", "bytes"),
        ("bytes", "string"),
    }
)
# How many schema levels one check follows (named types may chain without nesting);
# beyond this the pair is reported as SCHEMA_TOO_DEEP rather than exhausting the stack.
MAX_CHECK_DEPTH = 150


@dataclass(frozen=True, slots=True)
class Finding:
    """One resolution failure; paths are JSON pointers in the reader's and the writer's
    documents."""

    code: str
    message: str
    reader_path: str
    writer_path: str


class _Pinned(str):
    """A pointer that stays where it is: the use of a type another schema defines, whose
    inner parts have no pointer in this document."""

    __slots__ = ()


class _TooDeep(Exception):
    pass


def _sub(path: str, suffix: str) -> str:
    return path if isinstance(path, _Pinned) else path + suffix


def _at(named: NamedType | None, path: str) -> str:
    """Where a named type's parts are: its definition, or (another schema's) its use."""
    if named is None:
        return path
    return named.path if named.path is not None else _Pinned(path)


def resolve(reader: SchemaIndex, writer: SchemaIndex) -> list[Finding]:
    """Why data written with ``writer`` cannot be read with ``reader``; empty when it can."""
    checker = _Checker(reader, writer)
    try:
        checker.check(reader.document.schema, writer.document.schema, "#", "#", "The schema")
    except _TooDeep:
        return [
            Finding(
                "SCHEMA_TOO_DEEP",
                f"The schemas nest more than {MAX_CHECK_DEPTH} levels deep through their "
                "types; they cannot be compared.",
                "#",
                "#",
            )
        ]
    unique = dict.fromkeys(checker.out)
    return list(unique)


class _Checker:
    def __init__(self, reader: SchemaIndex, writer: SchemaIndex) -> None:
        self.reader = reader
        self.writer = writer
        self.out: list[Finding] = []
        self.depth = 0
        # findings per (reader, writer) pair of named types, and the pairs being compared:
        # a pair met again while in progress (a recursive type) is taken as resolving, as
        # the Apache checkers do
        self.pairs: dict[tuple[str, str], list[Finding]] = {}
        self.in_progress: set[tuple[str, str]] = set()

    def emit(self, code: str, message: str, reader_path: str, writer_path: str) -> None:
        self.out.append(Finding(code, message, str(reader_path), str(writer_path)))

    def check(self, r: Node, w: Node, rp: str, wp: str, where: str) -> None:
        if same_type(self.reader, r, self.writer, w):
            return
        self.depth += 1
        if self.depth > MAX_CHECK_DEPTH:
            raise _TooDeep
        try:
            self._check(r, w, rp, wp, where)
        finally:
            self.depth -= 1

    def _check(self, r: Node, w: Node, rp: str, wp: str, where: str) -> None:
        rnode, rnamed = self.reader.resolve(r)
        wnode, wnamed = self.writer.resolve(w)
        rp, wp = _at(rnamed, rp), _at(wnamed, wp)
        if isinstance(wnode, list):
            for index, branch in enumerate(wnode):
                bp = _sub(wp, f"/{index}")
                if not isinstance(rnode, list):
                    self.check(rnode, branch, rp, bp, f"{where} (writer union branch {index})")
                elif not self.readable(rnode, rp, branch, bp):
                    self.emit(
                        "MISSING_UNION_BRANCH",
                        f"{where}: the reader's union has no branch that reads the writer's "
                        f"{self.shown(self.writer, branch)} (writer union branch {index}).",
                        rp,
                        bp,
                    )
            return
        if isinstance(rnode, list):
            if not self.readable(rnode, rp, wnode, wp):
                self.emit(
                    "MISSING_UNION_BRANCH",
                    f"{where}: the reader's union has no branch that reads the writer's "
                    f"{describe(wnode)}.",
                    rp,
                    wp,
                )
            return
        rkind, wkind = _kind(rnode), _kind(wnode)
        if rkind != wkind:
            if (wkind, rkind) not in PROMOTIONS:
                self.emit(
                    "TYPE_MISMATCH",
                    f"{where}: the writer's {describe(wnode)} cannot be read as the reader's "
                    f"{describe(rnode)}.",
                    rp,
                    wp,
                )
            return
        if rkind == "record":
            assert rnamed is not None and wnamed is not None
            self.records(rnamed, wnamed, rp, wp, where)
            return
        if rkind in NAMED_KINDS:
            self.names(rnode, wnode, rp, wp, where)
        if rkind == "enum":
            self.symbols(rnode, wnode, rp, wp, where)
        elif rkind == "fixed" and rnode["size"] != wnode["size"]:
            self.emit(
                "FIXED_SIZE_MISMATCH",
                f"{where}: fixed '{rnode['name']}' has size {rnode['size']} in the reader "
                f"but {wnode['size']} in the writer.",
                _sub(rp, "/size"),
                _sub(wp, "/size"),
            )
        elif rkind == "array":
            self.check(
                rnode["items"],
                wnode["items"],
                _sub(rp, "/items"),
                _sub(wp, "/items"),
                f"{where} (array items)",
            )
        elif rkind == "map":
            self.check(
                rnode["values"],
                wnode["values"],
                _sub(rp, "/values"),
                _sub(wp, "/values"),
                f"{where} (map values)",
            )
        if rkind in ("bytes", "fixed"):
            self.decimals(rnode, wnode, rp, wp, where)

    def readable(self, branches: list[Node], rp: str, w: Node, wp: str) -> bool:
        """Whether some reader branch reads ``w`` (what the check of each would find is
        not reported: only that none reads it)."""
        saved = self.out
        try:
            for index, branch in enumerate(branches):
                self.out = []
                self.check(branch, w, _sub(rp, f"/{index}"), wp, "")
                if not self.out:
                    return True
            return False
        finally:
            self.out = saved

    def records(self, rnamed: NamedType, wnamed: NamedType, rp: str, wp: str, where: str) -> None:
        key = (rnamed.fullname, wnamed.fullname)
        known = self.pairs.get(key)
        if known is not None:
            self.out.extend(known)
            return
        if key in self.in_progress:
            return
        self.in_progress.add(key)
        saved, self.out = self.out, []
        try:
            # records of other names do not resolve at all: their fields are not compared
            if self.names(rnamed.node, wnamed.node, rp, wp, where):
                self.fields(self.reader.record(rnamed), self.writer.record(wnamed), rp, wp)
            found = self.out
        finally:
            self.out = saved
            self.in_progress.discard(key)
        self.pairs[key] = found
        saved.extend(found)

    def fields(self, reader: RecordInfo, writer: RecordInfo, rp: str, wp: str) -> None:
        by_name = writer.by_name
        identities = reader.identities
        for index, field in enumerate(reader.fields):
            name = field["name"]
            source = by_name.get(name)
            if source is None:
                for alias in field.get("aliases", ()):
                    source = by_name.get(alias)
                    if source is not None:
                        break
            if source is None:
                if "default" not in field:
                    self.emit(
                        "READER_FIELD_MISSING_DEFAULT_VALUE",
                        f"Field '{name}' of record '{reader.fullname}' has no default in the "
                        "reader, and the writer does not write it.",
                        _field_path(reader, index, rp),
                        wp,
                    )
                continue
            source_index, source_field, source_identity = source
            if identities[index] == source_identity:
                continue
            self.check(
                field["type"],
                source_field["type"],
                _field_path(reader, index, rp, "/type"),
                _field_path(writer, source_index, wp, "/type"),
                f"Field '{name}' of record '{reader.fullname}'",
            )

    def names(self, r: dict[str, Any], w: dict[str, Any], rp: str, wp: str, where: str) -> bool:
        """Whether the reader's named type reads the writer's by name (else reported)."""
        rname, wname = r["name"], w["name"]
        if rname.rpartition(".")[2] == wname.rpartition(".")[2] or wname in r.get("aliases", ()):
            return True
        self.emit(
            "NAME_MISMATCH",
            f"{where}: the reader's {r['type']} '{rname}' does not read the writer's "
            f"'{wname}': the names differ and no alias of the reader's names it.",
            _sub(rp, "/name"),
            _sub(wp, "/name"),
        )
        return False

    def symbols(self, r: dict[str, Any], w: dict[str, Any], rp: str, wp: str, where: str) -> None:
        known = set(r["symbols"])
        missing = [symbol for symbol in w["symbols"] if symbol not in known]
        if missing and "default" not in r:
            listed = ", ".join(missing)
            self.emit(
                "MISSING_ENUM_SYMBOLS",
                f"{where}: enum '{r['name']}' in the reader lacks the writer's symbols "
                f"{listed} and has no default symbol.",
                _sub(rp, "/symbols"),
                _sub(wp, "/symbols"),
            )

    def decimals(self, r: dict[str, Any], w: dict[str, Any], rp: str, wp: str, where: str) -> None:
        if not isinstance(r, dict) or not isinstance(w, dict):
            return
        if r.get("logicalType") != "decimal" or w.get("logicalType") != "decimal":
            return
        for attribute, code, default in (
            ("precision", "DECIMAL_PRECISION_MISMATCH", None),
            ("scale", "DECIMAL_SCALE_MISMATCH", 0),
        ):
            mine, theirs = r.get(attribute, default), w.get(attribute, default)
            if mine != theirs:
                self.emit(
                    code,
                    f"{where}: the reader's decimal has {attribute} {mine} but the writer's "
                    f"has {theirs}; decimals resolve only when precision and scale match.",
                    _sub(rp, f"/{attribute}") if attribute in r else rp,
                    _sub(wp, f"/{attribute}") if attribute in w else wp,
                )

    @staticmethod
    def shown(index: SchemaIndex, node: Node) -> str:
        return describe(index.resolve(node)[0])


def _field_path(record: RecordInfo, index: int, use: str, suffix: str = "") -> str:
    """A field's pointer, or where the record is used when another schema defines it."""
    if record.path is None:
        return use
    return f"{record.path}/fields/{index}{suffix}"


def _kind(node: Node) -> str:
    if isinstance(node, str):
        return node
    return str(node["type"])


assert all(a in PRIMITIVES and b in PRIMITIVES for a, b in PROMOTIONS)
