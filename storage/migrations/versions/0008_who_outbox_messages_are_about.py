"""who outbox messages are about (the people they name or quote, their programme); the erasure day announced

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
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erasure_on", sa.Date(), nullable=True))


def downgrade() -> None:
    # Not batches: on SQLite they would copy the tables, and others refer to the programme's. SQLite has dropped
    # columns in place since 3.35.
    op.execute("ALTER TABLE programme DROP COLUMN erasure_on")
    for column in ("programme_id", "about"):
        op.execute(f"ALTER TABLE outbox DROP COLUMN {column}")
