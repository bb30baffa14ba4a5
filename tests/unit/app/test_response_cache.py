"""ResponseCache driven as an ASGI app, over a fake GraphQL app that counts its calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest

from app import response_cache
from app.response_cache import Message, ResponseCache, is_cacheable_document, is_live_document
from registry.access import LOCAL_PRINCIPAL, Principal, Role, SubjectScopes
from registry.model import ChangeEvent, EventKind
from registry.types import Sequence, SubjectName

SCHEMA_QUERY = "{ schema(id: 1) { id schema format } }"


def schema_response(schema_id: int = 1, text: str = "{}") -> bytes:
    return orjson.dumps({"data": {"schema": {"id": schema_id, "schema": text, "format": "JSON"}}})


@dataclass
class Downstream:
    """Stands for the GraphQL app: answers ``body`` (in ``chunks`` when given)."""

    body: bytes = field(default_factory=schema_response)
    status: int = 200
    chunks: list[bytes] | None = None
    before_response: Callable[[], None] | None = None
    calls: int = 0
    received: list[bytes] = field(default_factory=list)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls += 1
        self.received.append((await receive()).get("body", b""))
        if self.before_response is not None:
            self.before_response()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        if self.chunks is None:
            await send({"type": "http.response.body", "body": self.body})
            return
        for index, chunk in enumerate(self.chunks):
            more = index < len(self.chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[bytes, bytes]
    body: bytes
    messages: list[Message]


async def call(
    cache: ResponseCache,
    method: str = "POST",
    query: str = SCHEMA_QUERY,
    headers: dict[str, str] | None = None,
    principal: Principal | None = LOCAL_PRINCIPAL,
) -> Reply:
    if method == "GET":
        query_string, body = urlencode({"query": query}).encode(), b""
    else:
        query_string, body = b"", orjson.dumps({"query": query})
    scope = {
        "type": "http",
        "path": "/graphql",
        "method": method,
        "query_string": query_string,
        "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
        # Left by AuthenticationMiddleware: the local administrator when authentication
        # is off, None for a request without credentials when it is on.
        "principal": principal,
    }
    requests = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[Message] = []

    async def receive() -> Message:
        return requests.pop(0) if requests else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await cache(scope, receive, send)
    start = sent[0]
    assert start["type"] == "http.response.start"
    return Reply(
        status=start["status"],
        headers=dict(start.get("headers", [])),
        body=b"".join(message.get("body", b"") for message in sent[1:]),
        messages=sent,
    )


@pytest.fixture
def downstream() -> Downstream:
    return Downstream()


@pytest.fixture
def hits() -> list[str]:
    return []


@pytest.fixture
def cache(downstream: Downstream, hits: list[str]) -> ResponseCache:
    return ResponseCache(downstream, path="/graphql", max_entries=100, on_hit=hits.append)


def deletion(*, permanent: bool) -> ChangeEvent:
    return ChangeEvent(
        sequence=Sequence(9),
        kind=EventKind.SUBJECT_DELETED,
        subject=SubjectName("orders"),
        is_permanent=permanent,
    )


# ---- which documents take the fast path ----------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{ schema(id: 1) { id schema format } }", True),
        ("query One($id: Int!) { schema(id: $id) { id __typename } }", True),
        ("{ s: schema(id: 1) { id } }", True),
        ("{ schema(id: 1) { id } subjects { name } }", False),
        ("{ a: schema(id: 1) { id } b: schema(id: 2) { id } }", False),
        ("{ schema(id: 1) { id versions { subject } } }", False),
        ("{ schema(id: 1) { ...F } } fragment F on Schema { id }", False),
        ("{ schema(id: 1) { ... on Schema { id } } }", False),
        ("{ schema(id: 1) { id references { name subject version } } }", True),
        ("{ schema(id: 1) { references } }", False),
        ("{ schema(id: 1) { references { name ... on SchemaReference { subject } } } }", False),
        ("{ schema(id: 1) @include(if: true) { id } }", False),
        ("{ schema(id: 1) { id @skip(if: false) } }", False),
        ("query @cached { schema(id: 1) { id } }", False),
        ("{ schema(id: 1) }", False),
        ("{ subjects { name } }", False),
        ('mutation { deleteSubject(subject: "x") }', False),
        ("mutation { schema(id: 1) { id } }", False),
        ("subscription { schema(id: 1) { id } }", False),
        ("{ schema(id: 1) { id }", False),
    ],
    ids=[
        "schema-by-id",
        "named-with-variable-and-typename",
        "aliased-once",
        "two-root-fields",
        "schema-aliased-twice",
        "versions-subfield",
        "fragment-spread",
        "inline-fragment",
        "references-subfields",
        "references-without-selection",
        "references-with-fragment",
        "directive-on-root-field",
        "directive-on-subfield",
        "directive-on-operation",
        "no-selection",
        "other-root-field",
        "mutation",
        "mutation-named-schema",
        "subscription",
        "unparseable",
    ],
)
def test_only_a_lone_schema_by_id_selecting_immutable_fields_is_cacheable(
    query: str, expected: bool
) -> None:
    assert is_cacheable_document(query) is expected


# ---- storing and serving -------------------------------------------------------------


async def test_a_cacheable_response_is_kept_and_served_again_without_graphql(
    cache: ResponseCache, downstream: Downstream, hits: list[str]
) -> None:
    first = await call(cache)
    second = await call(cache)

    assert downstream.calls == 1
    assert downstream.received == [orjson.dumps({"query": SCHEMA_QUERY})]
    assert len(cache) == 1
    # Without authentication every caller shares the answer.
    assert hits == ["shared"]
    assert first.status == second.status == 200
    assert first.body == second.body == downstream.body
    assert second.headers[b"etag"] == first.headers[b"etag"]
    assert second.headers[b"content-type"] == b"application/json"


async def test_the_first_get_response_already_carries_etag_and_cache_control(
    cache: ResponseCache,
) -> None:
    first = await call(cache, "GET")
    second = await call(cache, "GET")

    assert first.headers[b"etag"] == second.headers[b"etag"]
    assert first.headers[b"cache-control"] == b"public, max-age=31536000, immutable"
    assert second.headers[b"cache-control"] == first.headers[b"cache-control"]


async def test_a_post_response_carries_an_etag_but_no_cache_control(
    cache: ResponseCache,
) -> None:
    first = await call(cache, "POST")
    second = await call(cache, "POST")

    assert first.headers[b"etag"] == second.headers[b"etag"]
    assert b"cache-control" not in first.headers
    assert b"cache-control" not in second.headers


async def test_get_and_post_of_the_same_query_are_kept_apart(
    cache: ResponseCache, downstream: Downstream
) -> None:
    await call(cache, "GET")
    await call(cache, "POST")

    assert downstream.calls == 2
    assert len(cache) == 2


async def test_a_matching_if_none_match_gets_304_without_a_body(
    cache: ResponseCache, downstream: Downstream
) -> None:
    etag = (await call(cache, "GET")).headers[b"etag"].decode()

    revalidated = await call(cache, "GET", headers={"if-none-match": etag})
    stale = await call(cache, "GET", headers={"if-none-match": '"not-it"'})

    assert revalidated.status == 304
    assert revalidated.body == b""
    assert revalidated.headers[b"etag"] == etag.encode()
    assert stale.status == 200
    assert stale.body == downstream.body
    assert downstream.calls == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, orjson.dumps({"data": {"schema": None}})),
        (200, orjson.dumps({"data": None, "errors": [{"message": "x"}]})),
        (
            200,
            orjson.dumps(
                {
                    "data": {"schema": {"id": 1, "schema": "{}", "format": "JSON"}},
                    "errors": [{"message": "partial"}],
                }
            ),
        ),
        (200, b"not json"),
        (500, schema_response()),
    ],
    ids=["null-schema", "errors-without-data", "errors-with-data", "not-json", "status-500"],
)
async def test_a_response_that_is_not_a_resolved_schema_is_not_kept(
    cache: ResponseCache, downstream: Downstream, status: int, body: bytes
) -> None:
    downstream.status, downstream.body = status, body

    first = await call(cache, "GET")
    second = await call(cache, "GET")

    assert downstream.calls == 2
    assert len(cache) == 0
    assert (first.status, first.body) == (status, body)
    assert b"etag" not in first.headers
    assert b"cache-control" not in first.headers
    assert second.body == body


async def test_an_uncacheable_document_always_reaches_graphql(
    cache: ResponseCache, downstream: Downstream
) -> None:
    for _ in range(2):
        reply = await call(cache, query='{ validatePayload(subject: "a", payload: {}) { valid } }')
        assert b"etag" not in reply.headers

    assert downstream.calls == 2
    assert len(cache) == 0


async def test_a_response_larger_than_256_kib_is_served_but_not_kept(
    cache: ResponseCache, downstream: Downstream
) -> None:
    downstream.body = schema_response(text="x" * (256 * 1024))

    first = await call(cache)
    second = await call(cache)

    assert first.body == second.body == downstream.body
    assert downstream.calls == 2
    assert len(cache) == 0


async def test_a_streamed_response_passes_through_whole_and_is_not_kept(
    cache: ResponseCache, downstream: Downstream
) -> None:
    body = schema_response()
    downstream.chunks = [body[:10], body[10:20], body[20:]]

    reply = await call(cache)
    await call(cache)

    assert reply.body == body
    assert [m.get("more_body", False) for m in reply.messages[1:]] == [True, True, False]
    assert downstream.calls == 2
    assert len(cache) == 0


async def test_a_request_over_the_key_size_limit_is_not_kept(
    cache: ResponseCache, downstream: Downstream
) -> None:
    padded = SCHEMA_QUERY + "\n#" + "x" * (17 * 1024)
    assert is_cacheable_document(padded)

    await call(cache, query=padded)
    await call(cache, query=padded)

    assert downstream.calls == 2
    assert len(cache) == 0


async def test_max_entries_zero_turns_the_cache_off(downstream: Downstream) -> None:
    cache = ResponseCache(downstream, path="/graphql", max_entries=0)

    await call(cache)
    await call(cache)

    assert downstream.calls == 2


# ---- bounds --------------------------------------------------------------------------


def _query_for(schema_id: int) -> str:
    return f"{{ schema(id: {schema_id}) {{ id schema format }} }}"


def _entry_size(schema_id: int, body: bytes) -> int:
    """What one POST entry counts against the byte budget: response and request."""
    return len(body) + len(orjson.dumps({"query": _query_for(schema_id)}))


async def test_the_byte_budget_evicts_the_oldest_entries(
    cache: ResponseCache, downstream: Downstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = _entry_size(1, downstream.body)
    monkeypatch.setattr(response_cache, "_MAX_TOTAL_BYTES", 2 * size + size // 2)

    for schema_id in range(1, 11):
        await call(cache, query=_query_for(schema_id))
        assert len(cache) == min(schema_id, 2)

    calls = downstream.calls
    await call(cache, query=_query_for(10))
    await call(cache, query=_query_for(9))
    assert downstream.calls == calls
    await call(cache, query=_query_for(1))
    assert downstream.calls == calls + 1


async def test_the_entry_limit_evicts_the_least_recently_stored(downstream: Downstream) -> None:
    cache = ResponseCache(downstream, path="/graphql", max_entries=3)

    for schema_id in range(1, 6):
        await call(cache, query=_query_for(schema_id))

    assert len(cache) == 3
    await call(cache, query=_query_for(5))
    assert downstream.calls == 5
    await call(cache, query=_query_for(1))
    assert downstream.calls == 6


async def test_after_a_clear_the_whole_byte_budget_is_available_again(
    cache: ResponseCache, downstream: Downstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = _entry_size(1, downstream.body)
    monkeypatch.setattr(response_cache, "_MAX_TOTAL_BYTES", 2 * size + size // 2)
    await call(cache, query=_query_for(1))
    await call(cache, query=_query_for(2))

    cache.clear()
    await call(cache, query=_query_for(3))
    await call(cache, query=_query_for(4))

    assert len(cache) == 2


# ---- invalidation --------------------------------------------------------------------


async def test_a_permanent_deletion_clears_the_cache(
    cache: ResponseCache, downstream: Downstream
) -> None:
    await call(cache)

    cache.observe(deletion(permanent=True))

    assert len(cache) == 0
    await call(cache)
    assert downstream.calls == 2


async def test_a_soft_deletion_keeps_the_cache(
    cache: ResponseCache, downstream: Downstream
) -> None:
    await call(cache)

    cache.observe(deletion(permanent=False))

    assert len(cache) == 1
    await call(cache)
    assert downstream.calls == 1


async def test_a_purge_during_a_read_keeps_that_read_out_of_the_cache(
    cache: ResponseCache, downstream: Downstream
) -> None:
    # The read ran before the purge, so its answer may be what the purge removed.
    downstream.before_response = lambda: cache.observe(deletion(permanent=True))

    during = await call(cache)
    downstream.before_response = None
    after = await call(cache)
    again = await call(cache)

    assert during.body == downstream.body
    assert downstream.calls == 2
    assert after.body == again.body
    assert len(cache) == 1


# ---- who asks ------------------------------------------------------------------------

TEAM_A_READER = Principal(id="k1", role=Role.READER, scopes=SubjectScopes.parse(["team-a.*"]))
OTHER_TEAM_A_WRITER = Principal(id="k2", role=Role.WRITER, scopes=SubjectScopes.parse(["team-a.*"]))
ADMIN = Principal(id="k3", role=Role.ADMIN)


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_request_without_a_principal_is_neither_served_nor_kept(
    cache: ResponseCache, downstream: Downstream, hits: list[str], method: str
) -> None:
    await call(cache, method, principal=ADMIN)
    await call(cache, method, principal=None)
    await call(cache, method, principal=None)
    assert downstream.calls == 3
    assert hits == []
    assert len(cache) == 1


async def test_principals_with_other_scopes_never_get_each_others_answers(
    cache: ResponseCache, downstream: Downstream, hits: list[str]
) -> None:
    await call(cache, principal=ADMIN)
    await call(cache, principal=TEAM_A_READER)
    assert downstream.calls == 2
    # The same scopes read the same: a key of another role shares the entry.
    await call(cache, principal=OTHER_TEAM_A_WRITER)
    assert downstream.calls == 2
    assert hits == ["private"]


async def test_with_authentication_a_get_answer_may_be_kept_by_private_caches_only(
    cache: ResponseCache,
) -> None:
    first = await call(cache, "GET", principal=ADMIN)
    second = await call(cache, "GET", principal=ADMIN)
    for reply in (first, second):
        assert reply.headers[b"cache-control"] == b"private, max-age=31536000, immutable"


# ---- live answers: kept until the next event -----------------------------------------

LATEST_QUERY = '{ subject(name: "orders") { latest { id version } } }'


def latest_response(version: int) -> bytes:
    return orjson.dumps({"data": {"subject": {"latest": {"id": version, "version": version}}}})


def registration(sequence: int = 10, subject: str = "other") -> ChangeEvent:
    return ChangeEvent(
        sequence=Sequence(sequence), kind=EventKind.REGISTERED, subject=SubjectName(subject)
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (LATEST_QUERY, True),
        ('{ subject(name: "a") { versions latest { schema references { name } } } }', True),
        ('{ subjects(prefix: "tools.") { name } }', True),
        ("{ config { compatibility policy } }", True),
        ('{ a: subject(name: "a") { name } b: config(subject: "a") { mode } }', True),
        (
            "query Q($s: String!) { subject(name: $s) { ...F } } fragment F on Subject { name }",
            True,
        ),
        ('{ exportSchema(subject: "a", target: OPENAI_TOOL) { document } }', True),
        ("{ schema(id: 1) { versions { subject version } } }", True),
        ('{ validatePayload(subject: "a", payload: {}) { valid } }', False),
        ("{ apiKeys { id } }", False),
        ("{ auditLog { edges { node { action } } } }", False),
        ('{ subject(name: "a") { name } apiKeys { id } }', False),
        ('mutation { registerSchema(subject: "a", schema: "{}") { id } }', False),
        ("subscription { schemaChanges { sequence } }", False),
        ("{ __schema { types { name } } }", False),
        ("{ subject(", False),
    ],
)
def test_which_documents_are_live(query: str, expected: bool) -> None:
    assert is_live_document(query) is expected


async def test_a_live_answer_is_kept_until_any_event(downstream: Downstream) -> None:
    cache = ResponseCache(downstream, path="/graphql", max_entries=100)
    downstream.body = latest_response(1)
    first = await call(cache, query=LATEST_QUERY)
    again = await call(cache, query=LATEST_QUERY)
    assert downstream.calls == 1 and again.body == first.body

    # Any event ends it, whatever its subject: the answer may read other subjects.
    cache.observe(registration(subject="other"))
    downstream.body = latest_response(2)
    fresh = await call(cache, query=LATEST_QUERY)
    assert downstream.calls == 2
    assert orjson.loads(fresh.body)["data"]["subject"]["latest"]["version"] == 2
    assert fresh.headers[b"etag"] != first.headers[b"etag"]


async def test_an_immutable_answer_outlives_ordinary_events(
    cache: ResponseCache, downstream: Downstream
) -> None:
    await call(cache)
    cache.observe(registration())
    await call(cache)
    assert downstream.calls == 1


async def test_a_live_read_that_raced_an_event_is_not_kept(downstream: Downstream) -> None:
    cache = ResponseCache(downstream, path="/graphql", max_entries=100)
    downstream.body = latest_response(1)
    # The event is applied while the read runs (after it started, before it answered).
    downstream.before_response = lambda: cache.observe(registration())
    raced = await call(cache, query=LATEST_QUERY)
    downstream.before_response = None
    downstream.body = latest_response(2)
    after = await call(cache, query=LATEST_QUERY)

    assert orjson.loads(raced.body)["data"]["subject"]["latest"]["version"] == 1
    assert orjson.loads(after.body)["data"]["subject"]["latest"]["version"] == 2
    assert downstream.calls == 2


async def test_a_live_get_answer_must_be_revalidated(downstream: Downstream) -> None:
    cache = ResponseCache(downstream, path="/graphql", max_entries=100)
    downstream.body = latest_response(1)
    first = await call(cache, method="GET", query=LATEST_QUERY)
    second = await call(cache, method="GET", query=LATEST_QUERY)
    revalidated = await call(
        cache,
        method="GET",
        query=LATEST_QUERY,
        headers={"if-none-match": "W/" + first.headers[b"etag"].decode()},
    )

    assert first.headers[b"cache-control"] == b"no-cache"
    assert second.headers[b"cache-control"] == b"no-cache"
    assert b"Authorization" in second.headers[b"vary"]
    assert revalidated.status == 304 and revalidated.body == b""
    assert downstream.calls == 1


async def test_evicted_live_entries_are_forgotten(downstream: Downstream) -> None:
    cache = ResponseCache(downstream, path="/graphql", max_entries=2)
    downstream.body = latest_response(1)
    for name in ("a", "b", "c"):
        await call(cache, query=f'{{ subject(name: "{name}") {{ name }} }}')
    assert len(cache) == 2
    cache.observe(registration())
    assert len(cache) == 0
