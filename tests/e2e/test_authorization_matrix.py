"""Who may do what, for every operation the registry serves, from one table.

Every GraphQL root field (introspection included) and every REST route has one row (and
a row per variant that asks for another action: a permanent delete, an import). A row
says, for each principal, what it gets: on a subject of its own tenant and on another's
(the non-admin keys see ``team-a.*``; the admin ``*``), over every transport the
operation goes over. Each cell is one test. For reads on another tenant's subject, the
answer is also held against the answer for a subject that never existed.

Principals are the keys of ``PRINCIPALS`` (anonymous, three keys, a revoked key and an
administrator's expired JWT); each row names each of them once, so a new kind of caller
is one entry in ``PRINCIPALS``, one way to make its credentials in ``credentials()``,
and one entry per row.

One server for the module; every cell is asked concurrently before the first test runs,
writes first (on subjects of their own), then the administrator's reads (which fill
the response cache), then everyone else's.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import enum
import hashlib
import json
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from graph.schema import build_schema
from rest.routes import rest_routes
from tests.e2e.conftest import new_server, sqlite_file_url
from tests.support.access_matrix import (
    BAD_CREDENTIALS,
    EMPTY,
    FORBIDDEN,
    NO_CREDENTIALS,
    NULL,
    OK,
    QUIET,
    WAIT,
    WRONG_METHOD,
    Answer,
    Outcome,
    Request,
    Split,
    Transport,
    ask,
    graphql_error,
    problems,
    rest_error,
    without_names,
)
from tests.support.keys import Key, cli, create_key, revoke_key
from tests.support.server import ServerProcess
from tests.support.tokens import AUDIENCE, ISSUER, issue, rsa_key

ANONYMOUS = "anonymous"
READER = "reader"
WRITER = "writer"
ADMIN = "admin"
REVOKED = "revoked"
EXPIRED = "expired"
"""An administrator's JWT, signed by the configured issuer key, past its exp."""
PRINCIPALS: tuple[str, ...] = (ANONYMOUS, READER, WRITER, ADMIN, REVOKED, EXPIRED)
# Those whose scopes leave out the other tenant: for them its subjects read as missing.
OWN_TENANT_ONLY = frozenset({READER, WRITER})
TENANT_PREFIXES = {"own": "team-a.", "other": "team-b."}
MISSING_SUBJECT = "team-b.never-existed"
MISSING_ID = 987_654_321


class Setup(enum.Enum):
    """What a row's subject is, made before the cells run."""

    NONE = "none"
    """No subject: a read of global things; one cell per principal and transport."""
    GLOBAL = "global"
    """No subject: a write of global settings (to the values they already have)."""
    SHARED = "shared"
    """The tenant's one subject for reads: a version, its own compatibility and mode."""
    FRESH = "fresh"
    """A subject nobody made."""
    LIVE = "live"
    """A subject with one version."""
    SOFT_DELETED = "soft-deleted"
    """A subject with one version, soft-deleted."""

    @property
    def has_subject(self) -> bool:
        return self not in (Setup.NONE, Setup.GLOBAL)

    @property
    def writes(self) -> bool:
        return self not in (Setup.NONE, Setup.SHARED)


Expected = Mapping[str, Outcome | Split]


@dataclass(frozen=True)
class Target:
    subject: str = ""
    schema: str = ""
    schema_id: int = 0


