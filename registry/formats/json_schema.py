"""JSON Schema (draft-07, 2019-09, 2020-12): parsing, canonical form, compatibility."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import referencing
import referencing.exceptions
import referencing.jsonschema

from registry.compatibility import Direction, Incompatibility
from registry.errors import InvalidSchemaError
from registry.formats.base import ParsedSchema, fingerprint_of
from registry.formats.json_schema_compat import CheckMemo, Fingerprints, find_breaking_changes
from registry.model import DEFAULT_COMPATIBILITY_POLICY, CompatibilityPolicy, SchemaFormat

DRAFT_07 = "http://json-schema.org/draft-07/schema"
DRAFT_2019_09 = "https://json-schema.org/draft/2019-09/schema"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

_SPECIFICATIONS: dict[str, referencing.Specification[Any]] = {
    DRAFT_07: referencing.jsonschema.DRAFT7,
    DRAFT_2019_09: referencing.jsonschema.DRAFT201909,
    DRAFT_2020_12: referencing.jsonschema.DRAFT202012,
}
_ROOT_URI = "urn:llm-schema-registry:schema"
# Keywords whose values are data, not subschemas: a "$ref" inside them is not a reference.
_DATA_KEYWORDS = frozenset({"enum", "const", "examples", "default"})


def dialect_of(document: object) -> str:
    """The draft a schema declares with ``$schema``; 2020-12 when it declares none."""
    if isinstance(document, dict):
        declared = document.get("$schema")
        if isinstance(declared, str):
            return declared.rstrip("#")
    return DRAFT_2020_12


def _reject_constants(value: str) -> None:
    raise ValueError(f"{value} is not valid JSON")


def _load(text: str) -> object:
    try:
        return json.loads(text, parse_constant=_reject_constants)
    except (ValueError, RecursionError) as exc:
        raise InvalidSchemaError(f"Schema is not valid JSON: {exc}") from None


def _local_refs(node: object, path: str = "#") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}/{_escape(str(key))}"
            if key == "$ref" and isinstance(value, str):
                yield child, value
            elif key not in _DATA_KEYWORDS:
                yield from _local_refs(value, child)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _local_refs(value, f"{path}/{index}")


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _check_references(document: object, dialect: str) -> None:
    if not isinstance(document, dict):
        return
    resource = _SPECIFICATIONS[dialect].create_resource(document)
    uri = resource.id() or _ROOT_URI
    registry: referencing.Registry[Any] = referencing.Registry().with_resource(uri, resource)
    resolver = registry.resolver(base_uri=uri)
    for where, ref in _local_refs(document):
        if not ref.startswith("#"):
            raise InvalidSchemaError(
                f"Reference '{ref}' at {where} points outside this schema; references to "
                "other schemas are not supported yet."
            )
        try:
            resolver.lookup(ref)
        except referencing.exceptions.Unresolvable:
            raise InvalidSchemaError(
                f"Reference '{ref}' at {where} does not resolve within the schema."
            ) from None


def canonical_json(document: object) -> str:
    """Deterministic text: sorted keys, no insignificant whitespace, UTF-8 kept as is."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class JsonSchemaFormat:
    """The ``FormatHandler`` for JSON Schema."""

    @property
    def format(self) -> SchemaFormat:
        return SchemaFormat.JSON

    def parse(self, text: str) -> ParsedSchema:
        document = _load(text)
        if not isinstance(document, dict | bool):
            raise InvalidSchemaError(
                f"A JSON Schema must be an object or a boolean, got {type(document).__name__}."
            )
        # First, so no later message (nor the metaschema validator, which needs UTF-8)
        # ever sees half of a UTF-16 pair.
        canonical = canonical_json(document)
        try:
            canonical.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidSchemaError(
                f"Schema contains text that is not valid Unicode (a lone surrogate at "
                f"character {exc.start} of its canonical form)."
            ) from None
        dialect = dialect_of(document)
        if dialect not in _SPECIFICATIONS:
            supported = ", ".join(_SPECIFICATIONS)
            raise InvalidSchemaError(
                f"Unsupported $schema '{dialect}'; supported dialects: {supported}."
            )
        # jsonschema-rs checks against the metaschema of the declared draft about 500x
        # faster than the pure-Python validator (0.01 ms instead of 7 ms for a 1 KB
        # tool schema), which keeps registrations and transitive checks cheap.
        try:
            jsonschema_rs.meta.validate(document)
        except jsonschema_rs.ValidationError as exc:
            where = "#" + "".join(f"/{_escape(str(p))}" for p in exc.instance_path)
            raise InvalidSchemaError(f"Invalid JSON Schema at {where}: {exc.message}") from None
        _check_references(document, dialect)
        return ParsedSchema(
            format=SchemaFormat.JSON,
            canonical=canonical,
            document=document,
            fingerprint=fingerprint_of(SchemaFormat.JSON, canonical),
        )

    def find_incompatibilities(
        self,
        old: ParsedSchema,
        new: ParsedSchema,
        direction: Direction,
        policy: CompatibilityPolicy = DEFAULT_COMPATIBILITY_POLICY,
    ) -> list[Incompatibility]:
        backward = direction is Direction.BACKWARD
        writer, reader = (old, new) if backward else (new, old)
        return find_breaking_changes(
            writer.document,
            reader.document,
            writer_is_old=backward,
            lenient=policy is CompatibilityPolicy.LENIENT,
            shared=(_fingerprints(old), _fingerprints(new)),
            memo=_memo(new),
        )


def _fingerprints(schema: ParsedSchema) -> Fingerprints:
    """The document's subtree digests, computed on its first comparison and kept with it:
    a candidate checked against 100 versions is digested once, not 200 times."""
    prints = schema.memo.get("fingerprints")
    if not isinstance(prints, Fingerprints):
        prints = Fingerprints()
        prints.shape(schema.document)
        schema.memo["fingerprints"] = prints
    return prints


def _memo(candidate: ParsedSchema) -> CheckMemo:
    """Verdicts kept with the schema being checked, so that checking it against a long
    history reuses what earlier versions already proved (see ``CheckMemo``)."""
    memo = candidate.memo.get("compatibility")
    if not isinstance(memo, CheckMemo):
        memo = CheckMemo()
        candidate.memo["compatibility"] = memo
    return memo


JSON_SCHEMA = JsonSchemaFormat()
