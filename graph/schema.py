"""Query, Mutation and Subscription roots, and the executable schema."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Iterator
from typing import Any

import strawberry
import strawberry.scalars
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from graph.access import AccessExtension
from graph.errors import RegistryErrorExtension, format_error
from graph.fanout import SharedEventExecutor, shared_event
from graph.limits import QueryLimits, limits_rule
from graph.payloads import PayloadValidation
from graph.types import (
    ApiKey,
    ApiKeyRole,
    AuditRecord,
    CompatibilityCheck,
    CompatibilityLevel,
    CompatibilityPolicy,
    Config,
    CreatedApiKey,
    ExportTarget,
    GraphInfo,
    LintFinding,
    Provider,
    ProviderEnforcement,
    RegisteredSchema,
    RegistryMode,
    Schema,
    SchemaChangeEvent,
    SchemaExport,
    SchemaFormat,
    SchemaReferenceInput,
    SchemaVersion,
    Subject,
)
from registry import model
from registry.access import SubjectScopes
from resolvers import audit as audit_resolvers
from resolvers import changes as change_resolvers
from resolvers import config as config_resolvers
from resolvers import export as export_resolvers
from resolvers import keys as key_resolvers
from resolvers import lint as lint_resolvers
from resolvers import modes as mode_resolvers
from resolvers import schemas as schema_resolvers
from resolvers import subjects as subject_resolvers
from resolvers import validation as validation_resolvers
from resolvers.references import checked_references


def _references(given: list[SchemaReferenceInput] | None) -> tuple[model.SchemaReference, ...]:
    return checked_references(r.to_domain() for r in given or ())


@strawberry.type
class Query:
    @strawberry.field(description="Live subjects, optionally those whose name starts with prefix.")
    async def subjects(
        self, info: GraphInfo, prefix: str | None = None, include_deleted: bool = False
    ) -> list[Subject]:
        found = await subject_resolvers.list_subject_details(
            info.context.services, prefix, include_deleted
        )
        return [Subject.from_domain(s) for s in found]

    @strawberry.field(description="One subject by name; null when it does not exist.")
    async def subject(
        self, info: GraphInfo, name: str, include_deleted: bool = False
    ) -> Subject | None:
        found = await subject_resolvers.find_subject(info.context.services, name, include_deleted)
        return None if found is None else Subject.from_domain(found)

    @strawberry.field(description="A schema by global id; null when no version refers to it.")
    async def schema(self, info: GraphInfo, id: int) -> Schema | None:
        found = await schema_resolvers.find_schema(info.context.services, id)
        return None if found is None else Schema.from_domain(found)

    @strawberry.field(
        description="The live version of subject holding this content (compared canonically)."
    )
    async def lookup_schema(
        self,
        info: GraphInfo,
        subject: str,
        schema: str,
        format: SchemaFormat = model.SchemaFormat.JSON,  # type: ignore[valid-type]
        references: list[SchemaReferenceInput] | None = None,
    ) -> SchemaVersion:
        found = await schema_resolvers.lookup_schema(
            info.context.services,
            subject,
            schema,
            format,
            references=_references(references),
        )
        return SchemaVersion.from_domain(found)

    @strawberry.field(
        description=(
            "Dry run of a registration. With version: against that version only; without: "
            "against every version the subject's level covers."
        )
    )
    async def check_compatibility(
        self,
        info: GraphInfo,
        subject: str,
        schema: str,
        format: SchemaFormat = model.SchemaFormat.JSON,  # type: ignore[valid-type]
        version: int | None = None,
        references: list[SchemaReferenceInput] | None = None,
    ) -> CompatibilityCheck:
        report = await schema_resolvers.check_compatibility(
            info.context.services, subject, schema, format, version, _references(references)
        )
        return CompatibilityCheck.from_domain(report)

    @strawberry.field(
        description=(
            "The documented rules of provider that a JSON Schema breaks, and with toolName "
            "those its tool or function name breaks; INVALID_SCHEMA if it is no JSON Schema."
        )
    )
    async def lint_schema(
        self,
        info: GraphInfo,
        schema: str,
        provider: Provider,  # type: ignore[valid-type]
        tool_name: str | None = None,
    ) -> list[LintFinding]:
        found = await lint_resolvers.lint_schema(info.context.services, schema, provider, tool_name)
        return [LintFinding.from_domain(f) for f in found]

    @strawberry.field(
        description=(
            "The exact object a gateway sends to a model provider for version of subject "
            "(the latest live version when omitted), named name (default: the subject's "
            "last dot-separated segment) and described by description (default: the "
            "schema's top-level description). PROVIDER_LINT_FAILED with the blocking "
            "findings when the provider cannot take the schema unchanged."
        )
    )
    async def export_schema(
        self,
        info: GraphInfo,
        subject: str,
        target: ExportTarget,  # type: ignore[valid-type]
        version: int | None = None,
        name: str | None = None,
        description: str | None = None,
    ) -> SchemaExport:
        exported = await export_resolvers.export_version(
            info.context.services, subject, target, version, name, description
        )
        return SchemaExport.from_domain(exported)

    @strawberry.field(
        description=(
            "Whether payload conforms to version of subject (the latest live version when "
            "omitted): a JSON value for JSON Schema, the JSON encoding for Avro, ProtoJSON "
            "for Protobuf, where messageName picks the message (default the file's first)."
        )
    )
    async def validate_payload(
        self,
        info: GraphInfo,
        subject: str,
        payload: strawberry.scalars.JSON,
        version: int | None = None,
        message_name: str | None = None,
    ) -> PayloadValidation:
        verdict = await validation_resolvers.validate_payload(
            info.context.services, subject, version, payload, message_name
        )
        return PayloadValidation.from_domain(verdict)

    @strawberry.field(
        description=(
            "validatePayload for each of payloads (at most 100, together no larger than "
            "one schema may be), in order, against one version."
        )
    )
    async def validate_payloads(
        self,
        info: GraphInfo,
        subject: str,
        payloads: list[strawberry.scalars.JSON],
        version: int | None = None,
        message_name: str | None = None,
    ) -> list[PayloadValidation]:
        verdicts = await validation_resolvers.validate_payloads(
            info.context.services, subject, version, payloads, message_name
        )
        return [PayloadValidation.from_domain(v) for v in verdicts]

    @strawberry.field(description="Every API key, revoked ones included (admin).")
    async def api_keys(self, info: GraphInfo) -> list[ApiKey]:
        return [
            ApiKey.from_domain(k) for k in await key_resolvers.list_api_keys(info.context.services)
        ]

    @strawberry.field(
        description=(
            "The audit log (admin), oldest first: filter by principal, subject and time "
            "(since <= at < until, seconds since the epoch); page with after: the last "
            "sequence of the previous page."
        )
    )
    async def audit_log(
        self,
        info: GraphInfo,
        principal: str | None = None,
        subject: str | None = None,
        since: float | None = None,
        until: float | None = None,
        after: int | None = None,
        first: int = 100,
    ) -> list[AuditRecord]:
        entries = await audit_resolvers.list_audit_records(
            info.context.services,
            principal=principal,
            subject=subject,
            since=since,
            until=until,
            after=after,
            first=first,
        )
        return [AuditRecord.from_domain(e) for e in entries]

    @strawberry.field(
        description="Compatibility and mode of a subject, or the global ones without subject."
    )
    async def config(self, info: GraphInfo, subject: str | None = None) -> Config:
        services = info.context.services
        return Config.from_domain(
            await config_resolvers.get_config(services, subject),
            await mode_resolvers.get_mode(services, subject),
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description=(
            "Register a schema as the next version of subject, if the subject's compatibility "
            "level allows it. Idempotent for content already registered under the subject."
        )
    )
    async def register_schema(
        self,
        info: GraphInfo,
        subject: str,
        schema: str,
        format: SchemaFormat = model.SchemaFormat.JSON,  # type: ignore[valid-type]
        references: list[SchemaReferenceInput] | None = None,
    ) -> RegisteredSchema:
        result = await schema_resolvers.register_schema(
            info.context.services, subject, schema, format, _references(references)
        )
        return RegisteredSchema.from_domain(result)

    @strawberry.mutation(
        description=(
            "Set the level, policy and default dialect of subject (global when omitted). A "
            "null level removes the level setting, so the subject follows the global level "
            "(global: BACKWARD); an omitted level does too, unless policy or dialect is "
            "given. A null policy removes the policy setting (global: STRICT), a null "
            "dialect the dialect setting (global: JSON Schema draft-07); an omitted one "
            "leaves it as is."
        )
    )
    async def set_compatibility(
        self,
        info: GraphInfo,
        level: CompatibilityLevel | None = strawberry.UNSET,  # type: ignore[valid-type]
        subject: str | None = None,
        policy: CompatibilityPolicy | None = strawberry.UNSET,  # type: ignore[valid-type]
        dialect: str | None = strawberry.UNSET,
    ) -> Config:
        keep = config_resolvers.Keep.KEEP
        new_policy = keep if policy is strawberry.UNSET else policy
        new_dialect = keep if dialect is strawberry.UNSET else dialect
        # Without a policy an omitted level removes the setting, as it always has.
        new_level = level
        if level is strawberry.UNSET:
            only_level = policy is strawberry.UNSET and dialect is strawberry.UNSET
            new_level = None if only_level else keep
        services = info.context.services
        view = await config_resolvers.set_compatibility(
            services, subject, new_level, new_policy, new_dialect
        )
        return Config.from_domain(view, await mode_resolvers.get_mode(services, subject))

    @strawberry.mutation(
        description=(
            "Set the provider rules of subject (global when omitted): the providers whose "
            "rules a registration is linted against, and what a breach does (OFF, WARN, "
            "ENFORCE). A null argument removes that setting, so the subject follows the "
            "global one (global: no providers, OFF); an omitted one leaves it as is; an "
            "empty list of providers is a setting of its own (none here)."
        )
    )
    async def set_provider_rules(
        self,
        info: GraphInfo,
        subject: str | None = None,
        providers: list[Provider] | None = strawberry.UNSET,  # type: ignore[valid-type]
        enforcement: ProviderEnforcement | None = strawberry.UNSET,  # type: ignore[valid-type]
    ) -> Config:
        keep = config_resolvers.Keep.KEEP
        services = info.context.services
        view = await config_resolvers.set_provider_rules(
            services,
            subject,
            keep if providers is strawberry.UNSET else providers,
            keep if enforcement is strawberry.UNSET else enforcement,
        )
        return Config.from_domain(view, await mode_resolvers.get_mode(services, subject))

    @strawberry.mutation(
        description=(
            "Set the mode of subject (global when omitted). A null mode removes the setting, "
            "so the subject follows the global mode (global: READWRITE). Entering IMPORT where "
            "schemas already live is refused (OPERATION_NOT_PERMITTED) unless force."
        )
    )
    async def set_mode(
        self,
        info: GraphInfo,
        subject: str | None = None,
        mode: RegistryMode | None = None,  # type: ignore[valid-type]
        force: bool = False,
    ) -> Config:
        services = info.context.services
        modes = await mode_resolvers.set_mode(services, subject, mode, force)
        return Config.from_domain(await config_resolvers.get_config(services, subject), modes)

    @strawberry.mutation(
        description=(
            "Soft-delete every version of subject; with permanent, remove a soft-deleted "
            "subject for good. Returns the versions affected."
        )
    )
    async def delete_subject(
        self, info: GraphInfo, subject: str, permanent: bool = False
    ) -> list[int]:
        versions = await subject_resolvers.delete_subject(info.context.services, subject, permanent)
        return list(versions)

    @strawberry.mutation(
        description="Soft-delete one version; with permanent, remove a soft-deleted version."
    )
    async def delete_schema_version(
        self, info: GraphInfo, subject: str, version: int, permanent: bool = False
    ) -> int:
        return await subject_resolvers.delete_schema_version(
            info.context.services, subject, version, permanent
        )

    @strawberry.mutation(
        description=(
            "Create an API key (admin). subjects: patterns it may see and change (default "
            "every subject). The secret is in this answer only."
        )
    )
    async def create_api_key(
        self,
        info: GraphInfo,
        name: str,
        role: ApiKeyRole,  # type: ignore[valid-type]
        subjects: list[str] | None = None,
    ) -> CreatedApiKey:
        created = await key_resolvers.create_api_key(
            info.context.services,
            name=name,
            role=role,
            scopes=SubjectScopes.parse(subjects if subjects is not None else ["*"]),
        )
        return CreatedApiKey(
            key=ApiKey.from_domain(created.key),
            secret=created.secret,
            basic_auth=created.basic_auth,
            bearer_token=created.bearer_token,
        )

    @strawberry.mutation(description="Revoke an API key on every replica at once (admin).")
    async def revoke_api_key(self, info: GraphInfo, id: str) -> ApiKey:
        return ApiKey.from_domain(await key_resolvers.revoke_api_key(info.context.services, id))


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "Changes to subject, or to subjects starting with subjectPrefix, or to all. With "
            "after, first every change after that sequence, then live ones: no gap, no "
            "duplicate."
        )
    )
    async def schema_changes(
        self,
        info: GraphInfo,
        subject: str | None = None,
        subject_prefix: str | None = None,
        after: int | None = None,
    ) -> AsyncGenerator[SchemaChangeEvent, None]:
        with info.context.subscription_slot():
            stream = await change_resolvers.watch_schema_changes(
                info.context.services, subject, subject_prefix, after
            )
            async for event in stream:
                yield shared_event(event)


class RegistrySchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Formats errors in place (a safety net for paths that bypass the extension
        hooks) instead of logging them: client mistakes are not server errors, and
        format_error logs the unexpected ones with their trace id."""
        errors[:] = [format_error(error) for error in errors]

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """``execute`` answers once; a subscription needs a stream (websocket or
        multipart), so over a plain request it is refused as a bad request."""
        allowed = kwargs.get("allowed_operation_types") or DEFAULT_ALLOWED_OPERATION_TYPES
        kwargs["allowed_operation_types"] = set(allowed) - {OperationType.SUBSCRIPTION}
        return await super().execute(*args, **kwargs)


class TolerantParserCache(ParserCache):
    """ParserCache, except that a syntax error is left for strawberry's own parse step,
    which reports it as a regular GraphQL error (an exception raised in a parse hook
    would skip every extension's after-operation hook, error formatting included)."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        yield


def build_schema(
    limits: QueryLimits | None = None, *, introspection_for_all: bool = True
) -> strawberry.Schema:
    # One rule class per schema: ValidationCache keys on the rule classes, so a class
    # created per request would make every validation a cache miss.
    limit_rules: list[type[ASTValidationRule]] = [limits_rule(limits or QueryLimits())]
    return RegistrySchema(
        execution_context_class=SharedEventExecutor,
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        # Factories, so each request gets its own instances; both caches live at module
        # level in strawberry and are shared across requests.
        extensions=[
            RegistryErrorExtension,
            lambda: MaxTokensLimiter(max_token_count=20_000),
            lambda: AddValidationRules(limit_rules),
            lambda: TolerantParserCache(maxsize=1024),
            lambda: ValidationCache(maxsize=1024),
            lambda: AccessExtension(introspection_for_all=introspection_for_all),
        ],
    )