@dataclass(frozen=True)
class Row:
    operation: str
    """``Query.subject``, or ``GET /subjects/{subject}`` as rest_routes() spells it."""
    setup: Setup
    expected: Expected
    variant: str = ""
    document: str = ""
    body: Callable[[Target], Any] | None = None
    params: Callable[[Target], dict[str, str]] | None = None

    @property
    def name(self) -> str:
        return f"{self.operation} [{self.variant}]" if self.variant else self.operation

    @property
    def is_rest(self) -> bool:
        return not self.document

    @property
    def root_type(self) -> str:
        return self.operation.split(".")[0]

    @property
    def field(self) -> str:
        return self.operation.split(".", 1)[1] if not self.is_rest else ""

    @property
    def transports(self) -> tuple[Transport, ...]:
        if self.is_rest:
            is_get = self.operation.startswith("GET ")
            return (Transport.REST, Transport.REST_HEAD) if is_get else (Transport.REST,)
        return (Transport.GRAPHQL_POST, Transport.GRAPHQL_GET, Transport.GRAPHQL_WS)

    def refuses_method(self, transport: Transport) -> bool:
        """Only queries go over GET; subscriptions need a socket."""
        if self.root_type == "Mutation":
            return transport is Transport.GRAPHQL_GET
        if self.root_type == "Subscription":
            return transport in (Transport.GRAPHQL_GET, Transport.GRAPHQL_POST)
        return False

    def request(self, transport: Transport, authorization: str | None, target: Target) -> Request:
        if self.is_rest:
            method, template = self.operation.split(" ", 1)
            path = (
                template.replace("{subject}", quote(target.subject, safe=""))
                .replace("{version}", "1")
                .replace("{id:int}", str(target.schema_id))
            )
            return Request(
                transport,
                authorization,
                method=method,
                path=path,
                params=None if self.params is None else self.params(target),
                body=None if self.body is None else self.body(target),
            )
        values = {"subject": target.subject, "schema": target.schema, "id": target.schema_id}
        variables = {k: v for k, v in values.items() if f"${k}" in self.document}
        return Request(transport, authorization, document=self.document, variables=variables)


def gql(operation: str, setup: Setup, expected: Expected, document: str, variant: str = "") -> Row:
    return Row(operation, setup, expected, variant=variant, document=document)


def rest(
    operation: str,
    setup: Setup,
    expected: Expected,
    *,
    variant: str = "",
    body: Callable[[Target], Any] | None = None,
    params: Callable[[Target], dict[str, str]] | None = None,
) -> Row:
    return Row(operation, setup, expected, variant=variant, body=body, params=params)


def schema_body(target: Target) -> dict[str, Any]:
    return {"schemaType": "JSON", "schema": target.schema}


def imported_body(target: Target) -> dict[str, Any]:
    return {**schema_body(target), "id": 4242, "version": 1}


def document_for(name: str) -> str:
    return json.dumps({"type": "object", "title": name})


SUBJECT_NOT_FOUND = rest_error(404, 40401)
VERSION_NOT_FOUND = rest_error(404, 40402)
SCHEMA_NOT_FOUND = rest_error(404, 40403)
NOT_IN_IMPORT_MODE = rest_error(422, 42205)
NOT_PERMITTED = graphql_error("OPERATION_NOT_PERMITTED")
A, R, W, D, X, E = ANONYMOUS, READER, WRITER, ADMIN, REVOKED, EXPIRED
NONE, GLOBAL, SHARED, FRESH, LIVE, SOFT = (
    Setup.NONE, Setup.GLOBAL, Setup.SHARED, Setup.FRESH, Setup.LIVE, Setup.SOFT_DELETED,
)  # fmt: skip
# Expected outcomes that recur. Each row still names every principal.
NO, BAD = NO_CREDENTIALS, BAD_CREDENTIALS
# Credentials that held once: a revoked key, an expired token. Refused as any bad ones
# (a token's refusal has its own message, the same whatever the reason).
EXPIRED_TOKEN = dataclasses.replace(
    BAD, message="The bearer token is not valid.", close_reason="The bearer token is not valid."
)
STALE: dict[str, Outcome | Split] = {X: BAD, E: EXPIRED_TOKEN}
OWN_WRITE = Split(OK, FORBIDDEN)
HIDDEN_SUBJECT = Split(OK, SUBJECT_NOT_FOUND)
HIDDEN_SCHEMA = Split(OK, SCHEMA_NOT_FOUND)
Q, M, S = "Query", "Mutation", "Subscription"

