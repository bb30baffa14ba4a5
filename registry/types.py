"""Identifier types shared across the registry."""

from typing import NewType

SubjectName = NewType("SubjectName", str)
SchemaId = NewType("SchemaId", int)
Version = NewType("Version", int)
Sequence = NewType("Sequence", int)
