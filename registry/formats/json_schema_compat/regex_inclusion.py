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
- the characters are split into classes that every condition treats alike (greenery's
  ``repartition`` of the character classes in play; surrogates, which no JSON string
  reaching a validator holds, are left out), so the walk steps over a few dozen classes
  rather than 1.1 million code points;
- the walk is breadth-first, so the example it returns is a shortest one, and every
  example is checked with the engine validators use (``ecma_regex``) before it is given.

Work is counted (automaton states visited, classes stepped over) against a limit per
question (``QUESTION_WORK``) and one per check (``Allowance``): a question that runs
out is answered "not decided", like one using an unsupported construct, never "no".
Automata are limited to ``MAX_AUTOMATON_STATES`` states.

greenery's own automata are not used for the walk: each of their operations minimises by
reversing twice, which took a second for ``[a-z0-9-]{1,63}`` and has no work limit.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from greenery import Charclass
from greenery.charclass import negate

from registry.formats import ecma_regex
from registry.formats.json_schema_compat.regex_syntax import (
    MAX_CODE_POINT,
    Alt,
    Chars,
    End,
    Regex,
    Repeat,
    Seq,
    Start,
    UnsupportedSyntaxError,
    parse_pattern,
)

MAX_AUTOMATON_STATES = 4_000
"""States of one pattern's automaton: ``x{1000}`` fits, ``(x{100}){100}`` does not."""
QUESTION_WORK = 150_000
"""Work units one question may take (about a tenth of a second)."""
CHECK_WORK = 400_000
"""Work units all the questions of one compatibility check may take together."""

_SURROGATE_LOW, _SURROGATE_HIGH = 0xD800, 0xDFFF
_Atom = tuple[tuple[int, int], ...]  # code point ranges
# Characters an example is preferably made of, in order: readable ones first.
_PREFERRED = "a0A_-.b1B:/@ ~!#$%&'()*+,;<=>?[]^`{|}\"\\\u00e9\u00a0\t\n"
_T = TypeVar("_T")
_MATCHED = 0  # the search automaton's state once a match has ended: accepts from now on


class _OutOfWork(Exception):
    pass


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


class _Work:
    def __init__(self, limit: int) -> None:
        self.left = limit
        self.spent = 0

    def spend(self, units: int) -> None:
        self.spent += units
        if self.spent > self.left:
            raise _OutOfWork


class _Nfa:
    """A Thompson automaton: one start state, one final state."""

    def __init__(self, tree: Regex) -> None:
        self.chars: list[list[tuple[Charclass, int]]] = []
        self.free: list[list[int]] = []
        self.at_start: list[list[int]] = []
        self.at_end: list[list[int]] = []
        self.initial = self._state()
        self.final = self._build(tree, self.initial)

    def _state(self) -> int:
        if len(self.chars) >= MAX_AUTOMATON_STATES:
            raise UnsupportedSyntaxError(
                f"its automaton would have more than {MAX_AUTOMATON_STATES:,} states"
            )
        for table in (self.chars, self.free, self.at_start, self.at_end):
            table.append([])
        return len(self.chars) - 1

    def _build(self, node: Regex, source: int) -> int:
        """Adds ``node`` from state ``source``; returns the state it ends in."""
        if isinstance(node, Chars):
            target = self._state()
            self.chars[source].append((node.chars, target))
            return target
        if isinstance(node, Start | End):
            target = self._state()
            (self.at_start if isinstance(node, Start) else self.at_end)[source].append(target)
            return target
        if isinstance(node, Seq):
            for item in node.items:
                source = self._build(item, source)
            return source
        if isinstance(node, Alt):
            target = self._state()
            for option in node.options:
                self.free[self._build(option, source)].append(target)
            return target
        return self._repeat(node, source)

    def _repeat(self, node: Repeat, source: int) -> int:
        for _ in range(node.low):
            source = self._build(node.item, source)
        if node.high is None:
            loop = self._state()
            self.free[source].append(loop)
            self.free[self._build(node.item, loop)].append(loop)
            return loop
        target = self._state()
        for _ in range(node.high - node.low):
            self.free[source].append(target)
            source = self._build(node.item, source)
        self.free[source].append(target)
        return target

    def classes(self) -> Iterable[Charclass]:
        return (chars for edges in self.chars for chars, _ in edges)


