"""JSON Schema compatibility: can every document one schema allows pass the other?

``find_breaking_changes(writer, reader, writer_is_old=...)`` returns the reasons a document
valid under ``writer`` may be rejected by ``reader``; an empty list is a proof that none
is. The checker is a rule catalog (``catalog``): one module per keyword family, run by a
walker over pairs of subschemas. ``CODES`` documents every code it reports.
"""

from __future__ import annotations

from registry.formats.json_schema_compat.codes import CODES
from registry.formats.json_schema_compat.fingerprints import Fingerprints
from registry.formats.json_schema_compat.memo import CheckMemo
from registry.formats.json_schema_compat.walker import find_breaking_changes

__all__ = ["CODES", "CheckMemo", "Fingerprints", "find_breaking_changes"]
