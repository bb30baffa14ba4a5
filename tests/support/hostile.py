"""Hypothesis strategies for hostile input: odd Unicode, percent-encoded path segments,
request bodies, GraphQL documents, credentials and websocket messages.

Each strategy draws from a few known-nasty families (huge strings, deep nesting, alias
bombs, invalid UTF-8, NUL bytes, RTL marks, combining characters, lone surrogates
escaped in JSON, ``%2F`` and ``%00`` in subject names, over-long or malformed
credentials) mixed with Hypothesis' own text, so a run covers each family and shrinks a
failure to its smallest form.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

ODD_CHARACTERS = [
    "\u200f",  # RIGHT-TO-LEFT MARK
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE
    "\u2066",  # LEFT-TO-RIGHT ISOLATE
    "\u200b",  # ZERO WIDTH SPACE
    "\u0301",  # COMBINING ACUTE ACCENT, on nothing
    "e" + "\u0301" * 64,  # a pile of combining marks
    "\ufeff",  # BYTE ORDER MARK
    "\x00",
    "\x1f",
    "\x7f",
    "\ud800",  # lone surrogates: only JSON's \u escapes can carry them
    "\udfff",
    "\U0001f600",
    "\U0001d54f",
    "\uffff",
    "\ufffd",
    "/",
    "\\",
    "..",
    "%",
    "'",
    '"',
    "\n",
    "\r\n",
    "\t",
    " ",
    "{",
    "}",
    "$",
    "#",
    "?",
    "&",
    "*",
    ":",
]
# Percent-encoded path pieces, sent as written.
RAW_SEGMENTS = [
    "%2F",
    "%2f",
    "%00",
    "%C0%AF",  # an overlong '/'
    "%FF",
    "%ED%A0%80",  # a surrogate encoded in UTF-8
    "%E2%80%AE",  # RIGHT-TO-LEFT OVERRIDE
    "%",
    "%2",
    "%ZZ",
    "%252F",
    "..",
    "%2E%2E",
    "%5C",
    "%0A",
    "%20",
    "*",
]
TENANT_PREFIXES = ["team-a.", "team-a.", "team-b.", ""]

odd_text = st.lists(
    st.one_of(st.sampled_from(ODD_CHARACTERS), st.text(max_size=8)), max_size=24
).map("".join)
huge_size = st.sampled_from([10_000, 100_000, 1_100_000, 3_000_000])
depth = st.sampled_from([2, 50, 200, 1_100, 5_000, 50_000])


def json_text(value: Any) -> str:
    """JSON with every non-ASCII character escaped: lone surrogates become \\ud800."""
    return json.dumps(value, ensure_ascii=True)


def nested(opening: str, middle: str, closing: str, levels: int) -> str:
    return opening * levels + middle + closing * levels


def quoted(text: str) -> str:
    """Percent-encoded as a client would, lone surrogates as their (invalid) UTF-8."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


subject_segment = st.builds(
    lambda prefix, pieces: prefix + "".join(pieces),
    st.sampled_from(TENANT_PREFIXES),
    st.lists(st.one_of(st.sampled_from(RAW_SEGMENTS), odd_text.map(quoted)), max_size=8),
)
subject_name = st.one_of(
    st.builds(lambda prefix, text: prefix + text, st.sampled_from(TENANT_PREFIXES), odd_text),
    huge_size.map(lambda n: "team-a." + "x" * n),
)

# ---- schema texts and request bodies -------------------------------------------------


def _deep_schema(levels: int) -> str:
    return nested('{"type":"object","properties":{"a":', '{"type":"string"}', "}}", levels)