class _Automaton(Protocol):
    """One condition of a question, as a deterministic automaton over character classes."""

    def initial(self) -> int: ...

    def step(self, state: int, atom: int) -> int: ...

    def accepting(self, state: int) -> bool: ...

    def settled(self, state: int) -> bool | None:
        """True: accepting whatever follows; False: never accepting again; None: unknown."""


class _Search:
    """The strings a pattern matches somewhere in, as a subset construction built on demand."""

    def __init__(
        self, nfa: _Nfa, bits: dict[Charclass, int], masks: list[int], work: _Work
    ) -> None:
        self.nfa = nfa
        self.work = work
        self.masks = masks
        self.edges = [[(bits[chars], target) for chars, target in edges] for edges in nfa.chars]
        self.weights = [1 + len(edges) for edges in nfa.chars]
        self.sets: list[tuple[frozenset[int], bool]] = [(frozenset(), False)]  # 0: _MATCHED
        self.index: dict[tuple[frozenset[int], bool], int] = {}
        self.moves: dict[tuple[int, int], int] = {}
        self.accepts: dict[int, bool] = {_MATCHED: True}

    def _closure(self, seeds: Iterable[int], *, start: bool, end: bool) -> frozenset[int]:
        nfa, found = self.nfa, set(seeds)
        stack = list(found)
        while stack:
            state = stack.pop()
            self.work.spend(1)
            targets = nfa.free[state]
            if start and nfa.at_start[state]:
                targets = targets + nfa.at_start[state]
            if end and nfa.at_end[state]:
                targets = targets + nfa.at_end[state]
            for target in targets:
                if target not in found:
                    found.add(target)
                    stack.append(target)
        return frozenset(found)

    def _intern(self, states: frozenset[int], at_start: bool) -> int:
        if self.nfa.final in states:
            return _MATCHED  # a match ended here without needing the end of the input
        key = (states, at_start)
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.sets)
            self.sets.append(key)
        return found

    def initial(self) -> int:
        return self._intern(self._closure((self.nfa.initial,), start=True, end=False), True)

    def step(self, state: int, atom: int) -> int:
        if state == _MATCHED:
            return _MATCHED
        known = self.moves.get((state, atom))
        if known is not None:
            return known
        states, _ = self.sets[state]
        self.work.spend(sum(self.weights[source] for source in states))
        # The pattern may also start matching at the next position (a search).
        moved = {self.nfa.initial}
        mask = self.masks[atom]
        for source in states:
            moved.update(target for bit, target in self.edges[source] if mask >> bit & 1)
        found = self.moves[(state, atom)] = self._intern(
            self._closure(moved, start=False, end=False), False
        )
        return found

    def accepting(self, state: int) -> bool:
        known = self.accepts.get(state)
        if known is None:
            states, at_start = self.sets[state]
            known = self.nfa.final in self._closure(states, start=at_start, end=True)
            self.accepts[state] = known
        return known

    def settled(self, state: int) -> bool | None:
        return True if state == _MATCHED else None


class _Length:
    """Strings of ``low`` to ``high`` characters (code points, as JSON Schema counts)."""

    def __init__(self, low: int, high: int | None) -> None:
        self.low, self.high = low, high
        self.cap = low if high is None else high + 1

    def initial(self) -> int:
        return 0

    def step(self, state: int, atom: int) -> int:
        return min(state + 1, self.cap)

    def accepting(self, state: int) -> bool:
        return state >= self.low and (self.high is None or state <= self.high)

    def settled(self, state: int) -> bool | None:
        if self.high is None:
            return True if state >= self.low else None
        return False if state > self.high else None


