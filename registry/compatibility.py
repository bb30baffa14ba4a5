"""Compatibility levels and what each one checks.

BACKWARD: consumers using the new schema can read data written with the previous one.
FORWARD: consumers using the previous schema can read data written with the new one.
FULL: both. The non-transitive levels compare the candidate with the latest live version;
the *_TRANSITIVE levels compare it with every live (not soft-deleted) earlier version.
NONE checks nothing. The per-format meaning of "can read" lives in ``registry.formats``.

The policy says how a format judges changes that are safe only under an assumption about
the data: STRICT (the default) assumes nothing, so for JSON Schema "can read" means every
document valid under the writer's schema is valid under the reader's. LENIENT is STRICT's
verdict plus the changes that are safe when documents carry no undeclared keys (keys an
open model leaves undeclared, or a closed one leaves out), as Confluent's lenient set
accepts them: it never refuses what STRICT accepts. LLM is LENIENT's verdict plus what
holds when readers ignore unknown keys and read a missing required key whose schema accepts
null as null (how applications read model output): it never refuses what LENIENT accepts.
See ``registry.formats.json_schema_compat.policy``, and docs/json-schema-lenient.md for how
LENIENT compares with Confluent's answers.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from registry.model import (
    DEFAULT_COMPATIBILITY_POLICY,
    ChangeClass,
    CompatibilityLevel,
    CompatibilityPolicy,
)
from registry.types import Version

if TYPE_CHECKING:
    from registry.formats.base import FormatHandler, ParsedSchema


T = TypeVar("T")


class Direction(enum.Enum):
    """Which way data flows between the two schemas of one pairwise check."""

    BACKWARD = "BACKWARD"  # documents of the old schema must be accepted by the new one
    FORWARD = "FORWARD"  # documents of the new schema must be accepted by the old one


@dataclass(frozen=True, slots=True)
class Incompatibility:
    """One reason a candidate breaks a level: stable code, JSON pointers, plain sentence."""

    code: str
    message: str
    old_path: str
    new_path: str
    direction: Direction = Direction.BACKWARD
    version: Version | None = None

    def as_record(self) -> dict[str, object]:
        """The public record, field names as both APIs spell them."""
        return {
            "code": self.code,
            "message": self.message,
            "oldPath": self.old_path,
            "newPath": self.new_path,
            "direction": self.direction.value,
            "version": self.version,
        }

    def __reduce__(self) -> tuple[type[Incompatibility], tuple[object, ...]]:
        # Records cross process boundaries (checks run in worker processes); the default
        # pickling of a slotted dataclass is several times slower than its constructor.
        return (
            Incompatibility,
            (self.code, self.message, self.old_path, self.new_path, self.direction, self.version),
        )

    def describe(self) -> str:
        where = f" (against version {self.version})" if self.version is not None else ""
        return (
            f"{self.direction.value} {self.code} at {self.new_path or '#'}{where}: {self.message}"
        )


_DIRECTIONS: dict[CompatibilityLevel, tuple[Direction, ...]] = {
    CompatibilityLevel.NONE: (),
    CompatibilityLevel.BACKWARD: (Direction.BACKWARD,),
    CompatibilityLevel.BACKWARD_TRANSITIVE: (Direction.BACKWARD,),
    CompatibilityLevel.FORWARD: (Direction.FORWARD,),
    CompatibilityLevel.FORWARD_TRANSITIVE: (Direction.FORWARD,),
    CompatibilityLevel.FULL: (Direction.BACKWARD, Direction.FORWARD),
    CompatibilityLevel.FULL_TRANSITIVE: (Direction.BACKWARD, Direction.FORWARD),
}


def directions_for(level: CompatibilityLevel) -> tuple[Direction, ...]:
    """The pairwise checks a level implies: FULL is BACKWARD and FORWARD."""
    return _DIRECTIONS[level]


def is_transitive(level: CompatibilityLevel) -> bool:
    """Transitive levels check every live earlier version, the others only the latest."""
    return level.value.endswith("_TRANSITIVE")


def non_transitive(level: CompatibilityLevel) -> CompatibilityLevel:
    """The level that checks the same directions against a single version."""
    return CompatibilityLevel(level.value.removesuffix("_TRANSITIVE"))


def versions_to_check(level: CompatibilityLevel, live_versions: Sequence[T]) -> list[T]:
    """Earlier versions (oldest first) a candidate is compared with under ``level``."""
    if level is CompatibilityLevel.NONE or not live_versions:
        return []
    if is_transitive(level):
        return list(live_versions)
    return [live_versions[-1]]


def check_compatibility(
    handler: FormatHandler,
    level: CompatibilityLevel,
    candidate: ParsedSchema,
    live_versions: Sequence[tuple[Version, ParsedSchema]],
    policy: CompatibilityPolicy = DEFAULT_COMPATIBILITY_POLICY,
) -> list[Incompatibility]:
    """Every incompatibility of ``candidate`` against the versions ``level`` covers.

    An empty list means the candidate may be registered. Each record names the earlier
    version it concerns, so transitive failures say which version broke.
    """
    found: list[Incompatibility] = []
    for version, previous in versions_to_check(level, live_versions):
        if previous.format is not candidate.format:
            found.append(
                Incompatibility(
                    code="SCHEMA_TYPE_CHANGED",
                    message=(
                        f"Schema type changed from {previous.format.value} to "
                        f"{candidate.format.value}."
                    ),
                    old_path="#",
                    new_path="#",
                    version=version,
                )
            )
            continue
        for direction in directions_for(level):
            for item in handler.find_incompatibilities(previous, candidate, direction, policy):
                found.append(replace(item, direction=direction, version=version))
    return found


@dataclass(frozen=True, slots=True)
class ChangelogEntry:
    """One version's change against the previous live version, with the STRICT
    findings (both directions) that classify it."""

    version: Version
    change: ChangeClass | None
    findings: tuple[Incompatibility, ...] = ()
    is_deleted: bool = False


def classify(findings: Sequence[Incompatibility]) -> ChangeClass:
    """MAJOR when a BACKWARD finding exists (the new version does not read the old
    one's data), MINOR when only FORWARD ones do, PATCH when there are none; the
    findings are those of a STRICT FULL check against the previous version."""
    directions = {item.direction for item in findings}
    if Direction.BACKWARD in directions:
        return ChangeClass.MAJOR
    if Direction.FORWARD in directions:
        return ChangeClass.MINOR
    return ChangeClass.PATCH


def findings_from_records(records: Sequence[dict[str, object]]) -> tuple[Incompatibility, ...]:
    """The inverse of ``Incompatibility.as_record`` for stored findings."""
    found = []
    for record in records:
        version = record.get("version")
        found.append(
            Incompatibility(
                code=str(record["code"]),
                message=str(record["message"]),
                old_path=str(record["oldPath"]),
                new_path=str(record["newPath"]),
                direction=Direction(record["direction"]),
                version=Version(version) if isinstance(version, int) else None,
            )
        )
    return tuple(found)


def summarize(incompatibilities: Sequence[Incompatibility], level: CompatibilityLevel) -> str:
    """A one-line error message for a refused registration."""
    count = len(incompatibilities)
    first = incompatibilities[0].describe() if incompatibilities else ""
    more = f" (and {count - 1} more)" if count > 1 else ""
    return f"Schema is incompatible under {level.value}: {first}{more}"
