"""docs/providers.md lists every rule of every profile, with its source."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.providers import PROFILES, Confirmation, Rule

DOC = (Path(__file__).resolve().parents[3] / "docs" / "providers.md").read_text()
RULES = [rule for profile in PROFILES.values() for rule in profile.rules]


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_each_rule_is_documented_with_its_source(rule: Rule) -> None:
    (line,) = [line for line in DOC.splitlines() if line.startswith(f"| `{rule.id}` |")]
    assert rule.severity.value in line
    assert rule.source.confirmation.value in line
    assert rule.source.url in line


def test_rule_ids_are_unique_and_carry_their_provider() -> None:
    assert len({rule.id for rule in RULES}) == len(RULES)
    for provider, profile in PROFILES.items():
        assert all(rule.id.startswith(f"{provider.value}_") for rule in profile.rules)


def test_every_source_has_a_read_date_and_a_page_or_says_it_is_the_linter() -> None:
    for rule in RULES:
        assert rule.source.read_on == "2026-12-03"
        assert rule.source.url.startswith("https://") or (
            rule.source.confirmation is Confirmation.PRIMARY and "linter" in rule.source.note
        )
