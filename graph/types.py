"""GraphQL types and their ``from_domain`` converters."""

from __future__ import annotations

import datetime
import enum
from typing import cast

import strawberry
import strawberry.scalars
from strawberry.types import Info

from graph import loaders
from graph.context import GraphContext
from registry import access, audit, model, providers
from registry import compatibility as domain_compat
from registry.providers import export as provider_export
from resolvers import config as config_resolvers
from resolvers import export as export_resolvers
from resolvers import lint as lint_resolvers
from resolvers import modes as mode_resolvers
from resolvers import schemas as schema_resolvers
from resolvers import subjects as subject_resolvers

CompatibilityLevel = strawberry.enum(
    model.CompatibilityLevel,
    name="CompatibilityLevel",
    description="Which earlier versions a new version must stay compatible with.",
)
CompatibilityPolicy = strawberry.enum(
    model.CompatibilityPolicy,
    name="CompatibilityPolicy",
    description=(
        "STRICT: every document valid under the writer's schema must be valid under the "
        "reader's. LENIENT: also accepts an optional property added to an open model and a "
        "property removed from a closed model, as Confluent's lenient checker does. LLM: "
        "LENIENT plus a required property whose schema accepts null that the writer never "
        "writes (read as null), as applications read model output; Protobuf judges it as "
        "LENIENT, Avro ignores the policy."
    ),
)
RegistryMode = strawberry.enum(
    model.RegistryMode,
    name="RegistryMode",
    description=(
        "READWRITE: normal. READONLY: registrations and deletions refused. IMPORT: "
        "registrations keep the ids and versions they come with (migrating a registry in)."
    ),
)
SchemaFormat = strawberry.enum(model.SchemaFormat, name="SchemaFormat")
ChangeClass = strawberry.enum(
    model.ChangeClass,
    name="ChangeClass",
    description=(
        "How a version changed against the previous live one, under STRICT in both "
        "directions: MAJOR breaking (the new version does not accept data written with "
        "the previous one), MINOR additive (it does, but the previous one does not accept "
        "all the new one's data), PATCH annotation-only (each accepts the other's data)."
    ),
)
# The kinds a subscriber sees (KEY_REVOKED stays internal), in declaration order.
PublicEventKind = enum.Enum(  # type: ignore[misc]
    "PublicEventKind", [(k.name, k.value) for k in model.EventKind if k in model.PUBLIC_EVENT_KINDS]
)
SchemaChangeKind = strawberry.enum(PublicEventKind, name="SchemaChangeKind")
CompatibilityDirection = strawberry.enum(domain_compat.Direction, name="CompatibilityDirection")

GraphInfo = Info[GraphContext, None]


@strawberry.type(
    description=(
        "A registered schema another refers to by name: a JSON Schema $ref target, the "
        "schema defining an Avro named type, a Protobuf import path."
    )
)
class SchemaReference:
    name: str
    subject: str
    version: int

    @classmethod
    def from_domain(cls, reference: model.SchemaReference) -> SchemaReference:
        return cls(name=reference.name, subject=reference.subject, version=reference.version)

    @classmethod
    def all_of(cls, schema: model.Schema) -> list[SchemaReference]:
        return [cls.from_domain(r) for r in schema.references]


@strawberry.input(description="A reference to a registered version, used by name.")
class SchemaReferenceInput:
    name: str = strawberry.field(
        description="How the schema refers to it: a $ref URI, an import path, any name."
    )
    subject: str
    version: int

    def to_domain(self) -> tuple[object, object, object]:
        return (self.name, self.subject, self.version)


@strawberry.type(description="A distinct schema content with its global id.")
class Schema:
    id: int
    schema: str = strawberry.field(description="The canonical schema text.")
    format: SchemaFormat  # type: ignore[valid-type]
    references: list[SchemaReference] = strawberry.field(
        description="The registered versions this schema refers to, in the order given."
    )

    @strawberry.field(description="Live subject versions that use this schema.")
    async def versions(self, info: GraphInfo) -> list[SchemaVersion]:
        found = await subject_resolvers.list_schema_versions(info.context.services, self.id)
        return [SchemaVersion.from_domain(v) for v in found]

    @classmethod
    def from_domain(cls, schema: model.Schema) -> Schema:
        return cls(
            id=schema.id,
            schema=schema.text,
            format=schema.format,
            references=SchemaReference.all_of(schema),
        )


