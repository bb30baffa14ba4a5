"""deploy/Dockerfile and its .dockerignore, read with BuildKit's parser and Docker's rules.

No Docker engine runs here; tests/e2e/test_package.py builds the same wheel from the same
build context and serves it.
"""

from __future__ import annotations

import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.support.docker_build import (
    DOCKERFILE,
    ROOT,
    Stage,
    app_serves,
    flag_values,
    is_ignored,
    parse_stages,
    probed_urls,
)

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_stages()


@pytest.fixture(scope="module")
def final(stages: list[Stage]) -> Stage:
    return stages[-1]


def _shell_words(instruction: Any) -> list[str]:
    """The words of an instruction: exec form as written, shell form split as sh would."""
    value: tuple[str, ...] = instruction.value
    return list(value) if instruction.json else shlex.split(" ".join(value))


def test_the_image_is_built_in_two_stages_on_one_base(stages: list[Stage]) -> None:
    assert len(stages) == 2
    wheel, final = stages
    assert wheel.name is not None
    # The wheel is pure Python, but building it with the image's own Python keeps one
    # interpreter version in play.
    assert wheel.base == final.base


def test_the_first_stage_builds_the_wheel_from_the_whole_context(stages: list[Stage]) -> None:
    wheel = stages[0]
    copies = [_shell_words(each) for each in wheel.named("COPY")]
    assert [".", "."] in copies, "the package build must see the context, not chosen folders"
    builds = [_shell_words(each) for each in wheel.named("RUN")]
    assert any(
        (words[:2] == ["pip", "wheel"] and "--no-deps" in words)
        or words[:4] == ["python", "-m", "build", "--wheel"]
        for words in builds
    ), builds


def test_the_image_installs_only_the_wheel(stages: list[Stage], final: Stage) -> None:
    wheel_stage = stages[0].name
    for instruction in final.named("COPY") + final.named("ADD"):
        assert flag_values(instruction, "from") == [wheel_stage], instruction.original
    installs = [
        (instruction, _shell_words(instruction))
        for instruction in final.named("RUN")
        if "pip" in _shell_words(instruction)
    ]
    assert len(installs) == 1, [each.original for each, _ in installs]
    instruction, words = installs[0]
    assert words[:2] == ["pip", "install"], instruction.original
    targets = [word for word in words[2:] if not word.startswith("-")]
    assert targets and all(word.endswith(".whl") for word in targets), instruction.original
    mounts = [dict(part.split("=", 1) for part in mount.split(",")) for mount in instruction.flags]
    assert mounts, "the wheel reaches the image through a bind mount of the first stage"
    for mount in mounts:
        assert mount.get("from") == wheel_stage, instruction.original
        assert all(target.startswith(mount["target"].rstrip("/") + "/") for target in targets)


def test_the_image_runs_as_an_unprivileged_user(final: Stage) -> None:
    user = final.last("USER").value[0]
    assert user.split(":")[0] not in ("root", "0")
    created = [
        words
        for words in (_shell_words(each) for each in final.named("RUN"))
        if words[:1] == ["useradd"]
    ]
    assert created and created[0][-1] == user
    assert final.instructions.index(final.last("USER")) < final.instructions.index(
        final.last("CMD")
    )


def test_the_image_serves_the_console_script_on_its_exposed_port(final: Stage) -> None:
    command = list(final.last("CMD").value)
    assert final.last("CMD").json, "exec form, so SIGTERM reaches the server"
    assert command[0] in PROJECT["scripts"]
    assert PROJECT["scripts"][command[0]] == "app.cli:main"
    assert command[1] == "serve"
    assert command[command.index("--host") + 1] == "0.0.0.0"
    port = command[command.index("--port") + 1]
    assert list(final.last("EXPOSE").value) == [port]


def test_the_healthcheck_probes_a_route_the_app_serves(final: Stage) -> None:
    healthcheck = final.last("HEALTHCHECK")
    assert healthcheck.value[0] == "CMD"
    (url,) = probed_urls(healthcheck.value[1:])
    assert url.hostname == "127.0.0.1"
    assert str(url.port) == final.last("EXPOSE").value[0]
    assert app_serves(url.path), url.path


# What must never reach the build (local state, secrets, stale build output) and what the
# package build needs.
IGNORED = [
    ".git/HEAD",
    ".venv/bin/python",
    ".services/postgres/PG_VERSION",
    ".mypy_cache/3.11/app/main.meta.json",
    "app/__pycache__/main.cpython-311.pyc",
    "storage/migrations/versions/__pycache__/0001_initial.cpython-311.pyc",
    "build/lib/app/main.py",
    "dist/llm_schema_registry-0.1.0-py3-none-any.whl",
    "llm_schema_registry.egg-info/SOURCES.txt",
    "registry.db",
    "registry.db-wal",
    "load/results/reads.json",
]
KEPT = [
    "pyproject.toml",
    "README.md",
    "app/main.py",
    "rest/openapi.yaml",
    "storage/migrations/script.py.mako",
    "storage/migrations/versions/0001_initial.py",
]


@pytest.mark.parametrize("path", IGNORED)
def test_the_dockerignore_keeps_local_state_out_of_the_build(path: str) -> None:
    assert is_ignored(path)


@pytest.mark.parametrize("path", KEPT)
def test_the_dockerignore_lets_the_package_sources_through(path: str) -> None:
    assert not is_ignored(path)
    assert (ROOT / path).is_file()


def test_the_dockerignore_sits_where_buildkit_looks_for_it() -> None:
    assert Path(f"{DOCKERFILE}.dockerignore").is_file()
    assert not (ROOT / ".dockerignore").exists(), "one ignore file, beside the Dockerfile"
