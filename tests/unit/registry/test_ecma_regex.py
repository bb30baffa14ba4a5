"""ECMA-262 patterns in RE2: what is translated (matched as ECMA-262 does), what is refused."""

from __future__ import annotations

import pytest

from registry.formats import ecma_regex
from registry.formats.ecma_regex import (
    NOT_LINEAR,
    TOO_LARGE,
    InvalidPatternError,
    PatternError,
    UnsupportedPatternError,
)

# (pattern, text, whether ECMA-262 with the u flag finds a match: JSON Schema's meaning)
SEMANTICS = [
    # Searched, not anchored.
    ("b", "abc", True),
    ("^b", "abc", False),
    # $ is the end of the input: no match before a final newline (Python's $ would).
    ("^a$", "a", True),
    ("^a$", "a\n", False),
    # \d and \w are ASCII; \b too.
    (r"^\d$", "7", True),
    (r"^\d$", "\u0663", False),  # ARABIC-INDIC DIGIT THREE
    (r"^\w+$", "snake_case9", True),
    (r"^\w$", "é", False),
    (r"\bé", "é", False),
    # \s is ECMA-262's white space and line terminators, \S the rest.
    (r"^\s$", "\u00a0", True),
    (r"^\s$", "\ufeff", True),
    (r"^\s$", "\u2028", True),
    (r"^\s$", "\x0b", True),
    (r"^\s$", "\x1c", False),  # white space to Python, not to ECMA-262
    (r"^\S$", "\ufeff", False),
    (r"^[\s]$", "\u3000", True),
    (r"^[^\s]$", "\u3000", False),
    (r"^[\S\d]$", "x", True),
    (r"^[\S]$", " ", False),
    # . is any character but a line terminator; one code point (u flag).
    (r"^.$", "x", True),
    (r"^.$", "\n", False),
    (r"^.$", "\r", False),
    (r"^.$", "\u2028", False),
    (r"^.$", "\U0001f600", True),
    # [^] is any character, [] none.
    (r"^[^]$", "\n", True),
    (r"a[]", "a", False),
    (r"^[^]*$", "multi\nline", True),
    # Escapes of code points.
    (r"^\u0041$", "A", True),
    (r"^\u{1F600}$", "\U0001f600", True),
    (r"^\uD83D\uDE00$", "\U0001f600", True),
    (r"^\x41\x2d$", "A-", True),
    (r"^\cJ$", "\n", True),
    (r"^\0$", "\x00", True),
    (r"^\t\n\v\f\r$", "\t\n\x0b\x0c\r", True),
    (r"^[\b]$", "\b", True),
    (r"^\/\-\@$", "/-@", True),
    # Named groups.
    (r"^(?<year>\d{4})-(?<month>\d{2})$", "2026-11", True),
    # Unicode properties, as ECMA-262 spells them.
    (r"^\p{L}+$", "héllo", True),
    (r"^\p{Lu}$", "a", False),
    (r"^\p{Letter}$", "ж", True),
    (r"^\p{Script=Greek}+$", "αβγ", True),
    (r"^\p{gc=Nd}$", "5", True),
    (r"^\P{L}$", "5", True),
    # [ in a class is a literal; so are braces and ] that open or close nothing.
    (r"^[[:alpha:]]$", "a", False),
    (r"^[[:alpha:]]$", ":]", True),
    (r"^a{,2}$", "a{,2}", True),
    (r"^x}$", "x}", True),
    (r"^]$", "]", True),
    # Quantifiers, lazy ones, alternation, classes: the same in both.
    (r"^a{2,3}$", "aaa", True),
    (r"^a{2,3}$", "aaaa", False),
    (r"^(ab|cd)+?$", "abcd", True),
    (r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$", "someone@example.org", True),
    (r"^[^a-c]$", "d", True),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), SEMANTICS)
def test_patterns_match_as_ecma_262_with_the_unicode_flag(
    pattern: str, text: str, expected: bool
) -> None:
    assert ecma_regex.search(pattern, text) is expected


# (pattern, RE2 spelling)
SPELLINGS = [
    ("^a$", "^a$"),
    (".", r"[^\n\r\x{2028}\x{2029}]"),
    (
        r"\s",
        r"[\x{9}-\x{D}\x{20}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}-\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]",
    ),
    ("[^]", r"[\x{0}-\x{10FFFF}]"),
    ("[]", r"[^\x{0}-\x{10FFFF}]"),
    (r"\u00e9\u{1F600}", r"\x{E9}\x{1F600}"),
    ("(?<id>x)", "(?P<id>x)"),
    ("[[]", r"[\[]"),
    ("a{2}{", r"a{2}\{"),
    (r"\p{Script=Greek}\p{Letter}", r"\p{Greek}\p{L}"),
]


