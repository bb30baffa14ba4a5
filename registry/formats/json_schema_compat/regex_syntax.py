"""ECMA-262 patterns read into a small tree, for deciding what strings they match.

The tree has five kinds of node: a set of characters (a greenery ``Charclass``), the
assertions ``^`` and ``$``, a sequence, an alternation and a bounded or unbounded
repetition. Every pattern read here has first been compiled by ``ecma_regex`` (the
engine validators run), and each construct is read with the meaning that engine gives it:

- ``.`` is any character but ``\\n \\r`` U+2028 U+2029; ``\\d`` and ``\\w`` are ASCII;
  ``\\s`` is ECMA-262's white space and line terminators (``ecma_regex.WHITE_SPACE``);
- escapes (``\\t \\n \\v \\f \\r \\0 \\cX \\xHH \\uXXXX``, surrogate pairs, ``\\u{…}``,
  ``\\b`` in a class, escaped punctuation) stand for one code point;
- ``{`` that opens no quantifier, ``}`` and ``]`` are literals;
- lazy quantifiers match the same strings as greedy ones (whether a match exists
  does not depend on the order alternatives are tried in), and groups of any kind
  (capturing, ``(?:``, named) only group.

``UnsupportedSyntaxError`` marks what is left undecided: ``\\b``/``\\B`` (word boundaries
depend on neighbouring characters), Unicode property escapes (their tables change with
Unicode versions, so the two engines could disagree on new characters), a class escape
as a range end (``[\\d-z]``), a literal lone surrogate, and whatever ``ecma_regex`` does
not compile (backreferences, lookaround). Backreferences and lookaround would make the
language non-regular or need another construction; the rest could be added.
"""

from __future__ import annotations

from dataclasses import dataclass

from greenery import Charclass

from registry.formats import ecma_regex


class UnsupportedSyntaxError(ValueError):
    """A pattern whose strings are not decided here; the message says which construct."""


@dataclass(frozen=True, slots=True)
class Chars:
    """One character from ``chars``."""

    chars: Charclass


@dataclass(frozen=True, slots=True)
class Start:
    """``^``: the start of the input (JSON Schema patterns have no multiline flag)."""


@dataclass(frozen=True, slots=True)
class End:
    """``$``: the very end of the input (not before a final newline, unlike Python)."""


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Regex, ...]


@dataclass(frozen=True, slots=True)
class Alt:
    options: tuple[Regex, ...]


@dataclass(frozen=True, slots=True)
class Repeat:
    item: Regex
    low: int
    high: int | None  # None: unbounded


Regex = Chars | Start | End | Seq | Alt | Repeat

MAX_CODE_POINT = 0x10FFFF
MAX_DEPTH = 64
"""Groups nested deeper are not read (the tree is walked recursively)."""


def char_range(low: int, high: int) -> Charclass:
    return Charclass(((chr(low), chr(high)),))


def ranges(pairs: tuple[tuple[int, int], ...]) -> Charclass:
    return Charclass(tuple((chr(low), chr(high)) for low, high in pairs))


