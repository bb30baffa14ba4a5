"""A short run of the chaos script (``python -m load.chaos``), so that it keeps working:
one fault of each kind, and nothing acknowledged lost, no event missed or repeated, no
server error but the designed 503s, every hostile request answered as expected."""

from __future__ import annotations

import subprocess
import sys

from tests.support.server import ROOT


def test_a_short_chaos_run_loses_nothing() -> None:
    completed = subprocess.run(
        # Read stalls are judged by the full run; on a test machine only that reads and
        # everything else pass.
        [
            sys.executable,
            "-m",
            "load.chaos",
            *("--duration", "10", "--outage", "1", "--max-stall-ms", "5000", "--no-json"),
        ],
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
    assert "other server errors    0" in output, output
    assert "answered otherwise than expected: 0" in output, output
    assert "designed 503" in output and "largest read stall" in output, output
    assert output.count(", 0 tracebacks") == 2, output
