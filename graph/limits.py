"""Request limits on a GraphQL document, decided before execution in linear time.

What a document costs is measured on its expansion: every fragment spread counts as the
fields it stands for, so ``F1 = {...F0 ...F0}``, ``F2 = {...F1 ...F1}``… is as expensive
as the 2^n fields it expands to, although the text is a few hundred bytes. Each
fragment's figures are computed once and reused at every spread, so the check itself is
linear in the size of the document (walking the expansion, as a per-spread depth or
alias count does, is what made such a document stall a replica).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
    get_nullable_type,
    is_list_type,
)

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"

# A list field's selection is counted this many times: lists have no page size here, so
# the multiplier stands for a typical answer, not the worst one.
LIST_MULTIPLIER = 10


@dataclass(frozen=True, slots=True)
class QueryLimits:
    max_cost: int = 5_000
    max_depth: int = 12
    max_aliases: int = 30


@dataclass(frozen=True, slots=True)
class Figures:
    """A selection's expansion: fields (list children multiplied), deepest nesting, and
    aliases. Saturating at a bound keeps the numbers small for any document."""

    cost: int = 0
    depth: int = 0
    aliases: int = 0

    def plus(self, other: Figures, cap: int) -> Figures:
        return Figures(
            min(self.cost + other.cost, cap),
            max(self.depth, other.depth),
            min(self.aliases + other.aliases, cap),
        )


class _Measure:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, cap: int) -> None:
        self._schema = schema
        self._cap = cap
        self._fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._memo: dict[str, Figures] = {}
        self._visiting: set[str] = set()

    def operation(self, operation: OperationDefinitionNode) -> Figures:
        root = self._schema.get_root_type(operation.operation)
        return self._selection(operation.selection_set, root)

    def _selection(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None
    ) -> Figures:
        total = Figures()
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total = total.plus(self._field(selection, parent), self._cap)
            elif isinstance(selection, InlineFragmentNode):
                condition = parent
                if selection.type_condition is not None:
                    condition = self._schema.get_type(selection.type_condition.name.value)
                total = total.plus(self._selection(selection.selection_set, condition), self._cap)
            elif isinstance(selection, FragmentSpreadNode):
                total = total.plus(self._fragment(selection.name.value), self._cap)
        return total

    def _field(self, field: FieldNode, parent: GraphQLNamedType | None) -> Figures:
        field_type: Any = None
        fields = getattr(parent, "fields", None)  # object and interface types
        if fields is not None:
            definition = fields.get(field.name.value)
            field_type = definition.type if definition is not None else None
        alias = 1 if field.alias is not None else 0
        if field.selection_set is None or field.name.value.startswith("__"):
            # Introspection (__schema, __type) answers from the schema itself, whose size
            # bounds it; the standard introspection query is deeper than any operation.
            return Figures(1, 1, alias)
        child_type = get_named_type(field_type) if field_type is not None else None
        children = self._selection(field.selection_set, child_type)
        multiplier = (
            LIST_MULTIPLIER
            if field_type is not None and is_list_type(get_nullable_type(field_type))
            else 1
        )
        return Figures(
            min(1 + multiplier * children.cost, self._cap),
            children.depth + 1,
            min(alias + children.aliases, self._cap),
        )

    def _fragment(self, name: str) -> Figures:
        known = self._memo.get(name)
        if known is not None:
            return known
        definition = self._fragments.get(name)
        if definition is None or name in self._visiting:
            return Figures()  # unknown fragments and cycles are the spec rules' to report
        self._visiting.add(name)
        condition = self._schema.get_type(definition.type_condition.name.value)
        figures = self._selection(definition.selection_set, condition)
        self._visiting.discard(name)
        self._memo[name] = figures
        return figures


def limits_rule(limits: QueryLimits) -> type[ValidationRule]:
    """A validation rule class enforcing ``limits``. Build it once per schema: strawberry's
    validation cache keys on the rule classes."""

    class QueryLimitsRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)

        def enter_document(self, node: DocumentNode, *_: object) -> Any:
            cap = max(limits.max_cost, limits.max_aliases) + 1
            measure = _Measure(self.context.schema, node, cap)
            for definition in node.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    self._check(definition, measure.operation(definition))
            return self.BREAK

        def _check(self, operation: OperationDefinitionNode, figures: Figures) -> None:
            name = operation.name.value if operation.name else "anonymous"
            refusals = (
                (
                    figures.cost > limits.max_cost,
                    QUERY_TOO_COMPLEX,
                    f"Operation '{name}' is too complex: it selects more than "
                    f"{limits.max_cost} fields once fragments are expanded and list fields "
                    f"counted {LIST_MULTIPLIER} times.",
                ),
                (
                    figures.depth > limits.max_depth,
                    GRAPHQL_VALIDATION_FAILED,
                    f"'{name}' exceeds maximum operation depth of {limits.max_depth}",
                ),
                (
                    figures.aliases > limits.max_aliases,
                    GRAPHQL_VALIDATION_FAILED,
                    f"{figures.aliases} aliases found. Allowed: {limits.max_aliases}",
                ),
            )
            for refused, code, message in refusals:
                if refused:
                    self.report_error(GraphQLError(message, operation, extensions={"code": code}))

    return QueryLimitsRule