ANY = ~Charclass()
DIGIT = char_range(0x30, 0x39)
WORD = ranges(((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)))
SPACE = ranges(ecma_regex.WHITE_SPACE)
LINE_TERMINATORS = ranges(((0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029)))
DOT = ~LINE_TERMINATORS
_CLASS_ESCAPES = {
    "d": DIGIT,
    "D": ~DIGIT,
    "w": WORD,
    "W": ~WORD,
    "s": SPACE,
    "S": ~SPACE,
}
_CONTROL = {"t": 0x09, "n": 0x0A, "v": 0x0B, "f": 0x0C, "r": 0x0D}
_HEX = frozenset("0123456789abcdefABCDEF")
_DIGITS = frozenset("0123456789")
# How far a closing brace is looked for, as ``ecma_regex`` does: many unclosed braces
# cost linear time.
_WINDOW = 256


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.at = 0
        self.depth = 0

    def peek(self, offset: int = 0) -> str:
        index = self.at + offset
        return self.pattern[index] if index < len(self.pattern) else ""

    def unsupported(self, what: str) -> UnsupportedSyntaxError:
        return UnsupportedSyntaxError(f"{what} (at character {self.at + 1})")

    def disjunction(self) -> Regex:
        options = [self.alternative()]
        while self.peek() == "|":
            self.at += 1
            options.append(self.alternative())
        return options[0] if len(options) == 1 else Alt(tuple(options))

    def alternative(self) -> Regex:
        items: list[Regex] = []
        while self.peek() not in ("", "|", ")"):
            items.append(self.term())
        return items[0] if len(items) == 1 else Seq(tuple(items))

    def term(self) -> Regex:
        atom = self.atom()
        bounds = self.quantifier()
        if bounds is None:
            return atom
        if self.peek() == "?":
            self.at += 1  # lazy: the same strings match
        if self.peek() in ("*", "+", "?") or self.quantifier_at_brace():
            raise self.unsupported("a quantifier on a quantifier")
        return Repeat(atom, *bounds)

    def quantifier(self) -> tuple[int, int | None] | None:
        char = self.peek()
        simple = {"*": (0, None), "+": (1, None), "?": (0, 1)}
        if char in simple:
            self.at += 1
            return simple[char]
        found = self.quantifier_at_brace()
        if found is None:
            return None
        bounds, end = found
        self.at = end
        return bounds

    def quantifier_at_brace(self) -> tuple[tuple[int, int | None], int] | None:
        """``{n}``, ``{n,}`` or ``{n,m}`` here (and where it ends); None when the brace is a
        literal, as ``ecma_regex`` reads it."""
        if self.peek() != "{":
            return None
        end = self.pattern.find("}", self.at, self.at + _WINDOW)
        if end < 0:
            return None
        low, comma, high = self.pattern[self.at + 1 : end].partition(",")
        if not (low.isascii() and low.isdigit()):
            return None
        if high and not (high.isascii() and high.isdigit()):
            return None
        top = None if comma and not high else int(high) if high else int(low)
        return (int(low), top), end + 1

    def atom(self) -> Regex:
        char = self.peek()
        if char == "^":
            self.at += 1
            return Start()
        if char == "$":
            self.at += 1
            return End()
        if char == ".":
            self.at += 1
            return Chars(DOT)
        if char == "(":
            return self.group()
        if char == "[":
            return Chars(self.char_class())
        if char == "\\":
            return Chars(self.escape(in_class=False))
        if char in "*+?" or self.quantifier_at_brace() is not None:
            raise self.unsupported("a quantifier with nothing to repeat")
        self.at += 1
        return Chars(self.literal(char))

    def literal(self, char: str) -> Charclass:
        if 0xD800 <= ord(char) <= 0xDFFF:
            raise self.unsupported("a lone surrogate")
        return Charclass(char)

    def group(self) -> Regex:
        self.at += 1
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.unsupported(f"groups nested more than {MAX_DEPTH} deep")
        if self.peek() == "?":
            if self.peek(1) == ":":
                self.at += 2
            elif self.peek(1) == "<" and self.peek(2) not in ("=", "!"):
                end = self.pattern.find(">", self.at, self.at + _WINDOW)
                if end < 0:
                    raise self.unsupported("an unterminated group name")
                self.at = end + 1
            else:
                raise self.unsupported("lookaround")
        inner = self.disjunction()
        if self.peek() != ")":
            raise self.unsupported("an unterminated group")
        self.at += 1
        self.depth -= 1
        return inner

    def char_class(self) -> Charclass:
        self.at += 1
        negated = self.peek() == "^"
        if negated:
            self.at += 1
        members: list[Charclass] = []
        spans: list[tuple[str, str]] = []
        while self.peek() != "]":
            if not self.peek():
                raise self.unsupported("an unterminated character class")
            first, is_single = self.class_atom()
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.at += 1
                last, last_single = self.class_atom()
                if not (is_single and last_single):
                    raise self.unsupported("a class escape as the end of a range")
                low, high = _only(first), _only(last)
                if low > high:
                    raise self.unsupported("a range out of order")
                spans.append((low, high))
            elif is_single:
                spans.append((_only(first), _only(first)))
            else:
                members.append(first)
        self.at += 1
        # One union of the single characters and ranges: adding them one by one would
        # cost time in the square of their number.
        found = Charclass(tuple(spans))
        for member in members:
            found |= member
        return ~found if negated else found

    def class_atom(self) -> tuple[Charclass, bool]:
        """One member of a class, and whether it is a single character (a range end)."""
        char = self.peek()
        if char == "\\":
            escaped = self.peek(1)
            chars = self.escape(in_class=True)
            return chars, escaped not in _CLASS_ESCAPES
        self.at += 1
        return self.literal(char), True

    def escape(self, *, in_class: bool) -> Charclass:
        char = self.peek(1)
        self.at += 2
        if char in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[char]
        if char == "b" and in_class:
            return Charclass("\b")
        if char in ("b", "B"):
            raise self.unsupported("a word boundary")
        if char in ("p", "P"):
            raise self.unsupported("a Unicode property escape")
        if char in _CONTROL:
            return Charclass(chr(_CONTROL[char]))
        if char == "0" and self.peek() not in _DIGITS:
            return Charclass("\0")
        if char == "c" and self.peek().isascii() and self.peek().isalpha():
            self.at += 1
            return Charclass(chr(ord(self.pattern[self.at - 1]) % 32))
        if char == "x":
            return Charclass(chr(self.hex_digits(2)))
        if char == "u":
            return Charclass(chr(self.unicode_escape()))
        if char and not char.isalnum():
            return self.literal(char)  # escaped punctuation: the character itself
        raise self.unsupported(f"the escape '\\{char}'")

    def hex_digits(self, count: int) -> int:
        digits = self.pattern[self.at : self.at + count]
        if len(digits) != count or not _HEX.issuperset(digits):
            raise self.unsupported("a malformed hex escape")
        self.at += count
        return int(digits, 16)

    def unicode_escape(self) -> int:
        if self.peek() == "{":
            end = self.pattern.find("}", self.at, self.at + _WINDOW)
            digits = self.pattern[self.at + 1 : end] if end > 0 else ""
            if not digits or not _HEX.issuperset(digits) or int(digits, 16) > MAX_CODE_POINT:
                raise self.unsupported("a malformed code point escape")
            self.at = end + 1
            point = int(digits, 16)
        else:
            point = self.hex_digits(4)
            if 0xD800 <= point <= 0xDBFF and self.pattern[self.at : self.at + 2] == "\\u":
                self.at += 2
                low = self.hex_digits(4)
                point = 0x10000 + ((point - 0xD800) << 10) + (low - 0xDC00)
        if 0xD800 <= point <= 0xDFFF:
            raise self.unsupported("a lone surrogate")
        return point


def _only(chars: Charclass) -> str:
    ((low, high),) = chars.ord_ranges
    if low != high or chars.negated:
        raise UnsupportedSyntaxError("a class escape as the end of a range")
    return chr(low)


def parse_pattern(pattern: str) -> Regex:
    """The tree of an ECMA-262 ``pattern``.

    Raises ``ecma_regex.PatternError`` when validators do not run the pattern, and
    ``UnsupportedSyntaxError`` when it uses a construct not decided here.
    """
    ecma_regex.compile_pattern(pattern)
    parser = _Parser(pattern)
    tree = parser.disjunction()
    if parser.at != len(pattern):
        raise parser.unsupported("an unbalanced ')'")
    return tree


def literal(text: str) -> Regex:
    """A pattern matching exactly ``text`` (anchored at both ends)."""
    return Seq((Start(), *(Chars(Charclass(char)) for char in text), End()))
