"""The reads ``bench_reads`` measures, the data they read, and what each must answer.

Every registry case has a raw twin on ``load.baseline_app`` that answers the registry's
own response bytes for that read with the same method, so each ratio compares like with
like. Cases come in groups (``--cases``); the registries they run on are roles: ``main``
(the listing reads 20 subjects there), ``large`` (200 subjects under the same prefix, its
own database) and each one's twin with the response cache off (``*_uncached``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from load.common import REGISTER, graphql, tool_schema

SCHEMA_BY_ID = "query($id:Int!){schema(id:$id){id schema format}}"
SUBJECT_LATEST = "query($name:String!){subject(name:$name){latest{id version schema}}}"
SUBJECT_VERSIONS = "query($name:String!){subject(name:$name){versions}}"
SUBJECTS = "query($prefix:String){subjects(prefix:$prefix){name}}"
CONFIG = "{config{compatibility policy}}"
SET_CONFIG = "mutation{setCompatibility(level:FULL,policy:LLM){compatibility policy}}"

PREFIX = "tools."
SUBJECT = "tools.search_flights"
REVISIONS = 3
SMALL_LISTING = 20
LARGE_LISTING = 200
REST_CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
# Registrations under --write-every-ms go here: outside every answer measured, so the
# answers stay the same while each event still ends the cached live answers.
CHURN_SUBJECT = "churn.writes"

GROUPS = ("schema_id", "subject_latest", "subject_versions", "subjects", "config", "rest")


def listing_names(count: int) -> list[str]:
    """The subjects under ``PREFIX`` in a registry holding ``count`` of them."""
    return sorted([SUBJECT, *(f"{PREFIX}tool_{i:03d}" for i in range(1, count))])


@dataclass(frozen=True)
class Fixture:
    """What was registered: ids of ``SUBJECT``'s versions, oldest first."""

    ids: tuple[int, ...]

    @property
    def latest_id(self) -> int:
        return self.ids[-1]


def register_listing(client: httpx.Client, url: str, count: int) -> Fixture:
    """``SUBJECT`` with ``REVISIONS`` versions, then ``count - 1`` more subjects under
    ``PREFIX`` with one version each (distinct content, so distinct ids)."""
    ids = tuple(
        int(
            graphql(client, url, REGISTER, subject=SUBJECT, schema=tool_schema(r))[
                "registerSchema"
            ]["id"]
        )
        for r in range(REVISIONS)
    )
    for number, name in enumerate(listing_names(count)):
        if name != SUBJECT:
            graphql(client, url, REGISTER, subject=name, schema=tool_schema(1000 + number))
    return Fixture(ids)


@dataclass(frozen=True)
class Case:
    """One read. A registry case must answer ``expected`` (schema texts compared as JSON)
    and is compared with its raw twin ``baseline``; a raw case (``server == "baseline"``)
    serves the bytes of ``source``'s answer at ``/<name>`` with the same method."""

    name: str
    label: str
    group: str
    server: str
    method: str
    path: str
    body: bytes = b""
    baseline: str = ""
    source: str = ""
    expected: Any = None
    content_type: str = "application/json"

    @property
    def is_raw(self) -> bool:
        return self.server == "baseline"


def normalized(document: Any) -> Any:
    """``document`` with every ``schema`` string parsed, so that key order and spacing of
    a stored schema's canonical form do not matter."""
    if isinstance(document, dict):
        return {
            key: json.loads(value)
            if key == "schema" and isinstance(value, str)
            else normalized(value)
            for key, value in document.items()
        }
    if isinstance(document, list):
        return [normalized(item) for item in document]
    return document


def _graphql(
    name: str,
    label: str,
    group: str,
    query: str,
    expected: Any,
    /,
    *,
    server: str = "main",
    baseline: str = "",
    **variables: Any,
) -> Case:
    body = json.dumps({"query": query, "variables": variables}, separators=(",", ":")).encode()
    return Case(
        name,
        label,
        group,
        server,
        "POST",
        "/graphql",
        body,
        baseline or f"{name}_raw",
        expected={"data": expected},
    )


