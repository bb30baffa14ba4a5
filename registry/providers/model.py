"""The records of provider profiles: rules as data, each with its source, and findings.

A profile is a table of ``Rule`` records. A rule names one check (``Check``), its stable
id, how serious a breach is, the numbers or keywords it is about, and where the fact comes
from (``Source``): the page, the date it was read, and how firmly it was established.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class Provider(enum.Enum):
    """A model provider's schema dialect, for one use of a JSON Schema."""

    OPENAI = "OPENAI"  # Structured Outputs and strict function calling (strict: true)
    ANTHROPIC = "ANTHROPIC"  # tool use input_schema, strict off
    ANTHROPIC_STRICT = "ANTHROPIC_STRICT"  # strict tool use and JSON outputs
    GEMINI = "GEMINI"  # function declaration parameters and responseSchema (Schema object)


class Severity(enum.Enum):
    BLOCKING = "BLOCKING"  # the provider refuses the schema (or the tool)
    WARNING = "WARNING"  # accepted, but not enforced, or refused on some models or endpoints


class Confirmation(enum.Enum):
    """How firmly a fact is established."""

    PRIMARY = "PRIMARY"  # read in the provider's own documentation
    SECONDARY = "SECONDARY"  # read only where others quote or apply that documentation
    UNCONFIRMED = "UNCONFIRMED"  # not found in writing; kept as the known behaviour


@dataclass(frozen=True, slots=True)
class Source:
    url: str
    read_on: str  # ISO date the page was read
    confirmation: Confirmation
    note: str = ""


class Check(enum.Enum):
    """What a rule checks; the lint walker implements each once, for every profile."""

    ROOT_OBJECT = "ROOT_OBJECT"  # the root schema has type "object"
    ROOT_ANY_OF = "ROOT_ANY_OF"  # no anyOf at the root
    CLOSED_OBJECTS = "CLOSED_OBJECTS"  # every object says additionalProperties: false
    ALL_REQUIRED = "ALL_REQUIRED"  # every property is listed in required
    KEYWORDS = "KEYWORDS"  # none of ``keywords`` appears
    KEYWORD_ALLOWLIST = "KEYWORD_ALLOWLIST"  # only ``keywords`` appear
    FORMATS = "FORMATS"  # format is one of ``keywords``
    TYPE_ARRAY = "TYPE_ARRAY"  # type is one string, never a list
    ENUM_STRINGS = "ENUM_STRINGS"  # enum values are strings
    ENUM_PRIMITIVES = "ENUM_PRIMITIVES"  # enum values are strings, numbers, booleans or null
    MIN_ITEMS = "MIN_ITEMS"  # minItems is at most ``limit``
    PATTERN_FEATURES = "PATTERN_FEATURES"  # no backreferences, lookaround or word boundaries
    PROPERTY_NAME = "PROPERTY_NAME"  # property names match ``pattern``
    BOOLEAN_SCHEMA = "BOOLEAN_SCHEMA"  # no true/false subschemas
    EXTERNAL_REF = "EXTERNAL_REF"  # $ref stays inside the document
    UNRESOLVED_REF = "UNRESOLVED_REF"  # a local $ref points at a schema
    RECURSION = "RECURSION"  # no $ref cycles
    ALL_OF_REF = "ALL_OF_REF"  # no $ref inside allOf
    MAX_PROPERTIES = "MAX_PROPERTIES"  # object properties in the whole schema
    MAX_DEPTH = "MAX_DEPTH"  # nesting levels of objects and arrays
    MAX_ENUM_VALUES = "MAX_ENUM_VALUES"  # enum values in the whole schema
    MAX_STRING_LENGTH = "MAX_STRING_LENGTH"  # characters of names, enum and const values
    MAX_LARGE_ENUM_LENGTH = "MAX_LARGE_ENUM_LENGTH"  # characters of one enum over 250 values
    MAX_OPTIONAL = "MAX_OPTIONAL"  # properties left out of required
    MAX_UNIONS = "MAX_UNIONS"  # properties whose schema is anyOf or a type list
    TOOL_NAME = "TOOL_NAME"  # the tool or function name matches ``pattern``
    WORK_BUDGET = "WORK_BUDGET"  # the schema was too large to lint whole


@dataclass(frozen=True, slots=True)
class Rule:
    id: str  # stable, e.g. OPENAI_ADDITIONAL_PROPERTIES_REQUIRED
    check: Check
    severity: Severity
    summary: str  # the rule as a plain sentence
    source: Source
    limit: int | None = None
    keywords: frozenset[str] = frozenset()
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderProfile:
    provider: Provider
    title: str
    applies_to: str  # which request field the schema goes in
    rules: tuple[Rule, ...]
    notes: tuple[str, ...] = ()
    by_check: Mapping[Check, tuple[Rule, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        grouped: dict[Check, list[Rule]] = {}
        for rule in self.rules:
            grouped.setdefault(rule.check, []).append(rule)
        object.__setattr__(
            self, "by_check", {check: tuple(rules) for check, rules in grouped.items()}
        )

    def rules_for(self, check: Check) -> tuple[Rule, ...]:
        return self.by_check.get(check, ())


@dataclass(frozen=True, slots=True)
class LintFinding:
    """One way a schema (or tool name) falls outside a provider's accepted subset."""

    rule_id: str
    pointer: str  # JSON pointer into the schema, as a URI fragment ("#/properties/city")
    message: str
    severity: Severity

    def as_record(self) -> dict[str, str]:
        return {
            "ruleId": self.rule_id,
            "pointer": self.pointer,
            "message": self.message,
            "severity": self.severity.value,
        }
