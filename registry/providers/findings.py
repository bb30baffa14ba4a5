"""Findings from rules: the one place a rule of a profile becomes a ``LintFinding``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

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
    return lambda rule: rule.pattern is not None and compiled(rule.pattern).fullmatch(text) is None


@functools.lru_cache(maxsize=64)
def compiled(pattern: str) -> Any:
    """A rule's pattern compiled once: ``re2.fullmatch`` looks the pattern up again at
    every call, which was a third of the lint of a schema with many property names."""
    return re2.compile(pattern)
