"""GraphiQL in a real browser (Debian's Chromium, headless) with no network but the server.

Every request for another host is aborted and recorded, names other than 127.0.0.1 do not
resolve, and each test ends by asserting that the page asked for nothing elsewhere: the
IDE, its scripts, styles and fonts, queries and the subscription websocket all come from
the registry itself.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Route,
    WebSocketRoute,
    async_playwright,
)
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from app.graphiql import STATIC
from tests.e2e.conftest import WAIT, GraphQLHttp, object_schema, unique_subject
from tests.support.server import ServerProcess

# Installed by scripts/browser.sh (`make browser`, a prerequisite of `make test`).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No name resolves, so nothing outside can be reached even if a request slipped past
    # the interception below; the server is addressed as 127.0.0.1.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
WAIT_MS = WAIT * 1000
V1 = object_schema({"city": "string"}, ["city"])
V2 = object_schema({"city": "string", "unit": "string"}, ["city"])

REGISTER = """mutation {
  registerSchema(subject: "%s", schema: %s) { subject version isNewVersion }
}"""
READ_BACK = """{
  subject(name: "%s") { name versions latest { version schema } }
}"""
SUBSCRIBE = """subscription {
  schemaChanges(subject: "%s") { kind subject version schema }
}"""

# GraphiQL 3 edits with CodeMirror 5, whose instance hangs off its wrapper element.
SET_QUERY = """(text) => {
  document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(text);
}"""
EDIT_PARSED = """(text) => new URLSearchParams(location.search).get('q') === text"""
RESULT = """() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"""


def vendored_version(package: str) -> str:
    manifest = json.loads((STATIC / "graphiql.json").read_text())
    return str(manifest["packages"][package]["version"])


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing; `make browser` (scripts/browser.sh) installs it",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture(scope="module")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


class GraphiQLPage:
    """One page on the server's /graphql, with a record of everything it asked for."""

    def __init__(self, page: Page, server: ServerProcess) -> None:
        self.page = page
        self.origin = urlsplit(server.url).netloc
        self.outside: list[str] = []
        self.requested: list[str] = []
        self.failures: list[str] = []
        self.errors: list[str] = []
        self.websockets: list[str] = []

    def is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("data", "blob", "about") or (
            parts.scheme in ("http", "ws") and parts.netloc == self.origin
        )

    async def abort(self, route: Route) -> None:
        self.outside.append(route.request.url)
        await route.abort("blockedbyclient")

    async def refuse(self, websocket: WebSocketRoute) -> None:
        self.outside.append(websocket.url)
        await websocket.close()

    def on_request(self, request: Request) -> None:
        self.requested.append(request.url)

    def on_request_failed(self, request: Request) -> None:
        if self.is_local(request.url):
            self.failures.append(f"{request.url}: {request.failure}")

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    async def open(self, url: str) -> None:
        response = await self.page.goto(url, wait_until="load")
        assert response is not None
        assert response.status == 200
        try:
            await self.page.wait_for_selector(".graphiql-execute-button", timeout=WAIT_MS)
        except PlaywrightTimeoutError:
            raise AssertionError(
                f"GraphiQL did not appear; outside requests: {self.outside}, "
                f"failed: {self.failures}, console errors: {self.errors}"
            ) from None
        await self.page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=WAIT_MS)

    async def run(self, query: str) -> None:
        await self.page.evaluate(SET_QUERY, query)
        # GraphiQL parses an edit after a short debounce, and only then knows that the
        # document is a subscription (to be sent over the websocket); the page's own
        # handler of that parsed edit writes the query into the address bar.
        await self.page.wait_for_function(EDIT_PARSED, arg=query, timeout=WAIT_MS)
        await self.page.click(".graphiql-execute-button")

    async def result_containing(self, text: str) -> dict[str, Any]:
        """The result pane once it shows ``text``, parsed."""
        await self.page.wait_for_function(
            f"(text) => ({RESULT})().includes(text)", arg=text, timeout=WAIT_MS
        )
        shown: dict[str, Any] = json.loads(await self.page.evaluate(RESULT))
        return shown

    def assert_stayed_on_the_server(self) -> None:
        assert self.outside == [], f"requests outside the server: {self.outside}"
        assert self.failures == [], f"local requests failed: {self.failures}"
        assert self.errors == [], f"console errors: {self.errors}"
        assert any("/graphiql/static/graphiql@" in url for url in self.requested), self.requested


