"""``llm-schema-registry export`` and ``llm-schema-registry import``: the whole registry
(schemas, versions, settings, keys' hashes, the audit log, the outbox) as JSON Lines.

``export`` writes to stdout (or ``--output``, through a temporary file renamed at the
end); ``import`` reads a file (``-``: stdin), migrates the target, and loads it in one
transaction into a database that holds nothing yet. Progress goes to stderr, one line per
table; a refusal is one ``StartupError`` line naming the file's line and the reason.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from app.startup import StartupError, check_database
from app.urls import DatabaseTarget, mask_url
from app.version import version

if TYPE_CHECKING:
    from app.settings import Settings
    from storage.backup import Header


def run(args: argparse.Namespace, settings: Settings) -> int:
    url = settings.database_url.get_secret_value()
    # The progress lines say what happens; Alembic's per-migration lines would bury them.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command == "export":
        _check_exists(url)
        check_database(settings)
        return _export(url, args.output)
    check_database(settings)
    return _import(url, args.file)


def _say(line: str) -> None:
    sys.stderr.write(f"llm-schema-registry: {line}\n")
    sys.stderr.flush()


def _check_exists(url: str) -> None:
    """Exporting a SQLite file that is not there would create it empty."""
    target = DatabaseTarget.of(url)
    if target.is_sqlite and not Path(target.path).exists():
        raise StartupError(
            f"cannot export the SQLite file {target.path} "
            f"(REGISTRY_DATABASE_URL={mask_url(url)!r}): it does not exist"
        )


def _export(url: str, output: str | None) -> int:
    from storage.backup import BackupError, export

    exported_at = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    partial = None if output is None else Path(f"{output}.partial")
    stream: IO[bytes] = sys.stdout.buffer if partial is None else partial.open("wb")
    try:
        header = asyncio.run(
            export(
                url,
                registry_version=version(),
                exported_at=exported_at,
                write=stream.write,
                progress=lambda table, rows: _say(f"exported {rows} {table} rows"),
            )
        )
        stream.flush()
        if partial is not None:
            os.fsync(stream.fileno())
            stream.close()
            partial.replace(output or "")
    except BackupError as exc:
        raise StartupError(exc.message) from None
    except BrokenPipeError:
        raise StartupError("the output was closed before the export ended") from None
    except Exception as exc:
        address = DatabaseTarget.of(url).address
        raise StartupError(f"exporting {address} failed: {_reason(exc)}") from None
    finally:
        if partial is not None:
            stream.close()
            partial.unlink(missing_ok=True)
    _say(
        f"exported {sum(header.counts.values())} rows at migration {header.revision}"
        + ("" if output is None else f" to {output}")
    )
    return 0


def _import(url: str, path: str) -> int:
    from storage.backup import BackupError, BackupLineError, read_header, restore
    from storage.migrate import current_revision, is_known_revision, upgrade_async

    name = "stdin" if path == "-" else path
    try:
        with _opened(path) as source:
            lines = iter(source)
            header = read_header(next(lines, None))
            if not is_known_revision(header.revision):
                raise StartupError(
                    f"{name} was exported at migration {header.revision}, which this release "
                    f"does not know (registry {header.registry_version} wrote it): import it "
                    "with that release or a newer one"
                )
            _say(
                f"importing {sum(header.counts.values())} rows exported by registry "
                f"{header.registry_version} at {header.exported_at} (migration {header.revision})"
            )

            async def run() -> None:
                # A new database first reaches the file's migration, so the rows go in with
                # the columns they were written with; later migrations then apply to them.
                fresh = await current_revision(url) is None
                await upgrade_async(url, header.revision if fresh else "head")
                await restore(url, header, lines, _progress(header))
                await upgrade_async(url)

            asyncio.run(run())
    except BackupLineError as exc:
        raise StartupError(f"{name} {exc.message}; nothing was imported") from None
    except BackupError as exc:
        raise StartupError(f"import of {name} refused: {exc.message}") from None
    except OSError as exc:
        raise StartupError(f"cannot read {name}: {exc.strerror or exc}") from None
    except StartupError:
        raise
    except Exception as exc:
        raise StartupError(
            f"importing into {DatabaseTarget.of(url).address} failed: {_reason(exc)}; "
            "nothing was imported"
        ) from None
    _say(f"imported {sum(header.counts.values())} rows; the registry may start")
    return 0


def _progress(header: Header) -> Callable[[str, int], None]:
    def report(table: str, rows: int) -> None:
        _say(f"imported {rows} of {header.counts[table]} {table} rows")

    return report


@contextlib.contextmanager
def _opened(path: str) -> Iterator[IO[bytes]]:
    if path == "-":
        yield sys.stdin.buffer
        return
    with open(path, "rb") as source:
        yield source


def _reason(error: BaseException) -> str:
    """The first line of what the driver or server said."""
    orig = getattr(error, "orig", None)
    if isinstance(orig, BaseException):
        error = orig
    while error.__cause__ is not None:
        error = error.__cause__
    lines = str(error).strip().splitlines()
    return mask_url(lines[0]) if lines else type(error).__name__
