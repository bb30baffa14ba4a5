"""Persistence on PostgreSQL (asyncpg) and SQLite (aiosqlite) through ``databases``."""
