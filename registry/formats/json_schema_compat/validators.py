"""jsonschema's validators, with every regular expression of a schema run in RE2.

The checker validates concrete values (enum and const values, example documents, property
names) with the pure-Python ``jsonschema``, whose error records (keyword, instance path,
schema path, ``best_match``) its rules read. jsonschema searches a schema's patterns with
Python's backtracking ``re`` in five places: ``pattern``, ``patternProperties``,
``additionalProperties`` (which names no pattern matches), ``unevaluatedProperties``
(which names a pattern evaluated) and the ``regex`` format. Each is replaced here by the
same rule over ``ecma_regex`` (ECMA-262 meaning, linear time); the rest of each draft is
jsonschema's own. A pattern that is not run raises ``PatternError`` (a ``ValueError``),
which the checker reports as "could not be validated", never as a match or a miss.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError
from referencing.jsonschema import lookup_recursive_ref

from registry.formats import ecma_regex
from registry.formats.json_schema_compat.dialects import (
    DRAFT_04,
    DRAFT_06,
    DRAFT_07,
    DRAFT_2019_09,
    DRAFT_2020_12,
    DRAFTS_BEFORE_2019,
)


def _pattern(validator: Any, pattern: str, instance: object, schema: object) -> Iterator[Any]:
    if validator.is_type(instance, "string") and not ecma_regex.search(pattern, str(instance)):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: Mapping[str, Any], instance: Any, schema: object
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if ecma_regex.search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _matches_any(patterns: object, name: str) -> bool:
    return isinstance(patterns, Mapping) and any(
        ecma_regex.search(pattern, name) for pattern in patterns
    )


def _additional_properties(
    validator: Any, extra: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    declared = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    extras = {
        name for name in instance if name not in declared and not _matches_any(patterns, name)
    }
    if validator.is_type(extra, "object"):
        for name in extras:
            yield from validator.descend(instance[name], extra, path=name)
    elif not extra and extras:
        # jsonschema's wording, so messages read the same as before.
        if "patternProperties" in schema:
            verb = "does" if len(extras) == 1 else "do"
            joined = ", ".join(repr(each) for each in sorted(extras))
            listed = ", ".join(repr(each) for each in sorted(patterns))
            yield ValidationError(f"{joined} {verb} not match any of the regexes: {listed}")
        else:
            yield ValidationError(
                f"Additional properties are not allowed ({_extras(sorted(extras, key=str))} "
                "unexpected)"
            )


def _extras(names: list[Any]) -> str:
    """jsonschema's "'a', 'b' were" for the names in a message."""
    return ", ".join(repr(name) for name in names) + (" was" if len(names) == 1 else " were")


def _evaluated_keys(validator: Any, instance: Any, schema: Any, legacy: bool) -> list[str]:
    """The names ``schema`` evaluates in ``instance``, as jsonschema computes them for
    ``unevaluatedProperties`` (``legacy``: its 2019-09 rules), patterns run in RE2."""
    if validator.is_type(schema, "boolean"):
        return []
    found: list[str] = []
    for keyword in ("$ref", "$recursiveRef" if legacy else "$dynamicRef"):
        if keyword not in schema:
            continue
        if keyword == "$recursiveRef":
            resolved = lookup_recursive_ref(validator._resolver)
        else:
            resolved = validator._resolver.lookup(schema[keyword])
        inner = validator.evolve(schema=resolved.contents, _resolver=resolved.resolver)
        found += _evaluated_keys(inner, instance, resolved.contents, legacy)
    if legacy:
        for keyword in ("properties", "additionalProperties", "unevaluatedProperties"):
            value = schema.get(keyword)
            if value is True:
                found += instance.keys()
            elif validator.is_type(value, "object"):
                found += [name for name in value if name in instance]
    else:
        properties = schema.get("properties")
        if validator.is_type(properties, "object"):
            found += properties.keys() & instance.keys()
        for keyword in ("additionalProperties", "unevaluatedProperties"):
            if (subschema := schema.get(keyword)) is not None:
                found += [
                    name
                    for name, value in instance.items()
                    if next(validator.descend(value, subschema), None) is None
                ]
    if "patternProperties" in schema:
        found += [name for name in instance if _matches_any(schema["patternProperties"], name)]
    for name, subschema in schema.get("dependentSchemas", {}).items():
        if name in instance:
            found += _evaluated_keys(validator, instance, subschema, legacy)
    for keyword in ("allOf", "oneOf", "anyOf"):
        for subschema in schema.get(keyword, []):
            if next(validator.descend(instance, subschema), None) is None:
                found += _evaluated_keys(validator, instance, subschema, legacy)
    if "if" in schema:
        if validator.evolve(schema=schema["if"]).is_valid(instance):
            found += _evaluated_keys(validator, instance, schema["if"], legacy)
            if "then" in schema:
                found += _evaluated_keys(validator, instance, schema["then"], legacy)
        elif "else" in schema:
            found += _evaluated_keys(validator, instance, schema["else"], legacy)
    return found


