"""The REST side of the policy: each route names its action and subject here, and one
guard asks ``registry.access.decide`` before the handler runs.

Some actions depend on the request body (a registration with an explicit id or version
is an IMPORT; so is setting the IMPORT mode), so a rule may read it; the handler reads
the same cached body afterwards.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response

from registry.access import READ_ACTIONS, Action, refusal
from rest.errors import endpoint
from rest.http import flag, services_of, subject_param

Rule = Callable[[Request], Awaitable[tuple[Action, str | None]]]
Endpoint = Callable[[Request], Awaitable[Response]]


def guarded(handler: Endpoint, rule: Rule, operation: str) -> Endpoint:
    @endpoint
    async def check(request: Request) -> Response:
        action, subject = await rule(request)
        refused = refusal(request.scope.get("principal"), action, subject)
        if refused is not None:
            if action not in READ_ACTIONS:
                services = services_of(request)
                await services.record_refusal(action.value, operation, refused.code, subject)
            raise refused
        # The handler's changes are audited under this action (rest.http.services_of).
        request.state.operation = (action.value, operation)
        return await handler(request)

    check.__name__ = getattr(handler, "__name__", "endpoint")
    return check


async def _body_field(request: Request, name: str) -> object:
    """A field of the JSON body, or None when there is none (the handler reports a body
    it cannot read)."""
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return None
    return body.get(name) if isinstance(body, dict) else None


def _subject_or_none(request: Request) -> str | None:
    return subject_param(request) if "subject" in request.path_params else None


def read() -> Rule:
    async def rule(request: Request) -> tuple[Action, str | None]:
        return Action.READ, None

    return rule


async def delete(request: Request) -> tuple[Action, str | None]:
    action = Action.DELETE_PERMANENT if flag(request, "permanent") else Action.DELETE
    return action, subject_param(request)


async def register(request: Request) -> tuple[Action, str | None]:
    explicit = [await _body_field(request, name) for name in ("id", "version")]
    # Confluent's clients send -1 or 0 for "not given".
    is_import = any(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in explicit)
    return (Action.IMPORT if is_import else Action.REGISTER), subject_param(request)


async def configure(request: Request) -> tuple[Action, str | None]:
    subject = _subject_or_none(request)
    return (Action.CONFIGURE if subject is not None else Action.CONFIGURE_GLOBAL), subject


async def set_mode(request: Request) -> tuple[Action, str | None]:
    mode = await _body_field(request, "mode")
    if isinstance(mode, str) and mode.upper() == "IMPORT":
        return Action.IMPORT, _subject_or_none(request)
    return await configure(request)