class _Names:
    """Exactly the given names: a trie over character classes, each name character having
    a class of its own."""

    def __init__(self, names: Iterable[str], atoms: list[_Atom]) -> None:
        single = {
            chr(atom[0][0]): index
            for index, atom in enumerate(atoms)
            if len(atom) == 1 and atom[0][0] == atom[0][1]
        }
        self.children: list[dict[int, int]] = [{}, {}]  # 0: no name starts so; 1: the root
        self.ends: set[int] = set()
        for name in names:
            if any(char not in single for char in name):
                continue  # A lone surrogate: no example holds one.
            node = 1
            for char in name:
                atom = single[char]
                child = self.children[node].get(atom)
                if child is None:
                    child = self.children[node][atom] = len(self.children)
                    self.children.append({})
                node = child
            self.ends.add(node)

    def initial(self) -> int:
        return 1

    def step(self, state: int, atom: int) -> int:
        return self.children[state].get(atom, 0)

    def accepting(self, state: int) -> bool:
        return state in self.ends

    def settled(self, state: int) -> bool | None:
        return False if state == 0 else None


def _representative(atom: _Atom) -> str:
    for char in _PREFERRED:
        if any(low <= ord(char) <= high for low, high in atom):
            return char
    return chr(atom[0][0])


def _partition(classes: Sequence[Charclass], work: _Work) -> tuple[list[_Atom], list[int]]:
    """The characters split into atoms that every class holds whole or not at all, each
    with the mask of the classes holding it (bit i: ``classes[i]``). Surrogates are left
    out. A sweep over the classes' boundaries: linear in their ranges."""
    toggles: dict[int, int] = {0: 0, _SURROGATE_LOW: 0, _SURROGATE_HIGH + 1: 0}
    for bit, chars in enumerate(classes):
        spans = negate(list(chars.ord_ranges)) if chars.negated else chars.ord_ranges
        work.spend(len(spans))
        for low, high in spans:
            toggles[low] = toggles.get(low, 0) ^ (1 << bit)
            toggles[high + 1] = toggles.get(high + 1, 0) ^ (1 << bit)
    points = sorted(point for point in toggles if point <= MAX_CODE_POINT)
    work.spend(len(points))
    groups: dict[int, list[tuple[int, int]]] = {}
    mask = 0
    for index, point in enumerate(points):
        mask ^= toggles[point]
        if _SURROGATE_LOW <= point <= _SURROGATE_HIGH:
            continue
        end = points[index + 1] - 1 if index + 1 < len(points) else MAX_CODE_POINT
        groups.setdefault(mask, []).append((point, end))
    return [tuple(spans) for spans in groups.values()], list(groups)


class _NfaCache:
    """Patterns' automata (or why there is none), the most recently used kept."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[str, _Nfa | str] = OrderedDict()

    def get(self, pattern: str) -> _Nfa | str:
        found = self.items.get(pattern)
        if found is None:
            try:
                found = _Nfa(parse_pattern(pattern))
            except (UnsupportedSyntaxError, ecma_regex.PatternError) as exc:
                found = f"pattern '{pattern}' is not decided: {exc}"
            self.items[pattern] = found
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        else:
            self.items.move_to_end(pattern)
        return found


_NFAS = _NfaCache(512)


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
        self.work = _Work(QUESTION_WORK)
        nfas: list[_Nfa] = []
        for pattern in patterns:
            nfa = _NFAS.get(pattern)
            if isinstance(nfa, str):
                raise UnsupportedSyntaxError(nfa)
            nfas.append(nfa)
        found = {Charclass(char) for name in question.excluded for char in name}
        for nfa in nfas:
            found.update(nfa.classes())
        classes = list(found)
        self.atoms, masks = _partition(classes, self.work)
        bits = {chars: bit for bit, chars in enumerate(classes)}
        self.automata: list[_Automaton] = [_Search(nfa, bits, masks, self.work) for nfa in nfas]
        if question.min_length or question.max_length is not None:
            self.automata.append(_Length(question.min_length, question.max_length))
        if question.excluded:
            self.automata.append(_Names(question.excluded, self.atoms))

    def text(self, path: list[int]) -> str:
        return "".join(_representative(self.atoms[atom]) for atom in path)

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


class _AnswerCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[object, object] = OrderedDict()

    def get(self, key: object) -> object | None:
        found = self.items.get(key)
        if found is not None:
            self.items.move_to_end(key)
        return found

    def put(self, key: object, value: object) -> None:
        self.items[key] = value
        while len(self.items) > self.size:
            self.items.popitem(last=False)


_ANSWERS = _AnswerCache(2048)
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
    except _OutOfWork:
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
    except _OutOfWork:
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
    except (UnsupportedSyntaxError, _OutOfWork):
        return None
