"""``python -m load.bench_validate`` keeps working: its quick form starts the registry and
its raw twin, checks that both find the same errors in the invalid payload, loads every
case and reports each."""

from __future__ import annotations

import subprocess
import sys

from load.bench_validate import CASES
from tests.support.server import ROOT


def test_the_quick_run_loads_every_case_and_reports_it() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "load.bench_validate", "--quick", "--load-generator", "python"],
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
        if line.startswith("| ") and not line.startswith("| case")
    }
    assert sorted(rows) == sorted(CASES.values()), completed.stdout
    for label, row in rows.items():
        assert float(row[1].replace(",", "")) > 0, (label, row)
    assert rows[CASES["baseline"]][4] == "1.00"
    assert "validatePayload of a 10" in completed.stdout  # a payload of about 1 KB
