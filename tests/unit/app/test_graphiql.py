"""The GraphiQL page refers only to files vendored in the package, each with its integrity."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from app.graphiql import ASSETS, ASSETS_PATH, STATIC, content_security_policy, render_page
from app.main import create_app
from app.settings import Settings

PAGE = render_page()
REFERENCES = re.findall(r'(?:src|href)="([^"]*)"(?: integrity="([^"]*)")?', PAGE)
MANIFEST: dict[str, Any] = json.loads((STATIC / "graphiql.json").read_text())["packages"]


def sha384(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def test_the_page_loads_nothing_but_inline_data_and_vendored_files() -> None:
    prefix = ASSETS_PATH.lstrip("/") + "/"

    assert len(REFERENCES) == 8
    assert all(url.startswith(("data:", prefix)) for url, _ in REFERENCES), REFERENCES
    assert '="asset:' not in PAGE
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", PAGE)


@pytest.mark.parametrize(
    ("url", "integrity"), [ref for ref in REFERENCES if not ref[0].startswith("data:")]
)
def test_each_vendored_file_matches_the_integrity_the_page_carries(
    url: str, integrity: str
) -> None:
    path = ASSETS / url.removeprefix(ASSETS_PATH.lstrip("/") + "/")

    assert path.is_file()
    assert integrity == sha384(path.read_bytes())


def test_each_vendored_package_is_a_recorded_version_with_its_license() -> None:
    folders = {str(path.parent.relative_to(ASSETS)) for path in ASSETS.rglob("LICENSE")}

    assert folders == {f"{name}@{entry['version']}" for name, entry in MANIFEST.items()}
    for name, entry in MANIFEST.items():
        for relative, integrity in entry["files"].items():
            file = ASSETS / f"{name}@{entry['version']}" / relative
            assert integrity == sha384(file.read_bytes()), file


@pytest.mark.parametrize(("graphiql", "status"), [(True, 200), (False, 404)])
def test_the_files_are_served_only_while_graphiql_is_on(
    graphiql: bool, status: int, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=SecretStr(f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"),
        graphiql=graphiql,
    )
    version = MANIFEST["js-cookie"]["version"]

    # No lifespan: the files do not need the database.
    response = TestClient(create_app(settings)).get(
        f"{ASSETS_PATH}/js-cookie@{version}/dist/js.cookie.min.js"
    )

    assert response.status_code == status


def test_the_page_policy_allows_only_its_own_files_and_its_inline_script() -> None:
    page = render_page()
    policy = content_security_policy(page)
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))

    assert directives["default-src"] == "'none'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    inline = page.split("<script>", 1)[1].split("</script>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert directives["script-src"] == f"'self' 'sha256-{digest}'"
    assert "http" not in policy
