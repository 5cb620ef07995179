"""The shipped Prometheus alert rules and Grafana dashboard (deploy/) name
only metrics Roost exports, and are well-formed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]
from prometheus_client.parser import text_string_to_metric_families

from roost.config import Settings
from tests.helpers import ApiClient

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def exported_names(settings: Settings) -> set[str]:
    with ApiClient.start(settings.replace(metrics_token="t")) as client:
        text = client.http.get("/metrics", headers={"Authorization": "Bearer t"}).text
    return {
        family.name + suffix
        for family in text_string_to_metric_families(text)
        if family.name.startswith("roost_")
        for suffix in SUFFIXES.get(family.type, ("",))
    }


def named_metrics(expression: str) -> set[str]:
    return set(re.findall(r"\broost_[a-z_]+\b", expression))


@SQLITE_ONLY
def test_alert_rules_use_exported_metrics(settings: Settings) -> None:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "roost-alerts.yml").read_text())
    exported = exported_names(settings)
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert len(alerts) >= 8
    for alert in alerts:
        assert set(alert) >= {"alert", "expr", "labels", "annotations"}, alert
        assert alert["labels"]["severity"] in ("warning", "critical")
        assert alert["annotations"]["summary"]
        assert named_metrics(alert["expr"]) <= exported, alert["alert"]
    names = {a["alert"] for a in alerts}
    # The checks docs/operations.md gave as SQL, now rules.
    assert {"RoostOutboxBacklog", "RoostParkedJobs", "RoostHomeTimelineSlow"} <= names


@SQLITE_ONLY
def test_dashboard_uses_exported_metrics(settings: Settings) -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "roost-dashboard.json").read_text())
    exported = exported_names(settings)
    expressions = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(expressions) >= 12
    used = set().union(*(named_metrics(e) for e in expressions))
    assert used <= exported, used - exported
    assert {"roost_fanout_deliveries_total", "roost_db_pool_connections_in_use"} <= used


def test_prometheus_config_loads_the_rules() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    assert config["rule_files"] == ["roost-alerts.yml"]
    roost = next(job for job in config["scrape_configs"] if job["job_name"] == "roost")
    assert roost["authorization"]["type"] == "Bearer"
