"""``python -m load.bench_client_latency`` keeps working: its quick form starts a registry,
the bare subscriber and the client in processes of their own, and reports both with
nothing missed or repeated."""

from __future__ import annotations

import subprocess
import sys

from tests.support.server import ROOT


def test_the_quick_run_reports_the_client_against_the_bare_subscriber() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "load.bench_client_latency", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    rows = {
        line.split(" | ")[0].strip("| "): line.split(" | ")
        for line in completed.stdout.splitlines()
        if line.startswith("| ") and not line.startswith("| receiver")
    }
    baseline = rows["bare graphql-transport-ws subscriber (baseline)"]
    client = rows["client on_change"]
    for row in (baseline, client):
        assert float(row[1]) > 0, row  # p50 ms
        assert [cell.strip("| ") for cell in row[4:6]] == ["0", "0"], row  # missed, repeated
    assert "client - baseline, per registration" in rows
    assert "JSON: " in completed.stdout
