"""The policy: roles, subject scopes and decide()."""

from __future__ import annotations

import pytest

from registry.access import (
    LOCAL_PRINCIPAL,
    Action,
    Decision,
    Principal,
    Role,
    SubjectScopes,
    decide,
)
from registry.errors import BadUserInputError

TEAM_A = SubjectScopes.parse(["team-a.*"])


def principal(role: Role, scopes: SubjectScopes = TEAM_A) -> Principal:
    return Principal(id=f"{role.value}-key", role=role, scopes=scopes)


@pytest.mark.parametrize(
    ("patterns", "subject", "covered"),
    [
        (["*"], "anything", True),
        (["team-a.*"], "team-a.orders", True),
        (["team-a.*"], "team-a.", True),
        (["team-a.*"], "team-ab.orders", False),
        (["team-a.*"], "team-b.orders", False),
        (["shared.events"], "shared.events", True),
        (["shared.events"], "shared.events.v2", False),
        (["team-a.*", "shared.events"], "shared.events", True),
    ],
)
def test_scopes_cover_prefixes_exact_names_and_everything(
    patterns: list[str], subject: str, covered: bool
) -> None:
    assert SubjectScopes.parse(patterns).covers(subject) is covered


@pytest.mark.parametrize(
    ("prefix", "may"),
    [("team-a.", True), ("team-a.or", True), ("team", True), ("team-b.", False), ("x", False)],
)
def test_a_prefix_may_overlap_the_scopes(prefix: str, may: bool) -> None:
    assert TEAM_A.may_cover_prefix(prefix) is may


@pytest.mark.parametrize("patterns", [[], [""], ["a*b"], ["*a"], ["team-*-x"]])
def test_malformed_scopes_are_refused(patterns: list[str]) -> None:
    with pytest.raises(BadUserInputError):
        SubjectScopes.parse(patterns)


# role → actions it may take anywhere in its scopes
ALLOWED = {
    Role.READER: {Action.READ, Action.SUBSCRIBE},
    Role.WRITER: {
        Action.READ,
        Action.SUBSCRIBE,
        Action.REGISTER,
        Action.DELETE,
        Action.CONFIGURE,
    },
    Role.ADMIN: set(Action),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_each_role_may_take_exactly_its_actions(role: Role, action: Action) -> None:
    expected = Decision.ALLOW if action in ALLOWED[role] else Decision.FORBIDDEN
    assert decide(principal(role), action, "team-a.orders") is expected


@pytest.mark.parametrize(
    "action", [Action.REGISTER, Action.DELETE, Action.CONFIGURE, Action.IMPORT]
)
def test_a_write_outside_the_scopes_is_forbidden_even_for_an_admin(action: Action) -> None:
    admin = principal(Role.ADMIN)
    assert decide(admin, action, "team-b.orders") is Decision.FORBIDDEN
    assert decide(admin, action, "team-a.orders") is Decision.ALLOW


def test_a_read_is_never_refused_for_its_subject_the_scopes_filter_it() -> None:
    assert decide(principal(Role.READER), Action.READ, "team-b.orders") is Decision.ALLOW


def test_without_a_principal_everything_is_unauthenticated() -> None:
    for action in Action:
        assert decide(None, action, "team-a.orders") is Decision.UNAUTHENTICATED


def test_the_local_principal_may_do_everything() -> None:
    for action in Action:
        assert decide(LOCAL_PRINCIPAL, action, "any.subject") is Decision.ALLOW
