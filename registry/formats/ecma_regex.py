"""Regular expressions from schemas: ECMA-262 syntax, run in RE2 (linear time, bounded size).

JSON Schema's ``pattern`` and ``patternProperties`` (and the ``pattern`` of a
``propertyNames`` schema) are ECMA-262 regular expressions with the Unicode flag, searched
anywhere in the string, not anchored. A backtracking engine can take exponential time on
them (``^(a+)+$`` against a run of ``a`` followed by ``!``), so they run in RE2, whose time
is linear in the input. Where the two syntaxes spell or mean something differently the
pattern is translated first:

- ``.`` is any character but a line terminator (``\\n \\r`` U+2028 U+2029; RE2: but ``\\n``);
- ``\\s``/``\\S`` are ECMA-262's white space and line terminators (RE2: ASCII only);
- ``[^]`` is any character, ``[]`` no character (both syntax errors in RE2);
- ``\\uXXXX`` (a surrogate pair is one code point), ``\\u{X…}``, ``\\xHH``, ``\\cX``, ``\\0``,
  ``\\t \\n \\v \\f \\r`` and ``\\b`` in a class (a backspace) become code points;
- ``(?<name>…)`` is spelled ``(?P<name>…)``; ``\\p{Script=Greek}``, ``\\p{gc=Lu}`` and long
  category names (``\\p{Letter}``) are spelled as RE2 knows them;
- a ``[`` in a class is a literal (RE2 reads ``[:alpha:]``), as are ``{``, ``}`` and ``]``
  that do not open a quantifier or close a class.

The same in both: ``\\d``, ``\\w`` and ``\\b`` (ASCII), ``^`` and ``$`` (start and end of the
input: Python's ``$`` would also match before a final newline), quantifiers, lazy
quantifiers, classes and alternation.

Refused: backreferences (``\\1``, ``\\k<name>``) and lookaround (``(?=``, ``(?!``, ``(?<=``,
``(?<!``), which no linear-time engine runs; a pattern whose compiled program would need
more than ``MAX_PROGRAM_MEMORY`` (RE2's ``max_mem``); and what is not ECMA-262 syntax
(inline flags such as ``(?i)``, escapes such as ``\\A``, ``\\z`` or ``\\Q``, which RE2 would
give another meaning). Patterns longer than ``MAX_PATTERN_LENGTH`` are refused unread.
"""

from __future__ import annotations

from functools import lru_cache

import re2

MAX_PROGRAM_MEMORY = 1 << 20
"""RE2's ``max_mem`` for one pattern: its compiled program and the caches it matches with.
``^.{0,1000}$`` and ``\\p{L}{1,25}`` fit; ``\\p{L}{1,100}`` does not."""

NOT_LINEAR = "backreferences and lookaround are not supported: patterns run in a linear-time engine"
MAX_PATTERN_LENGTH = 16_384
"""Longer patterns are refused before any work. Compiling costs time in proportion to the
length (65,536 characters took RE2 about a third of a second), and real patterns are
far shorter."""

TOO_LONG = f"it is longer than the {MAX_PATTERN_LENGTH:,} characters one pattern may have"
TOO_LARGE = (
    f"its compiled form needs more than the {MAX_PROGRAM_MEMORY >> 20} MiB the linear-time "
    "engine allows one pattern"
)


