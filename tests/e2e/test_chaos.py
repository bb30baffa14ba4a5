"""A short run of the chaos script (``python -m load.chaos``), so that it keeps working:
one fault of each kind, and nothing acknowledged lost, no event missed or repeated."""

from __future__ import annotations

import subprocess
import sys

from tests.support.server import ROOT


def test_a_short_chaos_run_loses_nothing() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "load.chaos", "--duration", "10", "--outage", "1", "--no-json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = completed.stdout + completed.stderr

    assert completed.returncode == 0, output
    for fault in ("kill -9 replica-a", "SIGKILL redis-server", "pg_ctl stop -m immediate"):
        assert fault in output, output
    for figure in ("lost acknowledged writes 0", "missed events            0"):
        assert figure in output, output
    assert "duplicated events        0" in output, output
    assert output.count(", 0 tracebacks") == 2, output