# fmt: off
TABLE: list[Row] = [
    # ---- GraphQL queries ---------------------------------------------------------------
    gql(f"{Q}.subjects", SHARED, {A: NO, R: Split(OK, EMPTY), W: Split(OK, EMPTY), D: OK, **STALE},
        "query($subject: String) { subjects(prefix: $subject) { name } }"),
    gql(f"{Q}.subject", SHARED, {A: NO, R: Split(OK, NULL), W: Split(OK, NULL), D: OK, **STALE},
        "query($subject: String!) { subject(name: $subject) { name } }"),
    gql(f"{Q}.schema", SHARED, {A: NO, R: Split(OK, NULL), W: Split(OK, NULL), D: OK, **STALE},
        "query($id: Int!) { schema(id: $id) { id schema } }"),
    gql(f"{Q}.lookupSchema", SHARED,
        {A: NO, R: Split(OK, graphql_error("SUBJECT_NOT_FOUND")),
         W: Split(OK, graphql_error("SUBJECT_NOT_FOUND")), D: OK, **STALE},
        "query($subject: String!, $schema: String!) "
        "{ lookupSchema(subject: $subject, schema: $schema) { version } }"),
    gql(f"{Q}.checkCompatibility", SHARED,
        {A: NO, R: Split(OK, graphql_error("SUBJECT_NOT_FOUND")),
         W: Split(OK, graphql_error("SUBJECT_NOT_FOUND")), D: OK, **STALE},
        "query($subject: String!, $schema: String!) { checkCompatibility("
        "subject: $subject, schema: $schema, version: 1) { isCompatible } }"),
    gql(f"{Q}.lintSchema", NONE, {A: NO, R: OK, W: OK, D: OK, **STALE},
        '{ lintSchema(schema: "{\\"type\\": \\"object\\"}", provider: OPENAI) { ruleId } }'),
    gql(f"{Q}.exportSchema", SHARED,
        {A: NO, R: Split(OK, graphql_error("SUBJECT_NOT_FOUND")),
         W: Split(OK, graphql_error("SUBJECT_NOT_FOUND")), D: OK, **STALE},
        "query($subject: String!) { exportSchema("
        "subject: $subject, target: JSON_SCHEMA) { version name } }"),
    gql(f"{Q}.validatePayload", SHARED,
        {A: NO, R: Split(OK, graphql_error("SUBJECT_NOT_FOUND")),
         W: Split(OK, graphql_error("SUBJECT_NOT_FOUND")), D: OK, **STALE},
        "query($subject: String!) { validatePayload("
        "subject: $subject, version: 1, payload: {title: 1}) { valid } }"),
    gql(f"{Q}.validatePayloads", SHARED,
        {A: NO, R: Split(OK, graphql_error("SUBJECT_NOT_FOUND")),
         W: Split(OK, graphql_error("SUBJECT_NOT_FOUND")), D: OK, **STALE},
        "query($subject: String!) { validatePayloads("
        "subject: $subject, payloads: [{}, 2]) { valid } }"),
    gql(f"{Q}.config", SHARED, {A: NO, R: OK, W: OK, D: OK, **STALE},
        "query($subject: String) { config(subject: $subject) { compatibility mode } }"),
    gql(f"{Q}.config", NONE, {A: NO, R: OK, W: OK, D: OK, **STALE},
        "{ config { compatibility mode } }", "global"),
    gql(f"{Q}.apiKeys", NONE, {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: OK, **STALE},
        "{ apiKeys { id role } }"),
    gql(f"{Q}.auditLog", NONE, {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: OK, **STALE},
        "{ auditLog(first: 1) { sequence outcome } }"),
    gql(f"{Q}.__schema", NONE, {A: NO, R: OK, W: OK, D: OK, **STALE},
        "{ __schema { queryType { name } } }"),
    gql(f"{Q}.__type", NONE, {A: NO, R: OK, W: OK, D: OK, **STALE},
        '{ __type(name: "Query") { name } }'),
    # ---- GraphQL mutations -------------------------------------------------------------
    gql(f"{M}.registerSchema", FRESH, {A: NO, R: FORBIDDEN, W: OWN_WRITE, D: OK, **STALE},
        "mutation($subject: String!, $schema: String!) "
        "{ registerSchema(subject: $subject, schema: $schema) { version } }"),
    gql(f"{M}.setCompatibility", FRESH, {A: NO, R: FORBIDDEN, W: OWN_WRITE, D: OK, **STALE},
        "mutation($subject: String) "
        "{ setCompatibility(subject: $subject, level: FULL) { compatibility } }"),
    gql(f"{M}.setCompatibility", GLOBAL, {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: OK, **STALE},
        "mutation { setCompatibility(level: BACKWARD) { compatibility } }", "global"),
    gql(f"{M}.setMode", FRESH, {A: NO, R: FORBIDDEN, W: OWN_WRITE, D: OK, **STALE},
        "mutation($subject: String) { setMode(subject: $subject, mode: READWRITE) { mode } }"),
    gql(f"{M}.setMode", FRESH, {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: OK, **STALE},
        "mutation($subject: String) { setMode(subject: $subject, mode: IMPORT) { mode } }",
        "import"),
    gql(f"{M}.setMode", GLOBAL, {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: OK, **STALE},
        "mutation { setMode(mode: READWRITE) { mode } }", "global"),
    gql(f"{M}.setMode", GLOBAL, {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: NOT_PERMITTED, **STALE},
        "mutation { setMode(mode: IMPORT) { mode } }", "global import"),
    gql(f"{M}.setProviderRules", FRESH, {A: NO, R: FORBIDDEN, W: OWN_WRITE, D: OK, **STALE},
        "mutation($subject: String) { setProviderRules(subject: $subject, "
        "providers: [OPENAI], enforcement: WARN) { providers providerEnforcement } }"),
    gql(f"{M}.setProviderRules", GLOBAL, {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: OK, **STALE},
        "mutation { setProviderRules(providers: [], enforcement: OFF) { providers } }",
        "global"),
    gql(f"{M}.deleteSubject", LIVE, {A: NO, R: FORBIDDEN, W: OWN_WRITE, D: OK, **STALE},
        "mutation($subject: String!) { deleteSubject(subject: $subject) }"),
    gql(f"{M}.deleteSubject", SOFT, {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: OK, **STALE},
        "mutation($subject: String!) { deleteSubject(subject: $subject, permanent: true) }",
        "permanent"),
    gql(f"{M}.deleteSchemaVersion", LIVE, {A: NO, R: FORBIDDEN, W: OWN_WRITE, D: OK, **STALE},
        "mutation($subject: String!) { deleteSchemaVersion(subject: $subject, version: 1) }"),
    gql(f"{M}.deleteSchemaVersion", SOFT, {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: OK, **STALE},
        "mutation($subject: String!) "
        "{ deleteSchemaVersion(subject: $subject, version: 1, permanent: true) }",
        "permanent"),
    gql(f"{M}.createApiKey", GLOBAL, {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: OK, **STALE},
        'mutation { createApiKey(name: "matrix", role: READER, subjects: ["team-x.*"]) '
        "{ key { id } } }"),
    gql(f"{M}.revokeApiKey", GLOBAL,
        {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: graphql_error("KEY_NOT_FOUND"), **STALE},
        'mutation { revokeApiKey(id: "0000000000000000") { id } }'),
    # ---- GraphQL subscriptions (replayed from the start: after 0) ----------------------
    gql(f"{S}.schemaChanges", SHARED, {A: NO, R: Split(OK, QUIET), W: Split(OK, QUIET), D: OK,
                                       **STALE},
        "subscription($subject: String) "
        "{ schemaChanges(subject: $subject, after: 0) { kind subject } }"),
    gql(f"{S}.schemaChanges", SHARED, {A: NO, R: Split(OK, QUIET), W: Split(OK, QUIET), D: OK,
                                       **STALE},
        "subscription($subject: String) "
        "{ schemaChanges(subjectPrefix: $subject, after: 0) { kind subject } }", "prefix"),
    # ---- REST ----------------------------------------------------------------------------
    rest("GET /openapi.json", NONE, {A: OK, R: OK, W: OK, D: OK, X: OK, E: OK}),
    rest("GET /schemas/types", NONE, {A: NO, R: OK, W: OK, D: OK, **STALE}),
    rest("GET /schemas/ids/{id:int}", SHARED,
         {A: NO, R: HIDDEN_SCHEMA, W: HIDDEN_SCHEMA, D: OK, **STALE}),
    rest("GET /schemas/ids/{id:int}/schema", SHARED,
         {A: NO, R: HIDDEN_SCHEMA, W: HIDDEN_SCHEMA, D: OK, **STALE}),
    rest("GET /schemas/ids/{id:int}/subjects", SHARED,
         {A: NO, R: HIDDEN_SCHEMA, W: HIDDEN_SCHEMA, D: OK, **STALE}),
    rest("GET /schemas/ids/{id:int}/versions", SHARED,
         {A: NO, R: HIDDEN_SCHEMA, W: HIDDEN_SCHEMA, D: OK, **STALE}),
    rest("GET /subjects", SHARED, {A: NO, R: Split(OK, EMPTY), W: Split(OK, EMPTY), D: OK, **STALE},
         params=lambda t: {"subjectPrefix": t.subject}),
    rest("POST /subjects/{subject}", SHARED,
         {A: NO, R: HIDDEN_SUBJECT, W: HIDDEN_SUBJECT, D: OK, **STALE}, body=schema_body),
    rest("DELETE /subjects/{subject}", LIVE, {A: NO, R: FORBIDDEN, W: OWN_WRITE, D: OK, **STALE}),
    rest("DELETE /subjects/{subject}", SOFT, {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: OK, **STALE},
         variant="permanent", params=lambda t: {"permanent": "true"}),
    rest("GET /subjects/{subject}/versions", SHARED,
         {A: NO, R: HIDDEN_SUBJECT, W: HIDDEN_SUBJECT, D: OK, **STALE}),
    rest("POST /subjects/{subject}/versions", FRESH,
         {A: NO, R: FORBIDDEN, W: OWN_WRITE, D: OK, **STALE}, body=schema_body),
    rest("POST /subjects/{subject}/versions", FRESH,
         {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: NOT_IN_IMPORT_MODE, **STALE},
         variant="import", body=imported_body),
    rest("GET /subjects/{subject}/versions/{version}", SHARED,
         {A: NO, R: HIDDEN_SUBJECT, W: HIDDEN_SUBJECT, D: OK, **STALE}),
    rest("DELETE /subjects/{subject}/versions/{version}", LIVE,
         {A: NO, R: FORBIDDEN, W: OWN_WRITE, D: OK, **STALE}),
    rest("DELETE /subjects/{subject}/versions/{version}", SOFT,
         {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: OK, **STALE},
         variant="permanent", params=lambda t: {"permanent": "true"}),
    rest("GET /subjects/{subject}/versions/{version}/schema", SHARED,
         {A: NO, R: HIDDEN_SUBJECT, W: HIDDEN_SUBJECT, D: OK, **STALE}),
    rest("GET /subjects/{subject}/versions/{version}/referencedby", SHARED,
         {A: NO, R: Split(EMPTY, SUBJECT_NOT_FOUND), W: Split(EMPTY, SUBJECT_NOT_FOUND),
          D: EMPTY, **STALE}),
    rest("POST /compatibility/subjects/{subject}/versions/{version}", SHARED,
         {A: NO, R: Split(OK, VERSION_NOT_FOUND), W: Split(OK, VERSION_NOT_FOUND), D: OK,
          **STALE}, body=schema_body),
    rest("POST /compatibility/subjects/{subject}/versions", SHARED,
         {A: NO, R: OK, W: OK, D: OK, **STALE}, body=schema_body),
    rest("GET /config", NONE, {A: NO, R: OK, W: OK, D: OK, **STALE}),
    rest("PUT /config", GLOBAL, {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: OK, **STALE},
         body=lambda t: {"compatibility": "BACKWARD"}),
    rest("DELETE /config", GLOBAL, {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: OK, **STALE}),
    rest("GET /config/{subject}", SHARED,
         {A: NO, R: Split(OK, rest_error(404, 40408)), W: Split(OK, rest_error(404, 40408)),
          D: OK, **STALE}),
    rest("PUT /config/{subject}", FRESH, {A: NO, R: FORBIDDEN, W: OWN_WRITE, D: OK, **STALE},
         body=lambda t: {"compatibility": "FULL"}),
    rest("DELETE /config/{subject}", FRESH, {A: NO, R: FORBIDDEN, W: OWN_WRITE, D: OK, **STALE}),
    rest("GET /mode", NONE, {A: NO, R: OK, W: OK, D: OK, **STALE}),
    rest("PUT /mode", GLOBAL, {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: OK, **STALE},
         body=lambda t: {"mode": "READWRITE"}),
    rest("PUT /mode", GLOBAL, {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: NOT_IN_IMPORT_MODE, **STALE},
         variant="import", body=lambda t: {"mode": "IMPORT"}),
    rest("GET /mode/{subject}", SHARED,
         {A: NO, R: Split(OK, rest_error(404, 40409)), W: Split(OK, rest_error(404, 40409)),
          D: OK, **STALE}),
    rest("PUT /mode/{subject}", FRESH, {A: NO, R: FORBIDDEN, W: OWN_WRITE, D: OK, **STALE},
         body=lambda t: {"mode": "READWRITE"}),
    rest("PUT /mode/{subject}", FRESH, {A: NO, R: FORBIDDEN, W: FORBIDDEN, D: OK, **STALE},
         variant="import", body=lambda t: {"mode": "IMPORT"}),
    rest("DELETE /mode/{subject}", FRESH, {A: NO, R: FORBIDDEN, W: OWN_WRITE, D: OK, **STALE}),
]
# fmt: on


