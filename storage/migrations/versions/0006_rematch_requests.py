"""rematch requests, and whether a pair needs a topic in common

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rematchrequest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("asked_by", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum("ended", "kept", name="rematchoutcome", native_enum=False, length=16),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(["asked_by"], ["person.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["person.id"]),
        sa.ForeignKeyConstraint(["pair_id"], ["pair.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rematchrequest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rematchrequest_pair_id"), ["pair_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rematchrequest_workspace_id"), ["workspace_id"], unique=False)
    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("topic_overlap", sa.String(length=16), server_default="preferred", nullable=False)
        )


def downgrade() -> None:
    # Not a batch: on SQLite it would copy the programme table, which every other table refers to. SQLite has
    # dropped columns in place since 3.35.
    op.execute("ALTER TABLE programme DROP COLUMN topic_overlap")
    with op.batch_alter_table("rematchrequest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rematchrequest_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_rematchrequest_pair_id"))
    op.drop_table("rematchrequest")
