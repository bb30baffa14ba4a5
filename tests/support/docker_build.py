"""The Dockerfile and its build context, read with Docker's own rules (no engine needed).

The Dockerfile goes through BuildKit's parser (the ``dockerfile`` package wraps it);
the ``.dockerignore`` beside it through docker-py's matcher, which follows Docker's
pattern rules (though it compares names case-insensitively, so it may leave out a little
more than Docker). Together they say what a build would see without running one.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

import dockerfile
from docker.utils.build import PatternMatcher, exclude_paths
from pydantic import SecretStr
from starlette.routing import Match

from app.main import create_app
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


@dataclass
class Stage:
    """One ``FROM`` and the instructions up to the next."""

    base: str
    name: str | None
    instructions: list[Any] = field(default_factory=list)

    def named(self, instruction: str) -> list[Any]:
        return [each for each in self.instructions if each.cmd == instruction.upper()]

    def last(self, instruction: str) -> Any:
        found = self.named(instruction)
        assert found, f"stage {self.name or self.base} has no {instruction}"
        return found[-1]


def parse_stages(path: Path = DOCKERFILE) -> list[Stage]:
    stages: list[Stage] = []
    for instruction in dockerfile.parse_file(str(path)):
        if instruction.cmd == "FROM":
            words = list(instruction.value)
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=words[0], name=name))
        else:
            assert stages, f"{path}: {instruction.original} comes before any FROM"
            stages[-1].instructions.append(instruction)
    return stages


def flag_values(instruction: Any, flag: str) -> list[str]:
    """The values of ``--flag=value`` options on an instruction (``--mount``, ``--from``)."""
    prefix = f"--{flag}="
    return [each[len(prefix) :] for each in instruction.flags if each.startswith(prefix)]


def dockerignore_patterns(path: Path = DOCKERFILE) -> list[str]:
    """The patterns of ``<Dockerfile>.dockerignore``, which BuildKit reads for ``-f path``."""
    ignore_file = path.with_name(f"{path.name}.dockerignore")
    lines = (line.strip() for line in ignore_file.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def is_ignored(relative: str, path: Path = DOCKERFILE) -> bool:
    """Whether a build of ``path`` leaves the file at ``relative`` out of its context."""
    # types-docker declares PathLike, but the matcher splits and lowercases a str.
    return PatternMatcher(dockerignore_patterns(path)).matches(relative)  # type: ignore[arg-type]


def build_context(root: Path = ROOT, path: Path = DOCKERFILE) -> set[str]:
    """The files (relative paths) a build of ``path`` with context ``root`` receives."""
    kept = exclude_paths(root, dockerignore_patterns(path), dockerfile=str(path.relative_to(root)))
    return {each for each in kept if (root / each).is_file() and not (root / each).is_symlink()}


def copy_build_context(target: Path, root: Path = ROOT, path: Path = DOCKERFILE) -> Path:
    """A copy of the build context at ``target``, as ``COPY . .`` would lay it out."""
    for relative in sorted(build_context(root, path)):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, destination)
    return target


def probed_urls(command: Sequence[str]) -> list[SplitResult]:
    """The HTTP URLs a healthcheck command line requests."""
    return [urlsplit(url) for word in command for url in re.findall(r"https?://[^\s'\"]+", word)]


def app_serves(path: str) -> bool:
    """Whether the registry app has a GET route for ``path`` (built, never started)."""
    app = create_app(Settings(broadcast_url=SecretStr("memory://"), otel_exporter="none"))
    scope = {"type": "http", "method": "GET", "path": path}
    return any(route.matches(scope)[0] is Match.FULL for route in app.routes)
