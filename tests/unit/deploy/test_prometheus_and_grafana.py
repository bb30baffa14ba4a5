"""deploy/prometheus/alerts.yml, its promtool unit tests, deploy/RUNBOOKS.md and the
Grafana dashboard, read as files. That they name only exported metrics is checked against
a running server in tests/e2e/test_metrics_catalogue.py.

promtool comes from Debian's prometheus package (scripts/promtool.sh, run by
``make test``); without it these tests fail."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.metric_names import (
    ALERT_TESTS,
    ALERTS,
    RUNBOOKS,
    alert_rules,
    dashboard,
    dashboard_expressions,
    github_anchors,
)

RUNBOOK_PREFIX = "deploy/RUNBOOKS.md#"


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: run scripts/promtool.sh (make test does)", pytrace=False)
    return found


def run(*command: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=cwd)


def test_the_alert_rules_pass_promtool_check(promtool: str) -> None:
    result = run(promtool, "check", "rules", str(ALERTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout


def test_the_alert_rules_pass_their_promtool_unit_tests(promtool: str) -> None:
    result = run(promtool, "test", "rules", ALERT_TESTS.name, cwd=ALERT_TESTS.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_unit_tests_cover_at_least_two_alerts() -> None:
    document = yaml.safe_load(ALERT_TESTS.read_text())
    tested = {
        case["alertname"]
        for test in document["tests"]
        for case in test.get("alert_rule_test", [])
        if case["exp_alerts"]
    }
    assert len(tested) >= 2
    assert tested <= {rule["alert"] for rule in alert_rules()}


def test_every_alert_links_a_runbook_section_that_exists() -> None:
    anchors = github_anchors(RUNBOOKS.read_text())
    links = {rule["alert"]: rule["annotations"]["runbook_url"] for rule in alert_rules()}
    assert all(link.startswith(RUNBOOK_PREFIX) for link in links.values()), links
    missing = {
        alert: link for alert, link in links.items() if link[len(RUNBOOK_PREFIX) :] not in anchors
    }
    assert missing == {}


def test_each_runbook_section_names_its_alert_and_says_what_to_check_and_do() -> None:
    text = RUNBOOKS.read_text()
    sections = text.split("\n## ")[1:]
    named = {rule["alert"] for rule in alert_rules()}
    assert len(sections) == len(named)
    for section in sections:
        assert "**What it means.**" in section
        assert "**Check.**" in section
        assert "**Act.**" in section
        assert any(f"`{alert}`" in section for alert in named), section.splitlines()[0]


def test_every_alert_has_a_severity_summary_and_description() -> None:
    for rule in alert_rules():
        assert rule["labels"]["severity"] in ("critical", "warning"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert rule["annotations"]["description"], rule["alert"]


def test_the_dashboard_has_a_prometheus_data_source_variable_used_by_every_panel() -> None:
    board = dashboard()
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert board["schemaVersion"] >= 36
    for panel in board["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], panel["title"]
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    "title",
    [
        "Request rate by route",
        "5xx ratio by route",
        "Request latency p50 / p99",
        "GraphQL operations by outcome",
        "Registrations by outcome",
        "Compatibility check p99 by format",
        "Event delivery lag p99",
        "Subscribers",
        "Connections",
        "Broadcast up",
        "Check jobs queued",
        "DB pool in use",
        "Response cache hits",
    ],
)
def test_the_dashboard_has_the_on_call_panels(title: str) -> None:
    assert title in {panel["title"] for panel in dashboard()["panels"]}


def test_every_dashboard_expression_is_valid_promql(promtool: str, tmp_path: Path) -> None:
    """promtool parses each expression as a recording rule, with Grafana's variables
    replaced by values Prometheus would see."""
    rules = [
        {
            "record": f"dashboard:expression_{n}",
            "expr": expression.replace("$__rate_interval", "5m").replace("$job", ".+"),
        }
        for n, expression in enumerate(dashboard_expressions())
        if not expression.startswith("label_values(")
    ]
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = run(promtool, "check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
