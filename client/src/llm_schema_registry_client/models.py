"""What the registry answers, as frozen records read from its GraphQL field names."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from llm_schema_registry_client.errors import RegistryError


class Provider(StrEnum):
    """Model providers whose SDKs ``tools()`` shapes tool lists for."""

    OPENAI = "OPENAI"
    ANTHROPIC = "ANTHROPIC"
    GEMINI = "GEMINI"


class ExportTarget(StrEnum):
    OPENAI_TOOL = "OPENAI_TOOL"
    OPENAI_RESPONSE_FORMAT = "OPENAI_RESPONSE_FORMAT"
    ANTHROPIC_TOOL = "ANTHROPIC_TOOL"
    GEMINI_FUNCTION = "GEMINI_FUNCTION"
    JSON_SCHEMA = "JSON_SCHEMA"


TOOL_TARGETS: dict[Provider, ExportTarget] = {
    Provider.OPENAI: ExportTarget.OPENAI_TOOL,
    Provider.ANTHROPIC: ExportTarget.ANTHROPIC_TOOL,
    Provider.GEMINI: ExportTarget.GEMINI_FUNCTION,
}


@dataclass(frozen=True)
class Reference:
    name: str
    subject: str
    version: int

    @classmethod
    def read(cls, data: dict[str, Any]) -> Reference:
        return cls(str(data["name"]), str(data["subject"]), int(data["version"]))

    def as_input(self) -> dict[str, Any]:
        return {"name": self.name, "subject": self.subject, "version": self.version}


def _references(data: dict[str, Any]) -> tuple[Reference, ...]:
    return tuple(Reference.read(item) for item in data.get("references") or ())


@dataclass(frozen=True)
class Schema:
    """A distinct content with its global id; immutable, so cached for good."""

    id: int
    schema: str
    format: str
    references: tuple[Reference, ...] = ()

    @classmethod
    def read(cls, data: dict[str, Any]) -> Schema:
        return cls(int(data["id"]), str(data["schema"]), str(data["format"]), _references(data))


@dataclass(frozen=True)
class SchemaVersion:
    subject: str
    version: int
    id: int
    schema: str
    format: str
    references: tuple[Reference, ...] = ()

    @classmethod
    def read(cls, data: dict[str, Any]) -> SchemaVersion:
        return cls(
            str(data["subject"]),
            int(data["version"]),
            int(data["id"]),
            str(data["schema"]),
            str(data["format"]),
            _references(data),
        )

    def content(self) -> Schema:
        return Schema(self.id, self.schema, self.format, self.references)


@dataclass(frozen=True)
class RegisteredSchema:
    subject: str
    version: int
    id: int
    schema: str
    format: str
    is_new_version: bool
    change: str | None
    references: tuple[Reference, ...] = ()

    @classmethod
    def read(cls, data: dict[str, Any]) -> RegisteredSchema:
        return cls(
            str(data["subject"]),
            int(data["version"]),
            int(data["id"]),
            str(data["schema"]),
            str(data["format"]),
            bool(data["isNewVersion"]),
            data.get("change"),
            _references(data),
        )

    def as_version(self) -> SchemaVersion:
        return SchemaVersion(
            self.subject, self.version, self.id, self.schema, self.format, self.references
        )


@dataclass(frozen=True)
class Incompatibility:
    code: str
    message: str
    old_path: str
    new_path: str
    direction: str
    version: int | None

    @classmethod
    def read(cls, data: dict[str, Any]) -> Incompatibility:
        version = data.get("version")
        return cls(
            str(data["code"]),
            str(data["message"]),
            str(data["oldPath"]),
            str(data["newPath"]),
            str(data["direction"]),
            None if version is None else int(version),
        )


@dataclass(frozen=True)
class CompatibilityCheck:
    is_compatible: bool
    level: str
    policy: str
    messages: tuple[str, ...]
    incompatibilities: tuple[Incompatibility, ...]

    @classmethod
    def read(cls, data: dict[str, Any]) -> CompatibilityCheck:
        return cls(
            bool(data["isCompatible"]),
            str(data["level"]),
            str(data["policy"]),
            tuple(str(m) for m in data["messages"]),
            tuple(Incompatibility.read(item) for item in data["incompatibilities"]),
        )


@dataclass(frozen=True)
class LintFinding:
    rule_id: str
    pointer: str
    message: str
    severity: str

    @classmethod
    def read(cls, data: dict[str, Any]) -> LintFinding:
        return cls(
            str(data["ruleId"]), str(data["pointer"]), str(data["message"]), str(data["severity"])
        )


@dataclass(frozen=True)
class PayloadError:
    instance_path: str
    schema_path: str
    keyword: str
    message: str

    @classmethod
    def read(cls, data: dict[str, Any]) -> PayloadError:
        return cls(
            str(data["instancePath"]),
            str(data["schemaPath"]),
            str(data["keyword"]),
            str(data["message"]),
        )

    def as_dict(self) -> dict[str, str]:
        return {
            "instancePath": self.instance_path,
            "schemaPath": self.schema_path,
            "keyword": self.keyword,
            "message": self.message,
        }


@dataclass(frozen=True)
class PayloadValidation:
    valid: bool
    subject: str
    version: int
    errors: tuple[PayloadError, ...]

    @classmethod
    def read(cls, data: dict[str, Any]) -> PayloadValidation:
        return cls(
            bool(data["valid"]),
            str(data["subject"]),
            int(data["version"]),
            tuple(PayloadError.read(item) for item in data["errors"]),
        )


@dataclass(frozen=True)
class SchemaExport:
    """A version rendered for a provider's SDK (``document``: the tool or format object)."""

    subject: str
    version: int
    schema_id: int
    target: str
    name: str
    document: Any

    @classmethod
    def read(cls, data: dict[str, Any]) -> SchemaExport:
        return cls(
            str(data["subject"]),
            int(data["version"]),
            int(data["schemaId"]),
            str(data["target"]),
            str(data["name"]),
            data["document"],
        )


