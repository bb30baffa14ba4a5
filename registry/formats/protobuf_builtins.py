"""The .proto files a schema may import without a reference besides protoc's well-known
types: those Confluent's serializers treat as built in (they register no reference for an
import under ``confluent/``, ``google/protobuf/`` or ``google/type/``, and Confluent's
server bundles these files).

- ``google/type/*.proto``, Google's common types (``google.type.Date``, ``Money``, ...):
  the files googleapis-common-protos ships beside its generated modules, found through the
  ``google.type`` package's own search path. Nothing else of that package is served.
- ``confluent/**/*.proto`` (``confluent.type.Decimal``, ``confluent.Meta``, ...): vendored
  in ``protobuf_confluent/confluent/``, printed from the descriptors confluent-kafka-python's
  generated modules carry (``protobuf_confluent/README.md`` says how).

protoc reads files from include directories, each mapped whole. ``link_builtins`` gives
it one holding just these two directories (symbolic links, made in the call's scratch
directory: nothing outlives the call, nothing is copied), searched after the schema's
references: a reference named like a built-in file wins, as in Confluent's server, which
resolves a schema's references first and its bundled files after.
"""

from __future__ import annotations

import functools
import importlib.util
from importlib import resources
from pathlib import Path

GOOGLE_TYPE = "google/type"
CONFLUENT = "confluent"
_CONFLUENT_ROOT = Path(str(resources.files("registry.formats").joinpath("protobuf_confluent")))


def _google_type_directory() -> Path | None:
    """The directory of googleapis-common-protos' ``google/type/*.proto`` (the first on
    the ``google.type`` namespace package's search path that holds any), if installed."""
    try:
        spec = importlib.util.find_spec("google.type")
    except ImportError:  # no google package at all
        return None
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        if any(Path(location).glob("*.proto")):
            return Path(location)
    return None


@functools.cache
def builtin_directories() -> dict[str, Path]:
    """Each directory of built-in files: its import path prefix and where it is (found
    once)."""
    directories = {CONFLUENT: _CONFLUENT_ROOT / CONFLUENT}
    google_type = _google_type_directory()
    if google_type is not None:
        directories[GOOGLE_TYPE] = google_type
    return directories


@functools.cache
def builtin_files() -> frozenset[str]:
    """The import path of every built-in file."""
    return frozenset(
        f"{prefix}/{path.relative_to(directory).as_posix()}"
        for prefix, directory in builtin_directories().items()
        for path in directory.rglob("*.proto")
    )


def is_builtin(path: str) -> bool:
    """True for an import served without a reference beside the well-known types."""
    return path in builtin_files()


def link_builtins(include: Path) -> None:
    """Make ``include`` (an empty directory) an include directory serving the built-in
    files under their import paths."""
    for prefix, directory in builtin_directories().items():
        link = include / prefix
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(directory, target_is_directory=True)
