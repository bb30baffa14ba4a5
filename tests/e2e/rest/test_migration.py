"""Migrating a registry in: export over REST from one instance, import into another in
IMPORT mode, with every id and version preserved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import new_server, sqlite_file_url, start_server, stop_server
from tests.e2e.rest.conftest import json_schema, schema_body


def _titled(title: str, *required: str) -> str:
    document = json.loads(json_schema({"city": "string", "unit": "string"}, list(required)))
    return json.dumps({**document, "title": title})


async def _fill_source(source: httpx.AsyncClient) -> None:
    """Ids with a gap (a purged subject) and one schema shared by two subjects."""
    for subject, text in [
        ("orders-value", _titled("order", "city")),
        ("purged-value", _titled("purged")),
        ("orders-value", _titled("order")),
        ("payments-value", _titled("payment")),
        ("refunds-value", _titled("payment")),
        ("payments-value", _titled("payment-2")),
    ]:
        response = await source.post(f"/subjects/{subject}/versions", json=schema_body(text))
        assert response.status_code == 200, response.text
    for path in ("/subjects/purged-value", "/subjects/purged-value?permanent=true"):
        assert (await source.delete(path)).status_code == 200


async def _export(source: httpx.AsyncClient) -> list[dict[str, Any]]:
    records = []
    for subject in (await source.get("/subjects")).json():
        for version in (await source.get(f"/subjects/{subject}/versions")).json():
            records.append((await source.get(f"/subjects/{subject}/versions/{version}")).json())
    return records


async def _import(
    target: httpx.AsyncClient, records: list[dict[str, Any]], force: bool = False
) -> None:
    path = "/mode?force=true" if force else "/mode"
    assert (await target.put(path, json={"mode": "IMPORT"})).json() == {"mode": "IMPORT"}
    for record in records:
        body = schema_body(record["schema"], id=record["id"], version=record["version"])
        response = await target.post(f"/subjects/{record['subject']}/versions", json=body)
        assert response.json() == {"id": record["id"]}, response.text
    assert (await target.put("/mode", json={"mode": "READWRITE"})).json() == {"mode": "READWRITE"}


async def test_an_export_imported_in_import_mode_keeps_every_id_and_version(
    database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "source").mkdir()
    source_server = await start_server(new_server(sqlite_file_url(tmp_path / "source")))
    target_server = await start_server(new_server(database_url))
    try:
        async with (
            httpx.AsyncClient(base_url=source_server.url, timeout=10) as source,
            httpx.AsyncClient(base_url=target_server.url, timeout=10) as target,
        ):
            await _fill_source(source)
            records = await _export(source)
            await _import(target, records)
            await _import(target, records, force=True)  # repeating an import changes nothing

            assert await _export(target) == records
            assert {r["id"] for r in records} == {1, 3, 4, 5}
            registered = await target.post(
                "/subjects/orders-value/versions", json=schema_body(_titled("order-3"))
            )
            refused = await target.put("/mode", json={"mode": "IMPORT"})
            forced = await target.put("/mode?force=true", json={"mode": "IMPORT"})
    finally:
        await stop_server(source_server)
        await stop_server(target_server)
    assert registered.json() == {"id": 6}
    assert refused.json()["error_code"] == 42205
    assert forced.json() == {"mode": "IMPORT"}


async def test_import_refuses_an_id_that_holds_other_content(tmp_path: Path) -> None:
    server = await start_server(new_server(sqlite_file_url(tmp_path)))
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            await client.put("/mode", json={"mode": "IMPORT"})
            first = await client.post("/subjects/a/versions", json=schema_body(_titled("a"), id=7))
            clash = await client.post("/subjects/b/versions", json=schema_body(_titled("b"), id=7))
            taken = await client.post(
                "/subjects/a/versions", json=schema_body(_titled("c"), id=8, version=1)
            )
    finally:
        await stop_server(server)
    assert first.json() == {"id": 7}
    assert (clash.status_code, clash.json()["error_code"]) == (422, 42205)
    assert (taken.status_code, taken.json()["error_code"]) == (422, 42205)
