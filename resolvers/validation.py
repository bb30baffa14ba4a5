"""Payloads (a model's output, a message in its JSON form) checked against a registered
version of a subject."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from registry.checks import SchemaSource, parse_source
from registry.errors import BadUserInputError
from registry.formats import handler_for
from registry.model import SchemaVersion
from registry.payloads import (
    MAX_BATCH_PAYLOADS,
    MAX_ERRORS,
    PayloadError,
    PayloadValidator,
    payload_size,
)
from resolvers import subjects as subject_resolvers
from resolvers.context import Services
from resolvers.references import stored_sources
from resolvers.tracing import use_case

_MAX_MESSAGE_NAME_CHARS = 1024
# Payloads past this many bytes in one request are checked off the event loop.
_INLINE_PAYLOAD_BYTES = 16 * 1024


@dataclass(frozen=True, slots=True)
class PayloadVerdict:
    """What a version's schema says of one payload: ``errors`` empty when it conforms
    (at most ``MAX_ERRORS`` of them)."""

    version: SchemaVersion
    errors: tuple[PayloadError, ...]

    @property
    def is_valid(self) -> bool:
        return not self.errors


async def validate_payload(
    services: Services,
    subject: str,
    version: int | None,
    payload: object,
    message_name: str | None = None,
) -> PayloadVerdict:
    """``payload`` checked against ``version`` of ``subject`` (None: the latest live
    version); ``message_name`` picks a Protobuf schema's message (default its first)."""
    (verdict,) = await validate_payloads(services, subject, version, [payload], message_name)
    return verdict


@use_case("validate")
async def validate_payloads(
    services: Services,
    subject: str,
    version: int | None,
    payloads: Sequence[object],
    message_name: str | None = None,
) -> list[PayloadVerdict]:
    """Each of ``payloads`` checked against one version, in order (see
    ``validate_payload``). At most ``MAX_BATCH_PAYLOADS`` payloads, each and all together
    no larger than the schema size limit."""
    if len(payloads) > MAX_BATCH_PAYLOADS:
        raise BadUserInputError(
            f"At most {MAX_BATCH_PAYLOADS} payloads are validated at once, got {len(payloads)}."
        )
    if message_name is not None and not 1 <= len(message_name) <= _MAX_MESSAGE_NAME_CHARS:
        raise BadUserInputError(
            f"A message name is 1 to {_MAX_MESSAGE_NAME_CHARS} characters long."
        )
    limit = services.max_schema_bytes
    total = sum(payload_size(payload, limit) for payload in payloads)
    if total > limit:
        raise BadUserInputError(f"Payloads are {total} bytes together; the limit is {limit} bytes.")
    found = await _version(services, subject, version)
    validator = await _validator(services, found, message_name)
    if total <= _INLINE_PAYLOAD_BYTES:
        checked = [validator.validate(payload, MAX_ERRORS) for payload in payloads]
    else:
        checked = await asyncio.to_thread(
            lambda: [validator.validate(payload, MAX_ERRORS) for payload in payloads]
        )
    return [PayloadVerdict(found, tuple(errors)) for errors in checked]


async def _version(services: Services, subject: str, version: int | None) -> SchemaVersion:
    if version is None:
        return await subject_resolvers.get_latest_version(services, subject)
    return await subject_resolvers.get_version(services, subject, version)


async def _validator(
    services: Services, version: SchemaVersion, message_name: str | None
) -> PayloadValidator:
    """The validator of the version's schema, built once per process and schema id."""
    key = (int(version.schema.id), message_name)
    cached = services.validators.get(key)
    if cached is not None:
        return cached
    (source,) = await stored_sources(services.store, [version])
    handler = handler_for(source.format)
    if source.size <= handler.inline_parse_chars:
        validator = _build(source, message_name)
    else:
        # A large schema (any Protobuf one: protoc) is read in a thread, not on the loop.
        validator = await asyncio.to_thread(_build, source, message_name)
    services.validators.put(key, validator, source.size)
    return validator


def _build(source: SchemaSource, message_name: str | None) -> PayloadValidator:
    parsed = parse_source(source, stored=True)
    return handler_for(source.format).validator(parsed, message_name)
