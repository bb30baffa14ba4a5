"""A tour of the GraphQL API over real HTTP, as a client application would use it."""

from __future__ import annotations

import json

from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXAsyncTransport

from tests.e2e.conftest import (
    DELETE_SUBJECT,
    DELETE_VERSION,
    GraphQLHttp,
    object_schema,
    unique_subject,
)
from tests.support.server import ServerProcess

V1 = object_schema({"name": "string"}, ["name"])
V2 = object_schema({"name": "string", "age": "integer"}, ["name"])
V3_REQUIRES_EMAIL = object_schema({"name": "string", "email": "string"}, ["name", "email"])

SUBJECT = """
query Subject($name: String!, $number: Int!) {
  subject(name: $name) {
    name versions deleted compatibility effectiveCompatibility
    latest { subject version id schema deleted }
    version(number: $number) { subject version id schema }
  }
}
"""
SCHEMA = """
query Schema($id: Int!) { schema(id: $id) { id schema format versions { subject version } } }
"""
LOOKUP = """
query Lookup($subject: String!, $schema: String!) {
  lookupSchema(subject: $subject, schema: $schema) { subject version id deleted }
}
"""
CHECK = """
query Check($subject: String!, $schema: String!, $version: Int) {
  checkCompatibility(subject: $subject, schema: $schema, version: $version) {
    isCompatible level messages
    incompatibilities { code message oldPath newPath direction version }
  }
}
"""
CONFIG = """
query Config($subject: String) { config(subject: $subject) { subject compatibility configured } }
"""
SUBJECTS = "query Subjects($prefix: String) { subjects(prefix: $prefix) { name versions } }"


