"""Engines (SQLite, PostgreSQL), sessions and migrate-on-open."""

from .engine import Database, open_engine, translate_db_error

__all__ = ["Database", "open_engine", "translate_db_error"]
