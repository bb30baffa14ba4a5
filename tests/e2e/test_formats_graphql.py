"""Avro and Protobuf through GraphQL, as JSON Schema is: registration, lookup of reformatted
content, compatibility checks with structured records, subscription events that carry
the format, and IMPORT mode keeping ids."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.e2e.conftest import GraphQLHttp, Subscription, unique_subject
from tests.support.server import ServerProcess

AVRO_V1 = {
    "type": "record",
    "name": "User",
    "namespace": "com.acme",
    "fields": [{"name": "id", "type": "long"}, {"name": "email", "type": "string"}],
}
# The same record, attributes reordered and spaced: the same schema.
AVRO_V1_REFORMATTED = json.dumps(
    {
        "fields": [{"type": "long", "name": "id"}, {"name": "email", "type": {"type": "string"}}],
        "namespace": "com.acme",
        "name": "User",
        "type": "record",
    },
    indent=2,
)
# A new field without a default: the new schema cannot read old data.
AVRO_BREAKING = {**AVRO_V1, "fields": [*AVRO_V1["fields"], {"name": "age", "type": "int"}]}
AVRO_ADDITIVE = {
    **AVRO_V1,
    "fields": [*AVRO_V1["fields"], {"name": "age", "type": ["null", "int"], "default": None}],
}

PROTO_V1 = """
syntax = "proto3";
package acme;
// A user.
message User {
  int64 id = 1;
  string email = 2;
}
"""
PROTO_V1_REFORMATTED = (
    'syntax="proto3";   package acme;\nmessage User { string email = 2; int64 id = 1; }'
)
# Field 2 changes type to int32: old data cannot be read.
PROTO_BREAKING = 'syntax = "proto3"; package acme; message User { int64 id = 1; int32 email = 2; }'
PROTO_ADDITIVE = (
    'syntax = "proto3"; package acme; '
    "message User { int64 id = 1; string email = 2; string name = 3; }"
)

CASES = {
    "AVRO": (json.dumps(AVRO_V1), AVRO_V1_REFORMATTED, json.dumps(AVRO_BREAKING)),
    "PROTOBUF": (PROTO_V1, PROTO_V1_REFORMATTED, PROTO_BREAKING),
}
ADDITIVE = {"AVRO": json.dumps(AVRO_ADDITIVE), "PROTOBUF": PROTO_ADDITIVE}

REGISTER = """
mutation($s: String!, $x: String!, $f: SchemaFormat!) {
  registerSchema(subject: $s, schema: $x, format: $f) { id version format isNewVersion }
}
"""
LOOKUP = """
query($s: String!, $x: String!, $f: SchemaFormat!) {
  lookupSchema(subject: $s, schema: $x, format: $f) { id version format }
}
"""
CHECK = """
query($s: String!, $x: String!, $f: SchemaFormat!) {
  checkCompatibility(subject: $s, schema: $x, format: $f) {
    isCompatible incompatibilities { code oldPath newPath message direction version }
  }
}
"""


@pytest.mark.parametrize("format", sorted(CASES))
async def test_a_format_registers_looks_up_and_checks_like_json_schema(
    gql_http: GraphQLHttp, format: str
) -> None:
    subject = unique_subject(format.lower())
    v1, reformatted, breaking = CASES[format]

    first = (await gql_http.data(REGISTER, {"s": subject, "x": v1, "f": format}))["registerSchema"]
    again = (await gql_http.data(REGISTER, {"s": subject, "x": reformatted, "f": format}))[
        "registerSchema"
    ]
    found = (await gql_http.data(LOOKUP, {"s": subject, "x": reformatted, "f": format}))[
        "lookupSchema"
    ]
    check = (await gql_http.data(CHECK, {"s": subject, "x": breaking, "f": format}))[
        "checkCompatibility"
    ]
    refused = await gql_http.error(REGISTER, {"s": subject, "x": breaking, "f": format})
    added = (await gql_http.data(REGISTER, {"s": subject, "x": ADDITIVE[format], "f": format}))[
        "registerSchema"
    ]

    assert first["format"] == format and first["version"] == 1
    assert again == {**first, "isNewVersion": False}
    assert found == {"id": first["id"], "version": 1, "format": format}
    assert check["isCompatible"] is False
    record = check["incompatibilities"][0]
    assert record["direction"] == "BACKWARD" and record["version"] == 1
    assert record["code"] and record["message"] and record["newPath"].startswith("#")
    assert refused["extensions"]["code"] == "INCOMPATIBLE_SCHEMA"
    assert refused["extensions"]["incompatibilities"][0]["code"] == record["code"]
    assert added["version"] == 2 and added["isNewVersion"] is True


@pytest.mark.parametrize(
    ("format", "text", "named"),
    [
        (
            "AVRO",
            '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "Nope"}]}',
            "Nope",
        ),
        ("PROTOBUF", 'syntax = "proto3";\nmessage M {\n  Nope a = 1;\n}\n', "Nope"),
        (
            "AVRO",
            '{"type": "record", "name": "R", '
            '"fields": [{"name": "a", "type": "int", "default": "x"}]}',
            "default",
        ),
        ("PROTOBUF", 'syntax = "proto3";\nmessage M {\n  string a = 1;\n  string b = 1;\n}\n', "1"),
    ],
)
async def test_an_invalid_schema_is_refused_naming_the_problem(
    gql_http: GraphQLHttp, format: str, text: str, named: str
) -> None:
    error = await gql_http.error(REGISTER, {"s": unique_subject("bad"), "x": text, "f": format})

    assert error["extensions"]["code"] == "INVALID_SCHEMA"
    assert named in error["message"]


async def test_events_carry_the_format(gql_http: GraphQLHttp, module_server: ServerProcess) -> None:
    prefix = unique_subject("events")
    after = await gql_http.last_sequence()
    async with Subscription(
        module_server.ws_url, {"subjectPrefix": prefix, "after": after}
    ) as changes:
        for format, (v1, _, _) in sorted(CASES.items()):
            await gql_http.data(REGISTER, {"s": f"{prefix}.{format}", "x": v1, "f": format})
        events = await changes.take(2)

    assert [(e["subject"], e["format"]) for e in events] == [
        (f"{prefix}.AVRO", "AVRO"),
        (f"{prefix}.PROTOBUF", "PROTOBUF"),
    ]
    assert "message User" in events[1]["schema"]


async def test_import_mode_keeps_the_ids_of_avro_and_protobuf_schemas(
    gql_http: GraphQLHttp, module_server: ServerProcess
) -> None:
    subject = unique_subject("imported")
    # Content one id already holds cannot be imported under another: fresh content.
    record = {**AVRO_V1, "name": f"Imported{subject.replace('-', '')}"}
    message = PROTO_V1.replace("User", f"Imported{subject.replace('-', '')}")
    base = module_server.url
    headers = {"Content-Type": "application/vnd.schemaregistry.v1+json"}
    async with httpx.AsyncClient(base_url=base, headers=headers) as rest:
        assert (await rest.put(f"/mode/{subject}", json={"mode": "IMPORT"})).status_code == 200
        avro = await rest.post(
            f"/subjects/{subject}/versions",
            json={"schema": json.dumps(record), "id": 900_001, "version": 4},
        )
        proto = await rest.post(
            f"/subjects/{subject}-p/versions",
            json={"schema": message, "schemaType": "PROTOBUF", "id": 900_002, "version": 1},
        )
        # The second subject inherits READWRITE: imports there are refused.
        assert proto.status_code == 422, proto.text
        assert (await rest.put(f"/mode/{subject}-p", json={"mode": "IMPORT"})).status_code == 200
        proto = await rest.post(
            f"/subjects/{subject}-p/versions",
            json={"schema": message, "schemaType": "PROTOBUF", "id": 900_002, "version": 1},
        )
        shown = (await rest.get("/schemas/ids/900002")).json()

    assert avro.json() == {"id": 900_001}
    assert proto.json() == {"id": 900_002}
    assert shown["schemaType"] == "PROTOBUF"
    spaced = json.dumps(record, indent=4)
    found = (await gql_http.data(LOOKUP, {"s": subject, "x": spaced, "f": "AVRO"}))["lookupSchema"]
    assert found == {"id": 900_001, "version": 4, "format": "AVRO"}
