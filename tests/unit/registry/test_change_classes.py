"""How a change is classified from a STRICT FULL check's findings, and stored findings
read back as they were."""

from __future__ import annotations

import pytest

from registry.compatibility import Direction, Incompatibility, classify, findings_from_records
from registry.model import ChangeClass
from registry.types import Version


def _finding(direction: Direction) -> Incompatibility:
    return Incompatibility("TYPE_CHANGED", "m", "#/a", "#/a", direction, Version(3))


@pytest.mark.parametrize(
    ("directions", "expected"),
    [
        ((), ChangeClass.PATCH),
        ((Direction.FORWARD,), ChangeClass.MINOR),
        ((Direction.BACKWARD,), ChangeClass.MAJOR),
        ((Direction.FORWARD, Direction.BACKWARD), ChangeClass.MAJOR),
    ],
)
def test_the_class_follows_the_directions_that_failed(
    directions: tuple[Direction, ...], expected: ChangeClass
) -> None:
    assert classify([_finding(d) for d in directions]) is expected


def test_stored_findings_read_back_equal() -> None:
    findings = [_finding(Direction.BACKWARD), Incompatibility("X", "y", "#", "#/b")]

    assert findings_from_records([f.as_record() for f in findings]) == tuple(findings)