schema_text = st.one_of(
    odd_text,
    huge_size.map(lambda n: json_text({"type": "string", "description": "x" * n})),
    depth.map(_deep_schema),
    depth.map(lambda n: nested("[", "", "]", n)),
    st.sampled_from(
        [
            '{"$ref": "#"}',
            '{"definitions": {"a": {"$ref": "#/definitions/a"}}, "$ref": "#/definitions/a"}',
            '{"type": "string", "pattern": "(a+)+$"}',
            '{"type": "string", "pattern": "(?<=x)"}',
            '{"$ref": "http://169.254.169.254/latest/meta-data"}',
            '{"$ref": "file:///etc/passwd"}',
        ]
    ),
    odd_text.map(lambda key: json_text({"type": "object", "properties": {key: {}}})),
)
json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    odd_text,
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_text, inner, max_size=4),
    max_leaves=12,
)
registry_fields = st.fixed_dictionaries(
    {},
    optional={
        "schema": st.one_of(schema_text, json_value),
        "schemaType": st.one_of(st.sampled_from(["JSON", "json", "AVRO", "PROTOBUF"]), json_value),
        "references": json_value,
        "id": json_value,
        "version": json_value,
        "compatibility": st.one_of(st.sampled_from(["NONE", "FULL_TRANSITIVE"]), json_value),
        "mode": st.one_of(st.sampled_from(["READONLY", "IMPORT", "READWRITE"]), json_value),
    },
)
request_body = st.one_of(
    registry_fields.map(lambda fields: json_text(fields).encode()),
    json_value.map(lambda value: json_text(value).encode()),
    st.binary(max_size=64),
    st.sampled_from([b"\xff\xfe\xfd", b'{"schema": "\xc0\xaf"}', b"\xef\xbb\xbf{}", b'{"a":', b""]),
    depth.map(lambda n: nested("[", "", "]", n).encode()),
    depth.map(lambda n: ('{"schema":' + nested('{"a":', "1", "}", n) + "}").encode()),
    st.builds(lambda text: json_text({"schema": text}).replace("x", "\\u0000").encode(), odd_text),
)
content_type = st.sampled_from(
    [
        b"application/json",
        b"application/vnd.schemaregistry.v1+json",
        b"application/octet-stream",
        b"text/plain; charset=latin-1",
        b"application/json; charset=utf-16",
        b"",
    ]
)

# ---- GraphQL documents ---------------------------------------------------------------


def graphql_string(text: str) -> str:
    """A GraphQL string literal; JSON's escapes are GraphQL's, surrogates included."""
    return json_text(text)


def alias_bomb(count: int) -> str:
    return "{" + " ".join(f"a{i}: subjects {{ name }}" for i in range(count)) + "}"


def deep_selection(levels: int) -> str:
    inner = nested("{ ofType ", "{ name }", " }", levels)
    return "{ __schema { types { fields { type " + inner + " } } } }"


def fragment_cycle(count: int) -> str:
    fragments = " ".join(
        f"fragment F{i} on Query {{ ...F{(i + 1) % count} }}" for i in range(count)
    )
    return "{ ...F0 } " + fragments


graphql_document = st.one_of(
    st.integers(1, 6_000).map(alias_bomb),
    depth.map(deep_selection),
    depth.map(lambda n: "{ subjects(prefix: " + nested("[", '"x"', "]", n) + ") { name } }"),
    depth.map(lambda n: nested("{ subjects { ", "name", " } }", n)),
    st.integers(1, 300).map(fragment_cycle),
    st.integers(1, 3_000).map(lambda n: "{ subjects " + "@include(if: true) " * n + "{ name } }"),
    st.integers(1, 2_000).map(lambda n: " ".join(f"query Q{i} {{ __typename }}" for i in range(n))),
    huge_size.map(lambda n: '{ subject(name: "' + "x" * n + '") { name } }'),
    odd_text.map(lambda text: f"{{ subject(name: {graphql_string(text)}) {{ name }} }}"),
    st.builds(
        lambda subject, schema: (
            f"mutation {{ registerSchema(subject: {graphql_string(subject)}, "
            f"schema: {graphql_string(schema)}) {{ version id }} }}"
        ),
        subject_name,
        schema_text,
    ),
    st.builds(
        lambda subject: (
            f"subscription {{ schemaChanges(subjectPrefix: {graphql_string(subject)}) "
            "{ subject } }"
        ),
        subject_name,
    ),
    odd_text,
)
graphql_variables = st.one_of(
    st.none(),
    st.fixed_dictionaries({}, optional={"subject": json_value, "schema": schema_text}),
    json_value,
)
operation_name = st.one_of(st.none(), odd_text, json_value)


