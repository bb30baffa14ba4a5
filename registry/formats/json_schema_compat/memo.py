"""Verdicts shared by the pairwise checks of one transitive check (see ``CheckMemo``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from registry.compatibility import Incompatibility

# Shapes, drafts, renamed keywords (pointers name the original spelling) of both
# subschemas, then the direction and the policy.
MemoKey = tuple[bytes, bytes, str, str, object, object, bool, frozenset[str]]
PlacedKey = tuple[MemoKey, str, str]  # and where the two subschemas sit
_MEMO_LIMIT = 100_000  # entries kept per memo; a registry check visits far fewer


@dataclass
class CheckMemo:
    """Verdicts that hold whatever the rest of the documents say, shared by the pairwise
    checks of one transitive check (a candidate against every earlier version).

    A pair of subschemas without references means the same wherever it appears: what
    its walk finds depends only on the two shapes, their drafts, the direction and the
    policy (``MemoKey``), and on where they sit, which the messages and pointers name.
    ``clean`` holds the pairs whose walk found nothing, so a later comparison meeting the
    same shapes skips them (the versions of a long history share most subtrees);
    ``subtrees`` holds the findings of the others, by shapes and places, replayed instead
    of walked. ``documents`` does the same for whole-document pairs: versions that differ
    only in annotations are checked once.
    """

    clean: set[MemoKey] = field(default_factory=set)
    subtrees: dict[PlacedKey, tuple[Incompatibility, ...]] = field(default_factory=dict)
    documents: dict[MemoKey, list[Incompatibility]] = field(default_factory=dict)

    def trim(self) -> None:
        if len(self.clean) > _MEMO_LIMIT:
            self.clean.clear()
        if len(self.subtrees) > _MEMO_LIMIT // 10:
            self.subtrees.clear()
        if len(self.documents) > _MEMO_LIMIT // 100:
            self.documents.clear()
