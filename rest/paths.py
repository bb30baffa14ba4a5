"""Routing on the path as the client sent it.

Confluent's clients percent-encode each subject name as one path segment
(``/subjects/confluent%2Fmeta.proto/versions``). The ASGI server decodes the whole path
before routing, which turns that ``%2F`` into a separator (the subject never reaches its
route) and invalid UTF-8 into U+FFFD (a different subject). These routes match
``scope["raw_path"]`` instead and decode each segment once, strictly: a subject segment
that is not valid percent-encoded UTF-8 is refused as an invalid subject.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

from starlette.convertors import Convertor, StringConvertor
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from registry.errors import InvalidSubjectError, InvalidVersionError
from rest.errors import registry_error_response

# Where a matched route leaves the name of a parameter whose segment could not be decoded.
INVALID_SEGMENT = "rest.invalid_path_segment"
_STRAY_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_PARAM = re.compile(r"^\{(\w+)(?::\w+)?\}$")


def decode_segment(raw: bytes) -> str | None:
    """One path segment, percent-decoded then read as UTF-8; None when the percent-encoding
    or the UTF-8 is invalid (overlong forms such as ``%C0%AF`` and lone surrogates too)."""
    if _STRAY_PERCENT.search(raw):
        return None
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _raw_route_path(scope: Scope) -> bytes | None:
    """The undecoded path to route on, or None when the scope's path is not simply the
    decoded raw path (Starlette probing a redirect with or without a trailing slash, a
    server that gives no raw path): those are routed on the decoded path as usual."""
    raw = scope.get("raw_path")
    if not isinstance(raw, bytes):
        return None
    raw = raw.partition(b"?")[0]
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
        raw = raw.removeprefix(root_path.encode("utf-8", "surrogateescape"))
    # The server decoded the path this way (UTF-8, errors replaced).
    if unquote(raw.decode("latin-1")) != path:
        return None
    return raw


@dataclass(frozen=True, slots=True)
class _Param:
    name: str
    convertor: Convertor[Any]


def _invalid_segment_response(name: str) -> Response:
    problem = "is not valid percent-encoded UTF-8"
    if name == "version":
        return registry_error_response(InvalidVersionError(f"The version in the path {problem}."))
    return registry_error_response(
        InvalidSubjectError(f"The specified {name} is not valid: its path segment {problem}.")
    )


class RawPathRoute(Route):
    """A ``Route`` whose template is matched segment by segment on the raw path."""

    def __init__(
        self, path: str, endpoint: Callable[..., Any], *, methods: list[str] | None = None
    ) -> None:
        super().__init__(path, endpoint, methods=methods)
        self._template: tuple[str | _Param, ...] = tuple(
            self._segment(part) for part in path.split("/")[1:]
        )

    def _segment(self, part: str) -> str | _Param:
        param = _PARAM.match(part)
        if param is None:
            return part
        return _Param(param.group(1), self.param_convertors[param.group(1)])

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        raw = _raw_route_path(scope)
        if raw is None:
            return super().matches(scope)
        parts = raw.split(b"/")[1:]
        if len(parts) != len(self._template):
            return Match.NONE, {}
        params: dict[str, Any] = dict(scope.get("path_params", {}))
        invalid: str | None = None
        for part, expected in zip(parts, self._template, strict=True):
            if isinstance(expected, str):
                if part != expected.encode():
                    return Match.NONE, {}
                continue
            text = decode_segment(part)
            is_text = isinstance(expected.convertor, StringConvertor)
            if text is None and is_text:
                # Routed anyway, so the client hears why rather than a bare 404.
                invalid = invalid or expected.name
                params[expected.name] = ""
                continue
            # A text parameter may hold any character once decoded, '/' included.
            if (
                text is None
                or not text
                or (not is_text and not re.fullmatch(expected.convertor.regex, text))
            ):
                return Match.NONE, {}
            params[expected.name] = expected.convertor.convert(text)
        child: dict[str, Any] = {"endpoint": self.endpoint, "path_params": params}
        if invalid is not None:
            child[INVALID_SEGMENT] = invalid
        if self.methods and scope["method"] not in self.methods:
            return Match.PARTIAL, child
        return Match.FULL, child

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        invalid = scope.get(INVALID_SEGMENT)
        if invalid is None or (self.methods and scope["method"] not in self.methods):
            await super().handle(scope, receive, send)
            return
        await _invalid_segment_response(str(invalid))(scope, receive, send)
