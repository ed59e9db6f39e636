"""The engine, sessions, and bringing a database's schema up to date with Alembic."""

import sqlite3
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, text
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"
# Seconds a SQLite connection waits for another one's write lock.
SQLITE_TIMEOUT = 30
# Any fixed number; advisory locks are per database, and only migrate() takes this one.
MIGRATION_LOCK = 0x7061737365726C  # "passerl"
READ_ONLY = "passerelle_read_only"  # an execution option: see `reading`


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets foreign keys and a busy timeout, as PostgreSQL has by nature.

    A failed statement is logged without its values (`hide_parameters`): they are people's answers.
    """
    if url.startswith(("postgresql://", "postgres://")):
        # The driver we ship is psycopg 3; SQLAlchemy would otherwise look for psycopg2.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_TIMEOUT}, hide_parameters=True
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by _sqlite_begin below, not by the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    _wal(cursor)
    cursor.close()


def _wal(cursor: Any) -> None:
    """Switch to WAL (it lasts in the file), trying again while another process switches the same new file."""
    # That other process makes this one fail with "database is locked" at once: SQLite skips the busy timeout
    # there, to avoid a deadlock. So wait here instead, as long as that timeout.
    deadline = time.monotonic() + SQLITE_TIMEOUT
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_begin(connection: Any) -> None:
    """Take the write lock at the start: a read that later writes could otherwise fail at once under WAL. A
    session for `reading` takes none: it reads a snapshot, and writers go on meanwhile."""
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def migrate(engine: Engine) -> None:
    """Apply every Alembic migration not yet applied; any number of instances may call it at once."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # One transaction for the lock and the whole upgrade (env.py runs inside it): instances started together would
    # otherwise all find no alembic_version and all create it, and all but one die. The first to get the lock
    # migrates; the others wait, then find the head already applied. On SQLite, BEGIN IMMEDIATE (_sqlite_begin)
    # is that lock; on PostgreSQL, a transaction-level advisory lock, released by the commit or by a dead connection.
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session(engine: Engine) -> Session:
    """One session per event or job; the caller (the core) commits."""
    return Session(engine, expire_on_commit=False)


def reading(engine: Engine) -> Session:
    """A session that only reads, however long: on SQLite it holds no write lock, so nobody waits for it (a
    matching's pool of tens of thousands); it must write nothing."""
    return Session(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
