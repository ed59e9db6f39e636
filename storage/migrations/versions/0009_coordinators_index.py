"""the coordinators of a workspace found by an index, not by reading all its people

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(
            "ix_person_coordinators",
            ["workspace_id"],
            unique=False,
            sqlite_where=sa.text("is_coordinator = 1"),  # as SQLAlchemy writes the test there
            postgresql_where=sa.text("is_coordinator"),
        )


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_coordinators")
