"""Local references of a schema: external ones, ones naming nothing, and cycles."""

from __future__ import annotations

from collections.abc import Iterable

from registry.providers.findings import find, says
from registry.providers.model import Check, LintFinding, ProviderProfile
from registry.providers.walk import resolve


def reference_findings(
    document: object, refs: list[tuple[str, str]], profile: ProviderProfile
) -> list[LintFinding]:
    found: list[LintFinding] = []
    edges: dict[str, set[str]] = {}
    resolved: list[tuple[str, str]] = []
    for site, ref in refs:
        place = f"{site}/$ref"
        if not ref.startswith("#"):
            found.extend(
                find(
                    profile,
                    Check.EXTERNAL_REF,
                    place,
                    says(f"$ref {ref[:200]!r} is external."),
                )
            )
            continue
        exists, target = resolve(document, ref)
        if not exists:
            found.extend(
                find(
                    profile,
                    Check.UNRESOLVED_REF,
                    place,
                    says(f"$ref {ref[:200]!r} names nothing in the schema."),
                )
            )
            continue
        resolved.append((site, target))
    targets = {target for _, target in resolved} | {"#"}
    for site, target in resolved:
        for holder in _self_and_ancestors(site):
            if holder in targets:
                edges.setdefault(holder, set()).add(target)
    cycle_at = _first_cycle(edges)
    if cycle_at is not None:
        found.extend(
            find(
                profile,
                Check.RECURSION,
                cycle_at,
                lambda r: f"The schema at {cycle_at} refers to itself through $ref. {r.summary}",
            )
        )
    return found


def _self_and_ancestors(pointer: str) -> Iterable[str]:
    while True:
        yield pointer
        if pointer == "#":
            return
        pointer = pointer.rsplit("/", 1)[0]


def _first_cycle(edges: dict[str, set[str]]) -> str | None:
    """A node on a cycle of the reference graph, or None (iterative depth-first search)."""
    done: set[str] = set()
    for start in sorted(edges):
        if start in done:
            continue
        on_path = {start}
        stack = [(start, iter(sorted(edges.get(start, ()))))]
        while stack:
            node, following = stack[-1]
            step = next(following, None)
            if step is None:
                stack.pop()
                on_path.discard(node)
                done.add(node)
            elif step in on_path:
                return step
            elif step not in done:
                on_path.add(step)
                stack.append((step, iter(sorted(edges.get(step, ())))))
    return None
