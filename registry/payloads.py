"""Payloads checked against registered schemas: the error record every format reports,
and the bounds that hold for every payload before any format reads it.

A payload is a JSON value (what a model produced, or a message in a format's JSON
encoding). Each format builds a ``PayloadValidator`` once per parsed schema
(``FormatHandler.validator``); the validator is pure and may be kept and reused.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from registry.errors import BadUserInputError
from registry.model import SchemaFormat

# Nesting past this is refused before any validator reads the payload: the validators
# (jsonschema-rs among them) walk a payload recursively.
MAX_PAYLOAD_DEPTH = 128
# Errors reported per payload; a payload that breaks more rules reports the first ones.
MAX_ERRORS = 100
# Payloads validated in one request.
MAX_BATCH_PAYLOADS = 100


@dataclass(frozen=True, slots=True)
class PayloadError:
    """Why a payload does not conform. ``instance_path``: JSON pointer (RFC 6901) to the
    value in the payload ('' for the payload itself). ``schema_path``: where in the
    schema the rule is (a JSON pointer into the JSON Schema or the Avro schema, the full
    name of a Protobuf field or message). ``keyword``: the rule broken (a JSON Schema
    keyword, ``type``, ``fields``, ...). ``message``: a plain sentence."""

    instance_path: str
    schema_path: str
    keyword: str
    message: str


class PayloadValidator(Protocol):
    """A schema made ready to check payloads; built once, used many times."""

    def validate(self, payload: object, limit: int = MAX_ERRORS) -> list[PayloadError]:
        """The first ``limit`` reasons ``payload`` does not conform (empty: it does)."""
        ...


def escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(tokens: Iterable[str | int]) -> str:
    """A JSON pointer from reference tokens: ``("a", 0)`` is ``/a/0``."""
    return "".join(f"/{escape(token)}" for token in tokens)


def payload_size(payload: object, max_bytes: int) -> int:
    """The payload's size as compact UTF-8 JSON, after checking its nesting; refuses a
    payload nested deeper than ``MAX_PAYLOAD_DEPTH`` or larger than ``max_bytes``."""
    stack: list[tuple[object, int]] = [(payload, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= MAX_PAYLOAD_DEPTH:
                raise BadUserInputError(
                    f"Payload is nested more than {MAX_PAYLOAD_DEPTH} levels deep."
                )
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    try:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        size = len(text.encode("utf-8"))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise BadUserInputError(f"Payload is not a JSON value: {exc}.") from None
    if size > max_bytes:
        raise BadUserInputError(f"Payload is {size} bytes; the limit is {max_bytes} bytes.")
    return size


def refuse_message_name(format: SchemaFormat, message_name: str | None) -> None:
    """A format whose schema is one type takes no message name."""
    if message_name is not None:
        raise BadUserInputError(
            f"A message name picks a message of a Protobuf schema; this schema is {format.value}."
        )