def _rest(name: str, label: str, path: str, expected: Any) -> Case:
    return Case(
        name,
        label,
        "rest",
        "main",
        "GET",
        path,
        baseline=f"{name}_raw",
        expected=expected,
        content_type=REST_CONTENT_TYPE,
    )


def with_raw_twins(reads: list[Case]) -> list[Case]:
    """``reads`` with, before the first read of each baseline, that raw twin."""
    cases: list[Case] = []
    for read in reads:
        if read.baseline not in {c.name for c in cases}:
            raw = f"raw Starlette {read.method} (`{read.baseline}`: same bytes)"
            cases.append(
                Case(
                    read.baseline,
                    raw,
                    read.group,
                    "baseline",
                    read.method,
                    f"/{read.baseline}",
                    read.body,
                    source=read.name,
                    content_type=read.content_type,
                )
            )
        cases.append(read)
    return cases


def catalogue(fixture: Fixture) -> list[Case]:
    """Every case, in the order of the report."""
    schema = json.loads(tool_schema(REVISIONS - 1))
    latest_id = fixture.latest_id
    by_id = {"schema": {"id": latest_id, "schema": schema, "format": "JSON"}}
    by_id_get = "/graphql?" + urlencode(
        {"query": SCHEMA_BY_ID, "variables": json.dumps({"id": latest_id})}
    )
    small, large = SMALL_LISTING, LARGE_LISTING

    def listing(count: int, server: str, note: str) -> Case:
        names = [{"name": n} for n in listing_names(count)]
        label = f'GraphQL `subjects(prefix: "{PREFIX}") {{ name }}`, {count} subjects{note}'
        return _graphql(
            f"subjects_{count}" + ("_uncached" if "uncached" in server else ""),
            label,
            "subjects",
            SUBJECTS,
            {"subjects": names},
            server=server,
            baseline=f"subjects_{count}_raw",
            prefix=PREFIX,
        )

    post = _graphql(
        "graphql_post",
        "GraphQL POST `schema(id)`",
        "schema_id",
        SCHEMA_BY_ID,
        by_id,
        baseline="baseline_post",
        id=latest_id,
    )
    return with_raw_twins(
        [
            Case(
                "graphql_get",
                "GraphQL GET `schema(id)` (query string)",
                "schema_id",
                "main",
                "GET",
                by_id_get,
                baseline="baseline",
                expected={"data": by_id},
            ),
            post,
            Case(
                post.name + "_uncached",
                "GraphQL POST `schema(id)`, cache off",
                "schema_id",
                "main_uncached",
                "POST",
                post.path,
                post.body,
                post.baseline,
                expected=post.expected,
            ),
            _graphql(
                "subject_latest",
                "GraphQL `subject(name) { latest { id version schema } }`",
                "subject_latest",
                SUBJECT_LATEST,
                {"subject": {"latest": {"id": latest_id, "version": REVISIONS, "schema": schema}}},
                name=SUBJECT,
            ),
            _graphql(
                "subject_versions",
                "GraphQL `subject(name) { versions }`",
                "subject_versions",
                SUBJECT_VERSIONS,
                {"subject": {"versions": list(range(1, REVISIONS + 1))}},
                name=SUBJECT,
            ),
            listing(small, "main", ""),
            listing(small, "main_uncached", ", cache off"),
            listing(large, "large", ""),
            listing(large, "large_uncached", ", cache off"),
            _graphql(
                "config",
                "GraphQL `config { compatibility policy }`",
                "config",
                CONFIG,
                {"config": {"compatibility": "FULL", "policy": "LLM"}},
            ),
            _rest(
                "rest_latest",
                "REST `GET /subjects/{s}/versions/latest`",
                f"/subjects/{SUBJECT}/versions/latest",
                {
                    "subject": SUBJECT,
                    "version": REVISIONS,
                    "id": latest_id,
                    "schema": schema,
                    "schemaType": "JSON",
                },
            ),
            _rest(
                "rest_schema",
                "REST `GET /schemas/ids/{id}`",
                f"/schemas/ids/{latest_id}",
                {"schema": schema, "schemaType": "JSON"},
            ),
        ]
    )