@strawberry.type(description="One version of a subject.")
class SchemaVersion:
    subject: str
    version: int
    id: int = strawberry.field(description="The global id of this version's schema.")
    schema: str
    format: SchemaFormat  # type: ignore[valid-type]
    deleted: bool = strawberry.field(description="True when soft-deleted.")
    references: list[SchemaReference] = strawberry.field(
        description="The registered versions this schema refers to, in the order given."
    )
    change: ChangeClass | None = strawberry.field(  # type: ignore[valid-type]
        description="How it changed the previous version; null for a first or imported one."
    )

    @strawberry.field(
        description=(
            "The documented rules of provider that this version's JSON Schema breaks "
            "(empty: none known); refused for Avro and Protobuf."
        )
    )
    async def lint(self, info: GraphInfo, provider: Provider) -> list[LintFinding]:  # type: ignore[valid-type]
        found = await subject_resolvers.get_version(
            info.context.services, self.subject, self.version, include_deleted=self.deleted
        )
        return [LintFinding.from_domain(f) for f in lint_resolvers.lint_version(found, provider)]

    @strawberry.field(
        description=(
            "This version's JSON Schema as the request object of target (see "
            "Query.exportSchema); refused for Avro and Protobuf."
        )
    )
    async def export(
        self,
        info: GraphInfo,
        target: ExportTarget,  # type: ignore[valid-type]
        name: str | None = None,
        description: str | None = None,
    ) -> SchemaExport:
        found = await subject_resolvers.get_version(
            info.context.services, self.subject, self.version, include_deleted=self.deleted
        )
        exported = await export_resolvers.export_found(
            info.context.services, found, target, name, description
        )
        return SchemaExport.from_domain(exported)

    @strawberry.field(description="Live versions whose schema refers to this version.")
    async def referenced_by(self, info: GraphInfo) -> list[SchemaVersion]:
        found = await schema_resolvers.list_referenced_by(
            info.context.services, self.subject, self.version
        )
        return [SchemaVersion.from_domain(v) for v in found]

    @classmethod
    def from_domain(cls, version: model.SchemaVersion) -> SchemaVersion:
        return cls(
            subject=version.subject,
            version=version.version,
            id=version.schema.id,
            schema=version.schema.text,
            format=version.schema.format,
            deleted=version.is_deleted,
            references=SchemaReference.all_of(version.schema),
            change=version.change,
        )


@strawberry.type(description="A named line of schema versions.")
class Subject:
    name: str
    versions: list[int] = strawberry.field(description="Live version numbers, oldest first.")
    deleted: bool

    @strawberry.field(description="The newest live version.")
    async def latest(self, info: GraphInfo) -> SchemaVersion | None:
        # Batched: a listing's subjects load their latest versions in one read.
        found = await loaders.latest_versions(info.context).load(self.name)
        return None if found is None else SchemaVersion.from_domain(found)

    @strawberry.field(description="One version by number; VERSION_NOT_FOUND if absent.")
    async def version(self, info: GraphInfo, number: int) -> SchemaVersion:
        found = await subject_resolvers.get_version(info.context.services, self.name, number)
        return SchemaVersion.from_domain(found)

    @strawberry.field(description="The level set on this subject; null when it inherits.")
    async def compatibility(self, info: GraphInfo) -> CompatibilityLevel | None:  # type: ignore[valid-type]
        view = await config_resolvers.get_config(info.context.services, self.name)
        return view.configured

    @strawberry.field(description="The level that applies: the subject's, else the global.")
    async def effective_compatibility(self, info: GraphInfo) -> CompatibilityLevel:  # type: ignore[valid-type]
        view = await config_resolvers.get_config(info.context.services, self.name)
        return view.effective

    @strawberry.field(
        description=(
            "Every version, oldest first (soft-deleted ones marked), with how it changed "
            "the previous live version and the STRICT findings that say so."
        )
    )
    async def changelog(self, info: GraphInfo) -> list[ChangelogEntry]:
        entries = await schema_resolvers.list_changelog(info.context.services, self.name)
        return [ChangelogEntry.from_domain(e) for e in entries]

    @classmethod
    def from_domain(cls, subject: model.Subject) -> Subject:
        return cls(name=subject.name, versions=list(subject.versions), deleted=subject.is_deleted)


