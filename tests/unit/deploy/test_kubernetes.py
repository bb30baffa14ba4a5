"""deploy/kubernetes, checked as the Kubernetes API server would check each object (its
OpenAPI schemas, strict: an unknown field is an error), and against the registry itself:
every setting it sets exists, the probes' paths are served, the migrate Job runs a real
command, the selectors meet the pods they mean, and the timings fit together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from app.cli import _parser
from app.main import create_app
from app.settings import Settings
from tests.support.server import ROOT

DIRECTORY = ROOT / "deploy" / "kubernetes"
# The oldest release the manifests are written for (the preStop `sleep` action).
KUBERNETES = "1.30.0"
NEWEST = kubernetes_validate.latest_version()
MANIFESTS = sorted(p for p in DIRECTORY.glob("*.yaml") if p.name != "kustomization.yaml")


def load(path: Path) -> dict[str, Any]:
    documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert len(documents) == 1, f"{path.name}: one object per file"
    document = documents[0]
    assert isinstance(document, dict)
    return document


def objects() -> dict[str, dict[str, Any]]:
    return {load(p)["kind"]: load(p) for p in MANIFESTS}


def container(kind: str) -> dict[str, Any]:
    (only,) = objects()[kind]["spec"]["template"]["spec"]["containers"]
    assert isinstance(only, dict)
    return only


@pytest.mark.parametrize("version", [KUBERNETES, NEWEST])
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_each_manifest_is_a_valid_object_of_its_kind(path: Path, version: str) -> None:
    kubernetes_validate.validate(load(path), version, strict=True)


def test_a_misspelled_field_is_caught_by_the_same_check() -> None:
    deployment = load(DIRECTORY / "deployment.yaml")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES, strict=True)


def test_the_kustomization_lists_every_manifest_once() -> None:
    kustomization = yaml.safe_load((DIRECTORY / "kustomization.yaml").read_text())
    assert kustomization["kind"] == "Kustomization"
    assert sorted(kustomization["resources"]) == [p.name for p in MANIFESTS]
    assert {i["name"] for i in kustomization["images"]} == {container("Deployment")["image"]}
    assert container("Job")["image"] == container("Deployment")["image"]


def test_the_kinds_an_operator_needs_are_there() -> None:
    assert set(objects()) == {
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "Job",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
    }


def test_every_setting_the_manifests_set_is_a_registry_setting() -> None:
    known = {f"REGISTRY_{name.upper()}" for name in Settings.model_fields}
    config = objects()["ConfigMap"]["data"]
    named = set(config)
    for kind in ("Deployment", "Job"):
        named |= {e["name"] for e in container(kind).get("env", [])}
    assert named - known == set()
    # And their values are accepted as the registry reads them.
    Settings.model_validate({k.removeprefix("REGISTRY_").lower(): v for k, v in config.items()})


def test_secrets_come_from_the_secret_and_never_from_the_config_map() -> None:
    config = objects()["ConfigMap"]["data"]
    assert not {"REGISTRY_DATABASE_URL", "REGISTRY_BROADCAST_URL"} & set(config)
    for kind in ("Deployment", "Job"):
        env = {e["name"]: e for e in container(kind)["env"]}
        assert env["REGISTRY_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == "database-url"
    deployment_env = {e["name"]: e for e in container("Deployment")["env"]}
    assert deployment_env["REGISTRY_BROADCAST_URL"]["valueFrom"]["secretKeyRef"]["name"] == (
        "llm-schema-registry"
    )


def test_the_job_migrates_and_the_replicas_wait_for_it() -> None:
    command = container("Job")["command"]
    assert command[0] == "llm-schema-registry"
    assert _parser().parse_args(command[1:]).command == "migrate"
    assert _parser().parse_args(container("Deployment")["command"][1:]).command == "serve"
    assert objects()["ConfigMap"]["data"]["REGISTRY_MIGRATE_ON_START"] == "false"


def test_the_probes_ask_paths_the_registry_serves() -> None:
    served = {getattr(route, "path", None) for route in create_app(Settings()).routes}
    registry = container("Deployment")
    port_names = {p["name"]: p["containerPort"] for p in registry["ports"]}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        check = registry[probe]["httpGet"]
        assert check["path"] in served, probe
        assert check["port"] in port_names, probe
    assert registry["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert str(port_names["http"]) == objects()["ConfigMap"]["data"]["REGISTRY_PORT"]


def test_timings_fit_together() -> None:
    """The drain ends before the kubelet kills the pod, and a replica waiting for the
    migrate Job is not restarted by its startup probe meanwhile."""
    config = objects()["ConfigMap"]["data"]
    spec = objects()["Deployment"]["spec"]["template"]["spec"]
    registry = container("Deployment")
    pre_stop = registry["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert (
        pre_stop + int(config["REGISTRY_SHUTDOWN_TIMEOUT"]) < spec["terminationGracePeriodSeconds"]
    )
    startup = registry["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] > float(
        config["REGISTRY_MIGRATION_WAIT"]
    )


def test_selectors_meet_the_pods_they_mean() -> None:
    found = objects()
    pods = found["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert found["Deployment"]["spec"]["selector"]["matchLabels"].items() <= pods.items()
    assert found["Service"]["spec"]["selector"].items() <= pods.items()
    assert found["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"].items() <= pods.items()
    job_pods = found["Job"]["spec"]["template"]["metadata"]["labels"]
    assert not found["Service"]["spec"]["selector"].items() <= job_pods.items()
    target = found["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == (
        "Deployment",
        found["Deployment"]["metadata"]["name"],
    )
    assert (
        found["HorizontalPodAutoscaler"]["spec"]["minReplicas"]
        > found["PodDisruptionBudget"]["spec"]["minAvailable"]
    )


def test_pods_run_as_the_images_user_with_a_read_only_root() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    for kind in ("Deployment", "Job"):
        spec = objects()[kind]["spec"]["template"]["spec"]
        assert f"--uid {spec['securityContext']['runAsUser']} " in dockerfile
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["automountServiceAccountToken"] is False
        hardened = container(kind)["securityContext"]
        assert hardened["readOnlyRootFilesystem"] is True
        assert hardened["allowPrivilegeEscalation"] is False
        assert "memory" in container(kind)["resources"]["limits"]
    # Check workers and protoc need a writable temporary directory.
    mounts = {m["mountPath"] for m in container("Deployment")["volumeMounts"]}
    assert "/tmp" in mounts
