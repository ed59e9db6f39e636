"""Persistence: SQLModel tables, the engine and sessions, query functions, migrations."""
