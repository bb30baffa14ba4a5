"""The running build: package version, and the source commit when it is known."""

from __future__ import annotations

import functools
from importlib import metadata
from pathlib import Path

PACKAGE = "llm-schema-registry"


@functools.cache
def version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "0+unknown"


def commit(given: str = "") -> str:
    """``given`` (``REGISTRY_BUILD_COMMIT``, which images set at build time), else the
    commit of the source checkout the code runs from, else empty."""
    return given.strip() or _source_commit()


@functools.cache
def _source_commit() -> str:
    return _checkout_commit(Path(__file__).resolve().parents[1] / ".git")


def _checkout_commit(git_dir: Path) -> str:
    # Read the files rather than run git: no subprocess at startup, and no git needed.
    try:
        if git_dir.is_file():
            # A linked worktree: ".git" names its own git directory, whose refs live in
            # the main repository's (commondir).
            git_dir = git_dir.parent / git_dir.read_text().strip().removeprefix("gitdir: ")
        common = git_dir
        if (git_dir / "commondir").is_file():
            common = git_dir / (git_dir / "commondir").read_text().strip()
        head = (git_dir / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:40]
        ref = head.removeprefix("ref: ")
        for base in (git_dir, common):
            loose = base / ref
            if loose.is_file():
                return loose.read_text().strip()[:40]
        packed = common / "packed-refs"
        for line in packed.read_text().splitlines() if packed.is_file() else ():
            sha, _, name = line.partition(" ")
            if name == ref:
                return sha[:40]
    except OSError:
        pass
    return ""