# ---- cells ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    row: Row
    principal: str
    tenant: str
    """``own``, ``other``, ``-`` (no subject), or ``missing``: the twin of a read of
    another tenant's subject, asking for one that never existed."""
    transport: Transport

    @property
    def id(self) -> str:
        return f"{self.row.name}|{self.principal}|{self.tenant}|{self.transport.value}"

    @property
    def expected(self) -> Outcome:
        entry = self.row.expected[self.principal]
        outcome = entry if isinstance(entry, Outcome) else _for_tenant(entry, self.tenant)
        if self.row.refuses_method(self.transport) and outcome not in (BAD, EXPIRED_TOKEN):
            # Refused before execution, so before the policy; bad credentials before both.
            return WRONG_METHOD
        return outcome

    @property
    def phase(self) -> int:
        """Writes first, on subjects of their own; then the administrator's reads, which
        fill the response cache; then everyone else's, which must not be served from it."""
        if self.row.setup.writes:
            return 0
        return 1 if self.principal == ADMIN else 2

    def target(self, shared: Mapping[str, Target]) -> Target:
        setup = self.row.setup
        if not setup.has_subject:
            return Target()
        if setup is Setup.SHARED:
            return shared[self.tenant]
        prefix = TENANT_PREFIXES[self.tenant]
        if setup is Setup.FRESH or self.expected.is_success:
            name = prefix + "m-" + hashlib.blake2b(self.id.encode(), digest_size=6).hexdigest()
        else:
            # A refusal changes nothing: refused cells share one subject per tenant.
            name = f"{prefix}victim-{setup.value}"
        return Target(name, document_for(name))


