"""A Compose file read the way Docker Compose's loader (compose-go) reads it.

compose-go decodes the YAML (anchors and ``<<`` merge keys resolved), interpolates
variables in values, then validates the result against the Compose Specification's JSON
Schema. This does the same steps with PyYAML and ``jsonschema``, against the schema
vendored in ``compose_spec/`` (see its README for the source and licence).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

SCHEMA_PATH = Path(__file__).with_name("compose_spec") / "compose-spec.json"

_NAME = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
# Longest first: ":-" must win over "-".
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")


class InterpolationError(ValueError):
    """A template Compose refuses: a malformed ``${...}`` or a required variable unset."""


class _ComposeLoader(yaml.SafeLoader):
    """YAML 1.2 booleans, as compose-go's YAML decoder reads untyped values.

    PyYAML follows YAML 1.1, where ``no``, ``off`` and ``yes`` are booleans: it would
    read ``restart: no`` as ``False``, which the schema rejects though Compose accepts it.
    """


_ComposeLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ComposeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class Interpolation:
    """Compose's variable substitution over one environment.

    ``$NAME`` and ``${NAME}``; ``${NAME:-default}`` (unset or empty) and
    ``${NAME-default}`` (unset); ``${NAME:?message}`` and ``${NAME?message}`` (required);
    ``${NAME:+replacement}`` and ``${NAME+replacement}``; ``$$`` for a literal ``$``.
    Defaults, messages and replacements are themselves interpolated. Only values are
    interpolated, never keys. A variable with no value and no default becomes the empty
    string, as in Compose (which warns); ``unset`` collects their names.
    """

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.unset: set[str] = set()

    def apply(self, node: Any) -> Any:
        if isinstance(node, dict):
            return {key: self.apply(value) for key, value in node.items()}
        if isinstance(node, list):
            return [self.apply(item) for item in node]
        if isinstance(node, str):
            return self.substitute(node)
        return node

    def substitute(self, text: str) -> str:
        parts: list[str] = []
        index = 0
        while index < len(text):
            char = text[index]
            following = text[index + 1 : index + 2]
            if char != "$":
                parts.append(char)
                index += 1
            elif following == "$":
                parts.append("$")
                index += 2
            elif following == "{":
                end = _closing_brace(text, index + 1)
                if end < 0:
                    raise InterpolationError(f"invalid template: {text!r}")
                parts.append(self._braced(text[index + 2 : end], text))
                index = end + 1
            elif match := _NAME.match(text, index + 1):
                parts.append(self._value(match.group()))
                index = match.end()
            else:
                # Not a variable: Compose keeps the "$" as it is.
                parts.append(char)
                index += 1
        return "".join(parts)

    def _value(self, name: str) -> str:
        if name not in self.environ:
            self.unset.add(name)
            return ""
        return self.environ[name]

    def _braced(self, inner: str, template: str) -> str:
        match = _NAME.match(inner)
        if match is None:
            raise InterpolationError(f"invalid template: {template!r}")
        name, rest = match.group(), inner[match.end() :]
        if not rest:
            return self._value(name)
        operator = next((op for op in _OPERATORS if rest.startswith(op)), None)
        if operator is None:
            raise InterpolationError(f"invalid template: {template!r}")
        argument = rest[len(operator) :]
        is_set = name in self.environ
        value = self.environ.get(name, "")
        if operator in (":-", "-"):
            use_default = not value if operator == ":-" else not is_set
            return self.substitute(argument) if use_default else value
        if operator in (":?", "?"):
            is_missing = not value if operator == ":?" else not is_set
            if is_missing:
                message = self.substitute(argument)
                raise InterpolationError(f"required variable {name} is missing a value: {message}")
            return value
        use_replacement = bool(value) if operator == ":+" else is_set
        return self.substitute(argument) if use_replacement else value


def _closing_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``start``, counting nested ``${...}``."""
    depth = 0
    index = start
    while index < len(text):
        if text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
        if text[index] == "{":
            depth += 1
        index += 1
    return -1


def parse_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_ComposeLoader)


def load_compose(path: Path, environ: Mapping[str, str]) -> tuple[dict[str, Any], set[str]]:
    """The file's model after merge keys and interpolation, and the variables left unset."""
    document = parse_yaml(path.read_text())
    if not isinstance(document, dict):
        raise InterpolationError(f"{path}: the top level must be a mapping")
    interpolation = Interpolation(environ)
    model: dict[str, Any] = interpolation.apply(document)
    return model, interpolation.unset


@cache
def compose_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return schema


def schema_errors(model: Mapping[str, Any]) -> list[str]:
    """What the Compose Specification's schema finds wrong, one line per error."""
    validator = Draft202012Validator(compose_schema())
    return sorted(
        f"/{'/'.join(str(part) for part in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(model)
    )
