"""Input rules that hold for every API: subject names and schema sizes."""

from __future__ import annotations

import unicodedata

from registry.errors import (
    BadUserInputError,
    InvalidSubjectError,
    InvalidVersionError,
    SchemaTooLargeError,
)
from registry.model import Page
from registry.types import SubjectName

MAX_SUBJECT_LENGTH = 255
# Versions and ids are 32-bit integers in storage (and GraphQL's Int).
MAX_INT32 = 2**31 - 1


def validate_subject_name(name: str) -> SubjectName:
    """A subject name is 1..255 characters with no control characters."""
    if not name:
        raise InvalidSubjectError("Subject name must not be empty.")
    if len(name) > MAX_SUBJECT_LENGTH:
        raise InvalidSubjectError(
            f"Subject name is {len(name)} characters long; at most {MAX_SUBJECT_LENGTH} "
            "are allowed."
        )
    for index, char in enumerate(name):
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise InvalidSubjectError(
                f"Subject name contains a control character (U+{ord(char):04X}) at "
                f"position {index}."
            )
    return SubjectName(name)


def validate_subject_prefix(prefix: str) -> str:
    """A prefix follows the subject-name rules, except that it may be empty."""
    if prefix:
        validate_subject_name(prefix)
    return prefix


def validate_schema_size(text: str, max_bytes: int) -> None:
    """Schemas larger than the configured limit are refused before parsing."""
    # Cheap upper bound first: UTF-8 never uses more than 4 bytes per character.
    if len(text) * 4 <= max_bytes:
        return
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > max_bytes:
        raise SchemaTooLargeError(f"Schema is {size} bytes; the limit is {max_bytes} bytes.")


def validate_version_number(version: int) -> None:
    if not 1 <= version <= MAX_INT32:
        raise InvalidVersionError(
            f"Version must be an integer from 1 to {MAX_INT32}, got {version}."
        )


def validate_page(offset: int = 0, limit: int | None = None) -> Page:
    """A page starts at an offset from 0 and holds at least one entry (None: all the rest)."""
    if not 0 <= offset <= MAX_INT32:
        raise BadUserInputError(f"Offset must be an integer from 0 to {MAX_INT32}, got {offset}.")
    if limit is not None and not 1 <= limit <= MAX_INT32:
        raise BadUserInputError(
            f"Limit must be an integer from 1 to {MAX_INT32} (or none for all), got {limit}."
        )
    return Page(offset, limit)
