"""JSON pointers into a schema: building them, following them, naming them for people."""

from __future__ import annotations

from urllib.parse import unquote

_MISSING = object()


def escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def join(path: str, *tokens: str | int) -> str:
    return path + "".join(f"/{escape(token)}" for token in tokens)


def tokens_of(path: str, *, is_uri_fragment: bool = False) -> list[str]:
    if path in ("#", ""):
        return []
    # A "$ref" is a URI, so its fragment is percent-encoded; our own pointers are not.
    raw = [unquote(t) if is_uri_fragment else t for t in path[2:].split("/")]
    return [token.replace("~1", "/").replace("~0", "~") for token in raw]


def follow(document: object, fragment: str) -> tuple[object, str] | None:
    """The value a ``#/...`` fragment points at, with its canonical pointer; None if absent."""
    if fragment not in ("#", "") and not fragment.startswith("#/"):
        return None
    value = document
    tokens = tokens_of(fragment, is_uri_fragment=True)
    for token in tokens:
        if isinstance(value, dict):
            value = value.get(token, _MISSING)
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return None
        if value is _MISSING:
            return None
    return value, join("#", *tokens)


_NAMED_CHILDREN = frozenset({"properties", "patternProperties", "dependentSchemas"})


def describe(path: str) -> str:
    """A short phrase for the schema at ``path``: ``property 'user.age'``, ``'tags[]'``.

    Falls back to the pointer itself where the path runs through keywords that have no
    natural dotted spelling (allOf branches, conditionals).
    """
    tokens = tokens_of(path)
    if not tokens:
        return "the root schema"
    parts: list[str] = []
    definition = ""
    index = 0
    is_property = False
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        is_property = False
        if token in ("$defs", "definitions") and following is not None and not parts:
            definition, index = following, index + 2
            continue
        if token in _NAMED_CHILDREN and following is not None:
            parts.append(f".{following}" if parts else following)
            is_property, index = token == "properties", index + 2
        elif token in ("items", "prefixItems") and following is not None and following.isdigit():
            parts.append(f"[{following}]")
            index += 2
        elif token in ("items", "additionalItems"):
            parts.append("[]")
            index += 1
        elif token == "additionalProperties":
            parts.append(".*" if parts else "*")
            index += 1
        else:
            return f"the schema at {path}"
    name = "".join(parts)
    where = f" of definition '{definition}'" if definition else ""
    if not name:
        return f"definition '{definition}'"
    return f"{'property ' if is_property else ''}'{name}'{where}"


def capital(text: str) -> str:
    """``text`` with its first letter upper-cased, to start a message with a phrase."""
    return text[:1].upper() + text[1:]
