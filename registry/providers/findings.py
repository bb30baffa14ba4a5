"""Findings from rules: the one place a rule of a profile becomes a ``LintFinding``."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import re2

from registry.providers.model import Check, LintFinding, ProviderProfile, Rule


def find(
    profile: ProviderProfile,
    check: Check,
    pointer: str,
    say: Callable[[Rule], str],
    applies: Callable[[Rule], bool] | None = None,
) -> Iterable[LintFinding]:
    for rule in profile.rules_for(check):
        if applies is None or applies(rule):
            yield LintFinding(rule.id, pointer, say(rule), rule.severity)


def says(sentence: str) -> Callable[[Rule], str]:
    return lambda rule: f"{sentence} {rule.summary}"


def over(count: int) -> Callable[[Rule], bool]:
    return lambda rule: rule.limit is not None and count > rule.limit


def mismatches(text: str) -> Callable[[Rule], bool]:
    return lambda rule: rule.pattern is not None and re2.fullmatch(rule.pattern, text) is None