@strawberry.type(description="The result of registerSchema.")
class RegisteredSchema:
    subject: str
    version: int
    id: int
    schema: str
    format: SchemaFormat  # type: ignore[valid-type]
    is_new_version: bool = strawberry.field(
        description="False when identical content was already registered (idempotent)."
    )
    references: list[SchemaReference]
    change: ChangeClass | None = strawberry.field(  # type: ignore[valid-type]
        description="How this version changed the previous one; null for a first version."
    )
    change_findings: list[Incompatibility] = strawberry.field(
        description="The STRICT findings, both directions, that classify the change."
    )
    lint_findings: list[ProviderLintFinding] = strawberry.field(
        description=(
            "Under provider rules (WARN or ENFORCE), every finding of each chosen provider "
            "on a new version; empty otherwise."
        )
    )

    @classmethod
    def from_domain(cls, result: model.RegistrationResult) -> RegisteredSchema:
        v = result.version
        return cls(
            subject=v.subject,
            version=v.version,
            id=v.schema.id,
            schema=v.schema.text,
            format=v.schema.format,
            is_new_version=result.is_new_version,
            references=SchemaReference.all_of(v.schema),
            change=v.change,
            change_findings=[Incompatibility.from_domain(i) for i in result.findings],
            lint_findings=ProviderLintFinding.all_of(result.lint_findings),
        )


@strawberry.type(description="One reason a schema breaks a compatibility level.")
class Incompatibility:
    code: str
    message: str
    old_path: str = strawberry.field(description="JSON pointer into the earlier schema.")
    new_path: str = strawberry.field(description="JSON pointer into the candidate schema.")
    direction: CompatibilityDirection  # type: ignore[valid-type]
    version: int | None = strawberry.field(description="The earlier version concerned.")

    @classmethod
    def from_domain(cls, item: domain_compat.Incompatibility) -> Incompatibility:
        return cls(
            code=item.code,
            message=item.message,
            old_path=item.old_path,
            new_path=item.new_path,
            direction=item.direction,
            version=item.version,
        )


Provider = strawberry.enum(
    providers.Provider,
    name="Provider",
    description=(
        "A model provider's accepted subset of JSON Schema: OPENAI (Structured Outputs, "
        "strict function calling), ANTHROPIC (tool input_schema), ANTHROPIC_STRICT (strict "
        "tool use), GEMINI (function declarations and response schemas)."
    ),
)
LintSeverity = strawberry.enum(providers.Severity, name="LintSeverity")


@strawberry.type(description="One documented rule of a provider that a schema breaks.")
class LintFinding:
    rule_id: str = strawberry.field(description="Stable, e.g. OPENAI_PROPERTY_NOT_REQUIRED.")
    pointer: str = strawberry.field(description="JSON pointer into the schema ('' for a name).")
    message: str
    severity: LintSeverity = strawberry.field(  # type: ignore[valid-type]
        description="BLOCKING: the provider refuses it; WARNING: it may not be honoured."
    )

    @classmethod
    def from_domain(cls, finding: providers.LintFinding) -> LintFinding:
        return cls(
            rule_id=finding.rule_id,
            pointer=finding.pointer,
            message=finding.message,
            severity=finding.severity,
        )


ExportTarget = strawberry.enum(
    provider_export.ExportTarget,
    name="ExportTarget",
    description=(
        "A provider request object: OPENAI_TOOL (Chat Completions tools[] entry, strict), "
        "OPENAI_RESPONSE_FORMAT (response_format json_schema, strict), ANTHROPIC_TOOL "
        "(Messages tools[] entry; strict when the schema is in the strict subset), "
        "GEMINI_FUNCTION (functionDeclarations[] entry, parameters as a Schema object), "
        "JSON_SCHEMA (the schema alone, references inlined)."
    ),
)


ProviderEnforcement = strawberry.enum(
    model.ProviderEnforcement,
    name="ProviderEnforcement",
    description=(
        "What a registration does with the provider rules of its subject. OFF: no lint. "
        "WARN: linted against each chosen provider and stored; the findings come back with "
        "the registration and its event. ENFORCE: likewise, but a BLOCKING finding refuses "
        "the schema (PROVIDER_LINT_FAILED, nothing stored)."
    ),
)


@strawberry.type(description="The exact object a gateway sends to a model provider.")
class SchemaExport:
    subject: str
    version: int
    schema_id: int = strawberry.field(description="The global id of the version's schema.")
    target: ExportTarget  # type: ignore[valid-type]
    name: str = strawberry.field(description="The tool, function or response format name.")
    document: strawberry.scalars.JSON = strawberry.field(
        description="The request object (for JSON_SCHEMA, the schema itself)."
    )

    @classmethod
    def from_domain(cls, found: export_resolvers.ExportedVersion) -> SchemaExport:
        return cls(
            subject=found.version.subject,
            version=found.version.version,
            schema_id=found.version.schema.id,
            target=found.export.target,
            name=found.export.name,
            document=cast(strawberry.scalars.JSON, found.export.document),
        )


