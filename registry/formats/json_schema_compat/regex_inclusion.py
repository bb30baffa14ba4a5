"""What strings JSON Schema patterns match: inclusion, overlap and examples, decided exactly
within a bounded amount of work.

A JSON Schema pattern is searched, not anchored: ``abc`` matches ``xabcx``. The strings a
pattern ``P`` matches are those with a substring ``P`` matches in full, where ``^`` holds
only at the start of the whole string and ``$`` only at its very end. Each question here
("is there a string that matches these patterns, none of those, has a length within these
bounds and is none of these names?") is answered by a breadth-first walk over the product
of one automaton per condition, built on demand:

- a pattern is read into a tree (``regex_syntax``), then into a Thompson automaton whose
  ``^``/``$`` steps may be taken only at the start/end of the input; searching is a
  subset construction that starts the pattern again at every position and, once a match
  has ended, accepts whatever follows;
- the characters are split into classes that every condition treats alike (a sweep over
  the boundaries of the greenery character classes in play; surrogates, which no JSON
  string reaching a validator holds, are left out), so the walk steps over a few dozen
  classes rather than 1.1 million code points (``regex_automata``);
- the walk is breadth-first, so the example it returns is a shortest one, and every
  example is checked with the engine validators use (``ecma_regex``) before it is given.

Work is counted (automaton states visited, classes stepped over) against a limit per
question (``QUESTION_WORK``) and one per check (``Allowance``): a question that runs
out is answered "not decided", like one using an unsupported construct, never "no".
Automata are limited to ``regex_automata.MAX_AUTOMATON_STATES`` states.

greenery's own automata are not used for the walk: each of their operations minimises by
reversing twice, which took a second for ``[a-z0-9-]{1,63}`` (and its ``repartition``
fifteen seconds for 1,500 classes), with no work limit.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from threading import Lock
from typing import TypeVar

from greenery import Charclass

from registry.formats import ecma_regex
from registry.formats.json_schema_compat.regex_automata import (
    Automaton,
    LengthAutomaton,
    NamesAutomaton,
    Nfa,
    OutOfWork,
    SearchAutomaton,
    Work,
    partition,
    representative,
)
from registry.formats.json_schema_compat.regex_syntax import (
    UnsupportedSyntaxError,
    parse_pattern,
)

QUESTION_WORK = 150_000
"""Work units one question may take (a tenth to a quarter of a second)."""
CHECK_WORK = 400_000
"""Work units all the questions of one compatibility check may take together."""

_T = TypeVar("_T")


@dataclass
class Allowance:
    """The work left to the pattern questions of one compatibility check."""

    left: int = CHECK_WORK


@dataclass(frozen=True)
class Answer:
    """``decided`` false: not known, ``reason`` says why. Otherwise ``example`` is a
    string with the asked properties, or None: no string has them."""

    decided: bool
    example: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class NameClasses:
    """Names grouped by the patterns they match: for each set of patterns that some name
    matches exactly (that one and no other), one such name. ``decided`` false: not known."""

    decided: bool
    examples: dict[frozenset[str], str] = field(default_factory=dict)
    reason: str = ""


class _Recent:
    """The most recently used answers, kept up to ``size``; safe to share between threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[object, object] = OrderedDict()
        self.lock = Lock()

    def get(self, key: object) -> object | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: object, value: object) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def _nfa(pattern: str) -> Nfa | str:
    """A pattern's automaton, or why there is none."""
    found = _NFAS.get(pattern)
    if isinstance(found, Nfa | str):
        return found
    try:
        built: Nfa | str = Nfa(parse_pattern(pattern))
    except (UnsupportedSyntaxError, ecma_regex.PatternError) as exc:
        built = f"pattern '{pattern}' is not decided: {exc}"
    _NFAS.put(pattern, built)
    return built


_NFAS = _Recent(512)


@dataclass(frozen=True)
class _Question:
    matching: tuple[str, ...]
    not_matching: tuple[str, ...]
    min_length: int
    max_length: int | None
    excluded: frozenset[str]