class PatternError(ValueError):
    """A schema's regular expression that is not run; ``reason`` says why, for messages."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(f"pattern '{pattern}': {reason}")
        self.pattern = pattern
        self.reason = reason


class UnsupportedPatternError(PatternError):
    """Valid ECMA-262, but not something the linear-time engine runs."""


class InvalidPatternError(PatternError):
    """Not an ECMA-262 regular expression."""


_MAX_CODE_POINT = 0x10FFFF
WHITE_SPACE = (
    (0x09, 0x0D),
    (0x20, 0x20),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
)
"""ECMA-262 WhiteSpace and LineTerminator, what ``\\s`` matches: code point ranges."""


def _complement(ranges: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    found: list[tuple[int, int]] = []
    start = 0
    for low, high in ranges:
        if low > start:
            found.append((start, low - 1))
        start = high + 1
    if start <= _MAX_CODE_POINT:
        found.append((start, _MAX_CODE_POINT))
    return tuple(found)


def _code(point: int) -> str:
    return f"\\x{{{point:X}}}"


def _members(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(
        _code(low) if low == high else f"{_code(low)}-{_code(high)}" for low, high in ranges
    )


_SPACE_MEMBERS = _members(WHITE_SPACE)
_NON_SPACE_MEMBERS = _members(_complement(WHITE_SPACE))
_DOT = "[^\\n\\r\\x{2028}\\x{2029}]"
_ANY = f"[{_members(((0, _MAX_CODE_POINT),))}]"
_NOTHING = f"[^{_members(((0, _MAX_CODE_POINT),))}]"
# Characters whose meaning or spelling differs; every other one is copied as it is.
_SPECIAL = frozenset("\\[(.{}]")
_CONTROL = {"t": 0x09, "n": 0x0A, "v": 0x0B, "f": 0x0C, "r": 0x0D}
_SYNTAX = frozenset("^$\\.*+?()[]{}|/-")
_DIGITS = frozenset("0123456789")
# The longest quantifier, group name or property name read: 256 characters.
_WINDOW = 256
_HEX = frozenset("0123456789abcdefABCDEF")
# Unicode property names ECMA-262 accepts that RE2 spells otherwise.
_PROPERTY_KEYS = {"General_Category": "", "gc": "", "Script": "", "sc": ""}
_CATEGORIES = {
    "Letter": "L",
    "Cased_Letter": "LC",
    "Uppercase_Letter": "Lu",
    "Lowercase_Letter": "Ll",
    "Titlecase_Letter": "Lt",
    "Modifier_Letter": "Lm",
    "Other_Letter": "Lo",
    "Mark": "M",
    "Combining_Mark": "M",
    "Nonspacing_Mark": "Mn",
    "Spacing_Mark": "Mc",
    "Enclosing_Mark": "Me",
    "Number": "N",
    "Decimal_Number": "Nd",
    "digit": "Nd",
    "Letter_Number": "Nl",
    "Other_Number": "No",
    "Punctuation": "P",
    "punct": "P",
    "Connector_Punctuation": "Pc",
    "Dash_Punctuation": "Pd",
    "Open_Punctuation": "Ps",
    "Close_Punctuation": "Pe",
    "Initial_Punctuation": "Pi",
    "Final_Punctuation": "Pf",
    "Other_Punctuation": "Po",
    "Symbol": "S",
    "Math_Symbol": "Sm",
    "Currency_Symbol": "Sc",
    "Modifier_Symbol": "Sk",
    "Other_Symbol": "So",
    "Separator": "Z",
    "Space_Separator": "Zs",
    "Line_Separator": "Zl",
    "Paragraph_Separator": "Zp",
    "Other": "C",
    "Control": "Cc",
    "cntrl": "Cc",
    "Format": "Cf",
    "Surrogate": "Cs",
    "Private_Use": "Co",
    "Unassigned": "Cn",
}


class _Reader:
    """One pass over an ECMA-262 pattern, writing the RE2 spelling."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.at = 0

    def invalid(self, why: str) -> InvalidPatternError:
        return InvalidPatternError(
            self.pattern, f"it is not an ECMA-262 regular expression ({why})"
        )

    def peek(self, offset: int = 0) -> str:
        index = self.at + offset
        return self.pattern[index] if index < len(self.pattern) else ""

    def _closing(self, char: str) -> int:
        """Where ``char`` closes what starts here, looked for in a short window only, so
        that many unclosed braces cost linear time, not quadratic; -1 when not there."""
        return self.pattern.find(char, self.at, self.at + _WINDOW)

    def translate(self) -> str:
        if len(self.pattern) > MAX_PATTERN_LENGTH:
            raise UnsupportedPatternError(self.pattern, TOO_LONG)
        pattern, out = self.pattern, []
        while self.at < len(pattern):
            start = self.at
            while self.at < len(pattern) and pattern[self.at] not in _SPECIAL:
                self.at += 1
            if self.at > start:
                out.append(pattern[start : self.at])  # ordinary characters mean the same
                continue
            char = pattern[self.at]
            if char == "\\":
                out.append(self.escape(in_class=False))
            elif char == "[":
                out.append(self.char_class())
            elif char == "(":
                out.append(self.group())
            elif char == ".":
                out.append(_DOT)
                self.at += 1
            elif char == "{":
                out.append(self.brace())
            else:  # a } or ] that closes nothing
                out.append("\\" + char)
                self.at += 1
        return "".join(out)

    def group(self) -> str:
        rest = self.pattern[self.at : self.at + 4]
        if not rest.startswith("(?"):
            self.at += 1
            return "("
        if rest.startswith("(?:"):
            self.at += 3
            return "(?:"
        if rest.startswith(("(?=", "(?!", "(?<=", "(?<!")):
            raise UnsupportedPatternError(self.pattern, NOT_LINEAR)
        if rest.startswith("(?<"):
            end = self._closing(">")
            if end < 0:
                raise self.invalid("an unterminated or overlong group name")
            name = self.pattern[self.at + 3 : end]
            self.at = end + 1
            return f"(?P<{name}>"
        raise self.invalid(f"'{rest[:3]}' opens no ECMA-262 group; inline flags are not ECMA-262")

    def brace(self) -> str:
        """A quantifier as written; otherwise a literal brace (as browsers read it)."""
        end = self._closing("}")
        body = self.pattern[self.at + 1 : end] if end > 0 else ""
        low, comma, high = body.partition(",")
        if low.isascii() and low.isdigit() and (not high or (high.isascii() and high.isdigit())):
            self.at = end + 1
            return "{" + low + comma + high + "}"
        self.at += 1
        return "\\{"

    def char_class(self) -> str:
        self.at += 1
        negated = self.peek() == "^"
        if negated:
            self.at += 1
        if self.peek() == "]":
            # ECMA-262 closes the class at once: [] matches nothing, [^] any character.
            self.at += 1
            return _ANY if negated else _NOTHING
        items: list[str] = []
        while self.peek() != "]":
            char = self.peek()
            if not char:
                raise self.invalid("an unterminated character class")
            if char == "\\":
                items.append(self.escape(in_class=True))
                continue
            items.append("\\" + char if char in "[^" else char)
            self.at += 1
        self.at += 1
        return "[" + ("^" if negated else "") + "".join(items) + "]"

    def escape(self, *, in_class: bool) -> str:
        char = self.peek(1)
        self.at += 2
        if not char:
            raise self.invalid("a trailing backslash")
        if char in "dDwW":
            return "\\" + char
        if char in "sS":
            members = _SPACE_MEMBERS if char == "s" else _NON_SPACE_MEMBERS
            return members if in_class else f"[{members}]"
        if char == "b":
            return _code(0x08) if in_class else "\\b"
        if char == "B" and not in_class:
            return "\\B"
        if char in _CONTROL:
            return _code(_CONTROL[char])
        if char == "0" and (not self.peek() or self.peek() not in _DIGITS):
            return _code(0)
        if char in _DIGITS and char != "0" and not in_class:
            raise UnsupportedPatternError(self.pattern, NOT_LINEAR)
        if char == "k" and self.peek() == "<":
            raise UnsupportedPatternError(self.pattern, NOT_LINEAR)
        if char == "c" and self.peek().isascii() and self.peek().isalpha():
            self.at += 1
            return _code(ord(self.pattern[self.at - 1]) % 32)
        if char == "x":
            return _code(self.hex_digits(2))
        if char == "u":
            return self.unicode_escape()
        if char in "pP":
            return self.property_escape(char)
        if char in _SYNTAX:
            return "\\" + char
        if not char.isalnum():
            return _code(ord(char))  # An identity escape of punctuation: the character.
        raise self.invalid(f"'\\{char}' is not an ECMA-262 escape")

    def hex_digits(self, count: int) -> int:
        digits = self.pattern[self.at : self.at + count]
        if len(digits) != count or not _HEX.issuperset(digits):
            raise self.invalid(
                f"'{self.pattern[self.at - 2 : self.at + count]}' is not a hex escape"
            )
        self.at += count
        return int(digits, 16)

    def unicode_escape(self) -> str:
        if self.peek() == "{":
            end = self._closing("}")
            digits = self.pattern[self.at + 1 : end] if end > 0 else ""
            if not digits or not _HEX.issuperset(digits) or int(digits, 16) > _MAX_CODE_POINT:
                raise self.invalid("a '\\u{…}' escape that is no code point")
            self.at = end + 1
            point = int(digits, 16)
        else:
            point = self.hex_digits(4)
            if 0xD800 <= point <= 0xDBFF and self.pattern[self.at : self.at + 2] == "\\u":
                self.at += 2
                low = self.hex_digits(4)
                if not 0xDC00 <= low <= 0xDFFF:
                    raise self.invalid("a high surrogate escape without its low half")
                point = 0x10000 + ((point - 0xD800) << 10) + (low - 0xDC00)
        if 0xD800 <= point <= 0xDFFF:
            # JSON text reaching the registry holds no lone surrogate, and UTF-8 cannot.
            raise UnsupportedPatternError(
                self.pattern, "a lone surrogate escape matches no valid Unicode string"
            )
        return _code(point)

    def property_escape(self, char: str) -> str:
        end = self._closing("}")
        if self.peek() != "{" or end < 0:
            raise self.invalid(f"'\\{char}' without a '{{…}}' property")
        key, _, value = self.pattern[self.at + 1 : end].rpartition("=")
        if key and key not in _PROPERTY_KEYS:
            raise UnsupportedPatternError(
                self.pattern, f"the Unicode property '{key}' is not supported"
            )
        self.at = end + 1
        return f"\\{char}{{{_CATEGORIES.get(value, value)}}}"


