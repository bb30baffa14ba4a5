"""``python -m load.bench_formats`` keeps working: its quick form checks every format's
evolving and refused candidates against 100 versions and reports each."""

from __future__ import annotations

import subprocess
import sys

from tests.support.server import ROOT


def test_the_quick_run_checks_all_three_formats() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "load.bench_formats", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    rows = [line.split(" | ") for line in completed.stdout.splitlines() if line.startswith("| ")]
    cases = {(row[0].strip("| "), row[1]): int(row[2]) for row in rows[1:]}
    for format in ("JSON", "AVRO", "PROTOBUF"):
        assert cases[(format, "evolving")] == 0, completed.stdout
        # Each of the 100 earlier versions reports the changed field, in both directions.
        assert cases[(format, "refused")] >= 100, completed.stdout