class _Walk:
    """The automata of one question, over one partition of the characters."""

    def __init__(self, patterns: Sequence[str], question: _Question) -> None:
        self.work = Work(QUESTION_WORK)
        nfas: list[Nfa] = []
        for pattern in patterns:
            nfa = _nfa(pattern)
            if isinstance(nfa, str):
                raise UnsupportedSyntaxError(nfa)
            nfas.append(nfa)
        found = {Charclass(char) for name in question.excluded for char in name}
        for nfa in nfas:
            found.update(nfa.classes())
        classes = list(found)
        self.atoms, masks = partition(classes, self.work)
        bits = {chars: bit for bit, chars in enumerate(classes)}
        self.automata: list[Automaton] = [
            SearchAutomaton(nfa, bits, masks, self.work) for nfa in nfas
        ]
        if question.min_length or question.max_length is not None:
            self.automata.append(LengthAutomaton(question.min_length, question.max_length))
        if question.excluded:
            self.automata.append(NamesAutomaton(question.excluded, self.atoms))

    def text(self, path: list[int]) -> str:
        return "".join(representative(self.atoms[atom]) for atom in path)

    def walk(self, wanted: list[bool | None], *, first: bool) -> dict[tuple[bool, ...], str]:
        """Breadth-first over the product: for each pattern of acceptance met (``wanted``:
        True must accept, False must not, None either way), the shortest string meeting
        it; only the first one found when ``first``. States are looked at as they are
        reached, so a string is found without stepping on from every state of its length."""
        automata = self.automata
        start = tuple(automaton.initial() for automaton in automata)
        parents: dict[tuple[int, ...], tuple[tuple[int, ...], int] | None] = {start: None}
        found: dict[tuple[bool, ...], str] = {}
        if self._meets(start, wanted, parents, found) and first:
            return found
        queue = deque([start])
        while queue:
            state = queue.popleft()
            settled = [a.settled(s) for a, s in zip(automata, state, strict=True)]
            if all(value is not None for value in settled) or any(
                want is not None and value is not None and value != want
                for want, value in zip(wanted, settled, strict=True)
            ):
                continue  # Nothing new past here, or what is wanted can no longer be met.
            for atom in range(len(self.atoms)):
                self.work.spend(1)
                target = tuple(a.step(s, atom) for a, s in zip(automata, state, strict=True))
                if target in parents:
                    continue
                parents[target] = (state, atom)
                if self._meets(target, wanted, parents, found) and first:
                    return found
                queue.append(target)
        return found

    def _meets(
        self,
        state: tuple[int, ...],
        wanted: list[bool | None],
        parents: dict[tuple[int, ...], tuple[tuple[int, ...], int] | None],
        found: dict[tuple[bool, ...], str],
    ) -> bool:
        """Whether ``state`` meets ``wanted`` with an acceptance not met before; records
        the string reaching it."""
        self.work.spend(len(self.automata))
        accepting = tuple(a.accepting(s) for a, s in zip(self.automata, state, strict=True))
        if accepting in found or any(
            want is not None and want != got for want, got in zip(wanted, accepting, strict=True)
        ):
            return False
        found[accepting] = self.text(_path(parents, state))
        return True


def _path(
    parents: dict[tuple[int, ...], tuple[tuple[int, ...], int] | None], state: tuple[int, ...]
) -> list[int]:
    path: list[int] = []
    link = parents[state]
    while link is not None:
        state, atom = link
        path.append(atom)
        link = parents[state]
    return path[::-1]


_ANSWERS = _Recent(2048)
_SPENT = "the work allowed for the patterns of one check is spent"