def _for_tenant(split: Split, tenant: str) -> Outcome:
    return split.own if tenant == "own" else split.other


def table_cells() -> Iterator[Cell]:
    for row in TABLE:
        tenants = ("own", "other") if row.setup.has_subject else ("-",)
        for principal in PRINCIPALS:
            for tenant in tenants:
                for transport in row.transports:
                    yield Cell(row, principal, tenant, transport)


CELLS = list(table_cells())
HIDDEN_READS = [
    cell
    for cell in CELLS
    if cell.row.setup is Setup.SHARED
    and cell.tenant == "other"
    and cell.principal in OWN_TENANT_ONLY
    and not cell.row.refuses_method(cell.transport)
]


def twin(cell: Cell) -> Cell:
    return Cell(cell.row, cell.principal, "missing", cell.transport)


def cell_id(cell: Cell) -> str:
    return cell.id


# ---- the server, its keys, its subjects ------------------------------------------------

KEY_SPECS: dict[str, tuple[str, tuple[str, ...]]] = {
    READER: ("reader", ("team-a.*",)),
    WRITER: ("writer", ("team-a.*",)),
    ADMIN: ("admin", ("*",)),
    REVOKED: ("admin", ("*",)),
}


# The issuer of the expired token; the server verifies tokens with its public key.
ISSUER_KEY = rsa_key("matrix-issuer")


