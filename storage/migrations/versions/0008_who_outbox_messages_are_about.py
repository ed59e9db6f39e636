"""who outbox messages are about: the people they name or quote, the programme they were written for

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows written before are about nobody known: the erasures still find them by their conversation, as before.
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("about", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("programme_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    # Not a batch: on SQLite it would copy the table; SQLite has dropped columns in place since 3.35.
    for column in ("programme_id", "about"):
        op.execute(f"ALTER TABLE outbox DROP COLUMN {column}")
