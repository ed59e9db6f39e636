"""Alembic environment: runs on the connection handed over by storage.db.migrate, or on DATABASE_URL."""

import os
from typing import Any

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

from storage import models, slack_tables

assert models and slack_tables  # the tables register themselves on import
target_metadata = SQLModel.metadata


def render_item(kind: str, item: Any, autogen_context: Any) -> str | bool:
    """Write SQLModel's column types as plain SQLAlchemy ones, so migrations need only SQLAlchemy."""
    if kind == "type" and isinstance(item, AutoString):
        return f"sa.String(length={item.length})" if item.length else "sa.String()"
    if kind == "type" and type(item).__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


OPTIONS: dict[str, Any] = {"target_metadata": target_metadata, "render_as_batch": True, "render_item": render_item}


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, **OPTIONS)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(os.environ.get("DATABASE_URL", "sqlite:///passerelle.db"))
    with engine.begin() as own:
        context.configure(connection=own, **OPTIONS)
        with context.begin_transaction():
            context.run_migrations()


run()
