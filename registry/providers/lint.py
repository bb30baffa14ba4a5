"""Lint a JSON Schema against a provider profile: which rules of the table it breaks.

Every rule of the profile is one ``Check``; each check is written once here and reads its
numbers, keywords and patterns from the rule, so a profile is data only.
"""

from __future__ import annotations

from collections.abc import Iterable

import re2

from registry.providers.findings import find, mismatches, over, says
from registry.providers.model import Check, LintFinding, ProviderProfile
from registry.providers.references import reference_findings
from registry.providers.walk import (
    BOOLEAN_ALLOWED,
    Node,
    Walk,
    escape,
    is_object_schema,
    walk,
)

PRIMITIVES = (str, int, float, bool, type(None))
LARGE_ENUM = 250
LOOKAROUND = ("?=", "?!", "?<=", "?<!")
BOUNDARY_OR_BACKREFERENCE = frozenset("123456789kbB")


def lint_document(document: object, profile: ProviderProfile) -> list[LintFinding]:
    findings: list[LintFinding] = []
    findings.extend(_root_findings(document, profile))
    state = Walk()
    totals = _Totals()
    refs: list[tuple[str, str]] = []
    for node in walk(document, state):
        findings.extend(_node_findings(node, profile, totals))
        if isinstance(node.schema, dict) and isinstance(node.schema.get("$ref"), str):
            refs.append((node.pointer, node.schema["$ref"]))
    findings.extend(reference_findings(document, refs, profile))
    findings.extend(_total_findings(totals, profile))
    if state.truncated:
        findings.extend(find(profile, Check.WORK_BUDGET, "#", lambda rule: rule.summary))
    return findings


def lint_name(name: str, profile: ProviderProfile) -> list[LintFinding]:
    return [
        LintFinding(
            rule.id, "", f"The name {name[:80]!r} is refused: {rule.summary}", rule.severity
        )
        for rule in profile.rules_for(Check.TOOL_NAME)
        if rule.pattern is not None and re2.fullmatch(rule.pattern, name) is None
    ]


def _root_findings(document: object, profile: ProviderProfile) -> Iterable[LintFinding]:
    kind = document.get("type") if isinstance(document, dict) else None
    for rule in profile.rules_for(Check.ROOT_OBJECT):
        spellings = rule.keywords or frozenset({"object"})
        if not isinstance(kind, str) or kind not in spellings:
            yield LintFinding(
                rule.id, "#", f"The root schema is not an object: {rule.summary}", rule.severity
            )
    if isinstance(document, dict) and "anyOf" in document:
        yield from find(
            profile, Check.ROOT_ANY_OF, "#/anyOf", lambda r: f"The root is an anyOf. {r.summary}"
        )


class _Totals:
    def __init__(self) -> None:
        self.properties = 0
        self.enum_values = 0
        self.string_length = 0
        self.optional = 0
        self.unions = 0
        self.deepest: Node | None = None
        self.large_enums: list[tuple[str, int]] = []


def _node_findings(node: Node, profile: ProviderProfile, totals: _Totals) -> list[LintFinding]:
    schema, at = node.schema, node.pointer
    if totals.deepest is None or node.depth > totals.deepest.depth:
        totals.deepest = node
    if isinstance(schema, bool):
        if node.keyword in BOOLEAN_ALLOWED:
            return []
        return list(find(profile, Check.BOOLEAN_SCHEMA, at, lambda r: _at(at, r.summary)))
    if not isinstance(schema, dict):
        return []
    found: list[LintFinding] = []
    for rule in profile.rules_for(Check.KEYWORDS):
        found.extend(
            LintFinding(
                rule.id, f"{at}/{escape(key)}", f"{key} is used. {rule.summary}", rule.severity
            )
            for key in schema
            if key in rule.keywords
        )
    for rule in profile.rules_for(Check.KEYWORD_ALLOWLIST):
        found.extend(
            LintFinding(
                rule.id,
                f"{at}/{escape(str(key))}",
                f"{key} is not accepted. {rule.summary}",
                rule.severity,
            )
            for key in schema
            if key not in rule.keywords
        )
    found.extend(_value_findings(schema, at, profile))
    found.extend(_object_findings(schema, at, profile, totals))
    _count_values(schema, at, totals)
    return found


def _at(pointer: str, summary: str) -> str:
    return f"At {pointer}: {summary}"


