"""API keys for tests against a real server: made and revoked with the command line, on
the database the server uses, as an operator would."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

from tests.support.server import ROOT


@dataclass(frozen=True)
class Key:
    id: str
    secret: str

    @property
    def basic(self) -> str:
        return f"{self.id}:{self.secret}"

    @property
    def bearer(self) -> str:
        return f"Bearer lsr_{self.id}_{self.secret}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": self.bearer}


def cli(database_url: str, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {"REGISTRY_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", **settings}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def create_key(database_url: str, role: str, *subjects: str, name: str = "test") -> Key:
    args = ["keys", "create", "--role", role, "--name", name]
    for pattern in subjects:
        args += ["--subjects", pattern]
    done = cli(database_url, *args)
    assert done.returncode == 0, done.stderr
    fields = dict(line.split(":", 1) for line in done.stdout.splitlines()[:5] if ":" in line)
    return Key(fields["key id"].strip(), fields["secret"].strip())


def revoke_key(database_url: str, key: Key) -> None:
    done = cli(database_url, "keys", "revoke", key.id)
    assert done.returncode == 0, done.stderr
