"""Domain records. Plain frozen dataclasses: storage builds them, graph converts them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from registry.providers.model import LintFinding, Provider
from registry.types import SchemaId, Sequence, SubjectName, Version

if TYPE_CHECKING:
    from registry.compatibility import Incompatibility

ProviderFinding = tuple[Provider, LintFinding]
"""A provider lint finding with the provider whose rule it is."""


class SchemaFormat(enum.Enum):
    JSON = "JSON"
    AVRO = "AVRO"
    PROTOBUF = "PROTOBUF"


class CompatibilityLevel(enum.Enum):
    NONE = "NONE"
    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"


DEFAULT_COMPATIBILITY = CompatibilityLevel.BACKWARD


class EventKind(enum.Enum):
    REGISTERED = "REGISTERED"
    VERSION_DELETED = "VERSION_DELETED"
    SUBJECT_DELETED = "SUBJECT_DELETED"
    CONFIG_CHANGED = "CONFIG_CHANGED"
    KEY_REVOKED = "KEY_REVOKED"
    """An API key was revoked (``key_id``). Internal: never shown to subscribers, it
    travels with the changes so that none committed after it reaches the key's sockets."""


# Kinds a subscriber may see.
PUBLIC_EVENT_KINDS = frozenset(
    {
        EventKind.REGISTERED,
        EventKind.VERSION_DELETED,
        EventKind.SUBJECT_DELETED,
        EventKind.CONFIG_CHANGED,
    }
)


@dataclass(frozen=True, slots=True)
class SchemaReference:
    """A registered schema another refers to by ``name``: a JSON Schema ``$ref`` target,
    the schema defining an Avro named type, a Protobuf import path (Confluent's model)."""

    name: str
    subject: SubjectName
    version: Version


@dataclass(frozen=True, slots=True)
class Schema:
    """A distinct schema content, identified by a global id. Its ``references`` (in the
    order given) and ``dialect`` (the one it was read in when its text names none; see
    ``ParsedSchema.dialect``) are part of its identity."""

    id: SchemaId
    format: SchemaFormat
    text: str
    fingerprint: str
    references: tuple[SchemaReference, ...] = ()
    dialect: str | None = None


class ChangeClass(enum.Enum):
    """What a version changed against the previous live one, judged under STRICT in
    both directions (semantic-versioning terms): MAJOR, data written with the previous
    version is not accepted by this one (breaking); MINOR, it is, but data written with
    this one is not accepted by the previous (additive); PATCH, both accept each
    other's data (annotations, or changes that mean the same)."""

    MAJOR = "MAJOR"
    MINOR = "MINOR"
    PATCH = "PATCH"


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    """One version of a subject, pointing at a schema. ``change``: how it changed
    against the version before it (None for a first version, or an imported one)."""

    subject: SubjectName
    version: Version
    schema: Schema
    is_deleted: bool = False
    change: ChangeClass | None = None


@dataclass(frozen=True, slots=True)
class Subject:
    name: SubjectName
    versions: tuple[Version, ...]
    is_deleted: bool = False


class CompatibilityPolicy(enum.Enum):
    """How strictly a format checker judges changes it can prove safe only under
    assumptions about the data (e.g. that no document carries an undeclared key). LLM
    adds how applications read model output: unknown keys ignored, a missing required
    key whose schema accepts null read as null."""

    STRICT = "STRICT"
    LENIENT = "LENIENT"
    LLM = "LLM"


DEFAULT_COMPATIBILITY_POLICY = CompatibilityPolicy.STRICT


class RegistryMode(enum.Enum):
    """READWRITE: normal. READONLY: registrations and deletions refused. IMPORT:
    registrations keep the ids and versions they come with (migrating a registry in)."""

    READWRITE = "READWRITE"
    READONLY = "READONLY"
    IMPORT = "IMPORT"


DEFAULT_MODE = RegistryMode.READWRITE


class ProviderEnforcement(enum.Enum):
    """What a registration does with the provider rules chosen for its subject. OFF: no
    lint. WARN: the schema is linted against each chosen provider and stored whatever
    the findings; they come back with the registration and its event. ENFORCE: likewise,
    but a BLOCKING finding refuses the schema (WARNING ones never do)."""

    OFF = "OFF"
    WARN = "WARN"
    ENFORCE = "ENFORCE"


DEFAULT_PROVIDER_ENFORCEMENT = ProviderEnforcement.OFF


@dataclass(frozen=True, slots=True)
class ScopeConfig:
    """What is set for one subject (or globally); None means inherited or default."""

    compatibility: CompatibilityLevel | None = None
    policy: CompatibilityPolicy | None = None
    mode: RegistryMode | None = None
    dialect: str | None = None
    # An empty tuple is a setting too: no providers here, whatever the global scope says.
    providers: tuple[Provider, ...] | None = None
    provider_enforcement: ProviderEnforcement | None = None


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One committed change, in the order of its sequence. ``schema`` is set for REGISTERED."""

    sequence: Sequence
    kind: EventKind
    subject: SubjectName | None
    version: Version | None = None
    schema_id: SchemaId | None = None
    schema_text: str | None = None
    schema_format: SchemaFormat | None = None
    compatibility: CompatibilityLevel | None = None
    is_permanent: bool = False
    created_at: float = 0.0
    key_id: str | None = None
    references: tuple[SchemaReference, ...] = ()
    change: ChangeClass | None = None
    # REGISTERED under provider rules (WARN or ENFORCE): the lint findings of the schema.
    lint_findings: tuple[ProviderFinding, ...] = ()


@dataclass(frozen=True, slots=True)
class Page:
    """A window of an ordered listing: skip ``offset`` entries, then keep at most ``limit``
    of them (all the rest when None)."""

    offset: int = 0
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class RegistrationResult:
    """``findings``: for a new version, the STRICT findings against the previous one that
    classify its change (``SchemaVersion.change``). ``lint_findings``: for a new version
    registered under provider rules (WARN or ENFORCE), every finding of each chosen
    provider (``ProviderEnforcement``)."""

    version: SchemaVersion
    is_new_version: bool
    findings: tuple[Incompatibility, ...] = ()
    lint_findings: tuple[ProviderFinding, ...] = ()
