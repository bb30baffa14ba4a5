"""The walker: takes pairs of subschemas off the work list and runs the catalog on them."""

from __future__ import annotations

from registry.compatibility import Incompatibility
from registry.formats.json_schema_compat.catalog import KEYWORD_RULES, STRUCTURAL_RULES
from registry.formats.json_schema_compat.context import Comparison
from registry.formats.json_schema_compat.emptiness import allows_nothing
from registry.formats.json_schema_compat.fingerprints import Fingerprints
from registry.formats.json_schema_compat.json_types import shared_types
from registry.formats.json_schema_compat.memo import CheckMemo
from registry.formats.json_schema_compat.nodes import Node, Side
from registry.formats.json_schema_compat.pointers import describe
from registry.formats.json_schema_compat.policy import tolerated_codes
from registry.model import CompatibilityPolicy


def find_breaking_changes(
    writer: object,
    reader: object,
    *,
    writer_is_old: bool,
    lenient: bool = False,
    policy: CompatibilityPolicy | None = None,
    shared: tuple[Fingerprints, ...] = (),
    memo: CheckMemo | None = None,
) -> list[Incompatibility]:
    """Why a document valid under ``writer`` may be rejected by ``reader``.

    An empty list means the checker proved every document valid under the writer valid
    under the reader; whatever it cannot prove is reported (UNDECIDABLE_CHANGE at worst),
    never assumed. BACKWARD calls this with (old, new, writer_is_old=True), FORWARD with
    (new, old, writer_is_old=False); paths and messages are phrased in old/new terms.
    Both documents must already be valid against their metaschema. ``policy`` says which
    codes are not reported (``policy.tolerated_codes``; STRICT when None); ``lenient`` is
    short for ``policy=LENIENT``.
    ``shared`` are digest caches already filled for these documents (see ``Fingerprints``);
    ``memo`` carries verdicts between the checks of one transitive check (see ``CheckMemo``).
    """
    prints = Fingerprints(*shared)
    writer_side, reader_side = Side(writer, prints), Side(reader, prints)
    if writer_side.dialect == reader_side.dialect and prints.shape(writer) == prints.shape(reader):
        return []  # Equal but for annotations: every check against it would pass.
    if policy is None:
        policy = CompatibilityPolicy.LENIENT if lenient else CompatibilityPolicy.STRICT
    tolerated = tolerated_codes(policy)
    document_key = (
        prints.shape(writer),
        prints.shape(reader),
        writer_side.dialect,
        reader_side.dialect,
        None,  # the documents' own spellings are part of their shapes
        None,
        writer_is_old,
        tolerated,
    )
    if memo is not None and (known := memo.documents.get(document_key)) is not None:
        return list(known)  # Same shapes: the same findings, paths and messages.
    comparison = Comparison(writer_is_old=writer_is_old, step=visit, tolerated=tolerated, memo=memo)
    comparison.compare(writer_side.node(writer, "#"), reader_side.node(reader, "#"))
    findings = comparison.run()
    if memo is not None:
        memo.documents[document_key] = list(findings)
        memo.trim()
    return findings


def visit(writer: Node, reader: Node, ctx: Comparison) -> None:
    """Check one pair of subschemas; nested pairs go back on the work list.

    Unchanged subtrees cost one digest comparison and are not walked: see
    ``Comparison.is_same``. Annotations (title, description, default, examples, ...)
    are never read, so changing them is compatible both ways.
    """
    if allows_nothing(writer):
        return  # The writer allows no document, so none can be rejected.
    if reader.is_false:
        ctx.report(
            "SCHEMA_BECAME_FALSE",
            f"The {ctx.reader_name} schema is `false` at {describe(reader.path)}: it rejects "
            f"every value, including those the {ctx.writer_name} schema allows.",
            writer.path,
            reader.path,
        )
        return
    if not reader.asserts_anything() or ctx.is_same(writer, reader):
        return
    for structural in STRUCTURAL_RULES:
        if structural(writer, reader, ctx):
            return
    shared = shared_types(writer, reader)
    view = reader.view
    for rule in KEYWORD_RULES:
        # Rules check what the reader asks for: a family the reader does not use asks
        # nothing (the writer's own keywords only ever narrow what it writes).
        if rule.keywords.isdisjoint(view):
            continue
        if rule.applies_to is None or not rule.applies_to.isdisjoint(shared):
            rule.check(writer, reader, ctx)
