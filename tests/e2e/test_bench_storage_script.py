"""``python -m load.bench_storage`` keeps working: its quick form measures the store
calls, a registration against the raw INSERT and both listings, and reports each."""

from __future__ import annotations

import subprocess
import sys

from load.bench_storage import MICRO_OPS
from tests.support.server import ROOT


def test_the_quick_run_measures_every_case_and_reports_it() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "load.bench_storage", "--quick", "--databases", "sqlite"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    cells = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in completed.stdout.splitlines()
        if line.startswith("| ")
    ]
    rows = {row[0]: row for row in cells}
    for op in MICRO_OPS:
        assert float(rows[op][1]) > 0, (op, completed.stdout)
        assert int(rows[op][2]) >= 1, (op, completed.stdout)
    for case in ("raw_insert", "graphql_registration", "listing_20", "listing_200"):
        assert float(rows[case][1]) > 0, (case, completed.stdout)
    assert "registration / raw INSERT:" in completed.stdout
    assert "listing p50 listing_200 / listing_20:" in completed.stdout