@pytest.mark.parametrize(("pattern", "spelled"), SPELLINGS)
def test_what_re2_spells_differently_is_translated(pattern: str, spelled: str) -> None:
    assert ecma_regex.translate(pattern) == spelled


# (pattern, error class, reason)
REFUSALS: list[tuple[str, type[PatternError], str]] = [
    (r"(a)\1", UnsupportedPatternError, NOT_LINEAR),
    (r"(?<q>['\"]).*\k<q>", UnsupportedPatternError, NOT_LINEAR),
    (r"^(?=.*\d)", UnsupportedPatternError, NOT_LINEAR),
    (r"^(?!draft-)", UnsupportedPatternError, NOT_LINEAR),
    (r"(?<=\$)\d+", UnsupportedPatternError, NOT_LINEAR),
    (r"(?<!-)\d+", UnsupportedPatternError, NOT_LINEAR),
    (r"\p{L}{1,100}", UnsupportedPatternError, TOO_LARGE),
    ("a{1001}", UnsupportedPatternError, "invalid repetition size"),
    ("x" * 16_385, UnsupportedPatternError, "longer than the 16,384 characters"),
    ("{" * 16_385, UnsupportedPatternError, "longer than the 16,384 characters"),
    (r"\p{scx=Greek}", UnsupportedPatternError, "Unicode property 'scx'"),
    (r"\p{Alphabetic}", UnsupportedPatternError, "no such Unicode property"),
    (r"\uD800", UnsupportedPatternError, "lone surrogate"),
    ("(?i)abc", InvalidPatternError, "inline flags are not ECMA-262"),
    (r"\Aabc\z", InvalidPatternError, r"'\A' is not an ECMA-262 escape"),
    (r"\Q.\E", InvalidPatternError, r"'\Q' is not an ECMA-262 escape"),
    (r"[\1]", InvalidPatternError, r"'\1' is not an ECMA-262 escape"),
    ("(abc", InvalidPatternError, "missing )"),
    ("a**", InvalidPatternError, "bad repetition operator"),
    ("[abc", InvalidPatternError, "unterminated character class"),
    ("abc\\", InvalidPatternError, "trailing backslash"),
    (r"\x4", InvalidPatternError, "not a hex escape"),
    ("[z-a]", InvalidPatternError, "invalid character class range"),
]


@pytest.mark.parametrize(
    ("pattern", "error", "reason"), REFUSALS, ids=lambda value: str(value)[:40]
)
def test_patterns_the_engine_does_not_run_are_refused_with_the_reason(
    pattern: str, error: type[PatternError], reason: str
) -> None:
    with pytest.raises(error) as raised:
        ecma_regex.compile_pattern(pattern)
    assert reason in raised.value.reason
    assert raised.value.pattern == pattern
    with pytest.raises(error):  # refusals are memoized too
        ecma_regex.search(pattern, "anything")


def test_the_refusal_of_backreferences_and_lookaround_says_why() -> None:
    assert NOT_LINEAR == (
        "backreferences and lookaround are not supported: patterns run in a linear-time engine"
    )


@pytest.mark.timeout(30)
def test_many_unclosed_braces_and_group_openers_cost_linear_time() -> None:
    assert ecma_regex.search("{" * 16_384, "{" * 16_384)
    with pytest.raises(InvalidPatternError):
        ecma_regex.compile_pattern("(?<" * 5_000)


def test_the_compiled_size_of_one_pattern_is_bounded() -> None:
    assert ecma_regex.MAX_PROGRAM_MEMORY == 1 << 20
    assert ecma_regex.compile_pattern(r"^.{0,1000}$").programsize < 1 << 20
    with pytest.raises(UnsupportedPatternError, match="MiB"):
        ecma_regex.compile_pattern(r"[\p{L}\p{N}]{1,500}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"^\d+$", True),
        ("(?=lookahead)", True),  # an ECMA-262 regular expression, just not one run here
        (r"(a)\1", True),
        ("(?i)flags", False),
        ("(unclosed", False),
        ("[z-a]", False),
    ],
)
def test_the_regex_format_accepts_ecma_262_regular_expressions(text: str, expected: bool) -> None:
    assert ecma_regex.is_regex(text) is expected


@pytest.mark.timeout(30)
def test_a_catastrophic_pattern_runs_in_linear_time() -> None:
    # Backtracking needs about 2**n steps for n letters: this would not finish.
    text = "a" * 100_000 + "!"
    assert not ecma_regex.search("^(a+)+$", text)
    assert not ecma_regex.search("^(a|aa)*$", text)
    assert not ecma_regex.search(r"^(\w+\s?)*$", text)
    assert ecma_regex.search("^(a+)+!$", text)
