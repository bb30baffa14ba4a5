"""GraphQL types of payload validation and their ``from_domain`` converters."""

from __future__ import annotations

import strawberry

from registry import payloads
from resolvers import validation


@strawberry.type(description="One reason a payload does not conform to a schema.")
class PayloadError:
    instance_path: str = strawberry.field(
        description="JSON pointer to the value in the payload ('' for the payload itself)."
    )
    schema_path: str = strawberry.field(
        description=(
            "Where the rule is: a JSON pointer into the JSON Schema (references bundled "
            "under $defs) or the Avro schema, the full name of a Protobuf field or message."
        )
    )
    keyword: str = strawberry.field(
        description="The rule broken: a JSON Schema keyword; for Avro and Protobuf type, "
        "fields, symbols, size, union, field, oneof or message."
    )
    message: str

    @classmethod
    def from_domain(cls, error: payloads.PayloadError) -> PayloadError:
        return cls(
            instance_path=error.instance_path,
            schema_path=error.schema_path,
            keyword=error.keyword,
            message=error.message,
        )


@strawberry.type(description="What a registered version's schema says of one payload.")
class PayloadValidation:
    valid: bool
    errors: list[PayloadError] = strawberry.field(
        description=f"Why it does not conform; at most {payloads.MAX_ERRORS}."
    )
    subject: str
    version: int = strawberry.field(description="The version it was checked against.")

    @classmethod
    def from_domain(cls, verdict: validation.PayloadVerdict) -> PayloadValidation:
        return cls(
            valid=verdict.is_valid,
            errors=[PayloadError.from_domain(e) for e in verdict.errors],
            subject=verdict.version.subject,
            version=verdict.version.version,
        )
