"""deploy/nginx.conf, read by crossplane (NGINX's configuration parser).

Debian's nginx (1.22) cannot check this file with ``nginx -t``: the ``resolve`` parameter
of upstream servers arrived in open-source nginx 1.27.3. crossplane checks the syntax,
each directive's context and argument count; the tests below check what the setup needs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.settings import Settings
from tests.support.nginx_conf import (
    NGINX_CONF,
    Block,
    directives,
    errors,
    http_block,
    parse,
    upstreams,
    walk,
)

# Docker's embedded DNS server, on every user-defined network (Compose makes one).
DOCKER_DNS = "127.0.0.11"
SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}


@pytest.fixture(scope="module")
def http() -> Block:
    assert errors() == []
    return http_block()


def seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)(ms|s|m|h)?", value)
    assert match, value
    return int(match.group(1)) * SECONDS[match.group(2) or "s"]


def test_crossplane_parses_the_config_without_errors() -> None:
    assert parse(NGINX_CONF)["status"] == "ok"
    assert errors(NGINX_CONF) == []


@pytest.mark.parametrize(
    ("broken", "error"),
    [
        ("resolvr 127.0.0.11;", 'unknown directive "resolvr"'),
        ("zone;", 'invalid number of arguments in "zone"'),
        ("server registry-1:8000 resolve", 'directive "server" is not terminated by ";"'),
        ("proxy_pass http://registry;", '"proxy_pass" directive is not allowed here'),
    ],
)
def test_the_checks_reject_what_nginx_would_reject(tmp_path: Path, broken: str, error: str) -> None:
    config = tmp_path / "nginx.conf"
    config.write_text(f"events {{}}\nhttp {{\n upstream u {{\n  {broken}\n }}\n}}\n")
    found = errors(config)
    assert any(error in each for each in found), found


def test_a_resolver_points_at_dockers_dns_and_revalidates_often(http: Block) -> None:
    (resolver,) = directives(http, "resolver")
    addresses = [arg for arg in resolver["args"] if "=" not in arg]
    options = dict(arg.split("=", 1) for arg in resolver["args"] if "=" in arg)
    assert addresses == [DOCKER_DNS]
    # Docker answers with a long TTL; `valid` bounds how long the address of a replica
    # whose container was recreated is kept.
    assert seconds(options["valid"]) <= 30


def test_every_upstream_resolves_its_servers_in_a_shared_zone(http: Block) -> None:
    assert upstreams(http)
    for name, block in upstreams(http).items():
        assert directives(block, "zone"), f"upstream {name}: `resolve` needs a zone"
        servers = directives(block, "server")
        assert servers, name
        for server in servers:
            assert "resolve" in server["args"][1:], f"upstream {name}: {server['args']}"


def test_every_proxy_pass_targets_a_defined_upstream(http: Block) -> None:
    targets = [each["args"][0] for each in walk(http) if each["directive"] == "proxy_pass"]
    assert targets
    assert {target.removeprefix("http://") for target in targets} <= set(upstreams(http))


def test_graphql_passes_websocket_upgrades_through(http: Block) -> None:
    (server,) = directives(http, "server")
    (location,) = [
        each for each in directives(server["block"], "location") if each["args"] == ["/graphql"]
    ]
    assert directives(location["block"], "proxy_http_version")[0]["args"] == ["1.1"]
    headers = {
        each["args"][0].lower(): each["args"][1]
        for each in directives(location["block"], "proxy_set_header")
    }
    assert headers["upgrade"] == "$http_upgrade"
    assert headers["connection"] == "$connection_upgrade"
    (upgrade_map,) = [
        each
        for each in directives(http, "map")
        if each["args"] == ["$http_upgrade", "$connection_upgrade"]
    ]
    entries = {each["directive"]: each["args"] for each in upgrade_map["block"]}
    assert entries["default"] == ["upgrade"]
    # Subscriptions idle between events: the read timeout must outlast the server's pings.
    read_timeout = seconds(directives(location["block"], "proxy_read_timeout")[0]["args"][0])
    assert read_timeout > 2 * Settings.model_fields["websocket_ping_interval"].default