@dataclass(frozen=True)
class ToolRefusal:
    """A live version left out of a tool list because the registry would not export it for
    the provider: ``PROVIDER_LINT_FAILED`` (the schema breaks a rule of the provider's, the
    findings say which and where) or ``BAD_USER_INPUT`` (not a JSON Schema: Avro,
    Protobuf)."""

    subject: str
    version: int
    schema_id: int
    target: str
    error: RegistryError = field(compare=False)

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def message(self) -> str:
        return self.error.message

    @property
    def findings(self) -> list[dict[str, Any]]:
        """The blocking findings: provider, ruleId, pointer (into the schema), message."""
        return self.error.findings


@dataclass(frozen=True)
class ChangeEvent:
    """One committed change from ``schemaChanges``; ``sequence`` is global and increasing."""

    sequence: int
    kind: str
    subject: str | None
    version: int | None
    id: int | None
    schema: str | None
    format: str | None
    permanent: bool
    timestamp: float
    references: tuple[Reference, ...] = ()
    change: str | None = None

    @classmethod
    def read(cls, data: dict[str, Any]) -> ChangeEvent:
        version = data.get("version")
        schema_id = data.get("id")
        return cls(
            int(data["sequence"]),
            str(data["kind"]),
            data.get("subject"),
            None if version is None else int(version),
            None if schema_id is None else int(schema_id),
            data.get("schema"),
            data.get("format"),
            bool(data.get("permanent", False)),
            float(data.get("timestamp") or 0.0),
            _references(data),
            data.get("change"),
        )

    def registered_version(self) -> SchemaVersion | None:
        """The version a REGISTERED event carries in full, else None."""
        if (
            self.kind != "REGISTERED"
            or self.subject is None
            or self.version is None
            or self.id is None
            or self.schema is None
            or self.format is None
        ):
            return None
        return SchemaVersion(
            self.subject, self.version, self.id, self.schema, self.format, self.references
        )


@dataclass(frozen=True)
class Change:
    """What an ``on_change`` callback receives: the event, and the subject's latest live
    version once the event is applied (None when the subject has none)."""

    event: ChangeEvent
    latest: SchemaVersion | None
    received_at: float = field(default=0.0, compare=False)

    @property
    def subject(self) -> str:
        return self.event.subject or ""
