"""``schemaChanges`` over real websockets, on both subprotocols strawberry serves."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from tests.e2e.conftest import (
    DELETE_SUBJECT,
    DELETE_VERSION,
    GRAPHQL_TRANSPORT_WS,
    LEGACY_GRAPHQL_WS,
    GraphQLHttp,
    Subscription,
    object_schema,
    unique_subject,
)
from tests.support.server import ServerProcess

V1 = object_schema({"name": "string"}, ["name"])
V2 = object_schema({"name": "string", "age": "integer"}, ["name"])


@pytest.fixture(params=[GRAPHQL_TRANSPORT_WS, LEGACY_GRAPHQL_WS])
def subprotocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_a_registration_reaches_a_subscriber_of_its_subject(
    module_server: ServerProcess, gql_http: GraphQLHttp, subprotocol: str
) -> None:
    subject = unique_subject("sub")
    after = await gql_http.last_sequence()

    async with Subscription(
        module_server.ws_url, {"subject": subject, "after": after}, subprotocol=subprotocol
    ) as changes:
        registered = await gql_http.register(subject, V1)
        event = await changes.next()

    assert changes.negotiated == subprotocol
    assert event["kind"] == "REGISTERED"
    assert event["sequence"] > after
    assert event["subject"] == subject
    assert event["version"] == 1
    assert event["id"] == registered["id"]
    assert json.loads(event["schema"]) == json.loads(V1)
    assert event["format"] == "JSON"
    assert event["permanent"] is False
    assert event["timestamp"] > 0
    committed = datetime.datetime.fromisoformat(event["committedAt"])
    assert event["committedAt"].endswith("Z")
    assert committed.tzinfo is not None
    assert committed.timestamp() == pytest.approx(event["timestamp"], abs=1e-6)


async def test_a_live_subscription_without_after_receives_later_changes_only(
    module_server: ServerProcess, gql_http: GraphQLHttp, subprotocol: str
) -> None:
    subject = unique_subject("live")
    await gql_http.register(subject, V1)
    await gql_http.wait_for_subscribers(0)

    async with Subscription(
        module_server.ws_url, {"subject": subject}, subprotocol=subprotocol
    ) as changes:
        await gql_http.wait_for_subscribers(1)
        await gql_http.register(subject, V2)
        event = await changes.next()
        await changes.assert_quiet(0.3)

    assert (event["kind"], event["version"]) == ("REGISTERED", 2)


async def test_deletions_are_announced_with_their_permanent_flag(
    module_server: ServerProcess, gql_http: GraphQLHttp, subprotocol: str
) -> None:
    subject = unique_subject("del")
    after = await gql_http.last_sequence()
    await gql_http.register(subject, V1)
    second = await gql_http.register(subject, V2)

    async with Subscription(
        module_server.ws_url, {"subject": subject, "after": after}, subprotocol=subprotocol
    ) as changes:
        await gql_http.data(DELETE_VERSION, {"subject": subject, "version": 2})
        await gql_http.data(DELETE_SUBJECT, {"subject": subject})
        await gql_http.data(DELETE_SUBJECT, {"subject": subject, "permanent": True})
        events = await changes.take(5)

    kinds = [(e["kind"], e["version"], e["permanent"]) for e in events]
    assert kinds == [
        ("REGISTERED", 1, False),
        ("REGISTERED", 2, False),
        ("VERSION_DELETED", 2, False),
        ("SUBJECT_DELETED", None, False),
        ("SUBJECT_DELETED", None, True),
    ]
    assert events[2]["id"] == second["id"]
    assert all(e["subject"] == subject for e in events)


async def test_a_global_config_change_reaches_a_subject_filtered_subscriber(
    module_server: ServerProcess, gql_http: GraphQLHttp, subprotocol: str
) -> None:
    subject = unique_subject("cfg")
    after = await gql_http.last_sequence()

    async with Subscription(
        module_server.ws_url, {"subject": subject, "after": after}, subprotocol=subprotocol
    ) as changes:
        # BACKWARD is the default: setting it changes nothing for other tests.
        await gql_http.set_compatibility(None, "BACKWARD")
        global_event = await changes.next()
        await gql_http.set_compatibility(subject, "FULL")
        subject_event = await changes.next()

    assert global_event["kind"] == "CONFIG_CHANGED"
    assert global_event["subject"] is None
    assert global_event["compatibility"] == "BACKWARD"
    assert subject_event["kind"] == "CONFIG_CHANGED"
    assert subject_event["subject"] == subject
    assert subject_event["compatibility"] == "FULL"
    assert subject_event["sequence"] > global_event["sequence"]


async def test_a_prefix_filter_excludes_other_subjects(
    module_server: ServerProcess, gql_http: GraphQLHttp, subprotocol: str
) -> None:
    prefix = unique_subject("team") + "."
    inside = [f"{prefix}one", f"{prefix}two"]
    outside = unique_subject("other")
    after = await gql_http.last_sequence()

    async with Subscription(
        module_server.ws_url, {"subjectPrefix": prefix, "after": after}, subprotocol=subprotocol
    ) as changes:
        await gql_http.register(inside[0], V1)
        await gql_http.register(outside, V1)
        await gql_http.register(prefix.rstrip("."), V1)
        await gql_http.register(inside[1], V1)
        events = await changes.take(2)
        await changes.assert_quiet(0.5)

    assert [e["subject"] for e in events] == inside


async def test_an_unfiltered_subscription_sees_every_subject_in_sequence_order(
    module_server: ServerProcess, gql_http: GraphQLHttp
) -> None:
    subjects = [unique_subject("all") for _ in range(3)]
    after = await gql_http.last_sequence()

    async with Subscription(module_server.ws_url, {"after": after}) as changes:
        for subject in subjects:
            await gql_http.register(subject, V1)
        seen: list[dict[str, Any]] = []
        while len(seen) < len(subjects):
            event = await changes.next()
            if event["subject"] in subjects:
                seen.append(event)

    assert [e["subject"] for e in seen] == subjects
    sequences = [e["sequence"] for e in seen]
    assert sequences == sorted(set(sequences))


async def test_resuming_with_after_delivers_exactly_the_missed_changes_then_live_ones(
    module_server: ServerProcess, gql_http: GraphQLHttp, subprotocol: str
) -> None:
    subject = unique_subject("resume")
    start = await gql_http.last_sequence()
    async with Subscription(
        module_server.ws_url, {"subject": subject, "after": start}, subprotocol=subprotocol
    ) as first:
        await gql_http.register(subject, object_schema({"a": "string"}))
        last_seen = (await first.next())["sequence"]

    await gql_http.register(subject, object_schema({"a": "string", "b": "string"}))
    await gql_http.set_compatibility(subject, "NONE")
    await gql_http.data(DELETE_VERSION, {"subject": subject, "version": 1})

    async with Subscription(
        module_server.ws_url, {"subject": subject, "after": last_seen}, subprotocol=subprotocol
    ) as resumed:
        missed = await resumed.take(3)
        await gql_http.register(subject, object_schema({"c": "integer"}))
        live = await resumed.next()
        await resumed.assert_quiet(0.5)

    assert [(e["kind"], e["version"]) for e in missed] == [
        ("REGISTERED", 2),
        ("CONFIG_CHANGED", None),
        ("VERSION_DELETED", 1),
    ]
    sequences = [e["sequence"] for e in [*missed, live]]
    assert sequences[0] > last_seen
    assert sequences == sorted(set(sequences))
    assert (live["kind"], live["version"]) == ("REGISTERED", 3)


@pytest.mark.parametrize(
    "variables",
    [{"subject": ""}, {"subject": "x" * 256}, {"subject": "a\u0001b"}, {"after": -1}],
    ids=["empty-subject", "long-subject", "control-character", "negative-after"],
)
async def test_invalid_subscription_arguments_fail_with_bad_user_input_before_any_event(
    module_server: ServerProcess,
    gql_http: GraphQLHttp,
    subprotocol: str,
    variables: dict[str, object],
) -> None:
    async with Subscription(module_server.ws_url, variables, subprotocol=subprotocol) as changes:
        errors = await changes.next_error()

    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Traceback" not in str(errors)


async def test_resuming_after_a_sequence_the_registry_has_not_reached_is_bad_user_input(
    module_server: ServerProcess, gql_http: GraphQLHttp, subprotocol: str
) -> None:
    subject = unique_subject("ahead")
    beyond = await gql_http.last_sequence() + 1000

    async with Subscription(
        module_server.ws_url, {"subject": subject, "after": beyond}, subprotocol=subprotocol
    ) as changes:
        errors = await changes.next_error()

    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert str(beyond) in errors[0]["message"]
    assert "Traceback" not in str(errors)


async def test_a_subscription_with_a_wrongly_typed_variable_is_refused(
    module_server: ServerProcess, subprotocol: str
) -> None:
    async with Subscription(
        module_server.ws_url, {"after": "yesterday"}, subprotocol=subprotocol
    ) as changes:
        errors = await changes.next_error()

    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_subscribers_sharing_a_document_keep_their_own_filter_and_selection(
    module_server: ServerProcess, gql_http: GraphQLHttp
) -> None:
    first, second = unique_subject("share"), unique_subject("share")
    after = await gql_http.last_sequence()
    narrow = """
    subscription Changes($subject: String, $after: Int) {
      schemaChanges(subject: $subject, after: $after) { sequence kind }
    }
    """

    async with (
        Subscription(module_server.ws_url, {"subject": first, "after": after}) as on_first,
        Subscription(
            module_server.ws_url,
            {"subject": second, "after": after},
            subprotocol=LEGACY_GRAPHQL_WS,
        ) as on_second,
        Subscription(
            module_server.ws_url, {"subject": first, "after": after}, query=narrow
        ) as narrow_first,
    ):
        await gql_http.register(first, V1)
        await gql_http.register(second, V2)
        event_first = await on_first.next()
        event_second = await on_second.next()
        event_narrow = await narrow_first.next()
        await on_first.assert_quiet(0.3)

    assert (event_first["subject"], json.loads(event_first["schema"])) == (first, json.loads(V1))
    assert (event_second["subject"], json.loads(event_second["schema"])) == (
        second,
        json.loads(V2),
    )
    assert event_narrow == {"sequence": event_first["sequence"], "kind": "REGISTERED"}


async def test_a_replayed_event_is_identical_to_the_live_one(
    module_server: ServerProcess, gql_http: GraphQLHttp
) -> None:
    subject = unique_subject("replay")
    after = await gql_http.last_sequence()
    await gql_http.wait_for_subscribers(0)
    async with Subscription(module_server.ws_url, {"subject": subject}) as live:
        await gql_http.wait_for_subscribers(1)
        await gql_http.register(subject, V1)
        await gql_http.register(subject, V2)
        await gql_http.set_compatibility(subject, "FULL")
        await gql_http.data(DELETE_VERSION, {"subject": subject, "version": 1})
        await gql_http.data(DELETE_SUBJECT, {"subject": subject})
        seen_live = await live.take(5)

    async with Subscription(module_server.ws_url, {"subject": subject, "after": after}) as replay:
        replayed = await replay.take(5)

    assert replayed == seen_live