@strawberry.type(description="A documented rule of a provider that a schema breaks.")
class ProviderLintFinding:
    provider: Provider  # type: ignore[valid-type]
    rule_id: str = strawberry.field(description="Stable, e.g. OPENAI_PROPERTY_NOT_REQUIRED.")
    pointer: str = strawberry.field(description="JSON pointer into the schema.")
    message: str
    severity: LintSeverity = strawberry.field(  # type: ignore[valid-type]
        description="BLOCKING: the provider refuses it; WARNING: it may not be honoured."
    )

    @classmethod
    def from_domain(cls, found: model.ProviderFinding) -> ProviderLintFinding:
        provider, finding = found
        return cls(
            provider=provider,
            rule_id=finding.rule_id,
            pointer=finding.pointer,
            message=finding.message,
            severity=finding.severity,
        )

    @classmethod
    def all_of(cls, findings: tuple[model.ProviderFinding, ...]) -> list[ProviderLintFinding]:
        return [cls.from_domain(f) for f in findings]


@strawberry.type(description="How one version changed the previous live one.")
class ChangelogEntry:
    version: int
    change: ChangeClass | None  # type: ignore[valid-type]
    deleted: bool
    findings: list[Incompatibility]

    @classmethod
    def from_domain(cls, entry: domain_compat.ChangelogEntry) -> ChangelogEntry:
        return cls(
            version=entry.version,
            change=entry.change,
            deleted=entry.is_deleted,
            findings=[Incompatibility.from_domain(i) for i in entry.findings],
        )


@strawberry.type(description="A dry-run compatibility verdict.")
class CompatibilityCheck:
    is_compatible: bool
    level: CompatibilityLevel  # type: ignore[valid-type]
    policy: CompatibilityPolicy = strawberry.field(  # type: ignore[valid-type]
        description="The policy the check applied."
    )
    messages: list[str]
    incompatibilities: list[Incompatibility]

    @classmethod
    def from_domain(cls, report: schema_resolvers.CompatibilityReport) -> CompatibilityCheck:
        return cls(
            is_compatible=report.is_compatible,
            level=report.level,
            policy=report.policy,
            messages=[i.describe() for i in report.incompatibilities],
            incompatibilities=[Incompatibility.from_domain(i) for i in report.incompatibilities],
        )


@strawberry.type(description="Compatibility and mode of a subject, or the global ones.")
class Config:
    subject: str | None
    compatibility: CompatibilityLevel = strawberry.field(  # type: ignore[valid-type]
        description="The level that applies."
    )
    configured: CompatibilityLevel | None = strawberry.field(  # type: ignore[valid-type]
        description="The level set at this scope; null when inherited."
    )
    policy: CompatibilityPolicy = strawberry.field(  # type: ignore[valid-type]
        description="The policy that applies (STRICT unless set here or globally)."
    )
    configured_policy: CompatibilityPolicy | None = strawberry.field(  # type: ignore[valid-type]
        description="The policy set at this scope; null when inherited."
    )
    mode: RegistryMode = strawberry.field(  # type: ignore[valid-type]
        description="The mode that applies (READWRITE unless set here or globally)."
    )
    configured_mode: RegistryMode | None = strawberry.field(  # type: ignore[valid-type]
        description="The mode set at this scope; null when inherited."
    )
    dialect: str = strawberry.field(
        description=(
            "The JSON Schema dialect ($schema URI) a schema that names none is read in "
            "(draft-07 unless set here or globally)."
        )
    )
    configured_dialect: str | None = strawberry.field(
        description="The dialect set at this scope; null when inherited."
    )
    providers: list[Provider] = strawberry.field(  # type: ignore[valid-type]
        description=(
            "The providers whose rules registrations are linted against (none unless set "
            "here or globally)."
        )
    )
    configured_providers: list[Provider] | None = strawberry.field(  # type: ignore[valid-type]
        description="The providers set at this scope; null when inherited."
    )
    provider_enforcement: ProviderEnforcement = strawberry.field(  # type: ignore[valid-type]
        description="What a registration does with those rules (OFF unless set here or globally)."
    )
    configured_provider_enforcement: ProviderEnforcement | None = strawberry.field(  # type: ignore[valid-type]
        description="The enforcement set at this scope; null when inherited."
    )

    @classmethod
    def from_domain(
        cls, view: config_resolvers.ConfigView, modes: mode_resolvers.ModeView
    ) -> Config:
        return cls(
            subject=view.subject,
            compatibility=view.effective,
            configured=view.configured,
            policy=view.policy,
            configured_policy=view.configured_policy,
            mode=modes.effective,
            configured_mode=modes.configured,
            dialect=view.dialect,
            configured_dialect=view.configured_dialect,
            providers=list(view.providers),
            configured_providers=(
                None if view.configured_providers is None else list(view.configured_providers)
            ),
            provider_enforcement=view.provider_enforcement,
            configured_provider_enforcement=view.configured_provider_enforcement,
        )