@pytest.fixture
async def graphiql(browser: Browser, module_server: ServerProcess) -> AsyncIterator[GraphiQLPage]:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    ide = GraphiQLPage(page, module_server)
    await context.route(lambda url: not ide.is_local(url), ide.abort)
    await context.route_web_socket(lambda url: not ide.is_local(url), ide.refuse)
    context.on("request", ide.on_request)
    context.on("requestfailed", ide.on_request_failed)
    page.on("console", ide.on_console)
    page.on("pageerror", lambda error: ide.errors.append(str(error)))
    page.on("websocket", lambda websocket: ide.websockets.append(websocket.url))
    try:
        yield ide
    finally:
        await context.close()


async def test_graphiql_registers_a_schema_and_reads_it_back(
    graphiql: GraphiQLPage, module_server: ServerProcess, tmp_path: Path
) -> None:
    subject = unique_subject("tools.ide")

    await graphiql.open(module_server.graphql_url)
    await graphiql.run(REGISTER % (subject, json.dumps(V1)))
    registered = await graphiql.result_containing(subject)
    await graphiql.run(READ_BACK % subject)
    read = await graphiql.result_containing('"versions"')
    await graphiql.page.screenshot(path=tmp_path / "graphiql-query.png")

    assert registered == {
        "data": {"registerSchema": {"subject": subject, "version": 1, "isNewVersion": True}}
    }
    latest = read["data"]["subject"].pop("latest")
    assert read == {"data": {"subject": {"name": subject, "versions": [1]}}}
    assert latest["version"] == 1
    assert json.loads(latest["schema"]) == json.loads(V1)
    graphiql.assert_stayed_on_the_server()


async def test_graphiql_shows_a_subscription_event_as_it_arrives(
    graphiql: GraphiQLPage,
    module_server: ServerProcess,
    gql_http: GraphQLHttp,
    tmp_path: Path,
) -> None:
    subject = unique_subject("tools.ide")
    await gql_http.register(subject, V1)

    await graphiql.open(module_server.graphql_url)
    await graphiql.run(SUBSCRIBE % subject)
    await gql_http.wait_for_subscribers(1)
    await gql_http.register(subject, V2)
    shown = await graphiql.result_containing('"version": 2')
    await graphiql.page.screenshot(path=tmp_path / "graphiql-subscription.png")
    await graphiql.page.click(".graphiql-execute-button")  # stops the subscription
    await gql_http.wait_for_subscribers(0)

    event = shown["data"]["schemaChanges"]
    assert json.loads(event.pop("schema")) == json.loads(V2)
    assert event == {"kind": "REGISTERED", "subject": subject, "version": 2}
    assert graphiql.websockets == [module_server.ws_url]
    graphiql.assert_stayed_on_the_server()


async def test_graphiql_files_are_served_with_their_version_and_a_long_lived_cache(
    module_server: ServerProcess,
) -> None:
    script_path = f"graphiql/static/graphiql@{vendored_version('graphiql')}/graphiql.min.js"
    async with httpx.AsyncClient(base_url=module_server.url, timeout=WAIT) as http:
        page = await http.get("/graphql", headers={"accept": "text/html"})
        script = await http.get(f"/{script_path}")
        other_version = await http.get("/graphiql/static/graphiql@0.0.1/graphiql.min.js")

    assert page.status_code == 200
    assert f'src="{script_path}"' in page.text
    assert "https://" not in page.text
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert other_version.status_code == 404
