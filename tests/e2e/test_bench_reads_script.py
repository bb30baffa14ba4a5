"""``python -m load.bench_reads`` keeps working: its quick form, with registrations during
the run, starts the registries and the raw twin, checks every read's answer, loads every
case and writes each one's figures and the response cache's hits."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from load.reads_cases import Fixture, catalogue
from tests.support.server import ROOT


def test_the_quick_run_checks_loads_and_reports_every_case() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "load.bench_reads",
            "--quick",
            "--load-generator",
            "python",
            "--connections",
            "4",
            "--write-every-ms",
            "500",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr[-3000:]
    match = re.search(r"^JSON: (.+)$", completed.stdout, re.MULTILINE)
    assert match is not None, completed.stdout
    results = json.loads(Path(match.group(1)).read_text())
    cases = {case.name: case for case in catalogue(Fixture((1,)))}
    assert sorted(results["summary"]) == sorted(cases)
    for name, case in cases.items():
        row = results["summary"][name]
        check = results["checks"][name]
        assert row["rps"] > 0, name
        assert check["status"] == 200, (name, check)
        assert check["same_bytes"] is True, (name, check)
        assert check["expected_document"] is True, (name, check)
        if case.is_raw:
            assert row["rps_vs_baseline"] == 1.0, name
            assert "cache_hits_per_request" not in row, name
        elif case.server.endswith("_uncached"):
            assert row["cache_hits_per_request"] == 0, name
    # The cached reads are served from the cache between registrations.
    assert results["summary"]["graphql_post"]["cache_hits_per_request"] > 0
    assert results["summary"]["subject_latest"]["cache_hits_per_request"] > 0
    assert results["summary"]["rest_latest"]["cache_hits_per_request"] > 0
    assert results["churn"]["writes"] > 0
    assert results["churn"]["failures"] == []
