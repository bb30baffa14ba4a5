"""Python client for the LLM Schema Registry (GraphQL over HTTP and graphql-transport-ws)."""

from llm_schema_registry_client.aclient import AsyncRegistryClient
from llm_schema_registry_client.cache import Cache
from llm_schema_registry_client.client import RegistryClient
from llm_schema_registry_client.errors import RegistryError
from llm_schema_registry_client.models import (
    Change,
    ChangeEvent,
    CompatibilityCheck,
    ExportTarget,
    Incompatibility,
    LintFinding,
    PayloadError,
    PayloadValidation,
    Provider,
    Reference,
    RegisteredSchema,
    Schema,
    SchemaExport,
    SchemaVersion,
    ToolRefusal,
)
from llm_schema_registry_client.transport import Backoff, RequestStats

__all__ = [
    "AsyncRegistryClient",
    "Backoff",
    "Cache",
    "Change",
    "ChangeEvent",
    "CompatibilityCheck",
    "ExportTarget",
    "Incompatibility",
    "LintFinding",
    "PayloadError",
    "PayloadValidation",
    "Provider",
    "Reference",
    "RegisteredSchema",
    "RegistryClient",
    "RegistryError",
    "RequestStats",
    "Schema",
    "SchemaExport",
    "SchemaVersion",
    "ToolRefusal",
]