def translate(pattern: str) -> str:
    """The RE2 spelling of an ECMA-262 ``pattern``; ``PatternError`` when it is not run."""
    return _Reader(pattern).translate()


_OPTIONS = re2.Options()
_OPTIONS.max_mem = MAX_PROGRAM_MEMORY
_OPTIONS.log_errors = False
# RE2's messages for what ECMA-262 rejects too; its other refusals are engine limits.
_SYNTAX_ERRORS = ("missing", "unexpected", "bad repetition", "trailing", "invalid character class")


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re2._Regexp[str] | PatternError:
    """Memoized, refusals included: patterns recur across every version of a subject."""
    try:
        translated = translate(pattern)
    except PatternError as exc:
        return exc
    try:
        return re2.compile(translated, _OPTIONS)
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        if "too large" in detail:
            return UnsupportedPatternError(pattern, TOO_LARGE)
        if "range: \\p" in detail or "range: \\P" in detail:
            return UnsupportedPatternError(pattern, f"RE2 has no such Unicode property ({detail})")
        if any(marker in detail for marker in _SYNTAX_ERRORS):
            return InvalidPatternError(
                pattern, f"it is not an ECMA-262 regular expression ({detail})"
            )
        return UnsupportedPatternError(
            pattern, f"the linear-time engine does not run it ({detail})"
        )


def compile_pattern(pattern: str) -> re2._Regexp[str]:
    """``pattern`` compiled for RE2; raises ``PatternError`` when it is not run."""
    found = _compiled(pattern)
    if isinstance(found, PatternError):
        raise found
    return found


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches somewhere in ``text``, as JSON Schema validators search."""
    return compile_pattern(pattern).search(text) is not None


def is_regex(text: str) -> bool:
    """The ``regex`` format: ``text`` is an ECMA-262 regular expression (one this engine
    does not run, a lookahead say, is still a regular expression)."""
    return not isinstance(_compiled(text), InvalidPatternError)
