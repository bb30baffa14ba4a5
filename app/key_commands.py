"""``llm-schema-registry keys create|list|revoke``: API keys, managed on the database.

They work on the database the server uses (REGISTRY_DATABASE_URL), so the first admin
key can be made before anyone can authenticate. A revocation is also announced on the
broadcast (REGISTRY_BROADCAST_URL), so the key's open sockets close at once on every
replica; should the broadcast be unreachable, replicas find it in the outbox within
REGISTRY_EVENT_POLL_INTERVAL. HTTP requests check the key on every request either way.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import getpass
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from registry.access import Action, ApiKey, Principal, PrincipalKind, Role, SubjectScopes
from registry.errors import RegistryError
from registry.model import ChangeEvent
from registry.types import Sequence as EventSequence

if TYPE_CHECKING:
    from app.settings import Settings
    from resolvers.keys import NewKey


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="create, list and revoke API keys")
    actions = keys.add_subparsers(dest="keys_command", required=True)
    create = actions.add_parser("create", help="create a key; its secret is printed once")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--name", required=True, help="who or what holds the key")
    create.add_argument(
        "--subjects",
        action="append",
        metavar="PATTERN",
        help="subjects the key may see and change: 'team-a.*' (a prefix), an exact "
        "name, or '*' (every subject, the default); repeat for several",
    )
    listing = actions.add_parser("list", help="list keys (never their secrets)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    revoke = actions.add_parser("revoke", help="revoke a key on every replica")
    revoke.add_argument("key_id", metavar="KEY_ID")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from app.startup import StartupError, check_database

    check_database(settings)
    # The output is the key; the database driver's connect lines are noise here.
    logging.getLogger("databases").setLevel(logging.WARNING)
    try:
        return asyncio.run(_run(args, settings))
    except RegistryError as exc:
        raise StartupError(exc.message, 2 if exc.http_status in (400, 422) else 1) from None


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from app.keys import Argon2Hasher
    from resolvers import keys as key_resolvers
    from resolvers.context import Services
    from storage.store import DatabaseStore

    store = DatabaseStore(settings.database_url.get_secret_value(), pool_min_size=1)
    await store.connect()
    publisher = _BroadcastPublisher(settings)
    try:
        services = Services(
            store=store,
            publisher=publisher,
            feed=_NoFeed(),
            key_hasher=Argon2Hasher(),
            audit_log=store,
        ).for_principal(_command_line_principal(), client="command line")
        services = services.acting(Action.MANAGE_KEYS.value, f"keys {args.keys_command}")
        match args.keys_command:
            case "create":
                created = await key_resolvers.create_api_key(
                    services,
                    name=args.name,
                    role=Role(args.role),
                    scopes=SubjectScopes.parse(args.subjects or ["*"]),
                )
                _print_created(created)
            case "list":
                for key in await key_resolvers.list_api_keys(services):
                    _print_key(key, as_json=args.json)
            case "revoke":
                key = await key_resolvers.revoke_api_key(services, args.key_id)
                sys.stdout.write(f"revoked {key.id} ({key.name})\n")
    finally:
        await store.disconnect()
    return 0


def _command_line_principal() -> Principal:
    """Whoever runs the command: it works on the database directly, so it is as good as
    an administrator; the audit log names the operating system user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid {os.getuid()}"
    return Principal(id=f"cli:{user}", role=Role.ADMIN, kind=PrincipalKind.LOCAL, name=user)


def _print_created(created: NewKey) -> None:
    key, secret = created.key, created.secret
    sys.stdout.write(
        f"key id:    {key.id}\n"
        f"name:      {key.name}\n"
        f"role:      {key.role.value}\n"
        f"subjects:  {key.scopes}\n"
        f"secret:    {secret}\n"
        "\n"
        "The secret is shown only now. Clients use it as:\n"
        f"  basic.auth.user.info={created.basic_auth}\n"
        f"  Authorization: Bearer {created.bearer_token}\n"
    )


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    moment = datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _print_key(key: ApiKey, *, as_json: bool) -> None:
    if as_json:
        record = {
            "id": key.id,
            "name": key.name,
            "role": key.role.value,
            "subjects": list(key.scopes.patterns),
            "createdAt": _when(key.created_at),
            "revokedAt": None if key.revoked_at is None else _when(key.revoked_at),
        }
        sys.stdout.write(json.dumps(record) + "\n")
        return
    state = f"revoked {_when(key.revoked_at)}" if key.is_revoked else "active"
    sys.stdout.write(
        f"{key.id}  {key.role.value:<6}  {state:<28}  {key.scopes}  {key.name}"
        f"  (created {_when(key.created_at)})\n"
    )


class _NoFeed:
    def subscribe(
        self,
        subject: str | None = None,
        subject_prefix: str | None = None,
        after: EventSequence | None = None,
    ) -> AsyncIterator[ChangeEvent]:
        raise NotImplementedError("the command line does not subscribe")


class _BroadcastPublisher:
    """Announces a revocation to the replicas; best effort (they also poll the outbox)."""

    def __init__(self, settings: Settings) -> None:
        self._url = settings.broadcast_url.get_secret_value()
        self._channel = settings.broadcast_channel

    async def publish(self, events: Sequence[ChangeEvent]) -> None:
        if self._url.startswith("memory://"):
            return
        from subscriptions.broadcast import create_broadcast
        from subscriptions.codec import encode_event

        broadcast = create_broadcast(self._url)
        try:
            await asyncio.wait_for(broadcast.connect(), 5)
            for event in events:
                await asyncio.wait_for(broadcast.publish(self._channel, encode_event(event)), 5)
        except Exception as exc:
            sys.stderr.write(
                f"llm-schema-registry: warning: could not announce on the broadcast "
                f"({type(exc).__name__}); replicas pick the revocation up from the outbox "
                "within REGISTRY_EVENT_POLL_INTERVAL\n"
            )
        finally:
            await broadcast.disconnect()
