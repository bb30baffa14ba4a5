"""Loading the settings of a scope, and those in force there, in one place."""

from __future__ import annotations

from registry.model import ScopeConfig
from registry.ports import RegistryReader
from registry.settings import EffectiveConfig, effective_config
from registry.types import SubjectName


async def load_config(
    reader: RegistryReader, subject: SubjectName | None
) -> tuple[ScopeConfig, EffectiveConfig]:
    """What is set at ``subject``'s scope (global when None) and what applies there,
    from the (at most) two rows they come from, each read once."""
    if subject is None:
        global_ = await reader.get_scope_config(None)
        return global_, effective_config(None, global_)
    global_, own = await reader.get_scope_configs([None, subject])
    return own, effective_config(own, global_)


async def effective_settings(
    reader: RegistryReader, subject: SubjectName | None
) -> EffectiveConfig:
    return (await load_config(reader, subject))[1]