def credentials(keys: Mapping[str, Key]) -> dict[str, str | None]:
    """The Authorization value each principal sends. The writer uses HTTP Basic, as
    Confluent's clients do (``basic.auth.user.info``); the others Bearer tokens."""
    basic = base64.b64encode(keys[WRITER].basic.encode()).decode()
    expired = issue(ISSUER_KEY, exp=int(time.time()) - 3600, role="admin", subjects=["*"])
    return {
        ANONYMOUS: None,
        READER: keys[READER].bearer,
        WRITER: f"Basic {basic}",
        ADMIN: keys[ADMIN].bearer,
        REVOKED: keys[REVOKED].bearer,
        EXPIRED: f"Bearer {expired}",
    }


@dataclass
class Matrix:
    server: ServerProcess
    keys: dict[str, Key]
    shared: dict[str, Target]
    answers: dict[str, Answer]


async def seed(http: httpx.AsyncClient, base: str, admin: Key) -> dict[str, Target]:
    """The subjects the cells need, made by the administrator."""
    headers = admin.headers()

    async def call(method: str, path: str, body: Any = None) -> Any:
        response = await http.request(method, base + path, json=body, headers=headers)
        assert response.status_code == 200, (method, path, response.text)
        return response.json()

    async def register(subject: str, *, soft_deleted: bool = False) -> int:
        path = f"/subjects/{quote(subject, safe='')}"
        created = await call(
            "POST", path + "/versions", schema_body(Target(schema=document_for(subject)))
        )
        if soft_deleted:
            await call("DELETE", path)
        return int(created["id"])

    shared: dict[str, Target] = {}
    for tenant, prefix in TENANT_PREFIXES.items():
        name = prefix + "shared"
        shared[tenant] = Target(name, document_for(name), await register(name))
        await call("PUT", f"/config/{name}", {"compatibility": "NONE"})
        await call("PUT", f"/mode/{name}", {"mode": "READWRITE"})
    shared["missing"] = Target(MISSING_SUBJECT, shared["other"].schema, MISSING_ID)
    made: list[Any] = []
    for prefix in TENANT_PREFIXES.values():
        made.append(register(f"{prefix}victim-{Setup.LIVE.value}"))
        made.append(register(f"{prefix}victim-{Setup.SOFT_DELETED.value}", soft_deleted=True))
    for cell in CELLS:
        if cell.row.setup in (Setup.LIVE, Setup.SOFT_DELETED) and cell.expected.is_success:
            soft = cell.row.setup is Setup.SOFT_DELETED
            made.append(register(cell.target(shared).subject, soft_deleted=soft))
    await asyncio.gather(*made)
    return shared


