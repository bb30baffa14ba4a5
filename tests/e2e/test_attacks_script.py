"""``python -m load.attacks`` keeps working: its quick form runs every attack against a
real replica and passes, and an attack held past its limit, or a request answered later
than its limit, fails the run."""

from __future__ import annotations

import subprocess
import sys

from tests.support.server import ROOT


def run_attacks(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "load.attacks", "--quick", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_quick_run_cuts_every_attack_within_its_limit() -> None:
    # Latency is judged by the full run; on a test machine only that reads succeed.
    completed = run_attacks("--max-p99-ms", "5000")

    assert completed.returncode == 0, completed.stdout + completed.stderr
    rows = {line.split(" | ")[0].strip("| "): line for line in completed.stdout.splitlines()}
    for name in (
        *("slowloris", "trickled-body", "flood", "registrations"),
        *("regex", "fragment-bomb", "body-size"),
    ):
        assert name in rows, completed.stdout
        assert "| ok |" in rows[name], rows[name]
    assert " 408" in rows["slowloris"] and " 408" in rows["trickled-body"]
    assert " 503" in rows["flood"]
    for verdict in ("check PROPERTY_ADDED_TO_OPEN_MODEL", "check PATTERN_CHANGED"):
        assert verdict in rows["regex"], rows["regex"]
    assert "ok 200 INCOMPATIBLE_SCHEMA" in rows["regex"] and "ok 409 409" in rows["regex"]
    assert "ok 200 QUERY_TOO_COMPLEX" in rows["fragment-bomb"]
    for refusal in ("2 413 PAYLOAD_TOO_LARGE", "2 413 413", "1 ws close 1009", "MB peak"):
        assert refusal in rows["body-size"], rows["body-size"]


def test_an_attack_held_past_its_limit_fails_the_run() -> None:
    # A negative slack puts the limit before the server's own timeout.
    completed = run_attacks("--only", "slowloris", "--slack", "-0.5", "--max-p99-ms", "5000")

    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "held past its limit" in completed.stdout


def test_a_request_answered_past_the_answer_limit_fails_the_run() -> None:
    completed = run_attacks(
        "--only", "fragment-bomb", "--answer-limit", "0.000001", "--max-p99-ms", "5000"
    )

    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "held past its limit" in completed.stdout
