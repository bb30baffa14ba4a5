"""Pure domain core: schema formats, compatibility rules, validation and ports.

Nothing here awaits, reads a clock or the environment; the outer layers do.
"""
