"""docker-compose.yml, read as Docker Compose reads it, against the Compose Specification.

There is no Docker engine here: the file goes through the same steps as compose-go's
loader (tests/support/compose.py), then the checks below tie it to the files and the app
it starts.
"""

from __future__ import annotations

import copy
import re
import shlex
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator

from tests.support.compose import (
    Interpolation,
    InterpolationError,
    compose_schema,
    load_compose,
    schema_errors,
)
from tests.support.docker_build import ROOT, app_serves, parse_stages, probed_urls
from tests.support.nginx_conf import directives, http_block, upstreams

COMPOSE_FILE = ROOT / "docker-compose.yml"
SERVE = ["llm-schema-registry", "serve"]
# nginx's `resolve` parameter on upstream servers, open source since this release.
NGINX_WITH_UPSTREAM_RESOLVE = (1, 27, 3)
GO_DURATION = re.compile(r"[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    # No .env and no variables set: `docker compose up` must work out of the box.
    model, _ = load_compose(COMPOSE_FILE, {})
    return model


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment, whether written as a mapping or as KEY=VALUE lines."""
    value = service.get("environment", {})
    if isinstance(value, list):
        return dict(item.split("=", 1) for item in value)
    return {key: str(item) for key, item in value.items()}


def command_words(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


def effective_command(service: dict[str, Any]) -> list[str]:
    """The service's `command`, else the CMD of the image it builds."""
    if "command" in service:
        return command_words(service["command"])
    build = service["build"]
    dockerfile = ROOT / build.get("context", ".") / build.get("dockerfile", "Dockerfile")
    return list(parse_stages(dockerfile)[-1].last("CMD").value)


def replicas(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in services.items()
        if "build" in service and effective_command(service)[:2] == SERVE
    }


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """Each dependency and its condition (the short list form means service_started)."""
    value = service.get("depends_on", {})
    if isinstance(value, list):
        return dict.fromkeys(value, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in value.items()}


def test_the_vendored_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(compose_schema())


def test_the_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    assert schema_errors(compose) == []


def test_every_variable_has_a_default() -> None:
    _, unset = load_compose(COMPOSE_FILE, {})
    assert unset == set()


def _misspell_depends_on(model: dict[str, Any]) -> None:
    replica = model["services"]["registry-1"]
    replica["dependson"] = replica.pop("depends_on")


def _port_as_mapping(model: dict[str, Any]) -> None:
    model["services"]["nginx"]["ports"] = {"8000": 80}


def _unknown_condition(model: dict[str, Any]) -> None:
    model["services"]["migrate"]["depends_on"]["postgres"]["condition"] = "service_ready"


def _healthcheck_test_as_number(model: dict[str, Any]) -> None:
    model["services"]["redis"]["healthcheck"]["test"] = 1


@pytest.mark.parametrize(
    "break_model",
    [_misspell_depends_on, _port_as_mapping, _unknown_condition, _healthcheck_test_as_number],
)
def test_the_schema_rejects_what_compose_would_reject(
    compose: dict[str, Any], break_model: Callable[[dict[str, Any]], None]
) -> None:
    broken = copy.deepcopy(compose)
    break_model(broken)
    assert schema_errors(broken) != []


@pytest.mark.parametrize(
    ("template", "environ", "expected"),
    [
        ("${PASSWORD:-registry}", {}, "registry"),
        ("${PASSWORD:-registry}", {"PASSWORD": ""}, "registry"),
        ("${PASSWORD-registry}", {"PASSWORD": ""}, ""),
        ("${PASSWORD:-registry}", {"PASSWORD": "s3cret"}, "s3cret"),
        ("a:${USER:-${FALLBACK:-nobody}}@db", {}, "a:nobody@db"),
        ("a:${USER:-${FALLBACK:-nobody}}@db", {"FALLBACK": "x"}, "a:x@db"),
        ("$HOST:${PORT}", {"HOST": "db", "PORT": "5432"}, "db:5432"),
        ("${TLS:+--tls}", {"TLS": "1"}, "--tls"),
        ("${TLS:+--tls}", {}, ""),
        ("${TLS+--tls}", {"TLS": ""}, "--tls"),
        ("$$HOME and $ alone", {}, "$HOME and $ alone"),
    ],
)
def test_interpolation_follows_compose(
    template: str, environ: dict[str, str], expected: str
) -> None:
    assert Interpolation(environ).substitute(template) == expected


@pytest.mark.parametrize(
    ("template", "environ"),
    [("${NAME:?set NAME}", {"NAME": ""}), ("${NAME?set NAME}", {}), ("${NAME", {}), ("${}", {})],
)
def test_interpolation_refuses_what_compose_refuses(template: str, environ: dict[str, str]) -> None:
    with pytest.raises(InterpolationError):
        Interpolation(environ).substitute(template)


def test_interpolation_reports_variables_without_value_or_default() -> None:
    interpolation = Interpolation({})
    assert interpolation.apply({"a": ["${X}", "${Y:-y}"], "b": 5}) == {"a": ["", "y"], "b": 5}
    assert interpolation.unset == {"X"}


def test_every_dependency_is_a_service_that_can_meet_its_condition(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, service in services.items():
        for target, condition in depends_on(service).items():
            assert target in services, f"{name} depends on unknown service {target}"
            assert target != name
            if condition == "service_healthy":
                healthcheck = services[target].get("healthcheck", {})
                assert healthcheck.get("test") and not healthcheck.get("disable"), (name, target)
            if condition == "service_completed_successfully":
                assert services[target].get("restart", "no") == "no", (name, target)


def test_every_build_names_a_dockerfile_that_exists(services: dict[str, dict[str, Any]]) -> None:
    builds = [service["build"] for service in services.values() if "build" in service]
    assert builds
    for build in builds:
        assert (ROOT / build.get("context", ".") / build.get("dockerfile", "Dockerfile")).is_file()


def test_every_bind_mounted_file_exists(services: dict[str, dict[str, Any]]) -> None:
    mounts = [
        volume.split(":")[0]
        for service in services.values()
        for volume in service.get("volumes", [])
        if isinstance(volume, str) and volume.startswith(("./", "../", "/"))
    ]
    assert "./deploy/nginx.conf" in mounts
    for source in mounts:
        assert (ROOT / source).exists(), source


def test_every_named_volume_is_declared(compose: dict[str, Any]) -> None:
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source")
            if source and not source.startswith((".", "/")):
                assert source in compose.get("volumes", {}), source


def test_the_replicas_serve_on_the_postgres_and_redis_of_this_file(
    services: dict[str, dict[str, Any]],
) -> None:
    found = replicas(services)
    assert len(found) >= 2, "two replicas, so a restart of one keeps the registry up"
    postgres = environment(services["postgres"])
    for name, service in found.items():
        env = environment(service)
        database = urlsplit(env["REGISTRY_DATABASE_URL"])
        assert database.scheme == "postgresql+asyncpg", name
        assert database.hostname in services and "postgres" in services[database.hostname]["image"]
        assert (database.username, database.password, database.path) == (
            postgres["POSTGRES_USER"],
            postgres["POSTGRES_PASSWORD"],
            f"/{postgres['POSTGRES_DB']}",
        )
        assert database.port == 5432
        broadcast = urlsplit(env["REGISTRY_BROADCAST_URL"])
        assert broadcast.scheme == "redis", name
        assert broadcast.hostname in services and "redis" in services[broadcast.hostname]["image"]
        assert (broadcast.port or 6379) == 6379


def test_the_schema_is_migrated_once_before_the_replicas_start(
    services: dict[str, dict[str, Any]],
) -> None:
    migrations = [
        name
        for name, service in services.items()
        if "build" in service
        and effective_command(service)[:2] == ["llm-schema-registry", "migrate"]
    ]
    assert len(migrations) == 1
    (migrate,) = migrations
    assert environment(services[migrate]) == environment(next(iter(replicas(services).values())))
    for name, service in replicas(services).items():
        assert depends_on(service).get(migrate) == "service_completed_successfully", name


def test_the_healthchecks_probe_routes_the_app_serves(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, service in replicas(services).items():
        command = effective_command(service)
        port = int(command[command.index("--port") + 1])
        (url,) = probed_urls(command_words(service["healthcheck"]["test"]))
        assert url.hostname == "127.0.0.1" and url.port == port, name
        assert app_serves(url.path), (name, url.path)


def test_healthcheck_durations_are_go_durations(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        healthcheck = service.get("healthcheck", {})
        for key in ("interval", "timeout", "start_period", "start_interval"):
            if key in healthcheck:
                assert GO_DURATION.fullmatch(str(healthcheck[key])), (name, key)


def test_nginx_balances_exactly_the_replicas(services: dict[str, dict[str, Any]]) -> None:
    http = http_block()
    servers = [
        server["args"][0]
        for block in upstreams(http).values()
        for server in directives(block, "server")
    ]
    expected = set()
    for name, service in replicas(services).items():
        command = effective_command(service)
        expected.add(f"{name}:{command[command.index('--port') + 1]}")
    assert set(servers) == expected
    nginx = services["nginx"]
    for replica in replicas(services):
        assert depends_on(nginx).get(replica) == "service_healthy", replica
    (server,) = directives(http, "server")
    (listen,) = directives(server["block"], "listen")
    assert [port.split(":")[-1] for port in nginx["ports"]] == listen["args"][:1]
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]


def test_the_nginx_image_resolves_upstream_servers_again(
    services: dict[str, dict[str, Any]],
) -> None:
    image = services["nginx"]["image"]
    match = re.fullmatch(r"nginx:(\d+)\.(\d+)(?:\.(\d+))?(?:-[a-z0-9-]+)?", image)
    assert match, f"pin nginx to a version: {image}"
    version = tuple(int(part) for part in match.groups(default="0"))
    assert version >= NGINX_WITH_UPSTREAM_RESOLVE, image
