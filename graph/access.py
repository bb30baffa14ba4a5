"""The GraphQL side of the policy: every root field names its action and subject here,
and one extension asks ``registry.access.decide`` before the field resolves.

A root field without a rule is refused (FORBIDDEN): a new operation cannot be reachable
before it is given one (the authorization matrix test lists every field as well).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from strawberry.extensions import SchemaExtension

from registry.access import READ_ACTIONS, Action, Principal, refusal
from registry.errors import ForbiddenError, RegistryError

Rule = Callable[[Mapping[str, Any]], tuple[Action, str | None]]


def _value(argument: object) -> object:
    return getattr(argument, "value", argument)


def _read(subject_argument: str | None = None) -> Rule:
    def rule(args: Mapping[str, Any]) -> tuple[Action, str | None]:
        return Action.READ, None if subject_argument is None else args.get(subject_argument)

    return rule


def _configure(args: Mapping[str, Any]) -> tuple[Action, str | None]:
    subject = args.get("subject")
    return (Action.CONFIGURE if subject is not None else Action.CONFIGURE_GLOBAL), subject


def _set_mode(args: Mapping[str, Any]) -> tuple[Action, str | None]:
    if _value(args.get("mode")) == "IMPORT":
        return Action.IMPORT, args.get("subject")
    return _configure(args)


def _delete(args: Mapping[str, Any]) -> tuple[Action, str | None]:
    action = Action.DELETE_PERMANENT if args.get("permanent") else Action.DELETE
    return action, args.get("subject")


# GraphQL root field name → what it asks for. Keep in step with graph/schema.py.
QUERY_RULES: dict[str, Rule] = {
    "subjects": _read(),
    "subject": _read("name"),
    "schema": _read(),
    "lookupSchema": _read("subject"),
    "checkCompatibility": _read("subject"),
    "lintSchema": _read(),
    "exportSchema": _read("subject"),
    "validatePayload": _read("subject"),
    "validatePayloads": _read("subject"),
    "config": _read("subject"),
    "apiKeys": lambda args: (Action.MANAGE_KEYS, None),
    "auditLog": lambda args: (Action.READ_AUDIT, None),
    "__schema": lambda args: (Action.INTROSPECT, None),
    "__type": lambda args: (Action.INTROSPECT, None),
}
MUTATION_RULES: dict[str, Rule] = {
    "registerSchema": lambda args: (Action.REGISTER, args.get("subject")),
    "setCompatibility": _configure,
    "setMode": _set_mode,
    "setProviderRules": _configure,
    "deleteSubject": _delete,
    "deleteSchemaVersion": _delete,
    "createApiKey": lambda args: (Action.MANAGE_KEYS, None),
    "revokeApiKey": lambda args: (Action.MANAGE_KEYS, None),
}
SUBSCRIPTION_RULES: dict[str, Rule] = {
    "schemaChanges": lambda args: (Action.SUBSCRIBE, args.get("subject")),
}
RULES: dict[str, dict[str, Rule]] = {
    "Query": QUERY_RULES,
    "Mutation": MUTATION_RULES,
    "Subscription": SUBSCRIPTION_RULES,
}


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action
    subject: str | None
    refusal: RegistryError | None = None


def authorize(
    principal: Principal | None,
    root_type: str,
    field: str,
    args: Mapping[str, Any],
    *,
    introspection_for_all: bool = True,
) -> Verdict:
    """What ``field`` of the root type asks for, and the refusal when it is not allowed.
    A field without a rule is refused outright (``ForbiddenError``)."""
    rule = RULES.get(root_type, {}).get(field)
    if rule is None:
        raise ForbiddenError(f"The operation '{field}' is not permitted.")
    action, subject = rule(args)
    if action is Action.INTROSPECT and introspection_for_all:
        action = Action.READ
    return Verdict(action, subject, refusal(principal, action, subject))


class AccessExtension(SchemaExtension):
    """Decides each root field once, before it resolves, for the context's principal."""

    def __init__(self, *, introspection_for_all: bool = True) -> None:
        self._introspection_for_all = introspection_for_all

    def resolve(
        self,
        _next: Callable[..., Any],
        root: Any,
        info: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if info.path.prev is not None or info.field_name == "__typename":
            return _next(root, info, *args, **kwargs)
        context = info.context
        verdict = authorize(
            getattr(context, "principal", None),
            info.parent_type.name,
            info.field_name,
            kwargs,
            introspection_for_all=self._introspection_for_all,
        )
        refused = verdict.refusal
        if refused is None:
            if info.parent_type.name == "Mutation":
                # Each root mutation field's changes are audited under its own action: it
                # gets a context of its own (a websocket's operations share one).
                acting = context.services.acting(verdict.action.value, info.field_name)
                info = info._replace(context=dataclasses.replace(context, services=acting))
            return _next(root, info, *args, **kwargs)
        if verdict.action in READ_ACTIONS:
            raise refused

        async def refuse() -> Any:
            await context.services.record_refusal(
                verdict.action.value, info.field_name, refused.code, verdict.subject
            )
            raise refused

        return refuse()
