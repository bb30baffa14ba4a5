"""The ``export`` and ``import`` command lines. Kept apart from ``app.backup`` so that
``app.cli`` stays cheap to import (every check worker imports it again): the work itself
is imported when a command runs."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.settings import Settings

COMMANDS = ("export", "import")


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export", help="write every row of the database as JSON Lines (a backup)"
    )
    export.add_argument(
        "--output", "-o", metavar="FILE", help="write to FILE instead of stdout (replaced whole)"
    )
    restore = commands.add_parser(
        "import", help="migrate an empty database and load a backup into it, all or nothing"
    )
    restore.add_argument("file", metavar="FILE", help="a file written by `export` (- for stdin)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from app import backup

    return backup.run(args, settings)
