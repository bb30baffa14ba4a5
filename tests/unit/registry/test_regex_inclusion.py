"""Deciding which strings JSON Schema patterns match: the ECMA-262 reading, the verdict
table, and generated strings checked with the engine validators run (RE2)."""

from __future__ import annotations

import pytest
from greenery import Charclass
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from registry.formats import ecma_regex
from registry.formats.json_schema_compat.regex_inclusion import (
    Allowance,
    find_string,
    name_classes,
    search,
)
from registry.formats.json_schema_compat.regex_syntax import (
    DIGIT,
    DOT,
    SPACE,
    WORD,
    Alt,
    Chars,
    End,
    Repeat,
    Seq,
    Start,
    UnsupportedSyntaxError,
    parse_pattern,
)

_SETTINGS = settings(
    max_examples=200,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

INCLUDED, NOT_INCLUDED, NOT_PROVED = "included", "not included", "not proved"

# (narrower, wider, verdict): does every string the first pattern matches (somewhere in
# it) match the second?
VERDICTS = [
    ("^[a-z]+$", "^[a-z0-9]+$", INCLUDED),
    ("^[a-z0-9]+$", "^[a-z]+$", NOT_INCLUDED),
    ("abc", "b", INCLUDED),
    ("b", "abc", NOT_INCLUDED),
    ("^a", "^[ab]", INCLUDED),
    ("^[ab]", "^a", NOT_INCLUDED),
    ("^a", "a", INCLUDED),
    ("a", "^a", NOT_INCLUDED),
    ("a$", "a", INCLUDED),
    ("a", "a$", NOT_INCLUDED),
    ("^abc$", "abc", INCLUDED),
    ("abc", "^abc$", NOT_INCLUDED),
    ("^$", "^a*$", INCLUDED),
    ("x", "", INCLUDED),
    ("", "x", NOT_INCLUDED),
    ("x", ".*", INCLUDED),
    ("a$^", "zzz", INCLUDED),  # matches nothing
    ("$^", "^$", INCLUDED),  # both hold only in the empty string
    ("^\\d{3}$", "\\d", INCLUDED),
    ("^\\d+$", "^[0-9]+$", INCLUDED),
    ("^[0-9]+$", "^\\d+$", INCLUDED),
    ("^\\d$", "^[0-5]$", NOT_INCLUDED),
    ("^(foo|bar)$", "^(foo|bar|baz)$", INCLUDED),
    ("^(foo|bar|baz)$", "^(foo|bar)$", NOT_INCLUDED),
    ("^a|b$", "a|b", INCLUDED),
    ("a|b", "^a|b$", NOT_INCLUDED),
    ("(^|,)id", "id", INCLUDED),
    ("id", "(^|,)id", NOT_INCLUDED),
    ("^a{2,3}$", "^a+$", INCLUDED),
    ("^a+$", "^a{1,5}$", NOT_INCLUDED),
    ("^a+?$", "^a+$", INCLUDED),
    ("^(?:ab)*$", "^(ab|abab)*$", INCLUDED),
    ("^(?<word>\\w+)$", "\\w", INCLUDED),
    ("^\\w+$", "^[a-z]+$", NOT_INCLUDED),
    ("\\s", "[\\s\\S]", INCLUDED),
    ("^\\s$", "^[ \\t\\n\\r\\v\\f]$", NOT_INCLUDED),  # \s includes U+00A0 and others
    ("^.{2}$", "^..$", INCLUDED),
    ("^.+$", ".", INCLUDED),
    ("^.*$", "^[^\\n\\r]*$", INCLUDED),  # . excludes the line terminators
    ("^[^\\n]*$", "^.*$", NOT_INCLUDED),
    ("^.$", "^[\\x00-\\uFFFF]$", NOT_INCLUDED),  # . is a code point, U+10000 too
    ("^\\u00e9$", "^é$", INCLUDED),
    ("^\\x41\\u{42}\\cC$", "^AB\\x03$", INCLUDED),
    ("^[a-f0-9]{8}$", "^[0-9a-fA-F]{8}$", INCLUDED),
    ("^[0-9a-fA-F]{8}$", "^[a-f0-9]{8}$", NOT_INCLUDED),
    ("{", "\\{", INCLUDED),  # a brace that opens no quantifier is a literal
    ("a{,2}", "\\{,", INCLUDED),
    ("^[^]$", "^[\\s\\S]$", INCLUDED),
    ("[]", "a", INCLUDED),  # [] matches no character
    ("^[a-z0-9-]{1,63}$", "^[a-z0-9-]{1,64}$", INCLUDED),
    ("^[a-z0-9-]{1,64}$", "^[a-z0-9-]{1,63}$", NOT_INCLUDED),
    ("^x{1000}$", "^x{999}", INCLUDED),
    ("\\bfoo", "foo", NOT_PROVED),  # word boundaries are not read
    ("foo", "\\Bfoo", NOT_PROVED),
    ("\\p{L}", ".", NOT_PROVED),  # nor Unicode property escapes
    ("^[\\d-z]$", "\\w", NOT_PROVED),
    ("(a)\\1", "a", NOT_PROVED),  # backreferences are not run at all
    ("(?=a)", "a", NOT_PROVED),
    ("(x{100}){100}", "x", NOT_PROVED),  # too many states
    ("^(a|b)*a(a|b){12}$", "^(a|b)*b(a|b){12}$", NOT_PROVED),  # 2**12 subsets: work limit
]


def _verdict(narrower: str, wider: str) -> str:
    answer = find_string([narrower], [wider])
    if not answer.decided:
        return NOT_PROVED
    return INCLUDED if answer.example is None else NOT_INCLUDED


@pytest.mark.parametrize(("narrower", "wider", "expected"), VERDICTS)
def test_pattern_inclusion_is_decided_as_the_table_says(
    narrower: str, wider: str, expected: str
) -> None:
    assert _verdict(narrower, wider) == expected


@pytest.mark.parametrize(
    ("narrower", "wider"), [(n, w) for n, w, verdict in VERDICTS if verdict == NOT_INCLUDED]
)
def test_a_pattern_not_included_comes_with_a_counterexample_the_engine_confirms(
    narrower: str, wider: str
) -> None:
    example = find_string([narrower], [wider]).example
    assert example is not None
    assert ecma_regex.search(narrower, example)
    assert not ecma_regex.search(wider, example)


def test_counterexamples_are_shortest_and_readable() -> None:
    assert find_string(["^[a-z0-9]+$"], ["^[a-z]+$"]).example == "0"
    assert find_string([], ["^[a-z]+$"]).example == ""
    assert find_string(["^.$"], ["^[\\x00-\\uFFFF]$"]).example == "\U00010000"
    assert find_string(["^\\s$"], ["^[ \\t\\n\\r\\v\\f]$"]).example == "\u00a0"


# Included pairs whose first pattern Python's re reads as ECMA-262 does (but for $).
_PYTHON_READABLE = [
    (n, w)
    for n, w, verdict in VERDICTS
    if verdict == INCLUDED
    and "\\u" not in n
    and "\\c" not in n
    and "[^]" not in n
    and "(?<" not in n
    and n not in ("[]", "{", "a{,2}", "a$^", "$^")
]


@pytest.mark.parametrize(("narrower", "wider"), _PYTHON_READABLE)
def test_strings_matching_a_narrower_pattern_match_the_wider_one(narrower: str, wider: str) -> None:
    @settings(_SETTINGS, max_examples=40)
    @given(st.from_regex(narrower, fullmatch=False))
    def check(text: str) -> None:
        # Python's $ also matches before a final newline, its \d and \w are Unicode: only
        # strings the pattern matches as validators read it count.
        assume(ecma_regex.search(narrower, text))
        assert ecma_regex.search(wider, text), text

    check()


def test_lengths_and_excluded_names_bound_the_strings_looked_for() -> None:
    assert find_string([], ["^.{0,3}$"], max_length=3).example == "\n"
    assert find_string([], ["^[^\\n]{0,3}$"], max_length=3).example == "\n"
    assert find_string([], ["^[\\s\\S]{0,3}$"], max_length=3).example is None
    assert find_string(["^[ab]$"], excluded=["a"]).example == "b"
    assert find_string(["^[ab]$"], excluded=["a", "b"]).example is None
    assert find_string(["^a*$"], min_length=3).example == "aaa"


def test_name_classes_give_one_name_per_set_of_patterns_matched_together() -> None:
    classes = name_classes(["^x-", "^ext-", "a$"], excluded=["x-a"])
    assert classes.decided
    found = {frozenset(matched): name for matched, name in classes.examples.items()}
    assert set(found) == {
        frozenset(),
        frozenset({"^x-"}),
        frozenset({"^ext-"}),
        frozenset({"a$"}),
        frozenset({"^x-", "a$"}),
        frozenset({"^ext-", "a$"}),
    }
    for matched, name in found.items():
        assert name != "x-a"
        for pattern in ("^x-", "^ext-", "a$"):
            assert ecma_regex.search(pattern, name) == (pattern in matched)


def test_a_check_that_spent_its_allowance_decides_no_more() -> None:
    allowance = Allowance(left=0)
    answer = find_string(["^q+$"], ["^q{1,2}$"], allowance=allowance)
    assert not answer.decided
    assert "spent" in answer.reason
    fresh = Allowance()
    decided = find_string(["^r+$"], ["^r{1,2}$"], allowance=fresh)
    assert decided.example == "rrr"
    assert fresh.left < Allowance().left


def test_hostile_patterns_end_not_decided_within_the_work_limit() -> None:
    hostile = [
        ("^(a|b)*a(a|b){15}$", "^(a|b)*b(a|b){15}$"),
        ("a.{24}$", "b"),
        ("a" * 3000, "a" * 2999),
        ("".join(f"[^{chr(0x4E00 + i)}]" for i in range(1500)), "x"),
    ]
    for narrower, wider in hostile:
        answer = find_string([narrower], [wider])
        assert not answer.decided, narrower[:40]


# The reading of ECMA-262 syntax, construct by construct.
@pytest.mark.parametrize(
    ("pattern", "tree"),
    [
        (".", Chars(DOT)),
        ("\\w", Chars(WORD)),
        ("\\s", Chars(SPACE)),
        ("\\d", Chars(DIGIT)),
        ("\\D", Chars(~DIGIT)),
        ("^$", Seq((Start(), End()))),
        ("x{2,}", Repeat(Chars(Charclass("x")), 2, None)),
        ("x{2,}?", Repeat(Chars(Charclass("x")), 2, None)),  # lazy: the same strings
        ("x*", Repeat(Chars(Charclass("x")), 0, None)),
        ("x+?", Repeat(Chars(Charclass("x")), 1, None)),
        ("x??", Repeat(Chars(Charclass("x")), 0, 1)),
        ("x{3}", Repeat(Chars(Charclass("x")), 3, 3)),
        ("x{,3}", Seq(tuple(Chars(Charclass(c)) for c in "x{,3}"))),  # no quantifier
        ("a|b", Alt((Chars(Charclass("a")), Chars(Charclass("b"))))),
        ("(?:a)(?<n>b)(c)", Seq(tuple(Chars(Charclass(c)) for c in "abc"))),
        ("[]", Chars(Charclass())),
        ("[^]", Chars(~Charclass())),
        ("[\\b]", Chars(Charclass("\b"))),
        ("[a-c\\d-]", Chars(Charclass("abc-") | DIGIT)),
        ("[^\\n]", Chars(~Charclass("\n"))),
        ("\\t\\n\\v\\f\\r\\0", Seq(tuple(Chars(Charclass(c)) for c in "\t\n\v\f\r\0"))),
        ("\\x41\\u0042\\u{1F600}\\cJ", Seq(tuple(Chars(Charclass(c)) for c in "AB\U0001f600\n"))),
        ("\\ud83d\\ude00", Chars(Charclass("\U0001f600"))),  # a surrogate pair
        ("\\.\\/\\-", Seq(tuple(Chars(Charclass(c)) for c in "./-"))),
        ("a]}", Seq(tuple(Chars(Charclass(c)) for c in "a]}"))),
    ],
)
def test_constructs_are_read_as_ecma_262_means_them(pattern: str, tree: object) -> None:
    assert parse_pattern(pattern) == tree


def test_the_dot_and_white_space_are_ecma_262_sets() -> None:
    for char in "\n\r\u2028\u2029":
        assert not DOT.accepts(char)
    assert DOT.accepts("\U00010000")
    for char in "\t\n\v\f\r \u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff":
        assert SPACE.accepts(char)
    assert not SPACE.accepts("\u200b")
    assert not WORD.accepts("\u00e9")


@pytest.mark.parametrize(
    "pattern",
    ["\\bx", "x\\B", "\\p{L}", "\\P{Lu}", "[\\d-z]", "((((((((x))))))))" * 1 + "(" * 70 + ")" * 70],
)
def test_constructs_not_read_are_refused_by_name(pattern: str) -> None:
    with pytest.raises(UnsupportedSyntaxError):
        parse_pattern(pattern)


@pytest.mark.parametrize("pattern", ["(a)\\1", "(?=a)", "(?<!a)b", "a**", "(?i)a"])
def test_patterns_validators_do_not_run_are_refused_as_they_are(pattern: str) -> None:
    with pytest.raises(ecma_regex.PatternError):
        parse_pattern(pattern)


# Random patterns over a few characters, and strings over them.
_ATOMS = st.sampled_from(
    [
        "a",
        "b",
        "-",
        ".",
        "\\d",
        "\\w",
        "\\s",
        "\\S",
        "[ab]",
        "[^a]",
        "[a-c]",
        "\\n",
        "[^]",
        "[]",
        "1",
        "{",
    ]
)
_QUANTIFIERS = st.sampled_from(["*", "+", "?", "{2}", "{0,2}", "{1,}", "*?", "{1,3}?"])
_PATTERNS = st.recursive(
    st.one_of(_ATOMS, st.sampled_from(["^", "$"])),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map("".join),
        st.tuples(inner, inner).map("|".join),
        inner.map(lambda body: f"({body})"),
        st.tuples(inner, _QUANTIFIERS).map(lambda parts: f"(?:{parts[0]}){parts[1]}"),
    ),
    max_leaves=7,
)
_TEXTS = st.text(alphabet="ab-1 \n\u00a0{", max_size=7)


@_SETTINGS
@given(_PATTERNS, _TEXTS)
def test_the_automaton_matches_what_the_validators_engine_matches(pattern: str, text: str) -> None:
    assert search(pattern, text) == ecma_regex.search(pattern, text), (pattern, text)


@_SETTINGS
@given(_PATTERNS, _PATTERNS, st.lists(_TEXTS, min_size=20, max_size=20))
def test_every_verdict_on_generated_patterns_holds_on_generated_strings(
    narrower: str, wider: str, texts: list[str]
) -> None:
    answer = find_string([narrower], [wider])
    assert answer.decided, (narrower, wider, answer.reason)
    if answer.example is not None:
        assert ecma_regex.search(narrower, answer.example)
        assert not ecma_regex.search(wider, answer.example)
        return
    for text in texts:
        if ecma_regex.search(narrower, text):
            assert ecma_regex.search(wider, text), (narrower, wider, text)