@strawberry.type(description="A committed change, numbered in commit order.")
class SchemaChangeEvent:
    sequence: int = strawberry.field(
        description="Strictly increasing; resume a subscription with after: <sequence>."
    )
    kind: SchemaChangeKind  # type: ignore[valid-type]
    subject: str | None = strawberry.field(description="Null for a global config change.")
    version: int | None
    id: int | None = strawberry.field(description="The schema id concerned.")
    schema: str | None = strawberry.field(description="The schema text, for REGISTERED.")
    format: SchemaFormat | None  # type: ignore[valid-type]
    references: list[SchemaReference] = strawberry.field(
        description="For REGISTERED: the versions the schema refers to."
    )
    compatibility: CompatibilityLevel | None  # type: ignore[valid-type]
    change: ChangeClass | None = strawberry.field(  # type: ignore[valid-type]
        description="For REGISTERED: how the version changed the previous one."
    )
    lint_findings: list[ProviderLintFinding] = strawberry.field(
        description="For REGISTERED under provider rules: the findings of each chosen provider."
    )
    permanent: bool
    timestamp: float = strawberry.field(description="Commit time, seconds since the epoch.")
    committed_at: str = strawberry.field(
        description="Commit time as ISO 8601 in UTC, e.g. 2026-12-03T10:15:02.123456Z."
    )

    @classmethod
    def from_domain(cls, event: model.ChangeEvent) -> SchemaChangeEvent:
        return cls(
            sequence=event.sequence,
            kind=PublicEventKind(event.kind.value),
            subject=event.subject,
            version=event.version,
            id=event.schema_id,
            schema=event.schema_text,
            format=event.schema_format,
            references=[SchemaReference.from_domain(r) for r in event.references],
            compatibility=event.compatibility,
            change=event.change,
            lint_findings=ProviderLintFinding.all_of(event.lint_findings),
            permanent=event.is_permanent,
            timestamp=event.created_at,
            committed_at=iso_8601(event.created_at),
        )


def iso_8601(epoch_seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(epoch_seconds, tz=datetime.UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


ApiKeyRole = strawberry.enum(access.Role, name="ApiKeyRole")


@strawberry.type(description="An API key, never with its secret.")
class ApiKey:
    id: str = strawberry.field(description="Public; the user part of HTTP Basic credentials.")
    name: str
    role: ApiKeyRole  # type: ignore[valid-type]
    subjects: list[str] = strawberry.field(
        description="Subject patterns it may see and change: 'team-a.*', an exact name, '*'."
    )
    created_at: str
    revoked_at: str | None

    @classmethod
    def from_domain(cls, key: access.ApiKey) -> ApiKey:
        return cls(
            id=key.id,
            name=key.name,
            role=key.role,
            subjects=list(key.scopes.patterns),
            created_at=iso_8601(key.created_at),
            revoked_at=None if key.revoked_at is None else iso_8601(key.revoked_at),
        )


@strawberry.type(description="A new key and its secret, which is never shown again.")
class CreatedApiKey:
    key: ApiKey
    secret: str
    basic_auth: str = strawberry.field(description="For basic.auth.user.info: '<id>:<secret>'.")
    bearer_token: str = strawberry.field(description="For 'Authorization: Bearer <token>'.")


@strawberry.type(description="One audited change, or a change refused for who asked.")
class AuditRecord:
    sequence: int
    at: str = strawberry.field(description="ISO 8601, UTC.")
    principal: str = strawberry.field(description="A key id, '<issuer>|<subject>', or cli:<user>.")
    action: str
    outcome: str = strawberry.field(description="'ok', or the refusal's error code.")
    subject: str | None
    version: int | None
    schema_id: int | None
    client: str
    request_id: str
    detail: strawberry.scalars.JSON | None
    hash: str = strawberry.field(description="SHA-256 over the previous row's hash and this row.")

    @classmethod
    def from_domain(cls, entry: audit.AuditEntry) -> AuditRecord:
        record = entry.record
        return cls(
            sequence=record.sequence,
            at=iso_8601(record.at),
            principal=record.principal,
            action=record.action,
            outcome=record.outcome,
            subject=record.subject,
            version=record.version,
            schema_id=record.schema_id,
            client=record.client,
            request_id=record.request_id,
            detail=cast(strawberry.scalars.JSON, record.detail),
            hash=entry.hash,
        )
