"""Who may do what: principals, roles, subject scopes and the one policy function.

Every transport authenticates a request into a ``Principal`` (or none), names the
``Action`` it asks for and the subject it concerns, and asks ``decide``. Reads are not
refused for their subject: what a principal may not see is filtered out of what it
reads (see ``SubjectScopes``), so another team's subject answers exactly as one that
does not exist. Writes outside the scopes are refused, whether the subject exists or
not, so a refusal says nothing about existence either.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from registry.errors import (
    BadUserInputError,
    ForbiddenError,
    RegistryError,
    UnauthenticatedError,
)


class Role(enum.Enum):
    READER = "reader"
    WRITER = "writer"
    ADMIN = "admin"


class Action(enum.Enum):
    # reader
    READ = "read"
    """Subjects, versions, schemas, settings; compatibility dry runs and lookups."""
    SUBSCRIBE = "subscribe"
    # writer
    REGISTER = "register"
    DELETE = "delete"
    """Soft deletes."""
    CONFIGURE = "configure"
    """A subject's compatibility level, policy and mode (IMPORT excepted)."""
    # admin
    CONFIGURE_GLOBAL = "configure_global"
    DELETE_PERMANENT = "delete_permanent"
    IMPORT = "import"
    """IMPORT mode, and registration with an explicit id or version."""
    MANAGE_KEYS = "manage_keys"
    READ_AUDIT = "read_audit"
    INTROSPECT = "introspect"
    """GraphQL introspection, when it is limited to administrators."""


# INTROSPECT is asked as READ unless introspection is kept to administrators.
_READER = frozenset({Action.READ, Action.SUBSCRIBE})
_WRITER = _READER | {Action.REGISTER, Action.DELETE, Action.CONFIGURE}
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.READER: _READER,
    Role.WRITER: _WRITER,
    Role.ADMIN: frozenset(Action),
}

# Actions that concern one subject when given one; refused outside the scopes.
_SUBJECT_WRITES = frozenset(
    {Action.REGISTER, Action.DELETE, Action.CONFIGURE, Action.DELETE_PERMANENT, Action.IMPORT}
)

ALL_SUBJECTS = "*"


def _validate_pattern(pattern: str) -> str:
    if not pattern:
        raise BadUserInputError("A subject scope must not be empty (use '*' for every subject).")
    if "*" in pattern[:-1]:
        raise BadUserInputError(
            f"Subject scope {pattern!r}: '*' may only end a pattern ('team-a.*', or '*')."
        )
    return pattern


@dataclass(frozen=True, slots=True)
class SubjectScopes:
    """Subject patterns: ``*`` is every subject, ``team-a.*`` every subject starting
    with ``team-a.``, and a pattern without ``*`` one subject by its exact name."""

    patterns: tuple[str, ...] = (ALL_SUBJECTS,)

    @classmethod
    def parse(cls, patterns: Iterable[str]) -> SubjectScopes:
        cleaned = tuple(_validate_pattern(p.strip()) for p in patterns)
        if not cleaned:
            raise BadUserInputError("At least one subject scope is needed ('*' for all).")
        return cls(tuple(sorted(set(cleaned))))

    @property
    def is_everything(self) -> bool:
        return ALL_SUBJECTS in self.patterns

    def covers(self, subject: str) -> bool:
        for pattern in self.patterns:
            if pattern.endswith("*"):
                if subject.startswith(pattern[:-1]):
                    return True
            elif subject == pattern:
                return True
        return False

    def may_cover_prefix(self, prefix: str) -> bool:
        """Whether some subject starting with ``prefix`` may be covered."""
        for pattern in self.patterns:
            stem = pattern[:-1] if pattern.endswith("*") else pattern
            if pattern.endswith("*"):
                if stem.startswith(prefix) or prefix.startswith(stem):
                    return True
            elif stem.startswith(prefix):
                return True
        return False

    def __str__(self) -> str:
        return ",".join(self.patterns)


EVERY_SUBJECT = SubjectScopes()


class PrincipalKind(enum.Enum):
    LOCAL = "local"
    """Nobody authenticated: authentication is off (loopback only, or explicitly)."""
    API_KEY = "api_key"
    TOKEN = "token"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. ``id`` is stable and names it in the audit log and in
    per-principal limits (a key's id, a token's issuer and subject)."""

    id: str
    role: Role
    scopes: SubjectScopes = EVERY_SUBJECT
    kind: PrincipalKind = PrincipalKind.API_KEY
    name: str = ""
    expires_at: float | None = field(default=None, compare=False)
    """Epoch seconds after which the credential no longer holds (a token's ``exp``)."""

    def may(self, action: Action) -> bool:
        return action in ROLE_ACTIONS[self.role]

    @property
    def key_id(self) -> str | None:
        return self.id if self.kind is PrincipalKind.API_KEY else None


LOCAL_PRINCIPAL = Principal(id="local", role=Role.ADMIN, kind=PrincipalKind.LOCAL, name="local")


class Decision(enum.Enum):
    ALLOW = "allow"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"


def decide(principal: Principal | None, action: Action, subject: str | None = None) -> Decision:
    """The one policy. No principal: unauthenticated. A role lacking the action:
    forbidden. A write to a subject outside the principal's scopes: forbidden (whether
    the subject exists or not). A global action (a subject-less CONFIGURE is the global
    setting, asked as CONFIGURE_GLOBAL) needs its own grant. Reads are always allowed
    here; what they return is filtered by the scopes."""
    if principal is None:
        return Decision.UNAUTHENTICATED
    if not principal.may(action):
        return Decision.FORBIDDEN
    if action in _SUBJECT_WRITES and subject is not None and not principal.scopes.covers(subject):
        return Decision.FORBIDDEN
    return Decision.ALLOW


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as listed: never its secret. ``id`` is public (it names the key in
    logs, audit rows and ``basic.auth.user.info``); the secret is only ever shown once."""

    id: str
    name: str
    role: Role
    scopes: SubjectScopes
    created_at: float
    revoked_at: float | None = None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def principal(self) -> Principal:
        return Principal(
            id=self.id,
            role=self.role,
            scopes=self.scopes,
            kind=PrincipalKind.API_KEY,
            name=self.name,
        )


@dataclass(frozen=True, slots=True)
class StoredKey:
    """A key with the slow hash of its secret, for verification."""

    key: ApiKey
    secret_hash: str


# Actions that change nothing: refusing them is not worth an audit row.
READ_ACTIONS = frozenset({Action.READ, Action.SUBSCRIBE, Action.INTROSPECT, Action.READ_AUDIT})


def refusal(
    principal: Principal | None, action: Action, subject: str | None = None
) -> RegistryError | None:
    """``decide``, as the error a transport answers with (None: allowed)."""
    decision = decide(principal, action, subject)
    if decision is Decision.UNAUTHENTICATED:
        return UnauthenticatedError()
    if decision is Decision.FORBIDDEN:
        target = f" on subject '{subject}'" if subject is not None else ""
        return ForbiddenError(f"Not permitted to {action.value.replace('_', ' ')}{target}.")
    return None