async def test_registering_a_new_subject_returns_version_one_and_a_new_id(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")

    registered = await gql_http.register(subject, V1)

    assert registered["subject"] == subject
    assert registered["version"] == 1
    assert registered["isNewVersion"] is True
    assert isinstance(registered["id"], int) and registered["id"] > 0
    assert json.loads(registered["schema"]) == json.loads(V1)


async def test_a_compatible_evolution_becomes_version_two_with_another_id(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    first = await gql_http.register(subject, V1)

    second = await gql_http.register(subject, V2)

    assert second["version"] == 2
    assert second["isNewVersion"] is True
    assert second["id"] != first["id"]


async def test_an_incompatible_change_is_refused_with_the_offending_property_named(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    await gql_http.register(subject, V1)

    body = await gql_http.execute(
        "mutation($s: String!, $x: String!) { registerSchema(subject: $s, schema: $x) { id } }",
        {"s": subject, "x": V3_REQUIRES_EMAIL},
    )

    assert body["data"] is None
    extensions = body["errors"][0]["extensions"]
    assert extensions["code"] == "INCOMPATIBLE_SCHEMA"
    assert extensions["messages"]
    assert any("email" in message for message in extensions["messages"])
    assert extensions["incompatibilities"]
    assert any("email" in item["newPath"] for item in extensions["incompatibilities"])
    assert {item["direction"] for item in extensions["incompatibilities"]} == {"BACKWARD"}
    versions = await gql_http.data(SUBJECT, {"name": subject, "number": 1})
    assert versions["subject"]["versions"] == [1]


async def test_registering_the_same_content_reformatted_is_idempotent(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    first = await gql_http.register(subject, V1)
    reordered = json.dumps(
        {
            "additionalProperties": False,
            "required": ["name"],
            "properties": {"name": {"type": "string"}},
            "type": "object",
        },
        indent=4,
    )

    again = await gql_http.register(subject, f"\n  {reordered}\n")

    assert again == {**first, "isNewVersion": False}
    subject_data = await gql_http.data(SUBJECT, {"name": subject, "number": 1})
    assert subject_data["subject"]["versions"] == [1]


async def test_the_same_content_under_another_subject_reuses_the_schema_id(
    gql_http: GraphQLHttp,
) -> None:
    first = await gql_http.register(unique_subject("tour"), V1)
    other_subject = unique_subject("tour")

    other = await gql_http.register(other_subject, V1)

    assert other["id"] == first["id"]
    assert other["version"] == 1
    assert other["isNewVersion"] is True
    schema = (await gql_http.data(SCHEMA, {"id": first["id"]}))["schema"]
    assert {"subject": other_subject, "version": 1} in schema["versions"]


async def test_re_registering_an_older_version_returns_that_version(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    first = await gql_http.register(subject, V1)
    await gql_http.register(subject, V2)

    again = await gql_http.register(subject, V1)

    assert again == {**first, "isNewVersion": False}


async def test_prefix_wildcards_are_matched_literally(gql_http: GraphQLHttp) -> None:
    base = unique_subject("literal")
    await gql_http.register(f"{base}_x", V1)
    await gql_http.register(f"{base}ax", V1)
    await gql_http.register(f"{base}%y", V1)

    underscore = (await gql_http.data(SUBJECTS, {"prefix": f"{base}_"}))["subjects"]
    percent = (await gql_http.data(SUBJECTS, {"prefix": f"{base}%"}))["subjects"]

    assert [s["name"] for s in underscore] == [f"{base}_x"]
    assert [s["name"] for s in percent] == [f"{base}%y"]


async def test_subjects_lists_only_names_with_the_prefix(gql_http: GraphQLHttp) -> None:
    prefix = unique_subject("prefix") + "."
    names = [f"{prefix}a", f"{prefix}b"]
    for name in names:
        await gql_http.register(name, V1)
    await gql_http.register(unique_subject("elsewhere"), V1)

    listed = (await gql_http.data(SUBJECTS, {"prefix": prefix}))["subjects"]

    assert listed == [{"name": names[0], "versions": [1]}, {"name": names[1], "versions": [1]}]


async def test_a_subject_shows_its_versions_latest_one_version_and_levels(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    first = await gql_http.register(subject, V1)
    second = await gql_http.register(subject, V2)

    found = (await gql_http.data(SUBJECT, {"name": subject, "number": 1}))["subject"]

    assert found["name"] == subject
    assert found["versions"] == [1, 2]
    assert found["deleted"] is False
    assert found["latest"]["version"] == 2
    assert found["latest"]["id"] == second["id"]
    assert found["version"] == {
        "subject": subject,
        "version": 1,
        "id": first["id"],
        "schema": first["schema"],
    }
    assert found["compatibility"] is None
    assert found["effectiveCompatibility"] == "BACKWARD"


async def test_an_unknown_subject_is_null(gql_http: GraphQLHttp) -> None:
    data = await gql_http.data(SUBJECT, {"name": unique_subject("missing"), "number": 1})

    assert data == {"subject": None}


async def test_a_schema_by_id_shows_its_canonical_text_and_the_versions_using_it(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    unique = object_schema({unique_subject("field"): "string"})
    registered = await gql_http.register(subject, unique)

    schema = (await gql_http.data(SCHEMA, {"id": registered["id"]}))["schema"]

    assert schema["id"] == registered["id"]
    assert schema["format"] == "JSON"
    assert json.loads(schema["schema"]) == json.loads(unique)
    assert schema["versions"] == [{"subject": subject, "version": 1}]


async def test_lookup_finds_the_version_holding_reformatted_content(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    await gql_http.register(subject, V1)
    second = await gql_http.register(subject, V2)

    found = await gql_http.data(
        LOOKUP, {"subject": subject, "schema": json.dumps(json.loads(V2), indent=2)}
    )

    assert found["lookupSchema"] == {
        "subject": subject,
        "version": 2,
        "id": second["id"],
        "deleted": False,
    }


async def test_check_compatibility_without_version_reports_the_breaking_property(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    await gql_http.register(subject, V1)

    good = (await gql_http.data(CHECK, {"subject": subject, "schema": V2}))["checkCompatibility"]
    bad = (await gql_http.data(CHECK, {"subject": subject, "schema": V3_REQUIRES_EMAIL}))[
        "checkCompatibility"
    ]

    assert good == {
        "isCompatible": True,
        "level": "BACKWARD",
        "messages": [],
        "incompatibilities": [],
    }
    assert bad["isCompatible"] is False
    assert bad["level"] == "BACKWARD"
    assert any("email" in message for message in bad["messages"])
    assert bad["incompatibilities"][0]["version"] == 1


async def test_check_compatibility_with_a_version_compares_with_that_version_only(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    await gql_http.set_compatibility(subject, "NONE")
    await gql_http.register(subject, object_schema({"value": "string"}))
    await gql_http.register(subject, object_schema({"value": "integer"}))
    await gql_http.set_compatibility(subject, "BACKWARD_TRANSITIVE")
    # Against version 2 this only adds an optional property to a closed object; against
    # version 1 it also changes value's type.
    integer_value = object_schema({"value": "integer", "note": "string"})

    against_one = await gql_http.data(
        CHECK, {"subject": subject, "schema": integer_value, "version": 1}
    )
    against_two = await gql_http.data(
        CHECK, {"subject": subject, "schema": integer_value, "version": 2}
    )
    against_all = await gql_http.data(CHECK, {"subject": subject, "schema": integer_value})

    assert against_one["checkCompatibility"]["isCompatible"] is False
    assert {i["version"] for i in against_one["checkCompatibility"]["incompatibilities"]} == {1}
    assert against_two["checkCompatibility"]["isCompatible"] is True
    assert against_all["checkCompatibility"]["isCompatible"] is False
    assert against_all["checkCompatibility"]["level"] == "BACKWARD_TRANSITIVE"


async def test_non_transitive_levels_compare_with_the_latest_version_only(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    await gql_http.set_compatibility(subject, "NONE")
    await gql_http.register(subject, object_schema({"value": "string"}))
    await gql_http.register(subject, object_schema({"value": "integer"}))
    follows_v2 = object_schema({"value": "integer", "note": "string"})

    await gql_http.set_compatibility(subject, "BACKWARD_TRANSITIVE")
    refused = await gql_http.error(
        "mutation($s: String!, $x: String!) { registerSchema(subject: $s, schema: $x) { id } }",
        {"s": subject, "x": follows_v2},
    )
    await gql_http.set_compatibility(subject, "BACKWARD")
    accepted = await gql_http.register(subject, follows_v2)

    assert refused["extensions"]["code"] == "INCOMPATIBLE_SCHEMA"
    assert {i["version"] for i in refused["extensions"]["incompatibilities"]} == {1}
    assert accepted["version"] == 3


async def test_a_soft_deleted_version_no_longer_constrains_registrations(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    await gql_http.set_compatibility(subject, "NONE")
    await gql_http.register(subject, object_schema({"value": "string"}))
    await gql_http.register(subject, object_schema({"value": "integer"}))
    await gql_http.set_compatibility(subject, "BACKWARD")
    follows_v1 = object_schema({"value": "string", "note": "string"})
    refused = await gql_http.error(
        "mutation($s: String!, $x: String!) { registerSchema(subject: $s, schema: $x) { id } }",
        {"s": subject, "x": follows_v1},
    )

    await gql_http.data(DELETE_VERSION, {"subject": subject, "version": 2})
    accepted = await gql_http.register(subject, follows_v1)

    assert refused["extensions"]["code"] == "INCOMPATIBLE_SCHEMA"
    assert accepted["version"] == 3


async def test_a_subject_level_overrides_the_global_one_until_removed_with_null(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    await gql_http.register(subject, V1)

    set_result = await gql_http.set_compatibility(subject, "FULL")
    while_set = (await gql_http.data(CONFIG, {"subject": subject}))["config"]
    removed = await gql_http.set_compatibility(subject, None)
    after_removal = (await gql_http.data(CONFIG, {"subject": subject}))["config"]

    assert set_result == {"subject": subject, "compatibility": "FULL", "configured": "FULL"}
    assert while_set == set_result
    assert removed == {"subject": subject, "compatibility": "BACKWARD", "configured": None}
    assert after_removal == removed
    levels = await gql_http.data(SUBJECT, {"name": subject, "number": 1})
    assert levels["subject"]["compatibility"] is None
    assert levels["subject"]["effectiveCompatibility"] == "BACKWARD"


async def test_the_global_level_applies_to_subjects_without_their_own(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    await gql_http.register(subject, V1)
    try:
        global_config = await gql_http.set_compatibility(None, "FORWARD")
        inherited = await gql_http.data(SUBJECT, {"name": subject, "number": 1})
        # FORWARD: the old schema must accept data written with the new one; V1 is closed,
        # so a new optional property breaks it.
        refused = await gql_http.error(
            "mutation($s: String!, $x: String!) { registerSchema(subject: $s, schema: $x) { id } }",
            {"s": subject, "x": V2},
        )
    finally:
        restored = await gql_http.set_compatibility(None, None)

    assert global_config == {"subject": None, "compatibility": "FORWARD", "configured": "FORWARD"}
    assert inherited["subject"]["compatibility"] is None
    assert inherited["subject"]["effectiveCompatibility"] == "FORWARD"
    assert refused["extensions"]["code"] == "INCOMPATIBLE_SCHEMA"
    assert restored == {"subject": None, "compatibility": "BACKWARD", "configured": None}


async def test_a_soft_deleted_version_disappears_but_its_schema_stays_resolvable(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    await gql_http.register(subject, V1)
    second = await gql_http.register(subject, V2)

    deleted = await gql_http.data(DELETE_VERSION, {"subject": subject, "version": 2})

    assert deleted == {"deleteSchemaVersion": 2}
    found = (await gql_http.data(SUBJECT, {"name": subject, "number": 1}))["subject"]
    assert found["versions"] == [1]
    assert found["latest"]["version"] == 1
    schema = (await gql_http.data(SCHEMA, {"id": second["id"]}))["schema"]
    assert schema["id"] == second["id"]
    assert {"subject": subject, "version": 2} not in schema["versions"]


async def test_a_permanently_deleted_version_is_gone_even_with_include_deleted(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    await gql_http.register(subject, V1)
    second = await gql_http.register(subject, V2)
    await gql_http.data(DELETE_VERSION, {"subject": subject, "version": 2})

    purged = await gql_http.data(
        DELETE_VERSION, {"subject": subject, "version": 2, "permanent": True}
    )
    remaining = await gql_http.data(
        "query($n: String!) { subject(name: $n, includeDeleted: true) { versions } }",
        {"n": subject},
    )
    again = await gql_http.register(subject, V2)

    assert purged == {"deleteSchemaVersion": 2}
    assert remaining == {"subject": {"versions": [1]}}
    assert again["isNewVersion"] is True
    assert again["id"] == second["id"]


async def test_deleting_a_subject_softly_then_permanently(gql_http: GraphQLHttp) -> None:
    subject = unique_subject("tour")
    first = await gql_http.register(subject, object_schema({subject: "string"}))
    await gql_http.register(subject, object_schema({subject: "string", "extra": "integer"}))

    refused = await gql_http.error(DELETE_SUBJECT, {"subject": subject, "permanent": True})
    soft = await gql_http.data(DELETE_SUBJECT, {"subject": subject})
    after_soft = await gql_http.data(SUBJECT, {"name": subject, "number": 1})
    listed = await gql_http.data(SUBJECTS, {"prefix": subject})
    still_resolvable = await gql_http.data(SCHEMA, {"id": first["id"]})
    permanent = await gql_http.data(DELETE_SUBJECT, {"subject": subject, "permanent": True})
    after_permanent = await gql_http.data(SCHEMA, {"id": first["id"]})

    assert refused["extensions"]["code"] == "SUBJECT_NOT_SOFT_DELETED"
    assert soft == {"deleteSubject": [1, 2]}
    assert after_soft == {"subject": None}
    assert listed == {"subjects": []}
    assert still_resolvable["schema"]["id"] == first["id"]
    assert permanent == {"deleteSubject": [1, 2]}
    assert after_permanent == {"schema": None}


async def test_a_soft_deleted_subject_is_visible_with_include_deleted(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    await gql_http.register(subject, V1)
    await gql_http.data(DELETE_SUBJECT, {"subject": subject})

    found = await gql_http.data(
        "query($n: String!) { subject(name: $n, includeDeleted: true) { name versions deleted } }",
        {"n": subject},
    )

    assert found == {"subject": {"name": subject, "versions": [1], "deleted": True}}


async def test_a_deleted_subject_can_be_registered_again_from_the_next_version(
    gql_http: GraphQLHttp,
) -> None:
    subject = unique_subject("tour")
    await gql_http.register(subject, V1)
    await gql_http.data(DELETE_SUBJECT, {"subject": subject})

    again = await gql_http.register(subject, V1)

    assert again["version"] == 2
    assert again["isNewVersion"] is True


async def test_the_api_works_through_a_standard_graphql_http_client(
    module_server: ServerProcess,
) -> None:
    subject = unique_subject("gqlclient")
    transport = HTTPXAsyncTransport(url=module_server.graphql_url, timeout=10)
    async with Client(transport=transport, fetch_schema_from_transport=True) as session:
        registered = await session.execute(
            GraphQLRequest(
                "mutation($s: String!, $x: String!) "
                "{ registerSchema(subject: $s, schema: $x) { version isNewVersion } }",
                variable_values={"s": subject, "x": V1},
            )
        )
        found = await session.execute(
            GraphQLRequest(
                "query($n: String!) { subject(name: $n) { versions } }",
                variable_values={"n": subject},
            )
        )

    assert registered == {"registerSchema": {"version": 1, "isNewVersion": True}}
    assert found == {"subject": {"versions": [1]}}
