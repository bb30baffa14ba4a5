"""Metric families in Prometheus text and the metric names in PromQL, for checking that
the dashboard, the alert rules and the README name only what the registry exports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "llm-schema-registry.json"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
ALERT_TESTS = ROOT / "deploy" / "prometheus" / "alerts.test.yml"
RUNBOOKS = ROOT / "deploy" / "RUNBOOKS.md"
README = ROOT / "README.md"

_PREFIXES = r"(?:registry|process|python)_"
# A metric name in PromQL: followed by a selector, a range, a closing parenthesis,
# whitespace or the end of the expression.
_IN_PROMQL = re.compile(rf"(?<![\w:]){_PREFIXES}[a-zA-Z0-9_]*(?=[{{\[)\s]|$)")
_HISTOGRAM_SERIES = ("_bucket", "_sum", "_count")
_TYPE_LINE = re.compile(r"^# TYPE (\S+) (\S+)$", re.MULTILINE)


def exported_families(exposition: str) -> dict[str, str]:
    """Family name (as PromQL spells it: counters end in ``_total``) -> type. The
    ``<name>_created`` gauges prometheus_client adds beside each counter and histogram
    (their creation time) are left out: they belong to that family."""
    families = dict(_TYPE_LINE.findall(exposition))
    for name, kind in list(families.items()):
        if kind == "gauge" and name.endswith("_created"):
            base = name.removesuffix("_created")
            if families.get(base + "_total") == "counter" or families.get(base) == "histogram":
                del families[name]
    return families


def metric_names(expression: str, families: dict[str, str]) -> set[str]:
    """The registry's metric families an expression reads; a histogram's ``_bucket``,
    ``_sum`` and ``_count`` series count as the histogram."""
    found = set()
    for name in _IN_PROMQL.findall(expression):
        for suffix in _HISTOGRAM_SERIES:
            base = name.removesuffix(suffix)
            if name.endswith(suffix) and families.get(base) == "histogram":
                name = base
                break
        found.add(name)
    return found


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def dashboard_expressions() -> list[str]:
    """Every PromQL expression of the dashboard: its panels' and its variables' queries."""
    board = dashboard()
    expressions = [
        target["expr"] for panel in board["panels"] for target in panel.get("targets", [])
    ]
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]
            expressions.append(query["query"] if isinstance(query, dict) else query)
    return expressions


def alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def readme_metric_names() -> set[str]:
    return set(re.findall(rf"(?<![\w/]){_PREFIXES}[a-z0-9_]*[a-z0-9]", README.read_text()))


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a document's headings: lower case, punctuation dropped,
    spaces as hyphens."""
    anchors = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *$", markdown, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors
