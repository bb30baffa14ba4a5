"""What each registry mode allows.

READWRITE: registrations get the next free id and version and pass the compatibility
check. READONLY: no registration and no deletion; reads and configuration changes go on.
IMPORT: every registration carries the id (and may carry the version) it had in the
registry being migrated in, and skips the compatibility check (history is copied as it
was, not judged again); a registration without an id is refused, as in Confluent Schema
Registry. A subject's own mode wins over the global one, which defaults to READWRITE.
"""

from __future__ import annotations

from registry.errors import OperationNotPermittedError
from registry.model import RegistryMode


def ensure_writable(mode: RegistryMode, subject: str) -> None:
    """Registrations and deletions are refused in READONLY mode."""
    if mode is RegistryMode.READONLY:
        raise OperationNotPermittedError(f"Subject '{subject}' is in read-only mode.")


def ensure_registration_allowed(
    mode: RegistryMode, subject: str, *, has_explicit_id: bool, has_explicit_version: bool
) -> None:
    """READONLY refuses every registration; IMPORT needs the id the schema had, and explicit
    ids and versions are only for IMPORT."""
    ensure_writable(mode, subject)
    if mode is RegistryMode.IMPORT and not has_explicit_id:
        raise OperationNotPermittedError(
            f"Subject '{subject}' is not in read-write mode; in IMPORT mode a registration "
            "must give the schema id it had in the registry being migrated in."
        )
    if (has_explicit_id or has_explicit_version) and mode is not RegistryMode.IMPORT:
        raise OperationNotPermittedError(
            f"Subject '{subject}' is not in import mode; a schema id or version can only "
            "be given in IMPORT mode."
        )