async def ask_every_cell(
    server: ServerProcess, database_url: str, keys: dict[str, Key]
) -> tuple[dict[str, Target], dict[str, Answer]]:
    authorization = credentials(keys)
    answers: dict[str, Answer] = {}
    limit = asyncio.Semaphore(32)
    async with httpx.AsyncClient(timeout=WAIT) as http:
        # The revoked key worked once (its secret is remembered as verified), then was
        # revoked while the server ran.
        url = f"{server.url}/subjects"
        assert (await http.get(url, headers=keys[REVOKED].headers())).status_code == 200
        revoking = asyncio.create_task(asyncio.to_thread(revoke_key, database_url, keys[REVOKED]))
        shared = await seed(http, server.url, keys[ADMIN])
        await revoking

        async def one(cell: Cell) -> None:
            request = cell.row.request(
                cell.transport, authorization[cell.principal], cell.target(shared)
            )
            async with limit:
                try:
                    answers[cell.id] = await ask(http, server.url, request)
                except Exception as exc:
                    answers[cell.id] = Answer(body={"client exception": repr(exc)})

        everything = CELLS + [twin(cell) for cell in HIDDEN_READS]
        for phase in range(3):
            await asyncio.gather(*(one(c) for c in everything if c.phase == phase))
    return shared, answers


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    directory = tmp_path_factory.mktemp("matrix")
    url = sqlite_file_url(directory)
    migrated = cli(url, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    server = new_server(
        url,
        directory / "server.log",
        REGISTRY_AUTH="true",
        REGISTRY_JWT_ISSUER=ISSUER,
        REGISTRY_JWT_AUDIENCE=AUDIENCE,
        REGISTRY_JWT_PUBLIC_KEY=ISSUER_KEY.public_pem,
        # Every cell's request reaches the policy (the limits have their own tests).
        REGISTRY_RATE_LIMIT="0",
        REGISTRY_AUTH_FAILURE_BURST="0",
    )
    try:
        # Keys are read from the database on each request: made while the server starts.
        with ThreadPoolExecutor() as pool:
            started = pool.submit(server.start)
            made = {
                principal: pool.submit(create_key, url, role, *scopes, name=principal)
                for principal, (role, scopes) in KEY_SPECS.items()
            }
            keys = {principal: future.result() for principal, future in made.items()}
            started.result()
        shared, answers = asyncio.run(ask_every_cell(server, url, keys))
        yield Matrix(server, keys, shared, answers)
    finally:
        server.stop()


# ---- the table is complete -------------------------------------------------------------


def test_every_graphql_root_field_has_a_row_and_every_row_a_field() -> None:
    schema = build_schema()._schema
    roots = [schema.query_type, schema.mutation_type, schema.subscription_type]
    fields = {f"{root.name}.{name}" for root in roots if root for name in root.fields}
    fields |= {"Query.__schema", "Query.__type"}
    rows = {row.operation for row in TABLE if not row.is_rest}
    assert sorted(fields - rows) == [], "root fields without a row"
    assert sorted(rows - fields) == [], "rows for fields that do not exist"


def test_every_rest_route_has_a_row_and_every_row_a_route() -> None:
    routes = rest_routes()
    operations = {
        f"{method} {getattr(route, 'path', '')}"
        for route in routes
        for method in getattr(route, "methods", None) or ()
        if method != "HEAD"
    }
    rows = {row.operation for row in TABLE if row.is_rest}
    assert sorted(operations - rows) == [], "routes without a row"
    assert sorted(rows - operations) == [], "rows for routes that do not exist"
    # HEAD is asked wherever GET is (Transport.REST_HEAD), and only there.
    for route in routes:
        methods = getattr(route, "methods", None) or set()
        assert ("HEAD" in methods) == ("GET" in methods), getattr(route, "path", route)


def test_every_row_names_each_principal_and_splits_only_where_there_is_a_subject() -> None:
    assert len({row.name for row in TABLE}) == len(TABLE), "two rows with one name"
    for row in TABLE:
        assert list(row.expected) == list(PRINCIPALS), row.name
        if not row.setup.has_subject:
            assert all(isinstance(e, Outcome) for e in row.expected.values()), row.name


# ---- the cells -------------------------------------------------------------------------


@pytest.mark.parametrize("cell", CELLS, ids=cell_id)
def test_each_principal_gets_exactly_what_the_table_says(matrix: Matrix, cell: Cell) -> None:
    answer = matrix.answers[cell.id]
    found = problems(cell.expected, cell.transport, answer, cell.row.field)
    assert not found, f"expected {cell.expected}, got {answer}: {'; '.join(found)}"


def names(cell: Cell, target: Target) -> dict[str, str]:
    found = {target.subject: "<subject>"}
    if "{id:int}" in cell.row.operation or "$id" in cell.row.document:
        found[str(target.schema_id)] = "<id>"
    return found


@pytest.mark.parametrize("cell", HIDDEN_READS, ids=cell_id)
def test_another_tenants_subject_reads_exactly_as_one_that_never_existed(
    matrix: Matrix, cell: Cell
) -> None:
    hidden = matrix.answers[cell.id]
    missing = matrix.answers[twin(cell).id]
    assert without_names(hidden, names(cell, matrix.shared["other"])) == without_names(
        missing, names(cell, matrix.shared["missing"])
    ), f"hidden: {hidden}\nmissing: {missing}"


def test_a_cached_schema_answer_reaches_nobody_the_policy_would_not_give_it_to(
    matrix: Matrix,
) -> None:
    hidden_id = matrix.shared["other"].schema_id
    url = matrix.server.graphql_url
    body = {"query": f"{{ schema(id: {hidden_id}) {{ id schema }} }}"}
    admin, reader = matrix.keys[ADMIN].headers(), matrix.keys[READER].headers()
    for _ in range(2):
        seen = httpx.post(url, json=body, headers=admin)
        assert seen.json()["data"]["schema"]["id"] == hidden_id
        assert "etag" in seen.headers
    anonymous = httpx.post(url, json=body).json()
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert anonymous["data"] in (None, {"schema": None})
    assert httpx.post(url, json=body, headers=reader).json() == {"data": {"schema": None}}
    by_get = httpx.get(url, params=body, headers={**admin, "Accept": "application/json"})
    assert by_get.headers["cache-control"].startswith("private,")
