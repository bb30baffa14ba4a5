"""Automata for questions about the strings patterns match (see ``regex_inclusion``).

A pattern's tree (``regex_syntax``) becomes a Thompson automaton whose ``^``/``$`` steps
may be taken only at the start/end of the input; ``SearchAutomaton`` is the subset
construction, built on demand, of "the pattern matches somewhere in the input": it starts
the pattern again at every position and, once a match has ended, accepts whatever
follows. Lengths and a finite set of names are automata too. They all step over atoms:
the characters split (``partition``) into classes every automaton treats alike.
Everything counts its work against a ``Work``, which raises ``OutOfWork`` at its limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from greenery import Charclass
from greenery.charclass import negate

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
)

MAX_AUTOMATON_STATES = 4_000
"""States of one pattern's automaton: ``x{1000}`` fits, ``(x{100}){100}`` does not."""
_SURROGATE_LOW, _SURROGATE_HIGH = 0xD800, 0xDFFF
Atom = tuple[tuple[int, int], ...]  # code point ranges
# Characters an example is preferably made of, in order: readable ones first.
_PREFERRED = "a0A_-.b1B:/@ ~!#$%&'()*+,;<=>?[]^`{|}\"\\\u00e9\u00a0\t\n"
MATCHED = 0  # the search automaton's state once a match has ended: accepts from now on


class OutOfWork(Exception):
    pass


class Work:
    def __init__(self, limit: int) -> None:
        self.left = limit
        self.spent = 0

    def spend(self, units: int) -> None:
        self.spent += units
        if self.spent > self.left:
            raise OutOfWork


class Nfa:
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


class Automaton(Protocol):
    """One condition of a question, as a deterministic automaton over character classes."""

    def initial(self) -> int: ...

    def step(self, state: int, atom: int) -> int: ...

    def accepting(self, state: int) -> bool: ...

    def settled(self, state: int) -> bool | None:
        """True: accepting whatever follows; False: never accepting again; None: unknown."""


class SearchAutomaton:
    """The strings a pattern matches somewhere in, as a subset construction built on demand."""

    def __init__(self, nfa: Nfa, bits: dict[Charclass, int], masks: list[int], work: Work) -> None:
        self.nfa = nfa
        self.work = work
        self.masks = masks
        self.edges = [[(bits[chars], target) for chars, target in edges] for edges in nfa.chars]
        self.weights = [1 + len(edges) for edges in nfa.chars]
        self.sets: list[tuple[frozenset[int], bool]] = [(frozenset(), False)]  # 0: MATCHED
        self.index: dict[tuple[frozenset[int], bool], int] = {}
        self.moves: dict[tuple[int, int], int] = {}
        self.accepts: dict[int, bool] = {MATCHED: True}

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
            return MATCHED  # a match ended here without needing the end of the input
        key = (states, at_start)
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.sets)
            self.sets.append(key)
        return found

    def initial(self) -> int:
        return self._intern(self._closure((self.nfa.initial,), start=True, end=False), True)

    def step(self, state: int, atom: int) -> int:
        if state == MATCHED:
            return MATCHED
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
        return True if state == MATCHED else None


class LengthAutomaton:
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


class NamesAutomaton:
    """Exactly the given names: a trie over character classes, each name character having
    a class of its own."""

    def __init__(self, names: Iterable[str], atoms: list[Atom]) -> None:
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


def representative(atom: Atom) -> str:
    for char in _PREFERRED:
        if any(low <= ord(char) <= high for low, high in atom):
            return char
    return chr(atom[0][0])


def partition(classes: Sequence[Charclass], work: Work) -> tuple[list[Atom], list[int]]:
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
