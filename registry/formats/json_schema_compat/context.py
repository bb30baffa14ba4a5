"""One comparison in progress: the work list, the assumed pairs, the findings."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from registry.compatibility import Incompatibility
from registry.formats.json_schema_compat.codes import CODES
from registry.formats.json_schema_compat.evaluation import SOURCES
from registry.formats.json_schema_compat.memo import CheckMemo, MemoKey
from registry.formats.json_schema_compat.nodes import Node
from registry.formats.json_schema_compat.plain import is_plain
from registry.formats.json_schema_compat.policy import CONDITIONALLY_TOLERATED
from registry.formats.json_schema_compat.regex_inclusion import Allowance

Step = Callable[[Node, Node, "Comparison"], None]
NodeKey = tuple[int, frozenset[str], bool]
PairKey = tuple[NodeKey, NodeKey]

# Nested proofs (one per anyOf branch tried) are bounded so that recursive schemas full of
# combinators, or adversarially nested ones, end with a verdict instead of running away.
MAX_NESTING = 24
MAX_STEPS = 20_000  # pairs visited per top-level check, side proofs included


@dataclass
class _Visit:
    """A pair queued by a memoizing comparison: what it is keyed by, who queued it, and
    the findings reported while it was visited."""

    key: MemoKey | None
    paths: tuple[str, str]
    parent: int
    own: list[Incompatibility] = field(default_factory=list)


@dataclass
class Budget:
    """What a top-level check and all its side proofs share: steps, and proved verdicts."""

    steps_left: int = MAX_STEPS
    # (pair, tolerated codes) -> (verdict, writer raw, reader raw): the raws keep the ids
    # in the key valid. A verdict holds under the policy it was proved with only.
    verdicts: dict[tuple[PairKey, frozenset[str]], tuple[bool, object, object]] = field(
        default_factory=dict
    )
    patterns: Allowance = field(default_factory=Allowance)


class Comparison:
    """Proves "every document valid under the writer is valid under the reader".

    Pairs of subschemas are checked from a work list (no recursion, so depth is no limit).
    A pair met again is assumed to hold: recursive schemas are compared coinductively,
    which is sound because the verdict is the conjunction over every pair ever visited.
    Side proofs (``holds``) inherit those assumptions; their verdicts are remembered,
    except a success that leaned on an inherited assumption, which holds only in context.

    The policy's tolerated codes apply to claims about the writer's documents. A lemma
    about schemas (``holds(..., strict=True)``: every value of one subschema valid under
    another, whichever side each comes from) is proved with none tolerated, and leans on
    no assumption made under another policy, so it means under LENIENT what it means
    under STRICT: LENIENT accepts everything STRICT does.
    """

    def __init__(
        self,
        *,
        writer_is_old: bool,
        step: Step,
        parent: Comparison | None = None,
        stop_at_first: bool = False,
        tolerated: frozenset[str] = frozenset(),
        memo: CheckMemo | None = None,
    ) -> None:
        self.writer_is_old = writer_is_old
        self.writer_name = "old" if writer_is_old else "new"
        self.reader_name = "new" if writer_is_old else "old"
        self.findings: list[Incompatibility] = []
        self._step = step
        self._parent = parent
        self._depth: int = 0 if parent is None else parent._depth + 1
        self._budget: Budget = Budget() if parent is None else parent._budget
        self._stop_at_first = stop_at_first
        # Codes the policy accepts (LENIENT, LLM): never recorded. Side proofs inherit them, but
        # strict lemmas (see the class docstring) are started with none.
        self.tolerated: frozenset[str] = tolerated
        self._leans_on_parent = False
        self._queue: deque[tuple[Node, Node, int]] = deque()
        # Values keep both raw schemas alive so their ids cannot be reused meanwhile.
        self._visited: dict[PairKey, tuple[object, object]] = {}
        # Only a top-level comparison reads and fills the memo: side proofs run under
        # assumptions and may stop at their first finding.
        self._memo = memo if parent is None else None
        self._visits: list[_Visit] = []
        self._index: dict[PairKey, int] = {}
        self._current = -1
        # A pair met again from another place (a reference cycle, a shared subschema)
        # has findings no single subtree owns: such a run records nothing.
        self._is_tree = True

    def compare(self, writer: Node, reader: Node) -> None:
        """Queue the proof that ``writer`` documents are accepted by ``reader``."""
        key = (writer.key, reader.key)
        if self._is_assumed(key):
            met = self._index.get(key)
            if met is not None and self._visits[met].parent != self._current:
                self._is_tree = False
            return
        index = -1
        if self._memo is not None:
            memo_key = self.memo_key(writer, reader)
            if memo_key is not None:
                if memo_key in self._memo.clean:
                    return  # Proved compatible on its own by an earlier comparison.
                known = self._memo.subtrees.get((memo_key, writer.path, reader.path))
                if known is not None:
                    self.findings.extend(known)  # What the same walk found before.
                    return
            index = len(self._visits)
            self._index[key] = index
            self._visits.append(_Visit(memo_key, (writer.path, reader.path), self._current))
        self._visited[key] = (writer.raw, reader.raw)
        self._queue.append((writer, reader, index))

    def memo_key(self, writer: Node, reader: Node) -> MemoKey | None:
        """What a pair's verdict depends on, when it depends on nothing else: the shapes
        of both subschemas (no reference inside either), their drafts and renamed
        keywords, the direction and the policy (under LLM, also whether the reader is a
        part and its document plain). None for pairs with references, whose meaning
        depends on the document. (Below the pair, subschemas are digested as written, so
        their spellings are part of the shapes.)
        """
        if SOURCES in writer.view or SOURCES in reader.view:
            return None  # Evaluation decided per document: see ``evaluation``.
        prints = writer.side.fingerprints
        writer_entry = prints.entry(writer.raw if writer.raw is False else writer.view)
        reader_entry = prints.entry(reader.raw if reader.raw is False else reader.view)
        if writer_entry[3] or reader_entry[3]:
            return None
        reader_part: object = tuple(sorted(reader.renames.items())) if reader.renames else None
        if not CONDITIONALLY_TOLERATED.isdisjoint(self.tolerated):
            # LLM's reading rule also depends on the whole reader document (``plain``).
            reader_part = (reader_part, reader.partial, is_plain(reader.side))
        return (
            writer_entry[2],
            reader_entry[2],
            writer.side.dialect,
            reader.side.dialect,
            (tuple(sorted(writer.renames.items())), writer.partial),
            reader_part,
            self.writer_is_old,
            self.tolerated,
        )

    def run(self) -> list[Incompatibility]:
        while self._queue and not (self._stop_at_first and self.findings):
            if self._budget.steps_left <= 0:
                writer, reader, _ = self._queue[0]
                self.report(
                    "UNDECIDABLE_CHANGE",
                    "The schemas are too large or too deeply combined to compare fully; "
                    "the rest of the comparison was skipped.",
                    writer.path,
                    reader.path,
                )
                break
            self._budget.steps_left -= 1
            writer, reader, index = self._queue.popleft()
            if index < 0:
                self._step(writer, reader, self)
                continue
            before, self._current = len(self.findings), index
            self._step(writer, reader, self)
            self._visits[index].own = self.findings[before:]
        if self._memo is not None and not self._queue and self._is_tree:
            self._record(self._memo)
        return self.findings

    def _record(self, memo: CheckMemo) -> None:
        """Each visited pair's subtree findings (a pair is queued while its parent is
        visited, so it comes after it in the list)."""
        below: list[list[Incompatibility]] = [[] for _ in self._visits]
        for index in range(len(self._visits) - 1, -1, -1):
            visit = self._visits[index]
            found = below[index]
            found[:0] = visit.own
            if visit.parent >= 0:
                below[visit.parent][:0] = found  # children last to first: keeps their order
            if visit.key is None:
                continue
            if not found:
                memo.clean.add(visit.key)
            else:
                memo.subtrees[(visit.key, *visit.paths)] = tuple(found)
        memo.trim()

    def explain(self, writer: Node, reader: Node) -> list[Incompatibility]:
        """Every reason ``writer`` documents may fail ``reader``, proved on its own."""
        return self._nested(writer, reader, stop_at_first=False, tolerated=self.tolerated)

    def holds(self, writer: Node, reader: Node, *, strict: bool = False) -> bool:
        """Whether ``writer`` is proved to fit ``reader``: a side proof, reporting nothing.

        ``strict`` proves it for every value ``writer`` allows, not only for documents a
        writer wrote: no code is tolerated (see the class docstring).
        """
        tolerated = frozenset() if strict else self.tolerated
        key = ((writer.key, reader.key), tolerated)
        known = self._budget.verdicts.get(key)
        if known is not None:
            return known[0]
        leaned_before, self._leans_on_parent = self._leans_on_parent, False
        verdict = not self._nested(writer, reader, stop_at_first=True, tolerated=tolerated)
        if not (verdict and self._leans_on_parent):
            self._budget.verdicts[key] = (verdict, writer.raw, reader.raw)
        self._leans_on_parent = self._leans_on_parent or leaned_before
        return verdict

    @property
    def pattern_allowance(self) -> Allowance:
        """The work left to this check's questions about patterns (``regex_inclusion``)."""
        return self._budget.patterns

    def report(
        self,
        code: str,
        message: str,
        writer_path: str,
        reader_path: str,
        *,
        condition_met: bool = False,
    ) -> None:
        """Record a finding, unless the policy tolerates its code: outright, or, for a
        code it tolerates on a condition, when the caller says ``condition_met``."""
        if code not in CODES:
            raise ValueError(f"undocumented incompatibility code {code}")
        if code in self.tolerated and (code not in CONDITIONALLY_TOLERATED or condition_met):
            return
        old_path, new_path = (
            (writer_path, reader_path) if self.writer_is_old else (reader_path, writer_path)
        )
        self.findings.append(
            Incompatibility(code=code, message=message, old_path=old_path, new_path=new_path)
        )

    def extend(self, findings: Iterable[Incompatibility]) -> None:
        self.findings.extend(findings)

    def is_same(self, writer: Node, reader: Node) -> bool:
        """Equal subschemas need no walk: one digest comparison, computed once per node
        (annotations left out, see ``Fingerprints.shape``).

        A subschema holding a reference is only "the same" when the two documents are too;
        otherwise equal text may point at different definitions.
        """
        if writer.dropped != reader.dropped or writer.is_false != reader.is_false:
            return False  # ``false`` has an empty view, like ``true``.
        return self.is_same_value(writer.view, reader.view, writer, reader)

    def is_same_value(self, left: object, right: object, writer: Node, reader: Node) -> bool:
        """Whether a keyword value means the same on both sides (see ``is_same``)."""
        writer_side, reader_side = writer.side, reader.side
        if writer_side.dialect != reader_side.dialect:
            return False
        prints = writer_side.fingerprints
        # Shapes leave annotations out: subschemas differing only in them are the same.
        # ``left`` and ``right`` are schemas or lists/maps of schemas, never enum data.
        left_entry = prints.entry(left)
        if left_entry[2] != prints.entry(right)[2]:
            return False
        return not left_entry[3] or (
            prints.shape(writer_side.document) == prints.shape(reader_side.document)
        )

    def changed_members(
        self, writer: Node, reader: Node, keyword: str
    ) -> tuple[dict[str, object], dict[str, object], set[str]]:
        """The two nodes' maps under ``keyword`` (``properties``) and the names whose
        schemas are not the same on both sides (see ``is_same_value``), one-sided names
        included. Costs what the maps differ by: the tables are set differences of
        (name, shape) pairs kept with each document."""
        writer_map = writer.view.get(keyword)
        reader_map = reader.view.get(keyword)
        writer_map = writer_map if isinstance(writer_map, dict) else {}
        reader_map = reader_map if isinstance(reader_map, dict) else {}
        writer_side, reader_side = writer.side, reader.side
        if writer_side.dialect != reader_side.dialect or not writer_map or not reader_map:
            return writer_map, reader_map, {*writer_map, *reader_map}
        prints = writer_side.fingerprints
        writer_pairs, writer_refs = prints.member_pairs(writer_map)
        reader_pairs, reader_refs = prints.member_pairs(reader_map)
        changed = {name for name, _ in writer_pairs - reader_pairs}
        changed.update(name for name, _ in reader_pairs - writer_pairs)
        if (writer_refs or reader_refs) and prints.shape(writer_side.document) != prints.shape(
            reader_side.document
        ):
            # Equal text may point at different definitions.
            changed |= writer_refs | reader_refs
        return writer_map, reader_map, changed

    def _is_assumed(self, key: PairKey) -> bool:
        if key in self._visited:
            return True
        comparison = self._parent
        # A pair assumed under another policy would hold only under that one.
        while comparison is not None and comparison.tolerated == self.tolerated:
            if key in comparison._visited:
                self._leans_on_parent = True
                return True
            comparison = comparison._parent
        return False

    def _nested(
        self, writer: Node, reader: Node, *, stop_at_first: bool, tolerated: frozenset[str]
    ) -> list[Incompatibility]:
        if self._depth >= MAX_NESTING or self._budget.steps_left <= 0:
            return [
                Incompatibility(
                    code="UNDECIDABLE_CHANGE",
                    message=(
                        "The schemas combine allOf/anyOf/oneOf too deeply or too widely to "
                        "compare; the change is treated as breaking."
                    ),
                    old_path=writer.path if self.writer_is_old else reader.path,
                    new_path=reader.path if self.writer_is_old else writer.path,
                )
            ]
        nested = Comparison(
            writer_is_old=self.writer_is_old,
            step=self._step,
            parent=self,
            stop_at_first=stop_at_first,
            tolerated=tolerated,
        )
        nested.compare(writer, reader)
        findings = nested.run()
        # A side proof leaning on our assumptions makes our own verdict contextual too.
        self._leans_on_parent = self._leans_on_parent or nested._leans_on_parent
        return findings