def _value_findings(
    schema: dict[str, object], at: str, profile: ProviderProfile
) -> list[LintFinding]:
    found: list[LintFinding] = []
    kind, fmt, enum = schema.get("type"), schema.get("format"), schema.get("enum")
    if isinstance(kind, list):
        found.extend(find(profile, Check.TYPE_ARRAY, f"{at}/type", lambda r: _at(at, r.summary)))
    if isinstance(fmt, str):
        found.extend(
            find(
                profile,
                Check.FORMATS,
                f"{at}/format",
                lambda r: f"The format {fmt[:80]!r} is not supported. {r.summary}",
                lambda r: fmt not in r.keywords,
            )
        )
    if isinstance(enum, list):
        if any(not isinstance(value, str) for value in enum):
            found.extend(
                find(profile, Check.ENUM_STRINGS, f"{at}/enum", lambda r: _at(at, r.summary))
            )
        if any(not isinstance(value, PRIMITIVES) for value in enum):
            found.extend(
                find(profile, Check.ENUM_PRIMITIVES, f"{at}/enum", lambda r: _at(at, r.summary))
            )
    min_items = schema.get("minItems")
    if isinstance(min_items, int) and not isinstance(min_items, bool):
        found.extend(
            find(
                profile,
                Check.MIN_ITEMS,
                f"{at}/minItems",
                lambda r: f"minItems is {min_items}. {r.summary}",
                lambda r: r.limit is not None and min_items > r.limit,
            )
        )
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and _uses_unsupported_regex(pattern):
        found.extend(
            find(profile, Check.PATTERN_FEATURES, f"{at}/pattern", lambda r: _at(at, r.summary))
        )
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and any(isinstance(b, dict) and "$ref" in b for b in all_of):
        found.extend(find(profile, Check.ALL_OF_REF, f"{at}/allOf", lambda r: _at(at, r.summary)))
    return found


def _object_findings(
    schema: dict[str, object], at: str, profile: ProviderProfile, totals: _Totals
) -> list[LintFinding]:
    if not is_object_schema(schema):
        return []
    found: list[LintFinding] = []
    if schema.get("additionalProperties") is not False:
        found.extend(
            find(
                profile,
                Check.CLOSED_OBJECTS,
                at,
                lambda r: (
                    f"The object at {at} does not set additionalProperties to false. {r.summary}"
                ),
            )
        )
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return found
    listed = schema.get("required")
    required = (
        {name for name in listed if isinstance(name, str)} if isinstance(listed, list) else set()
    )
    for name, sub in properties.items():
        place = f"{at}/properties/{escape(str(name))}"
        if name not in required:
            totals.optional += 1
            found.extend(
                find(
                    profile,
                    Check.ALL_REQUIRED,
                    place,
                    says(f"The property {str(name)[:80]!r} is not required."),
                )
            )
        if isinstance(sub, dict) and ("anyOf" in sub or isinstance(sub.get("type"), list)):
            totals.unions += 1
        found.extend(
            find(
                profile,
                Check.PROPERTY_NAME,
                place,
                says(f"The property name {str(name)[:80]!r} is refused."),
                mismatches(str(name)),
            )
        )
    return found


def _count_values(schema: dict[str, object], at: str, totals: _Totals) -> None:
    properties = schema.get("properties")
    if isinstance(properties, dict):
        totals.properties += len(properties)
        totals.string_length += sum(len(str(name)) for name in properties)
    for keyword in ("$defs", "definitions"):
        defs = schema.get(keyword)
        if isinstance(defs, dict):
            totals.string_length += sum(len(str(name)) for name in defs)
    enum = schema.get("enum")
    if isinstance(enum, list):
        totals.enum_values += len(enum)
        length = sum(len(value) for value in enum if isinstance(value, str))
        totals.string_length += length
        if len(enum) > LARGE_ENUM and all(isinstance(value, str) for value in enum):
            totals.large_enums.append((f"{at}/enum", length))
    const = schema.get("const")
    if isinstance(const, str):
        totals.string_length += len(const)


def _total_findings(totals: _Totals, profile: ProviderProfile) -> list[LintFinding]:
    found: list[LintFinding] = []
    counted = (
        (Check.MAX_PROPERTIES, totals.properties, "object properties"),
        (Check.MAX_ENUM_VALUES, totals.enum_values, "enum values"),
        (Check.MAX_STRING_LENGTH, totals.string_length, "characters of names and values"),
        (Check.MAX_OPTIONAL, totals.optional, "optional properties"),
        (Check.MAX_UNIONS, totals.unions, "properties with anyOf or a type list"),
    )
    for check, count, what in counted:
        found.extend(
            find(
                profile,
                check,
                "#",
                says(f"The schema has {count} {what}."),
                over(count),
            )
        )
    deepest = totals.deepest
    if deepest is not None:
        found.extend(
            find(
                profile,
                Check.MAX_DEPTH,
                deepest.pointer,
                lambda r: (
                    f"The schema nests {deepest.depth} levels at {deepest.pointer}. {r.summary}"
                ),
                lambda r: r.limit is not None and deepest.depth > r.limit,
            )
        )
    for pointer, length in totals.large_enums:
        found.extend(
            find(
                profile,
                Check.MAX_LARGE_ENUM_LENGTH,
                pointer,
                says(f"This enum's values total {length} characters."),
                over(length),
            )
        )
    return found


def _uses_unsupported_regex(pattern: str) -> bool:
    """Backreferences, lookaround or word boundaries (outside character classes)."""
    in_class, index = False, 0
    while index < len(pattern):
        char = pattern[index]
        following = pattern[index + 1 : index + 4]
        if char == "\\":
            if not in_class and following[:1] in BOUNDARY_OR_BACKREFERENCE:
                return True
            index += 2
            continue
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif not in_class and char == "(" and following.startswith(LOOKAROUND):
            return True
        index += 1
    return False