def _unevaluated_properties(legacy: bool) -> Any:
    def unevaluated_properties(
        validator: Any, extra: Any, instance: Any, schema: object
    ) -> Iterator[Any]:
        if not validator.is_type(instance, "object"):
            return
        evaluated = _evaluated_keys(validator, instance, schema, legacy)
        failed = [
            name
            for name in instance
            if name not in evaluated
            for _ in validator.descend(instance[name], extra, path=name, schema_path=name)
        ]
        if not failed:
            return
        if extra is False:
            yield ValidationError(
                f"Unevaluated properties are not allowed ({_extras(sorted(failed, key=str))} "
                "unexpected)"
            )
        else:
            yield ValidationError(
                "Unevaluated properties are not valid under the given schema "
                f"({_extras(failed)} unevaluated and invalid)"
            )

    return unevaluated_properties


def _draft4_bound(keyword: str, flag: str, *, upper: bool) -> Any:
    """Draft-04 ``maximum``/``minimum``, as jsonschema checks them, with a rejection made
    exclusive by the boolean flag beside it reported under the flag's name: the keyword
    that bound is named in later drafts, so every rule reads it the same in all drafts."""

    def bound(validator: Any, limit: Any, instance: object, schema: Mapping[str, Any]) -> Any:
        if not validator.is_type(instance, "number"):
            return
        is_exclusive = schema.get(flag, False) is True
        assert isinstance(instance, int | float)
        if upper:
            failed = instance >= limit if is_exclusive else instance > limit
            relation = "greater than or equal to" if is_exclusive else "greater than"
        else:
            failed = instance <= limit if is_exclusive else instance < limit
            relation = "less than or equal to" if is_exclusive else "less than"
        if failed:
            yield ValidationError(
                f"{instance!r} is {relation} the {keyword} of {limit!r}",
                validator=flag if is_exclusive else keyword,
                validator_value=limit,
            )

    return bound


def _is_regex(instance: object) -> bool:
    return not isinstance(instance, str) or ecma_regex.is_regex(instance)


def _linear(base: Any, draft: str) -> Any:
    keywords: dict[str, Any] = {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
    }
    if draft == DRAFT_04:
        keywords["maximum"] = _draft4_bound("maximum", "exclusiveMaximum", upper=True)
        keywords["minimum"] = _draft4_bound("minimum", "exclusiveMinimum", upper=False)
    if draft not in DRAFTS_BEFORE_2019:
        keywords["unevaluatedProperties"] = _unevaluated_properties(draft == DRAFT_2019_09)
    formats = copy.copy(base.FORMAT_CHECKER)
    formats.checkers = {**formats.checkers, "regex": (_is_regex, ())}
    # ``extend`` is untyped in types-jsonschema; the classes it makes are used as ``Any``.
    extend: Any = jsonschema.validators.extend
    return extend(base, keywords, format_checker=formats)


VALIDATORS: dict[str, Any] = {
    DRAFT_04: _linear(jsonschema.Draft4Validator, DRAFT_04),
    DRAFT_06: _linear(jsonschema.Draft6Validator, DRAFT_06),
    DRAFT_07: _linear(jsonschema.Draft7Validator, DRAFT_07),
    DRAFT_2019_09: _linear(jsonschema.Draft201909Validator, DRAFT_2019_09),
    DRAFT_2020_12: _linear(jsonschema.Draft202012Validator, DRAFT_2020_12),
}
"""A validator class per draft; build with ``format_checker=cls.FORMAT_CHECKER``."""