def find_string(
    matching: Sequence[str] = (),
    not_matching: Sequence[str] = (),
    *,
    min_length: int = 0,
    max_length: int | None = None,
    excluded: Iterable[str] = (),
    allowance: Allowance | None = None,
) -> Answer:
    """A string that every ``matching`` pattern matches and no ``not_matching`` one does,
    of ``min_length`` to ``max_length`` characters and none of ``excluded``: the shortest
    such string, or None when none exists (proved), or not decided.

    "Every string pattern A matches, B matches too" is ``find_string([A], [B])`` finding
    none; "A and B share a string" is ``find_string([A, B])`` finding one.
    """
    question = _Question(
        tuple(matching), tuple(not_matching), min_length, max_length, frozenset(excluded)
    )
    known = _ANSWERS.get(question)
    if isinstance(known, Answer):
        return known
    if allowance is not None and allowance.left <= 0:
        return Answer(False, reason=_SPENT)
    patterns = [*question.matching, *question.not_matching]
    wanted: list[bool | None] = [True] * len(question.matching)
    wanted += [False] * len(question.not_matching)
    try:
        walk = _Walk(patterns, question)
        wanted += [True] * (len(walk.automata) - len(wanted))
        if question.excluded:
            wanted[-1] = False
        found = walk.walk(wanted, first=True)
    except UnsupportedSyntaxError as exc:
        return _remember(question, Answer(False, reason=str(exc)))
    except OutOfWork:
        _charge(allowance, QUESTION_WORK)
        return _remember(question, Answer(False, reason=_too_much(patterns)))
    _charge(allowance, walk.work.spent)
    example = next(iter(found.values()), None)
    if example is not None and not _confirmed(example, question.matching, question.not_matching):
        return _remember(question, Answer(False, reason="the engines disagree"))
    return _remember(question, Answer(True, example))


def name_classes(
    patterns: Sequence[str], excluded: Iterable[str] = (), allowance: Allowance | None = None
) -> NameClasses:
    """For each set of ``patterns`` some name (not one of ``excluded``) matches all of and
    no other of, the shortest such name: which patterns can apply to one property name
    together, and which names no pattern applies to (the empty set)."""
    question = _Question(tuple(dict.fromkeys(patterns)), (), 0, None, frozenset(excluded))
    known = _ANSWERS.get(("classes", question))
    if isinstance(known, NameClasses):
        return known
    if allowance is not None and allowance.left <= 0:
        return NameClasses(False, reason=_SPENT)
    try:
        walk = _Walk(question.matching, question)
        wanted: list[bool | None] = [None] * len(question.matching)
        if question.excluded:
            wanted.append(False)
        found = walk.walk(wanted, first=False)
    except UnsupportedSyntaxError as exc:
        return _remember(("classes", question), NameClasses(False, reason=str(exc)))
    except OutOfWork:
        _charge(allowance, QUESTION_WORK)
        return _remember(("classes", question), NameClasses(False, reason=_too_much(patterns)))
    _charge(allowance, walk.work.spent)
    examples: dict[frozenset[str], str] = {}
    for accepting, name in found.items():
        matched = frozenset(p for p, hit in zip(question.matching, accepting, strict=False) if hit)
        unmatched = [p for p in question.matching if p not in matched]
        if not _confirmed(name, sorted(matched), unmatched):
            return _remember(
                ("classes", question), NameClasses(False, reason="the engines disagree")
            )
        examples[matched] = name
    return _remember(("classes", question), NameClasses(True, examples))


def _confirmed(text: str, matching: Iterable[str], not_matching: Iterable[str]) -> bool:
    """What the walk found, checked with the engine validators run."""
    return all(ecma_regex.search(p, text) for p in matching) and not any(
        ecma_regex.search(p, text) for p in not_matching
    )


def _charge(allowance: Allowance | None, units: int) -> None:
    if allowance is not None:
        allowance.left -= units


def _too_much(patterns: Sequence[str]) -> str:
    listed = ", ".join(f"'{p}'" for p in patterns)
    return f"deciding it for {listed} takes more work than one question may take"


def _remember(key: object, value: _T) -> _T:
    _ANSWERS.put(key, value)
    return value


def search(pattern: str, text: str) -> bool | None:
    """Whether ``pattern`` matches somewhere in ``text``, by the automaton the answers
    above rest on; None when the pattern is not decided here. Validators use
    ``ecma_regex``: this is the reading to compare with it."""
    question = _Question((pattern,), (), 0, None, frozenset({text}))
    try:
        walk = _Walk([pattern], question)
        automaton = walk.automata[0]
        atoms = {chr(a[0][0]): i for i, a in enumerate(walk.atoms) if a[0][0] == a[-1][1]}
        state = automaton.initial()
        for char in text:
            if char not in atoms:
                return None  # a lone surrogate
            state = automaton.step(state, atoms[char])
        return automaton.accepting(state)
    except (UnsupportedSyntaxError, OutOfWork):
        return None