def graphql_payload(document: str, variables: Any, name: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"query": document}
    if variables is not None:
        payload["variables"] = variables
    if name is not None:
        payload["operationName"] = name
    return payload


graphql_body = st.one_of(
    st.builds(
        lambda doc, variables, name: json_text(graphql_payload(doc, variables, name)).encode(),
        graphql_document,
        graphql_variables,
        operation_name,
    ),
    st.sampled_from(
        [
            b'{"query": "{ subject(name: \\"\xff\xfe\\") { name } }"}',
            b'{"query": "{ __typename }", "variables": "x"}',
            b"[]",
            b"null",
            b'[{"query": "{ __typename }"}]',
        ]
    ),
    depth.map(
        lambda n: (
            '{"query": "{ __typename }", "variables": ' + nested("[", "", "]", n) + "}"
        ).encode()
    ),
    request_body,
)

# ---- credentials ---------------------------------------------------------------------


def _basic(raw: bytes) -> bytes:
    return b"Basic " + base64.b64encode(raw)


latin1_header = st.binary(max_size=64).map(
    lambda raw: bytes(b for b in raw if b not in (0, 10, 13))
)
credentials = st.one_of(
    st.builds(
        lambda scheme, rest: scheme + b" " + rest,
        st.sampled_from([b"Basic", b"Bearer", b"basic", b"BEARER", b"Digest", b"Negotiate"]),
        latin1_header,
    ),
    st.sampled_from([b"Basic", b"Bearer", b"Bearer ", b"Basic =", b"Bearer lsr_", b"Bearer lsr__"]),
    st.binary(max_size=80).map(_basic),
    st.builds(
        lambda user, secret: _basic(user + b":" + secret),
        st.binary(max_size=70),
        st.binary(max_size=300),
    ),
    st.builds(
        lambda key, secret: b"Bearer lsr_" + key + b"_" + secret,
        st.sampled_from([b"", b"0" * 16, b"0" * 65, b"\xe9", b"_"]),
        st.sampled_from([b"", b"0" * 64, b"0" * 257, b"\xe9" * 3, b"_ _"]),
    ),
    st.sampled_from([1_000, 8_000, 30_000]).map(lambda n: b"Bearer " + b"a" * n),
    st.sampled_from([1_000, 8_000, 30_000]).map(lambda n: _basic(b"a" * n + b":" + b"b" * n)),
)

# ---- websocket messages --------------------------------------------------------------

socket_frame = st.one_of(
    st.builds(
        lambda doc, variables, name: json_text(
            {"type": "subscribe", "id": "1", "payload": graphql_payload(doc, variables, name)}
        ),
        graphql_document,
        graphql_variables,
        operation_name,
    ),
    json_value.map(json_text),
    st.builds(
        lambda kind, ident, payload: json_text({"type": kind, "id": ident, "payload": payload}),
        st.one_of(st.sampled_from(["subscribe", "complete", "connection_init", "ping"]), odd_text),
        json_value,
        json_value,
    ),
    st.binary(max_size=64),
    depth.map(lambda n: nested("[", "", "]", n)),
)
connection_init_payload = st.one_of(
    json_value,
    odd_text.map(lambda text: {"Authorization": text}),
    odd_text.map(lambda text: {"token": text}),
    json_value.map(lambda value: {"Authorization": value, "token": value}),
)
