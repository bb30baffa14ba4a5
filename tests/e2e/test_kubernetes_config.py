"""The Kubernetes manifests' configuration, run for real on PostgreSQL and Redis: the
migrate Job's command, then two replicas with exactly the ConfigMap's settings and the
Secret's URLs (the address and port the test needs aside); the first admin key created
as README says; then authenticated traffic and a SIGTERM drain."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import yaml

from tests.support.server import ROOT, ServerProcess

DIRECTORY = ROOT / "deploy" / "kubernetes"


def manifest(name: str) -> dict[str, object]:
    document = yaml.safe_load((DIRECTORY / name).read_text())
    assert isinstance(document, dict)
    return document


def command_of(name: str) -> list[str]:
    spec = manifest(name)["spec"]
    assert isinstance(spec, dict)
    (container,) = spec["template"]["spec"]["containers"]
    command = container["command"]
    assert command[0] == "llm-schema-registry"
    return [sys.executable, "-m", "app.cli", *command[1:]]


def test_the_manifests_configuration_serves_two_replicas(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    data = manifest("configmap.yaml")["data"]
    assert isinstance(data, dict)
    secret = {"REGISTRY_DATABASE_URL": postgres_url, "REGISTRY_BROADCAST_URL": redis_url}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    environment = {**clean, **data, **secret}

    job = subprocess.run(
        command_of("migrate-job.yaml"),
        cwd=ROOT,
        env={**clean, "REGISTRY_DATABASE_URL": postgres_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert job.returncode == 0, job.stdout + job.stderr
    created = subprocess.run(
        [sys.executable, "-m", "app.cli", "keys", "create", "--role", "admin", "--name", "ops"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    token = re.search(r"Bearer (lsr_\S+)", created.stdout)
    assert token, created.stdout
    bearer = {"Authorization": f"Bearer {token.group(1)}"}

    assert command_of("deployment.yaml")[3:] == ["serve"]
    replicas = [ServerProcess({}, log_path=tmp_path / f"r{i}.log") for i in range(2)]
    for replica in replicas:
        # The pod's environment only: the ConfigMap, the Secret; a port of its own.
        replica.env = {**environment, "REGISTRY_PORT": str(replica.port)}
        replica.env["REGISTRY_HOST"] = "127.0.0.1"
        replica.start(timeout=60)
    try:
        ready = [httpx.get(f"{r.url}/readyz", timeout=5).json() for r in replicas]
        refused = httpx.post(
            replicas[0].graphql_url, json={"query": "{ subjects { name } }"}, timeout=5
        )
        registered = httpx.post(
            replicas[0].graphql_url,
            json={"query": 'mutation { registerSchema(subject: "k8s.tool", schema: "{}") { id } }'},
            headers=bearer,
            timeout=10,
        ).json()
        seen = httpx.post(
            replicas[1].graphql_url,
            json={"query": '{ subject(name: "k8s.tool") { latest { id } } }'},
            headers=bearer,
            timeout=10,
        ).json()
    finally:
        codes = [r.stop(timeout=30) for r in replicas]

    assert [r["status"] for r in ready] == ["ok", "ok"], ready
    assert [r["broadcast"] for r in ready] == ["up", "up"], ready
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", refused.text
    assert registered == {"data": {"registerSchema": {"id": 1}}}, registered
    assert seen == {"data": {"subject": {"latest": {"id": 1}}}}, seen
    assert codes == [0, 0], [(tmp_path / f"r{i}.log").read_text() for i in range(2)]
