"""GraphiQL served entirely from this package, so the IDE works offline and behind proxies.

Strawberry's page loads React, GraphiQL and the explorer plugin from a public CDN. The
page here (``static/graphiql.html``) is the same page with each of those files replaced
by a copy vendored under ``static/graphiql/<name>@<version>/``; the versions and the
integrity of each file are recorded once, in ``static/graphiql.json``
(``scripts/vendor_graphiql.py`` refreshes both).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path

from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).parent / "static"
ASSETS = STATIC / "graphiql"
ASSETS_PATH = "/graphiql/static"
# Every URL carries the package's version, so a file under a URL never changes.
IMMUTABLE = "public, max-age=31536000, immutable"

# src="asset:react/umd/react.production.min.js", href="asset:@graphiql/plugin-explorer/…"
_ASSET_REFERENCE = re.compile(r'(src|href)="asset:((?:@[^/"]+/)?[^/"]+)/([^"]+)"')


def render_page() -> str:
    """The GraphiQL page, each ``asset:NAME/PATH`` replaced by the vendored file's URL and
    its ``integrity``. The URLs are relative to the page (``/graphql``), so the page also
    works where a proxy serves the registry under a path prefix."""
    packages = json.loads((STATIC / "graphiql.json").read_text(encoding="utf-8"))["packages"]

    def local(match: re.Match[str]) -> str:
        attribute, name, path = match.groups()
        package = packages[name]
        url = f"{ASSETS_PATH.lstrip('/')}/{name}@{package['version']}/{path}"
        return f'{attribute}="{url}" integrity="{package["files"][path]}"'

    return _ASSET_REFERENCE.sub(local, (STATIC / "graphiql.html").read_text(encoding="utf-8"))


class _ImmutableFiles(StaticFiles):
    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = IMMUTABLE
        return response


def asset_routes() -> list[BaseRoute]:
    """The vendored files under ``/graphiql/static/<name>@<version>/<path>``."""
    return [Mount(ASSETS_PATH, app=_ImmutableFiles(directory=ASSETS), name="graphiql-static")]


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def content_security_policy(page: str) -> str:
    """What the page may load: its own files, its inline script by hash (not every inline
    script), inline styles (GraphiQL's editor sets them), and requests and websockets to
    this server only. Nothing from another host, and no framing."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' {hashes}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
